"""Reads of the network app."""

from dataclasses import dataclass
from typing import Any

from django.contrib.gis.db.models import Extent
from django.contrib.gis.db.models import GeometryField as GeometryDbField
from django.contrib.gis.db.models.functions import GeoFunc
from django.contrib.gis.geos import Point, Polygon
from django.db import connection
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from gis.models import OrgUnit, PipeSegment, Premise, Road, Valve
from gis.topology import network_graph
from gis.trace import Isolation, isolation_trace

AFFECTED_AREA_MARGIN_M = 30.0  # the outline drawn around isolated mains on the map


def org_unit_list_within(unit: OrgUnit | None) -> QuerySet[OrgUnit]:
    """The unit and every unit beneath it; None (a user with no unit) sees nothing."""
    if unit is None:
        return OrgUnit.objects.none()
    # Three fixed tiers, so two joins reach every descendant without a recursive CTE.
    return OrgUnit.objects.filter(Q(pk=unit.pk) | Q(parent=unit) | Q(parent__parent=unit))


def org_unit_station_for_point(point: Point, utility: str = "gas") -> OrgUnit | None:
    """The maintenance station serving `utility` whose territory holds the point (GiST index,
    covers): a heat company's stations and a gas company's may cover the same streets."""
    return (
        OrgUnit.objects.filter(
            tier=OrgUnit.Tier.STATION, territory__intersects=point, utilities__contains=[utility]
        )
        .order_by("code")
        .first()
    )


@dataclass(frozen=True)
class Snap:
    segment: PipeSegment
    distance_m: float


def segment_nearest(
    point: Point,
    *,
    max_distance_m: float | None = None,
    utility: str = "gas",
    circuit: str = "",
    primary: bool | None = None,
) -> Snap | None:
    """The in-service main of one network nearest to a point, and how far it is (metres).

    Gas unless a utility (and for heat a circuit) is asked: a caller smelling gas beside a
    heat pipe is on the gas main. For heat, `primary` True keeps to the primary network
    (pressure class high), False to the secondary, None takes either."""
    level = "" if primary is None else ("AND (pressure_class = 'high') = %(primary)s")
    # KNN (`<->`, GiST) on the planar geometry finds a few candidates fast; the true distance
    # on the spheroid then picks the nearest, which planar degrees can get wrong.
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT id, ST_Distance(geom::geography, ST_GeomFromEWKT(%(p)s)::geography) AS m
               FROM (SELECT id, geom FROM network_pipesegment WHERE status = 'in_service'
                     AND utility = %(utility)s AND circuit = %(circuit)s """  # noqa: S608 - level is one of two constants
            + level
            + """ ORDER BY geom <-> ST_GeomFromEWKT(%(p)s) LIMIT 5) candidates
               ORDER BY m LIMIT 1""",
            {"p": point.ewkt, "utility": utility, "circuit": circuit, "primary": primary},
        )
        row = cursor.fetchone()
    if row is None or (max_distance_m is not None and row[1] > max_distance_m):
        return None
    return Snap(segment=PipeSegment.objects.get(pk=row[0]), distance_m=round(row[1], 2))


def isolation_geojson(isolation: Isolation) -> dict[str, Any]:
    """The trace on a map: valves to close (numbered), stations to shut, isolated mains,
    the premises cut off and the affected area's outline, as one FeatureCollection."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT json_build_object('type', 'FeatureCollection', 'features', coalesce(
              (SELECT json_agg(f) FROM (
                (SELECT json_build_object('type', 'Feature', 'geometry', ST_AsGeoJSON(v.geom)::json,
                  'properties', json_build_object('role', 'valve_to_close', 'order', o.n,
                  'valve_id', v.id, 'asset_id', v.asset_id)) f
                FROM unnest(%(valves)s::bigint[]) WITH ORDINALITY AS o(id, n)
                JOIN network_valve v ON v.id = o.id
                ORDER BY o.n)  -- the closing order, first to last
                UNION ALL
                SELECT json_build_object('type', 'Feature', 'geometry', ST_AsGeoJSON(s.geom)::json,
                  'properties', json_build_object('role', 'source_to_shut', 'source_id', s.id,
                  'asset_id', s.asset_id, 'name', s.name))
                FROM network_source s WHERE s.id = ANY(%(sources)s)
                UNION ALL
                SELECT json_build_object('type', 'Feature',
                  'geometry', ST_AsGeoJSON(ST_Collect(geom))::json, 'properties',
                  json_build_object('role', 'isolated_mains', 'segments', count(*)))
                FROM network_pipesegment WHERE id = ANY(%(segments)s) HAVING count(*) > 0
                UNION ALL
                SELECT json_build_object('type', 'Feature',
                  'geometry', ST_AsGeoJSON(ST_Collect(geom))::json, 'properties',
                  json_build_object('role', 'premises_cut_off', 'premises', count(*)))
                FROM network_premise WHERE service_segment_id = ANY(%(segments)s)
                HAVING count(*) > 0
                UNION ALL
                SELECT json_build_object('type', 'Feature', 'geometry', ST_AsGeoJSON(
                  ST_Buffer(ST_Collect(geom)::geography, %(margin)s)::geometry, 6)::json,
                  'properties', json_build_object('role', 'affected_area'))
                FROM network_pipesegment WHERE id = ANY(%(segments)s) HAVING count(*) > 0
              ) features), '[]'::json))
            """,
            {
                "valves": isolation.valves_to_close,
                "sources": isolation.sources_to_shut,
                "segments": isolation.isolated_segment_ids,
                "margin": AFFECTED_AREA_MARGIN_M,
            },
        )
        return cursor.fetchone()[0]


def premise_ids_cut_off(isolation: Isolation) -> list[int]:
    return list(
        Premise.objects.filter(service_segment_id__in=isolation.isolated_segment_ids)
        .order_by("id")
        .values_list("id", flat=True)
    )


def isolation_for_segment(
    *, segment_id: int, seized_valve_ids: frozenset[int] = frozenset()
) -> Isolation:
    """Trace a damaged gas main: valves in the register as inoperable, and any a crew has
    just reported seized, are passed over and the trace widens to the next ring. (A heat
    pipe is traced on both circuits by gis.heat.trace.heat_isolation_for_segment.)"""
    # No ORDER BY: the model orders by asset id, a text sort these few ids do not need.
    seized = frozenset(Valve.objects.filter(operable=False).order_by().values_list("id", flat=True))
    return isolation_trace(
        network_graph(), segment_id=segment_id, seized_valves=seized | seized_valve_ids
    )


# Simplify to about one screen pixel: a bbox is at most a few thousand pixels wide, so
# 1/2000 of its width loses nothing the dispatcher could see, at any zoom.
PIXELS_ACROSS = 2000
ROAD_RANK = {Road.RoadClass.ARTERIAL: 0, Road.RoadClass.COLLECTOR: 1, Road.RoadClass.LOCAL: 2}


class SimplifyPreserveTopology(GeoFunc):
    function = "ST_SimplifyPreserveTopology"
    output_field = GeometryDbField(srid=4326)


def road_list_in_bbox(bbox: tuple[float, float, float, float]) -> QuerySet[Road]:
    """Roads crossing the box, main roads first (so a cap drops side streets), simplified."""
    width = bbox[2] - bbox[0]
    box = Polygon.from_bbox(bbox)
    box.srid = 4326
    return (
        Road.objects.filter(geom__bboverlaps=box)  # `&&`: the GiST index alone answers
        .annotate(
            rank=Case(
                *(When(road_class=c, then=Value(r)) for c, r in ROAD_RANK.items()),
                default=Value(len(ROAD_RANK)),
                output_field=IntegerField(),
            ),
            line=SimplifyPreserveTopology("geom", Value(width / PIXELS_ACROSS)),
        )
        .order_by("rank", "id")
        .only("id", "name", "name_en", "road_class")
    )


# Where a map opens when the user's unit has no territory and no roads are loaded yet.
FALLBACK_BOUNDS = [117.0, 39.0, 117.4, 39.2]


def org_unit_bounds(unit: OrgUnit | None) -> list[float]:
    """West, south, east, north of the unit's territory, else of the road network."""
    extent = org_unit_list_within(unit).aggregate(e=Extent("territory"))["e"]
    if extent is None:
        extent = Road.objects.aggregate(e=Extent("geom"))["e"]
    return [round(v, 6) for v in extent] if extent else FALLBACK_BOUNDS
