"""A fleet of simulated vans that drive the city's roads and report like OwnTracks tablets.

Each van follows the fastest road route (fleet.roads) to its crew's live job, or back to
its station, and publishes an OwnTracks `location` over MQTT at a set rate. Routes are
polylines in the road graph's metric projection with the time each vertex is passed, so a
position at any moment is one interpolation; positions go to WGS 84 in one GDAL call per
batch. `roaming_fixes` gives a bench the same fixes without the database loop.
"""

from demo.simulator.fleet import FleetSimulator, SimulatorError, fleet_simulator
from demo.simulator.motion import SimVan, roaming_fixes
from demo.simulator.owntracks import owntracks_payload, owntracks_topic
from demo.simulator.projection import Projection
from demo.simulator.routes import Route, Router

__all__ = [
    "FleetSimulator",
    "Projection",
    "Route",
    "Router",
    "SimVan",
    "SimulatorError",
    "fleet_simulator",
    "owntracks_payload",
    "owntracks_topic",
    "roaming_fixes",
]
