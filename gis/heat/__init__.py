"""District heating's network analysis: the isolation trace of a damaged pipe on both
circuits, no-heat calls grouped onto their substation or main, and the network's checks."""
