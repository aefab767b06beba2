"""The map wall's delta feed: the live features (open incidents with their SLA clocks and
crews, vans, isolation areas) changed since a cursor, as GeoJSON built by PostGIS.

The first request (no cursor) gets every live feature; later ones only what changed, with
`"removed": true` for a feature that left the wall (a closed incident, a van whose crew
moved out of the stations shown). See maps/migrations/0001_change_tracking.py for why the
cursor is a transaction id and why a change is never missed.
"""

import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction

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
  FROM dispatch_vehicle v JOIN dispatch_crew c ON c.id = v.crew_id
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
  SELECT id FROM dispatch_vehicle WHERE map_xid >= %(since)s
  UNION SELECT id FROM dispatch_vehicle WHERE crew_id IN (SELECT id FROM changed_crew)
),
van AS (
  SELECT v.*, c.name AS crew_name, c.status AS crew_status, c.station_id
  FROM dispatch_vehicle v JOIN dispatch_crew c ON c.id = v.crew_id
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
          'met_at', d.met_at, 'breached_at', d.breached_at) ORDER BY d.due_at)
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
SELECT json_build_object(
  'type', 'FeatureCollection', 'cursor', LEAST(%(cap)s::bigint, cur.xmin)::text,
  'full', %(full)s, 'server_time', now(),
  'features', coalesce((SELECT json_agg(f) FROM feature), '[]'::json)
)::text, LEAST(%(cap)s::bigint, cur.xmin)
FROM cur
"""
FULL_SQL = FEED_SQL.format(selection=FULL_SELECTION.strip())
DELTA_SQL = FEED_SQL.format(selection=DELTA_SELECTION.strip())

# Has anything the wall shows changed since the cursor? Cheap enough to ask on every poll.
CHANGED_SQL = """
SELECT EXISTS (SELECT 1 FROM dispatch_incident WHERE map_xid >= %(since)s)
  OR EXISTS (SELECT 1 FROM dispatch_workorder WHERE map_xid >= %(since)s)
  OR EXISTS (SELECT 1 FROM dispatch_incidentdeadline WHERE map_xid >= %(since)s)
  OR EXISTS (SELECT 1 FROM dispatch_incidentisolation WHERE map_xid >= %(since)s)
  OR EXISTS (SELECT 1 FROM dispatch_crew WHERE map_xid >= %(since)s)
  OR EXISTS (SELECT 1 FROM dispatch_vehicle WHERE map_xid >= %(since)s)
"""


@dataclass(frozen=True)
class Feed:
    body: str | None  # the FeatureCollection as JSON text; None: nothing changed
    cursor: int


@transaction.atomic  # SET LOCAL lasts until its end
def feed_since(*, since: int | None, station_ids: list[int], cursor_cap: int | None = None) -> Feed:
    """Everything live (`since` None), or what changed at or after the cursor `since`.
    `cursor_cap` lowers the cursor handed back (never raises it: a lower cursor only sends
    some rows again), so that walls served in one tick share their next cursor."""
    with connection.cursor() as cursor:
        if since is not None:
            cursor.execute(CHANGED_SQL, {"since": since})
            if not cursor.fetchone()[0]:
                # Nothing stamped at or after it: the cursor still holds (later changes
                # carry newer transaction ids), so the wall keeps it.
                return Feed(None, since)
        # The planner's estimate for this statement passes jit_above_cost whatever the size
        # of the answer, and compiling took 80 ms of a 90 ms poll (bench/maps.py --explain).
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(
            FULL_SQL if since is None else DELTA_SQL,
            {
                "since": since or 0,
                "full": since is None,
                "cap": cursor_cap,
                "stations": station_ids,
                "open": list(Incident.OPEN_STATUSES),
                "active": list(WorkOrder.ACTIVE_STATUSES),
            },
        )
        body, new_cursor = cursor.fetchone()
    return Feed(body, new_cursor)


class SharedFeed:
    """Answers shared by the walls a process serves within one tick.

    Fifty walls each asking for their own delta made PostgreSQL build the same few thousand
    moved vans fifty times (bench/maps.py). Within a tick of `MAP_FEED_TICK_S`, every answer
    hands back the cursor of the tick's first answer (never more than its own), so walls
    fall into step on the same cursors and one built answer serves all that ask with it.
    A change shows at most one tick later than it would unshared.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tick_started = -1.0
        self._tick_cursor: int | None = None
        self._answers: dict[tuple[int | None, tuple[int, ...]], Feed] = {}

    def get(self, *, since: int | None, station_ids: list[int]) -> Feed:
        tick_s = settings.MAP_FEED_TICK_S
        if tick_s <= 0:
            return feed_since(since=since, station_ids=station_ids)
        key = (since, tuple(sorted(station_ids)))
        with self._lock:
            now = time.monotonic()
            if now - self._tick_started >= tick_s:
                self._tick_started, self._tick_cursor = now, None
                self._answers.clear()
            if (hit := self._answers.get(key)) is not None:
                return hit
            cap = self._tick_cursor
        feed = feed_since(since=since, station_ids=station_ids, cursor_cap=cap)
        with self._lock:
            if self._tick_cursor is None and feed.body is not None:
                self._tick_cursor = feed.cursor
            self._answers.setdefault(key, feed)
        return feed


shared_feed = SharedFeed()
