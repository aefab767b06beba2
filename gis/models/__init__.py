from gis.models.network import NetworkRevision, PipeSegment, PressureClass, Source, Valve
from gis.models.org import OrgUnit
from gis.models.places import Landmark, Premise, Road

__all__ = [
    "Landmark",
    "NetworkRevision",
    "OrgUnit",
    "PipeSegment",
    "Premise",
    "PressureClass",
    "Road",
    "Source",
    "Valve",
]
