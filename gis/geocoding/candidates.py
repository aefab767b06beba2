"""What the geocoder answers with."""

from dataclasses import dataclass
from typing import Literal

from django.contrib.gis.geos import Point

Kind = Literal["premise", "road", "landmark", "intersection"]
Method = Literal["exact", "structured", "fuzzy", "landmark", "intersection"]


@dataclass(frozen=True)
class Candidate:
    """One place the text may mean.

    `score` runs from 0 to 1: 1.0 only when every part written matched one premise exactly;
    about 0.5 when the text fits several premises equally (a compound given without its flat);
    below 0.5 for a fallback (the road of an address whose number does not exist).
    """

    kind: Kind
    id: int | None  # the Premise, Road or Landmark id; None for an intersection
    label: str  # the full text of what was matched, e.g. 河西区友谊路32号3号楼2单元501
    point: Point  # SRID 4326
    score: float
    method: Method


@dataclass(frozen=True)
class Nearest:
    id: int
    label: str
    point: Point  # the premise's point, or the closest point on the road
    distance_m: float  # metres on the geography (WGS 84 spheroid)


@dataclass(frozen=True)
class ReverseGeocode:
    premise: Nearest | None
    road: Nearest | None
