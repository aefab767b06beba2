"""A believable, deterministic demo city: roads, mains, valves, stations, premises, customers."""
