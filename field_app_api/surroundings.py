"""The network around a job, as a crew needs it on site: its own utility's mains and valves
near the incident (a heat crew's supply and return pipes, a power crew's lines and devices),
and, for a damaged main, the valves to close in order and what that cuts off."""

from dataclasses import replace
from typing import Any

from django.db import connection

from dispatch.models import Incident
from dispatch.selectors import category_rule_get, isolation_in_force
from dispatch.valve_route import valves_by_road
from gis.selectors import isolation_for_segment, isolation_geojson, premise_ids_cut_off
from gis.trace import UnknownSegmentError

AROUND_M = 300  # what a crew walks to from the van

_AROUND = """
SELECT json_build_object('type', 'FeatureCollection', 'features', coalesce((
  SELECT json_agg(f) FROM (
    SELECT json_build_object('type', 'Feature', 'geometry', ST_AsGeoJSON(s.geom, 7)::json,
      'properties', json_build_object('kind', 'main', 'asset_id', s.asset_id,
        'material', s.material, 'diameter_mm', s.diameter_mm, 'utility', s.utility,
        'circuit', s.circuit, 'pressure_class', s.pressure_class, 'status', s.status)) f
    FROM network_pipesegment s
    WHERE s.utility = %(utility)s
      AND ST_DWithin(s.geom::geography, %(point)s::geography, %(metres)s)
    UNION ALL
    SELECT json_build_object('type', 'Feature', 'geometry', ST_AsGeoJSON(v.geom, 7)::json,
      'properties', json_build_object('kind', 'valve', 'asset_id', v.asset_id,
        'valve_type', v.valve_type, 'operable', v.operable, 'normally_open', v.normally_open))
    FROM network_valve v
    WHERE v.utility = %(utility)s
      AND ST_DWithin(v.geom::geography, %(point)s::geography, %(metres)s)
    UNION ALL
    SELECT json_build_object('type', 'Feature', 'geometry', ST_AsGeoJSON(l.geom, 7)::json,
      'properties', json_build_object('kind', 'power_line', 'asset_id', l.asset_id,
        'feeder', l.feeder, 'voltage_kv', l.voltage_kv, 'construction', l.construction))
    FROM network_powerline l
    WHERE %(utility)s = 'power'
      AND ST_DWithin(l.geom::geography, %(point)s::geography, %(metres)s)
    UNION ALL
    SELECT json_build_object('type', 'Feature', 'geometry', ST_AsGeoJSON(d.geom, 7)::json,
      'properties', json_build_object('kind', 'power_device', 'asset_id', d.asset_id,
        'device_kind', d.kind, 'name', d.name, 'normally_open', d.normally_open))
    FROM network_powerdevice d
    WHERE %(utility)s = 'power'
      AND ST_DWithin(d.geom::geography, %(point)s::geography, %(metres)s)
  ) features), '[]'::json))"""


def work_order_surroundings(incident: Incident) -> dict[str, Any]:
    utility = category_rule_get(incident.category).utility
    with connection.cursor() as cursor:
        cursor.execute(
            _AROUND, {"point": incident.point.ewkt, "metres": AROUND_M, "utility": utility}
        )
        around = cursor.fetchone()[0]
    return {"network_around": around, "isolation": _isolation(incident)}


def _isolation(incident: Incident) -> dict[str, Any] | None:
    """The trace in force, as the dispatcher ran it (seized valves passed over) and as the
    incident's map numbers it; before any, the trace of the incident's main as it is now,
    its valves in the crew's driving order."""
    in_force = isolation_in_force(incident)
    if in_force is not None:
        row, trace = in_force
        return {
            "valves_to_close": isolation_geojson(trace),
            "premises_cut_off": row.premises_cut_off,
        }
    if incident.segment_id is None:
        return None
    try:
        trace = isolation_for_segment(segment_id=incident.segment_id)
    except UnknownSegmentError:  # the main left the network since: nothing to trace
        return None
    route = valves_by_road(start=incident.point, valve_ids=trace.valves_to_close)
    if route is not None:
        trace = replace(trace, valves_to_close=route.valve_ids, valve_distances_m=[])
    return {
        "valves_to_close": isolation_geojson(trace),
        "premises_cut_off": len(premise_ids_cut_off(trace)),
    }
