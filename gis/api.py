"""The map and address API of the console: geocode, reverse geocode, the roads background."""

from typing import Any

from django.contrib.gis.geos import Point
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view, renderer_classes
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework_gis.fields import GeometryField
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from config.openapi import answer
from gis.geocoding import Candidate, Nearest, geocode, reverse_geocode
from gis.models import Road
from gis.schemas import GeocodeOut, ReverseOut, RoadCollectionOut
from gis.selectors import road_list_in_bbox

ROADS_MAX = 2000  # a city of a million premises has thousands of roads; a screen needs fewer
COORD_DECIMALS = 6  # about 10 cm: enough for a map, a third of the bytes of full precision


class GeocodeIn(serializers.Serializer):
    q = serializers.CharField(
        max_length=300,
        trim_whitespace=True,
        error_messages={
            "required": "type an address, landmark or corner to search for (q)",
            "blank": "type an address, landmark or corner to search for (q)",
        },
    )
    limit = serializers.IntegerField(min_value=1, max_value=20, default=5)


def _candidate_json(c: Candidate) -> dict[str, Any]:
    return {
        "kind": c.kind,
        "id": c.id,
        "label": c.label,
        "lon": round(c.point.x, 7),
        "lat": round(c.point.y, 7),
        "score": c.score,
        "method": c.method,
    }


@extend_schema(
    operation_id="geocode_search",
    summary="Geocode an address, landmark or corner",
    parameters=[GeocodeIn],
    responses={200: GeocodeOut},
)
@api_view(["GET"])
def geocode_search(request: Request) -> Response:
    """Places an address, landmark or corner as the caller said it may mean, best first."""
    payload = GeocodeIn(data=request.query_params)
    payload.is_valid(raise_exception=True)
    q, limit = payload.validated_data["q"], payload.validated_data["limit"]
    candidates = [_candidate_json(c) for c in geocode(q, limit=limit)]
    return answer(GeocodeOut, {"query": q, "candidates": candidates})


class ReverseIn(serializers.Serializer):
    lon = serializers.FloatField(
        min_value=-180,
        max_value=180,
        error_messages={"invalid": "lon must be a longitude in degrees, e.g. 117.2"},
    )
    lat = serializers.FloatField(
        min_value=-90,
        max_value=90,
        error_messages={"invalid": "lat must be a latitude in degrees, e.g. 39.1"},
    )


def _nearest_json(n: Nearest | None) -> dict[str, Any] | None:
    if n is None:
        return None
    return {
        "id": n.id,
        "label": n.label,
        "lon": round(n.point.x, 7),
        "lat": round(n.point.y, 7),
        "distance_m": round(n.distance_m, 1),
    }


@extend_schema(
    operation_id="reverse_geocode",
    summary="Nearest premise and road to a point",
    parameters=[ReverseIn],
    responses={200: ReverseOut},
)
@api_view(["GET"])
def reverse(request: Request) -> Response:
    """The premise and the road nearest a point clicked on the map, with distances in metres."""
    payload = ReverseIn(data=request.query_params)
    payload.is_valid(raise_exception=True)
    found = reverse_geocode(
        Point(payload.validated_data["lon"], payload.validated_data["lat"], srid=4326)
    )
    return answer(
        ReverseOut, {"premise": _nearest_json(found.premise), "road": _nearest_json(found.road)}
    )


class BboxIn(serializers.Serializer):
    bbox = serializers.CharField(
        error_messages={"required": "bbox is required: min lon,min lat,max lon,max lat"}
    )

    def validate_bbox(self, value: str) -> tuple[float, float, float, float]:
        message = (
            "bbox must be four numbers, min lon,min lat,max lon,max lat, e.g. 117.1,39,117.3,39.2"
        )
        try:
            west, south, east, north = (float(part) for part in value.split(","))
        except ValueError:
            raise serializers.ValidationError(message) from None
        if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
            raise serializers.ValidationError(
                message + "; the minimums must be below the maximums, within ±180 and ±90"
            )
        return west, south, east, north


class RoadFeature(GeoFeatureModelSerializer):
    line = GeometryField(precision=COORD_DECIMALS)

    class Meta:
        model = Road
        geo_field = "line"
        fields = ("id", "name", "name_en", "road_class")


@extend_schema(
    operation_id="roads_geojson",
    summary="Roads in a bounding box, as GeoJSON",
    parameters=[BboxIn],
    responses={(200, "application/geo+json"): RoadCollectionOut},
)
@api_view(["GET"])
@renderer_classes([JSONRenderer])
def roads_geojson(request: Request) -> Response:
    """Roads in a bbox as a GeoJSON FeatureCollection, capped at ROADS_MAX (`truncated`)."""
    payload = BboxIn(data=request.query_params)
    payload.is_valid(raise_exception=True)
    roads = list(road_list_in_bbox(payload.validated_data["bbox"])[: ROADS_MAX + 1])
    body = RoadFeature(roads[:ROADS_MAX], many=True).data
    body["truncated"] = len(roads) > ROADS_MAX
    return Response(body, content_type="application/geo+json")
