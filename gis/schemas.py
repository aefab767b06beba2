"""What the map and address API answers, declared for the OpenAPI document (response only).

GeoJSON (RFC 7946) geometries are declared per type, so a client generated from the schema
knows that a Point's coordinates are one position and a LineString's a list of them.
"""

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from gis.models import Road

_POSITION: dict[str, Any] = {
    "type": "array",
    "items": {"type": "number"},
    "minItems": 2,
    "maxItems": 3,
    "description": "longitude, latitude (WGS 84)",
}


def _array(items: dict[str, Any], *, min_items: int = 0) -> dict[str, Any]:
    return {"type": "array", "items": items, "minItems": min_items}


_LINE = _array(_POSITION, min_items=2)
_POLYGON = _array(_array(_POSITION, min_items=4))
COORDINATES = {
    "Point": _POSITION,
    "LineString": _LINE,
    "Polygon": _POLYGON,
    "MultiPoint": _array(_POSITION),
    "MultiLineString": _array(_LINE),
    "MultiPolygon": _array(_POLYGON),
}


def geometry_schema(*kinds: str) -> dict[str, Any]:
    """The GeoJSON geometries of these types, one of them (all types when none named)."""
    shapes = [
        {
            "type": "object",
            "properties": {
                "type": {"type": "string", "enum": [kind]},
                "coordinates": COORDINATES[kind],
            },
            "required": ["type", "coordinates"],
        }
        for kind in kinds or COORDINATES
    ]
    return shapes[0] if len(shapes) == 1 else {"oneOf": shapes}


@extend_schema_field(geometry_schema())
class GeometryOut(serializers.JSONField):
    """Any GeoJSON geometry, as PostGIS's ST_AsGeoJSON writes it."""


@extend_schema_field(geometry_schema("LineString"))
class LineStringOut(serializers.JSONField):
    pass


@extend_schema_field({"type": "string", "enum": ["Feature"]})
class FeatureTypeOut(serializers.CharField):
    pass


@extend_schema_field({"type": "string", "enum": ["FeatureCollection"]})
class FeatureCollectionTypeOut(serializers.CharField):
    pass


# DRF's metaclass takes declared fields off the class, so a field named `label` does not hide
# Field.label at run time; only the type checker sees the clash.


class CandidateOut(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["premise", "road", "landmark", "intersection"])
    id = serializers.IntegerField(allow_null=True, help_text="none for an intersection")
    label = serializers.CharField()  # type: ignore[assignment]
    lon = serializers.FloatField()
    lat = serializers.FloatField()
    score = serializers.FloatField(help_text="0 to 1: 1 only when every part matched exactly")
    method = serializers.ChoiceField(
        choices=["exact", "structured", "fuzzy", "landmark", "intersection"]
    )


class GeocodeOut(serializers.Serializer):
    query = serializers.CharField()
    candidates = CandidateOut(many=True, help_text="best first")


class NearestOut(serializers.Serializer):
    id = serializers.IntegerField()
    label = serializers.CharField()  # type: ignore[assignment]
    lon = serializers.FloatField()
    lat = serializers.FloatField()
    distance_m = serializers.FloatField()


class ReverseOut(serializers.Serializer):
    premise = NearestOut(allow_null=True, help_text="none when there is no premise near")
    road = NearestOut(allow_null=True)


class RoadPropertiesOut(serializers.Serializer):
    name = serializers.CharField()
    name_en = serializers.CharField()
    road_class = serializers.ChoiceField(choices=Road.RoadClass.choices)


class RoadFeatureOut(serializers.Serializer):
    id = serializers.IntegerField()
    type = FeatureTypeOut()
    geometry = LineStringOut(help_text="simplified for the box's width")
    properties = RoadPropertiesOut()


class RoadCollectionOut(serializers.Serializer):
    type = FeatureCollectionTypeOut()
    features = RoadFeatureOut(many=True, help_text="main roads first")
    truncated = serializers.BooleanField(help_text="more roads in the box than were sent")
