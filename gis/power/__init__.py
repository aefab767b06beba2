"""The power distribution network: its graph, trouble-call analysis and checks.

- gis.power.graph: the lines, devices and substations as a graph and a supply tree.
- gis.power.analysis: which device is open, from outage calls (a pure function).
- gis.power.calls: placing calls and finding the customers out, from the database.
- gis.power.check: what check_network reports for power.
"""

from gis.power.analysis import (
    ROLLUP_MIN,
    PlacedCall,
    PredictedOutage,
    TroubleAnalysis,
    UnplacedCall,
    trouble_analysis,
)
from gis.power.calls import TroubleCall, calls_place, device_customers, trouble_calls_analyse
from gis.power.check import PowerCheck, power_network_check
from gis.power.graph import PowerNetwork, power_network, power_network_build

__all__ = [
    "ROLLUP_MIN",
    "PlacedCall",
    "PowerCheck",
    "PowerNetwork",
    "PredictedOutage",
    "TroubleAnalysis",
    "TroubleCall",
    "UnplacedCall",
    "calls_place",
    "device_customers",
    "power_network",
    "power_network_build",
    "power_network_check",
    "trouble_analysis",
    "trouble_calls_analyse",
]
