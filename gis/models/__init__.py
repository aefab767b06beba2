from gis.models.network import (
    Circuit,
    NetworkRevision,
    PipeSegment,
    PressureClass,
    Source,
    Utility,
    Valve,
)
from gis.models.org import AreaClass, OrgUnit, ServiceArea
from gis.models.places import Landmark, Premise, Road
from gis.models.power import PowerDevice, PowerLine, PowerSubstation

__all__ = [
    "AreaClass",
    "Circuit",
    "Landmark",
    "NetworkRevision",
    "OrgUnit",
    "PipeSegment",
    "PowerDevice",
    "PowerLine",
    "PowerSubstation",
    "Premise",
    "PressureClass",
    "Road",
    "ServiceArea",
    "Source",
    "Utility",
    "Valve",
]
