"""The map wall's delta feed: the live features (open incidents with their SLA clocks and
crews, vans, isolation areas) changed since a cursor, as GeoJSON built by PostGIS.

The first request (no cursor) gets every live feature; later ones only what changed, with
`"removed": true` for a feature that left the wall (a closed incident, a van whose crew
moved out of the stations shown). See maps/migrations/0001_change_tracking.py for why the
cursor is a transaction id and why a change is never missed.
"""

from dataclasses import dataclass

from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper

from dispatch.models import Incident, WorkOrder

# One statement, so the features and the cursor come from the same snapshot. A feature is
# sent when its own row changed, or a row shown inside it did (an incident's deadlines, work
# orders and isolation; a van's crew and its job).
# What is live: everything on the stations shown (the first answer)...
FULL_SELECTION = """
incident AS (
  SELECT i.* FROM dispatch_incident i
  WHERE i.station_id = ANY(%(stations)s) AND i.status = ANY(%(open)s)
),
van AS (
  SELECT v.*, c.name AS crew_name, c.status AS crew_status, c.station_id
  FROM fleet_vehicle v JOIN dispatch_crew c ON c.id = v.crew_id
  WHERE v.last_point IS NOT NULL AND c.station_id = ANY(%(stations)s)
),"""

# ...or only what changed: started from the changed rows' ids (each an index scan on
# map_xid), so a poll costs what changed, not what exists. A van is sent when it moved, or
# when its crew or its crew's job changed (its label and colour); one whose crew left the
# stations shown is sent too, as removed.
DELTA_SELECTION = """
changed_incident AS (
  SELECT id FROM dispatch_incident WHERE map_xid >= %(since)s
  UNION SELECT incident_id FROM dispatch_workorder WHERE map_xid >= %(since)s
  UNION SELECT incident_id FROM dispatch_incidentdeadline WHERE map_xid >= %(since)s
  UNION SELECT incident_id FROM dispatch_incidentisolation WHERE map_xid >= %(since)s
),
incident AS (
  SELECT i.* FROM dispatch_incident i
  WHERE i.id IN (SELECT id FROM changed_incident) AND i.station_id = ANY(%(stations)s)
),
changed_crew AS (
  SELECT id FROM dispatch_crew WHERE map_xid >= %(since)s
  UNION SELECT crew_id FROM dispatch_workorder WHERE map_xid >= %(since)s
),
changed_van AS (
  SELECT id FROM fleet_vehicle WHERE map_xid >= %(since)s
  UNION SELECT id FROM fleet_vehicle WHERE crew_id IN (SELECT id FROM changed_crew)
),
van AS (
  SELECT v.*, c.name AS crew_name, c.status AS crew_status, c.station_id
  FROM fleet_vehicle v JOIN dispatch_crew c ON c.id = v.crew_id
  WHERE v.id IN (SELECT id FROM changed_van) AND v.last_point IS NOT NULL
    AND (c.station_id = ANY(%(stations)s) OR c.id IN (SELECT id FROM changed_crew))
),"""

# One statement, so the features and the cursor come from the same snapshot.
FEED_SQL = """
WITH
cur AS (SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS xmin),
{selection}
isolation AS (
  SELECT DISTINCT ON (s.incident_id) s.*
  FROM dispatch_incidentisolation s JOIN incident i ON i.id = s.incident_id
  WHERE s.area IS NOT NULL
  ORDER BY s.incident_id, s.traced_at DESC, s.id DESC
),
feature AS (
  SELECT json_build_object(
    'type', 'Feature', 'id', 'incident:' || i.id,
    'geometry', ST_AsGeoJSON(i.point, 6)::json,
    'properties', json_build_object(
      'kind', 'incident', 'removed', NOT (i.status = ANY(%(open)s)),
      'ref', i.reference, 'category', i.category, 'priority', i.priority,
      'status', i.status, 'station', i.station_id, 'station_name', o.name,
      'reports', i.report_count, 'address', i.address_text, 'hazards', i.hazards,
      'created_at', i.created_at,
      'deadlines', (
        SELECT json_agg(json_build_object('milestone', d.milestone, 'due_at', d.due_at,
          'met_at', d.met_at, 'breached_at', d.breached_at,
          'not_applicable_at', d.not_applicable_at) ORDER BY d.due_at)
        FROM dispatch_incidentdeadline d WHERE d.incident_id = i.id),
      'work_orders', (
        SELECT json_agg(json_build_object('id', w.id, 'crew', c.name, 'status', w.status,
          'eta', w.eta) ORDER BY w.id)
        FROM dispatch_workorder w JOIN dispatch_crew c ON c.id = w.crew_id
        WHERE w.incident_id = i.id AND w.status = ANY(%(active)s)))) AS f
  FROM incident i JOIN network_orgunit o ON o.id = i.station_id
  UNION ALL
  SELECT json_build_object(
    'type', 'Feature', 'id', 'van:' || v.id,
    'geometry', ST_AsGeoJSON(v.last_point, 6)::json,
    'properties', json_build_object(
      'kind', 'van', 'removed', NOT (v.station_id = ANY(%(stations)s)),
      'device', v.device_id, 'registration', v.registration, 'crew', v.crew_name,
      'crew_status', v.crew_status, 'station', v.station_id, 'heading', v.heading,
      'speed_kmh', v.speed_kmh, 'fix_at', v.last_fix_at, 'seen_at', v.last_seen_at,
      'offline_at', v.offline_at,
      'job', (
        SELECT json_build_object('ref', ji.reference, 'status', w.status, 'eta', w.eta)
        FROM dispatch_workorder w JOIN dispatch_incident ji ON ji.id = w.incident_id
        WHERE w.crew_id = v.crew_id AND w.status = ANY(%(active)s)
        ORDER BY w.created_at DESC LIMIT 1)))
  FROM van v
  UNION ALL
  SELECT json_build_object(
    'type', 'Feature', 'id', 'isolation:' || s.incident_id,
    'geometry', ST_AsGeoJSON(s.area, 6)::json,
    'properties', json_build_object(
      'kind', 'isolation', 'removed', NOT (i.status = ANY(%(open)s)), 'ref', i.reference,
      'valves_to_close', cardinality(s.valves_to_close),
      'premises_cut_off', s.premises_cut_off, 'traced_at', s.traced_at))
  FROM isolation s JOIN incident i ON i.id = s.incident_id
)
{answer}
FROM cur
"""
WHOLE_ANSWER = """SELECT json_build_object(
  'type', 'FeatureCollection', 'cursor', cur.xmin::text,
  'full', %(full)s, 'server_time', now(),
  'features', coalesce((SELECT json_agg(f) FROM feature), '[]'::json)
)::text, cur.xmin"""
FEATURES_ONLY = """SELECT (SELECT string_agg(f::text, ',') FROM feature), cur.xmin"""
FULL_SQL = FEED_SQL.format(selection=FULL_SELECTION.strip(), answer=WHOLE_ANSWER)
DELTA_SQL = FEED_SQL.format(selection=DELTA_SELECTION.strip(), answer=WHOLE_ANSWER)
# The features alone, comma-separated, for a segment of maps.feed_log.
DELTA_ITEMS_SQL = FEED_SQL.format(selection=DELTA_SELECTION.strip(), answer=FEATURES_ONLY)

# Has anything the wall shows changed since the cursor? Cheap enough to ask on every poll.
CHANGED_SQL = """
SELECT EXISTS (SELECT 1 FROM dispatch_incident WHERE map_xid >= %(since)s)
  OR EXISTS (SELECT 1 FROM dispatch_workorder WHERE map_xid >= %(since)s)
  OR EXISTS (SELECT 1 FROM dispatch_incidentdeadline WHERE map_xid >= %(since)s)
  OR EXISTS (SELECT 1 FROM dispatch_incidentisolation WHERE map_xid >= %(since)s)
  OR EXISTS (SELECT 1 FROM dispatch_crew WHERE map_xid >= %(since)s)
  OR EXISTS (SELECT 1 FROM fleet_vehicle WHERE map_xid >= %(since)s),
  -- No snapshot's xmin, which every cursor is, passes the newest snapshot's xmax.
  %(since)s > pg_snapshot_xmax(pg_current_snapshot())::text::bigint
"""


class CursorAheadError(ValueError):
    """A cursor newer than any this database has handed out: made up, or from before a
    restore. Kept, it would read "nothing changed" for ever."""


@dataclass(frozen=True)
class Feed:
    body: str | None  # the FeatureCollection as JSON text; None: nothing changed
    cursor: int


def _params(*, since: int | None, station_ids: list[int]) -> dict:
    return {
        "since": since or 0,
        "full": since is None,
        "stations": station_ids,
        "open": list(Incident.OPEN_STATUSES),
        "active": list(WorkOrder.ACTIVE_STATUSES),
    }


def _changed_since(cursor: CursorWrapper, since: int) -> bool:
    cursor.execute(CHANGED_SQL, {"since": since})
    changed, ahead = cursor.fetchone()
    if ahead:
        raise CursorAheadError(f"cursor {since} is ahead of every cursor this server has given")
    return changed


def _jit_off(cursor: CursorWrapper) -> None:
    # The planner's estimate for these statements passes jit_above_cost whatever the size
    # of the answer, and compiling took 80 ms of a 90 ms poll (bench/maps.py --explain).
    cursor.execute("SET LOCAL jit = off")


@transaction.atomic  # SET LOCAL lasts until its end
def feed_since(*, since: int | None, station_ids: list[int]) -> Feed:
    """Everything live (`since` None), or what changed at or after the cursor `since`."""
    with connection.cursor() as cursor:
        if since is not None and not _changed_since(cursor, since):
            # Nothing stamped at or after it: the cursor still holds (later changes carry
            # newer transaction ids), so the wall keeps it.
            return Feed(None, since)
        _jit_off(cursor)
        cursor.execute(
            FULL_SQL if since is None else DELTA_SQL,
            _params(since=since, station_ids=station_ids),
        )
        body, new_cursor = cursor.fetchone()
    return Feed(body, new_cursor)


@dataclass(frozen=True)
class Items:
    text: str  # the changed features as JSON objects, comma-separated ("" when none)
    cursor: int  # where the next delta starts


@transaction.atomic
def delta_items(*, since: int, station_ids: list[int]) -> Items:
    """What changed at or after `since`, as bare features for maps.feed_log to join."""
    with connection.cursor() as cursor:
        if not _changed_since(cursor, since):
            return Items("", since)
        _jit_off(cursor)
        cursor.execute(DELTA_ITEMS_SQL, _params(since=since, station_ids=station_ids))
        text, new_cursor = cursor.fetchone()
    # The cluster's oldest running transaction never moves back; max() keeps that promise
    # to the walls even if it did.
    return Items(text or "", max(since, new_cursor))
