"""The network around a job, as a crew needs it on site: mains and valves near the incident,
and, for a damaged main, the valves to close in order and what that cuts off."""

from dataclasses import replace
from typing import Any

from django.db import connection

from dispatch.models import Incident
from dispatch.valve_route import valves_by_road
from gis.selectors import isolation_for_segment, isolation_geojson, premise_ids_cut_off
from gis.trace import Isolation, UnknownSegmentError

AROUND_M = 300  # what a crew walks to from the van

_AROUND = """
SELECT json_build_object('type', 'FeatureCollection', 'features', coalesce((
  SELECT json_agg(f) FROM (
    SELECT json_build_object('type', 'Feature', 'geometry', ST_AsGeoJSON(s.geom, 7)::json,
      'properties', json_build_object('kind', 'main', 'asset_id', s.asset_id,
        'material', s.material, 'diameter_mm', s.diameter_mm,
        'pressure_class', s.pressure_class, 'status', s.status)) f
    FROM network_pipesegment s
    WHERE ST_DWithin(s.geom::geography, %(point)s::geography, %(metres)s)
    UNION ALL
    SELECT json_build_object('type', 'Feature', 'geometry', ST_AsGeoJSON(v.geom, 7)::json,
      'properties', json_build_object('kind', 'valve', 'asset_id', v.asset_id,
        'valve_type', v.valve_type, 'operable', v.operable, 'normally_open', v.normally_open))
    FROM network_valve v
    WHERE ST_DWithin(v.geom::geography, %(point)s::geography, %(metres)s)
  ) features), '[]'::json))"""


def work_order_surroundings(incident: Incident) -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute(_AROUND, {"point": incident.point.ewkt, "metres": AROUND_M})
        around = cursor.fetchone()[0]
    isolation: dict[str, Any] | None = None
    if incident.segment_id is not None:
        try:
            trace = isolation_for_segment(segment_id=incident.segment_id)
        except UnknownSegmentError:  # the main left the network since: nothing to trace
            trace = None
        if trace is not None:
            trace = _in_driving_order(trace, incident)
            isolation = {
                "valves_to_close": isolation_geojson(trace),
                "premises_cut_off": len(premise_ids_cut_off(trace)),
            }
    return {"network_around": around, "isolation": isolation}


def _in_driving_order(trace: Isolation, incident: Incident) -> Isolation:
    """The valves numbered as the incident's timeline lists them: the crew's drive."""
    route = valves_by_road(start=incident.point, valve_ids=trace.valves_to_close)
    if route is None:
        return trace
    away = dict(zip(trace.valves_to_close, trace.valve_distances_m, strict=False))
    return replace(
        trace,
        valves_to_close=route.valve_ids,
        valve_distances_m=[away[v] for v in route.valve_ids if v in away],
    )
