"""Map wall: the delta feed and the network tiles against bare PostGIS queries building the same
answer, and 50 walls polling a real gunicorn while a writer moves vans.

    DATABASE_URL=postgis://gasdispatch:gasdispatch@127.0.0.1:5432/gasdispatch_benchmaps \\
        .venv/bin/python bench/maps.py [--quick] [--runs 200] [--walls 50] [--seconds 60]
        [--rate 2000] [--no-jit-off] [--explain]

The database must hold the demo organisation and a demo city (`manage.py load_demo`, then
`manage.py make_demo_city --premises 1000000 --blocks 177`; see RESULTS.md). The script deletes
every crew and van and the incidents it made before (`BM-...`), then loads with SQL and
bulk_create: 1,000 open incidents with their SLA deadlines, active work orders for those with a
crew, 20 isolation areas, 20,000 closed incidents as history, and 3,980 crews with vans: 5,000
live features. It starts gunicorn as the Procfile does (`--preload --workers 2 --threads 4`)
on a free port and measures, each next to its baseline in the same run:

1. the feed's full answer (no cursor): `feed_since`, the view through django.test.Client and
   through gunicorn, against a bare `json_build_object(... json_agg(...))` written here over
   the same rows with the same properties (the features are checked equal); a delta of 200
   vans moved since the cursor, against the same bare query over the rows changed; and the
   nothing-changed path (304 over HTTP), against a bare `SELECT 1` and an HTTP request that
   touches no database (`/favicon.ico`, a redirect through the same middleware). For
   comparison only, `feed_since` again with `SET jit = off` around it;
2. one vector tile of the densest district at zooms 14 and 16 (the tile with the most length
   of main, by midpoint): `network_tile` and the endpoint, against a bare `ST_AsMVT` of only
   the mains in that tile (same columns, same envelope and margin);
3. 50 walls (threads, each with its own session, cursor and ETag, waiting the poll interval
   after each answer as maps/static/maps/wall.js does) polling /maps/feed for a minute every
   2 s and then every 1 s, while another process moves `--rate` vans a second (chosen at
   random) in 50 ms batches, the tracker's UPDATE; the baseline: the bare delta query for the
   same interval, timed once a second in the same run. This gunicorn runs as shipped: each
   worker answers its walls from maps.feed_log (one delta a tick, MAP_FEED_TICK_S), where the
   single answers of part 1 were measured with every request asking PostgreSQL itself. Then
   the same on a gunicorn whose database sessions have jit off (PGOPTIONS), for comparison
   (`--no-jit-off` skips it).

The bench server runs with autovacuum off, so the script vacuums the live tables before each
part. Prints a Markdown block for bench/RESULTS.md (`--explain`: the plans after it).
"""

import argparse
import contextlib
import json
import multiprocessing as mp
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, cast

import django
import gunicorn

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.main")
os.environ.setdefault("DJANGO_DEBUG", "false")  # DEBUG logs every query: not what production runs
django.setup()

import psycopg  # noqa: E402
import requests  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.db import connection, connections, transaction  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from demo.crews import demo_crews_delete, demo_crews_load  # noqa: E402
from dispatch.models import Incident, User, WorkOrder  # noqa: E402
from gis.models import OrgUnit  # noqa: E402
from gis.selectors import org_unit_list_within  # noqa: E402
from maps.feed import DELTA_SQL, FULL_SQL, feed_since  # noqa: E402
from maps.tiles import BUFFER, EXTENT, TILE_SQL, TileAddress, network_tile  # noqa: E402

GOAL_RATIO = 2.0  # the full answer within 2x of the bare query
GOAL_P95_MS = 100.0  # the feed's p95 under load
VACUUM_EVERY = 25  # delta runs (200 vans each) between two VACUUMs of the vans
WRITER_BATCH_S = 0.05  # the tracker's BATCH_WAIT_S: each batch is its own transaction
FEATURE = b'"type" : "Feature"'  # PostgreSQL's json text; "FeatureCollection" does not match
CURSOR = re.compile(rb'"cursor"\s*:\s*"(\d+)"')
MACHINE = "the machine"

# The bare query: the same GeoJSON, written the plain way (aggregates joined, not correlated
# subqueries). {incident} and {van} are the only differences between the full answer and a
# delta. Values are bound.
BARE_SQL = """
WITH inc AS (
  SELECT i.*, o.name AS station_name FROM dispatch_incident i
  JOIN network_orgunit o ON o.id = i.station_id
  WHERE i.station_id = ANY(%(stations)s) AND {incident}
),
dl AS (
  SELECT d.incident_id, json_agg(json_build_object('milestone', d.milestone, 'due_at', d.due_at,
    'met_at', d.met_at, 'breached_at', d.breached_at) ORDER BY d.due_at) AS deadlines
  FROM dispatch_incidentdeadline d JOIN inc ON inc.id = d.incident_id GROUP BY d.incident_id
),
wo AS (
  SELECT w.incident_id, json_agg(json_build_object('id', w.id, 'crew', c.name,
    'status', w.status, 'eta', w.eta) ORDER BY w.id) AS work_orders
  FROM dispatch_workorder w JOIN inc ON inc.id = w.incident_id
  JOIN dispatch_crew c ON c.id = w.crew_id
  WHERE w.status = ANY(%(active)s) GROUP BY w.incident_id
),
van AS (
  SELECT v.*, c.name AS crew_name, c.status AS crew_status, c.station_id
  FROM fleet_vehicle v JOIN dispatch_crew c ON c.id = v.crew_id
  WHERE v.last_point IS NOT NULL AND c.station_id = ANY(%(stations)s) AND {van}
),
job AS (
  SELECT DISTINCT ON (w.crew_id) w.crew_id,
    json_build_object('ref', i.reference, 'status', w.status, 'eta', w.eta) AS job
  FROM dispatch_workorder w JOIN dispatch_incident i ON i.id = w.incident_id
  WHERE w.status = ANY(%(active)s) AND w.crew_id IN (SELECT crew_id FROM van)
  ORDER BY w.crew_id, w.created_at DESC
),
iso AS (
  SELECT DISTINCT ON (s.incident_id) s.*, inc.reference, inc.status AS incident_status
  FROM dispatch_incidentisolation s JOIN inc ON inc.id = s.incident_id
  WHERE s.area IS NOT NULL ORDER BY s.incident_id, s.traced_at DESC, s.id DESC
)
SELECT json_build_object('type', 'FeatureCollection', 'features', coalesce(json_agg(f), '[]'))::text
FROM (
  SELECT json_build_object('type', 'Feature', 'id', 'incident:' || inc.id,
    'geometry', ST_AsGeoJSON(inc.point, 6)::json,
    'properties', json_build_object('kind', 'incident',
      'removed', NOT (inc.status = ANY(%(open)s)), 'ref', inc.reference,
      'category', inc.category, 'priority', inc.priority, 'status', inc.status,
      'station', inc.station_id, 'station_name', inc.station_name,
      'reports', inc.report_count, 'address', inc.address_text, 'hazards', inc.hazards,
      'created_at', inc.created_at, 'deadlines', dl.deadlines,
      'work_orders', wo.work_orders)) AS f
  FROM inc LEFT JOIN dl ON dl.incident_id = inc.id LEFT JOIN wo ON wo.incident_id = inc.id
  UNION ALL
  SELECT json_build_object('type', 'Feature', 'id', 'van:' || van.id,
    'geometry', ST_AsGeoJSON(van.last_point, 6)::json,
    'properties', json_build_object('kind', 'van', 'removed', false,
      'device', van.device_id, 'registration', van.registration, 'crew', van.crew_name,
      'crew_status', van.crew_status, 'station', van.station_id, 'heading', van.heading,
      'speed_kmh', van.speed_kmh, 'fix_at', van.last_fix_at, 'seen_at', van.last_seen_at,
      'offline_at', van.offline_at, 'job', job.job))
  FROM van LEFT JOIN job ON job.crew_id = van.crew_id
  UNION ALL
  SELECT json_build_object('type', 'Feature', 'id', 'isolation:' || iso.incident_id,
    'geometry', ST_AsGeoJSON(iso.area, 6)::json,
    'properties', json_build_object('kind', 'isolation',
      'removed', NOT (iso.incident_status = ANY(%(open)s)), 'ref', iso.reference,
      'valves_to_close', cardinality(iso.valves_to_close),
      'premises_cut_off', iso.premises_cut_off, 'traced_at', iso.traced_at))
  FROM iso
) features
"""
BARE_FULL = BARE_SQL.format(incident="i.status = ANY(%(open)s)", van="true")
BARE_DELTA = BARE_SQL.format(incident="i.map_xid >= %(since)s", van="v.map_xid >= %(since)s")

BARE_TILE = """
SELECT ST_AsMVT(m, 'mains', %(extent)s, 'geom') FROM (
  SELECT s.id, s.asset_id, s.material, s.diameter_mm, s.pressure_class, s.status,
    ST_AsMVTGeom(ST_Transform(s.geom, 3857), ST_TileEnvelope(%(z)s, %(x)s, %(y)s),
      %(extent)s, %(buffer)s, true) AS geom
  FROM network_pipesegment s
  WHERE s.geom && ST_Transform(ST_TileEnvelope(%(z)s, %(x)s, %(y)s, margin => %(margin)s), 4326)
) m
"""
# The tile holding the most length of main, by each main's midpoint.
DENSEST_TILE = """
WITH m AS (
  SELECT ST_Transform(ST_LineInterpolatePoint(geom, 0.5), 3857) AS p,
    ST_Length(geom::geography) AS metres
  FROM network_pipesegment
)
SELECT floor((ST_X(p) + 20037508.342789244) / (40075016.68557849 / 2 ^ %(z)s))::int AS x,
  floor((20037508.342789244 - ST_Y(p)) / (40075016.68557849 / 2 ^ %(z)s))::int AS y,
  count(*), sum(metres)
FROM m GROUP BY 1, 2 ORDER BY 4 DESC, 1, 2 LIMIT 1
"""
# What the tracker writes for a batch (fleet.positions._MOVE, without the staging).
MOVE_SQL = """
UPDATE fleet_vehicle v SET last_point = ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326),
  last_fix_at = now(), last_seen_at = now(), speed_kmh = p.speed, heading = p.heading,
  offline_at = NULL
FROM unnest(%s::bigint[], %s::float8[], %s::float8[], %s::float8[], %s::float8[])
  AS p(id, lon, lat, speed, heading)
WHERE v.id = p.id
"""
SNAPSHOT_SQL = """SELECT pg_snapshot_xmin(s)::text::bigint, pg_snapshot_xmax(s)::text::bigint
FROM pg_current_snapshot() s"""


# Loading the live features ------------------------------------------------------------------


@dataclass(frozen=True)
class Load:
    incidents: int
    isolations: int
    closed: int
    crews: int
    seconds: float


def bench_rows_delete() -> None:
    """The incidents this script made (BM-...), their rows, and every crew and van."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM dispatch_incident WHERE reference LIKE 'BM-%%'", [])
        ids = [r[0] for r in cursor.fetchall()]
        for table in (
            "dispatch_incidentisolation",
            "dispatch_workorder",
            "dispatch_incidentdeadline",
            "dispatch_incidentevent",
        ):
            cursor.execute(f"DELETE FROM {table} WHERE incident_id = ANY(%s)", [ids])  # noqa: S608
        cursor.execute(
            "UPDATE dispatch_call SET incident_id = NULL WHERE incident_id = ANY(%s)", [ids]
        )
        cursor.execute("DELETE FROM dispatch_incident WHERE id = ANY(%s)", [ids])
    demo_crews_delete()


INCIDENTS_SQL = """
INSERT INTO dispatch_incident (reference, category, priority, status, point, address_text,
  hazards, report_count, created_at, updated_at, station_id)
SELECT 'BM-' || lpad(u.n::text, 6, '0'), u.category, u.priority, u.status, p.geom,
  p.full_text, string_to_array(u.hazards, ',')::varchar[], u.reports,
  now() - u.age_min * interval '1 minute', now(),
  (SELECT o.id FROM network_orgunit o WHERE o.tier = %s
   ORDER BY ST_Distance(o.territory, p.geom), o.id LIMIT 1)
FROM unnest(%s::bigint[], %s::text[], %s::int[], %s::text[], %s::text[], %s::int[],
  %s::float8[]) WITH ORDINALITY AS u(premise, category, priority, status, hazards, reports,
  age_min, n)
JOIN network_premise p ON p.id = u.premise
"""
# Three SLA clocks per incident: met up to the stage its status reached, breached when due.
DEADLINES_SQL = """
INSERT INTO dispatch_incidentdeadline (incident_id, milestone, due_at, met_at, breached_at)
SELECT i.id, m.milestone, i.created_at + m.minutes * interval '1 minute',
  CASE WHEN m.stage <= s.stage THEN i.created_at + m.minutes * interval '36 seconds' END,
  CASE WHEN m.stage > s.stage AND i.created_at + m.minutes * interval '1 minute' < now()
       THEN i.created_at + m.minutes * interval '1 minute' END
FROM dispatch_incident i
JOIN (VALUES ('open', 0), ('dispatched', 1), ('on_site', 2), ('made_safe', 3), ('closed', 4))
  AS s(status, stage) ON s.status = i.status
CROSS JOIN (VALUES ('work_order', 1, 15), ('on_site', 2, 60), ('made_safe', 3, 120))
  AS m(milestone, stage, minutes)
WHERE i.reference LIKE 'BM-%%'
"""
# One live work order for each incident a crew is on (distinct crews), one completed work
# order for each closed incident (crews repeat: history).
WORK_ORDERS_SQL = """
WITH busy AS (
  SELECT i.id, i.status, i.created_at, row_number() OVER (ORDER BY i.id) AS n
  FROM dispatch_incident i
  WHERE i.reference LIKE 'BM-%%' AND i.status IN ('dispatched', 'on_site', 'made_safe')
),
crew AS (SELECT c.id, row_number() OVER (ORDER BY c.id) AS n,
  count(*) OVER () AS total FROM dispatch_crew c),
live AS (
  SELECT b.id AS incident_id, c.id AS crew_id,
    CASE b.status WHEN 'dispatched' THEN 'en_route' ELSE b.status END AS status,
    b.created_at + interval '5 minutes' AS created_at
  FROM busy b JOIN crew c ON c.n = b.n
),
done AS (
  SELECT i.id AS incident_id, c.id AS crew_id, 'completed' AS status,
    i.created_at + interval '5 minutes' AS created_at
  FROM dispatch_incident i JOIN crew c ON c.n = 1 + i.id %% c.total
  WHERE i.reference LIKE 'BM-%%' AND i.status = 'closed'
)
INSERT INTO dispatch_workorder (incident_id, crew_id, status, created_at, status_changed_at,
  eta, distance_m, findings)
SELECT incident_id, crew_id, status, created_at, created_at,
  created_at + interval '20 minutes', 2500, '{}'::jsonb FROM live
UNION ALL
SELECT incident_id, crew_id, status, created_at, created_at, NULL, 2500, '{}'::jsonb FROM done
"""
# The newest trace of some incidents on site: an area of ~150 m around the nearest main.
ISOLATIONS_SQL = """
INSERT INTO dispatch_incidentisolation (incident_id, traced_at, segment_id, valves_to_close,
  seized_valves, sources_to_shut, isolated_segments, premises_cut_off, area)
SELECT i.id, now() - interval '10 minutes', seg.id, ARRAY[1, 2, 3]::bigint[], '{}', '{}',
  ARRAY[seg.id], 40, ST_Multi(ST_Buffer(i.point::geography, 150)::geometry)
FROM (SELECT * FROM dispatch_incident WHERE reference LIKE 'BM-%%'
        AND status IN ('on_site', 'made_safe') ORDER BY id LIMIT %s) i
CROSS JOIN LATERAL (SELECT s.id FROM network_pipesegment s
                    ORDER BY s.geom <-> i.point LIMIT 1) seg
"""
STATUSES = [("open", 30), ("dispatched", 35), ("on_site", 25), ("made_safe", 10)]
CATEGORIES = [("leak_outdoor", 2), ("leak_indoor", 1), ("no_gas", 3), ("meter_fault", 3)]
HAZARDS = ["", "", "", "strong_smell", "inside_building,strong_smell", "hissing"]


def _incident_rows(rng: random.Random, count: int, statuses: list[str]) -> list[list[Any]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id), max(id) FROM network_premise")
        low, high = cursor.fetchone()
    premises = rng.sample(range(low, high + 1), count)  # ids are dense in the demo city
    kinds = [rng.choice(CATEGORIES) for _ in range(count)]
    return [
        premises,
        [k[0] for k in kinds],
        [k[1] for k in kinds],
        statuses,
        [rng.choice(HAZARDS) for _ in range(count)],
        [rng.randint(1, 4) for _ in range(count)],
        [rng.uniform(1, 240) for _ in range(count)],
    ]


@transaction.atomic
def live_features_load(
    *, incidents: int, isolations: int, closed: int, crews: int, seed: int
) -> Load:
    """Replace the bench's incidents, crews and vans; returns what was made."""
    started = time.perf_counter()
    rng = random.Random(seed)
    bench_rows_delete()
    demo_crews_load(count=crews, seed=seed)
    open_statuses = rng.choices([s for s, _ in STATUSES], [w for _, w in STATUSES], k=incidents)
    columns = _incident_rows(rng, incidents + closed, open_statuses + ["closed"] * closed)
    with connection.cursor() as cursor:
        # Closed history first, so the live incidents have the newest ids, as in production.
        order = list(range(incidents, incidents + closed)) + list(range(incidents))
        cursor.execute(
            INCIDENTS_SQL, [OrgUnit.Tier.STATION, *([c[i] for i in order] for c in columns)]
        )
        cursor.execute(DEADLINES_SQL, [])  # with parameters, %% reaches PostgreSQL as %
        cursor.execute(WORK_ORDERS_SQL, [])
        cursor.execute(
            "UPDATE dispatch_crew c SET status = 'busy' FROM dispatch_workorder w"
            " WHERE w.crew_id = c.id AND w.status <> 'completed'"
        )
        cursor.execute(ISOLATIONS_SQL, [isolations])
        cursor.execute("SELECT count(*) FROM dispatch_incidentisolation")
        made = cursor.fetchone()[0]
    return Load(incidents, made, closed, crews, time.perf_counter() - started)


LIVE_TABLES = (
    "dispatch_incident",
    "dispatch_incidentdeadline",
    "dispatch_workorder",
    "dispatch_incidentisolation",
    "dispatch_crew",
    "fleet_vehicle",
)


def tables_vacuum(*tables: str) -> None:
    """What autovacuum would do (it is off on the bench server): dead rows gone, fresh
    statistics, so each part starts alike."""
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {', '.join(tables or LIVE_TABLES)}")


def vans_table() -> tuple[int, int]:
    """(dead row versions, bytes) of fleet_vehicle."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n_dead_tup, pg_relation_size(relid) FROM pg_stat_user_tables"
            " WHERE relname = 'fleet_vehicle'"
        )
        return cursor.fetchone()


# Timing ----------------------------------------------------------------------------------------


def timed(runs: Mapping[str, Callable[[], object]], count: int) -> dict[str, list[float]]:
    """Milliseconds per call of each run, taking turns (the order rotating): the same noise."""
    samples: dict[str, list[float]] = {name: [] for name in runs}
    names = list(runs)
    for n in range(count):
        for name in names[n % len(names) :] + names[: n % len(names)]:
            started = time.perf_counter()
            runs[name]()
            samples[name].append((time.perf_counter() - started) * 1000)
    return samples


def summary(samples: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(samples, n=100) if len(samples) > 1 else [samples[0]] * 99
    return {"p50": cuts[49], "p95": cuts[94], "p99": cuts[98], "mean": statistics.fmean(samples)}


def bare(sql: str, params: dict[str, Any]) -> bytes | str:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def jit_off(run: Callable[[], object]) -> Callable[[], object]:
    """The run with `jit = off` for it alone (two more round trips): for comparison only."""

    def wrapped() -> object:
        with connection.cursor() as cursor:
            cursor.execute("SET jit = off")
        try:
            return run()
        finally:
            with connection.cursor() as cursor:
                cursor.execute("RESET jit")

    return wrapped


def snapshot() -> tuple[int, int]:
    """(xmin, xmax) of a fresh snapshot: what a feed read now would return as its cursor, and
    the first transaction id nobody has yet."""
    with connection.cursor() as cursor:
        cursor.execute(SNAPSHOT_SQL)
        return cursor.fetchone()


def vans_move(ids: list[int], rng: random.Random, homes: dict[int, tuple[float, float]]) -> int:
    """Move these vans near their home in one transaction; returns its transaction id."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(MOVE_SQL, _moves(ids, rng, homes))
        cursor.execute("SELECT pg_current_xact_id()::text::bigint")
        return cursor.fetchone()[0]


def _moves(ids: list[int], rng: random.Random, homes: dict[int, tuple[float, float]]) -> list:
    return [
        ids,
        [homes[i][0] + rng.uniform(-0.002, 0.002) for i in ids],
        [homes[i][1] + rng.uniform(-0.002, 0.002) for i in ids],
        [rng.uniform(0, 60) for _ in ids],
        [rng.uniform(0, 360) for _ in ids],
    ]


def van_homes() -> dict[int, tuple[float, float]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, ST_X(last_point), ST_Y(last_point) FROM fleet_vehicle"
            " WHERE crew_id IS NOT NULL AND last_point IS NOT NULL ORDER BY id"
        )
        return {r[0]: (r[1], r[2]) for r in cursor.fetchall()}


# gunicorn and sessions -------------------------------------------------------------------------


def session_cookie(user: User) -> str:
    """A session as login() stores it (the password hash skipped): each wall has its own."""
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return f"{settings.SESSION_COOKIE_NAME}={store.session_key}"


@dataclass
class Gunicorn:
    process: subprocess.Popen[bytes]
    url: str
    log: Path

    def pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [self.process.pid, *map(int, children.read_text().split())]

    def server_ms(self, start: int, end: int) -> list[float]:
        """Server-side milliseconds of the polls (`since=` in the query) logged in between."""
        with self.log.open("rb") as f:
            f.seek(start)
            lines = f.read(end - start).decode(errors="replace").splitlines()
        return [
            int(parts[3]) / 1000
            for parts in (line.split() for line in lines)
            if len(parts) == 4 and parts[0] == "/maps/feed" and "since=" in parts[1]
        ]


def gunicorn_start(directory: Path, pgoptions: str = "", *, feed_log: bool = True) -> Gunicorn:
    """gunicorn as the Procfile starts it, on a free port; the access log adds the time taken.
    `pgoptions`: settings for its database sessions (libpq's PGOPTIONS), for a comparison.
    `feed_log` False: every feed request asks PostgreSQL itself (MAP_FEED_TICK_S=0), for the
    single answers measured uncached."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = directory / f"access-{port}.log"
    env = os.environ.copy()
    if pgoptions:
        env["PGOPTIONS"] = pgoptions
    if not feed_log:
        env["MAP_FEED_TICK_S"] = "0"
    process = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "config.wsgi:application",
            "--preload",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--threads",
            "4",
            "--graceful-timeout",
            "5",
            "--access-logfile",
            str(log),
            "--access-logformat",
            "%(U)s ?%(q)s %(s)s %(D)s",
        ],
        cwd=ROOT,
        env=env,
        stderr=(directory / f"gunicorn-{port}.log").open("wb"),
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with contextlib.suppress(requests.ConnectionError):
            if requests.get(f"{url}/favicon.ico", allow_redirects=False, timeout=5).ok:
                return Gunicorn(process, url, log)
        if process.poll() is not None:
            break
        time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"gunicorn did not start: see {directory}/gunicorn-{port}.log")


def gunicorn_stop(server: Gunicorn) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


def http_session(cookie: str) -> requests.Session:
    s = requests.Session()
    s.headers["Cookie"] = cookie  # not the jar: the jar would drop a Secure cookie over http
    s.headers["Accept"] = "application/json"
    return s


# 1. The feed -----------------------------------------------------------------------------------


@dataclass
class Context:
    user: User
    stations: list[int]
    server: Gunicorn
    http: requests.Session
    client: Client
    runs: int
    params: dict[str, Any]


def feed_params(stations: list[int], since: int | None = None) -> dict[str, Any]:
    return {
        "stations": stations,
        "open": list(Incident.OPEN_STATUSES),
        "active": list(WorkOrder.ACTIVE_STATUSES),
        "since": since,
    }


def features_of(body: bytes | str) -> dict[str, Any]:
    return {f["id"]: f for f in json.loads(body)["features"]}


def feed_queries(ctx: Context, query: dict[str, Any], headers: dict[str, str]) -> tuple[int, int]:
    """(status, SQL statements) of one request through the view."""
    with CaptureQueriesContext(connection) as sent:
        response = ctx.client.get("/maps/feed", query, headers=headers)
    return response.status_code, len(sent)


def bench_full(ctx: Context) -> dict[str, Any]:
    ours = feed_since(since=None, station_ids=ctx.stations).body
    assert ours is not None  # the full answer (no cursor) is always a FeatureCollection
    theirs = cast(str, bare(BARE_FULL, ctx.params))  # BARE_SQL selects json ...::text
    a, b = features_of(ours), features_of(theirs)
    http_body = ctx.http.get(f"{ctx.server.url}/maps/feed").content
    runs = {
        "bare": lambda: bare(BARE_FULL, ctx.params),
        "feed_since": lambda: feed_since(since=None, station_ids=ctx.stations),
        "jit_off": jit_off(lambda: feed_since(since=None, station_ids=ctx.stations)),
        "client": lambda: ctx.client.get("/maps/feed").content,
        "gunicorn": lambda: ctx.http.get(f"{ctx.server.url}/maps/feed").content,
    }
    timed(runs, max(3, ctx.runs // 10))
    samples = timed(runs, ctx.runs)
    return {
        "features": len(a),
        "kinds": _kinds(a),
        "same": a == b,
        "differ": sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))[:3],
        "bytes": {"ours": len(ours.encode()), "bare": len(theirs.encode()), "http": len(http_body)},
        "counted": http_body.count(FEATURE) == len(a),
        "queries": feed_queries(ctx, {}, {}),
        "stats": {k: summary(v) for k, v in samples.items()},
    }


def _kinds(features: dict[str, Any]) -> dict[str, int]:
    kinds: dict[str, int] = {}
    for f in features.values():
        kinds[f["properties"]["kind"]] = kinds.get(f["properties"]["kind"], 0) + 1
    return kinds


def bench_delta(ctx: Context, moved: int, seed: int) -> dict[str, Any]:
    """`moved` vans move in one transaction; the cursor is that transaction's id, the cursor a
    wall would hold had it polled just before with no other writer open on the server."""
    rng = random.Random(seed)
    homes = van_homes()
    ids = sorted(homes)
    since = vans_move(rng.sample(ids, moved), rng, homes)
    ours = feed_since(since=since, station_ids=ctx.stations)
    theirs = bare(BARE_DELTA, ctx.params | {"since": since})
    a, b = features_of(ours.body or '{"features": []}'), features_of(theirs)
    samples: dict[str, list[float]] = {}
    for n in range(ctx.runs):
        if n % VACUUM_EVERY == 0:
            tables_vacuum("fleet_vehicle")
        since = vans_move(rng.sample(ids, moved), rng, homes)
        query = {"since": since}
        # The lambdas bind this run's cursor or query as a default and are called with no
        # argument; mypy infers such a lambda only against `Callable[...]`, hence jit_off's cast.
        runs: dict[str, Callable[..., object]] = {
            "bare": lambda s=since: bare(BARE_DELTA, ctx.params | {"since": s}),
            "feed_since": lambda s=since: feed_since(since=s, station_ids=ctx.stations),
            "jit_off": jit_off(
                cast(
                    Callable[[], object],
                    lambda s=since: feed_since(since=s, station_ids=ctx.stations),
                )
            ),
            "client": lambda q=query: ctx.client.get("/maps/feed", q).content,
            "gunicorn": lambda q=query: (
                ctx.http.get(f"{ctx.server.url}/maps/feed", params=q).content
            ),
        }
        names = list(runs)[n % len(runs) :] + list(runs)[: n % len(runs)]
        for name, ms in timed({k: runs[k] for k in names}, 1).items():
            samples.setdefault(name, []).extend(ms)
    return {
        "moved": moved,
        "features": len(a),
        "same": a == b,
        "bytes": len(ours.body.encode()) if ours.body else 0,
        "queries": feed_queries(ctx, {"since": since}, {}),
        "stats": {k: summary(v) for k, v in samples.items()},
    }


def bench_unchanged(ctx: Context) -> dict[str, Any]:
    """Nothing changed since the cursor: the first id no transaction has yet."""
    _xmin, since = snapshot()
    url = f"{ctx.server.url}/maps/feed"
    etag = f'"all.{since}"'
    inm = {"If-None-Match": etag}
    status = ctx.http.get(url, params={"since": since}, headers=inm).status_code
    runs = {
        "select_1": lambda: bare("SELECT 1", {}),
        "feed_since": lambda: feed_since(since=since, station_ids=ctx.stations),
        "client": lambda: ctx.client.get("/maps/feed", {"since": since}, headers=inm),
        "favicon": lambda: ctx.http.get(f"{ctx.server.url}/favicon.ico", allow_redirects=False),
        "gunicorn": lambda: ctx.http.get(url, params={"since": since}, headers=inm),
    }
    timed(runs, max(3, ctx.runs // 10))
    samples = timed(runs, ctx.runs * 2)
    return {
        "status": status,
        "queries": feed_queries(ctx, {"since": since}, inm),
        "stats": {k: summary(v) for k, v in samples.items()},
    }


def plan_check(ctx: Context, seed: int) -> dict[str, dict[str, float]]:
    """EXPLAIN ANALYZE of ours and the bare query, full and a 200-van delta, on fresh
    statistics: the estimated cost (what decides JIT), the time, and the time JIT took."""
    tables_vacuum()
    rng = random.Random(seed)
    homes = van_homes()
    since = vans_move(rng.sample(sorted(homes), 200), rng, homes)
    plans = {
        "feed full": (FULL_SQL, feed_params(ctx.stations, 0) | {"full": True}),
        "bare full": (BARE_FULL, ctx.params),
        "feed delta": (DELTA_SQL, feed_params(ctx.stations, since) | {"full": False}),
        "bare delta": (BARE_DELTA, ctx.params | {"since": since}),
    }
    found = {}
    for name, (sql, params) in plans.items():
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
            plan = cursor.fetchone()[0][0]
        jit = plan.get("JIT", {})
        found[name] = {
            "cost": plan["Plan"]["Total Cost"],
            "ms": plan["Execution Time"],
            "jit_ms": jit.get("Timing", {}).get("Total", 0.0),
            "functions": jit.get("Functions", 0),
        }
    return found


# 2. Tiles --------------------------------------------------------------------------------------


def tile_params(tile: TileAddress) -> dict[str, Any]:
    return {"z": tile.z, "x": tile.x, "y": tile.y, "extent": EXTENT, "buffer": BUFFER}


def densest_tile(z: int) -> tuple[TileAddress, int, float]:
    with connection.cursor() as cursor:
        cursor.execute(DENSEST_TILE, {"z": z})
        x, y, count, metres = cursor.fetchone()
    return TileAddress(z, x, y), count, metres


def tile_contents(tile: TileAddress) -> dict[str, int]:
    """How many mains, sources and valves the tile's envelope (with its margin) takes in."""
    with connection.cursor() as cursor:
        cursor.execute(
            """WITH b AS (SELECT ST_Transform(ST_TileEnvelope(%(z)s, %(x)s, %(y)s,
                 margin => %(margin)s), 4326) AS g)
            SELECT (SELECT count(*) FROM network_pipesegment, b WHERE geom && b.g),
              (SELECT count(*) FROM network_source, b WHERE geom && b.g),
              (SELECT count(*) FROM network_valve, b WHERE geom && b.g),
              (SELECT count(*) FROM network_premise, b WHERE geom && b.g)""",
            tile_params(tile) | {"margin": BUFFER / EXTENT},
        )
        mains, sources, valves, premises = cursor.fetchone()
    return {"mains": mains, "sources": sources, "valves": valves, "premises": premises}


def bench_tile(ctx: Context, z: int) -> dict[str, Any]:
    tile, count, metres = densest_tile(z)
    params = tile_params(tile) | {"margin": BUFFER / EXTENT}
    url = f"{ctx.server.url}/maps/tiles/network/{tile.z}/{tile.x}/{tile.y}.pbf"
    response = ctx.http.get(url)
    runs = {
        "bare": lambda: bare(BARE_TILE, params),
        "network_tile": lambda: network_tile(tile),
        "gunicorn": lambda: ctx.http.get(url).content,
    }
    timed(runs, max(3, ctx.runs // 10))
    samples = timed(runs, ctx.runs * 2)
    return {
        "tile": tile,
        "midpoints": count,
        "km": metres / 1000,
        "contents": tile_contents(tile),
        "bytes": {
            "bare": len(bytes(cast(bytes, bare(BARE_TILE, params)))),  # ST_AsMVT: bytea
            "network_tile": len(network_tile(tile)),
            "gunicorn": len(response.content),
        },
        "status": response.status_code,
        "stats": {k: summary(v) for k, v in samples.items()},
    }


# 3. Walls under load ---------------------------------------------------------------------------


def _writer_main(
    dsn: dict[str, Any],
    vans: dict[int, tuple[float, float]],
    rate: float,
    seed: int,
    stop: Any,
    pipe: Connection,
) -> None:
    """Move `rate` vans a second, chosen at random, in one transaction every 50 ms."""
    rng = random.Random(seed)
    ids = sorted(vans)
    per_batch = round(rate * WRITER_BATCH_S)
    moved = batches = late = 0
    with psycopg.connect(**dsn, autocommit=True) as conn:
        started = time.monotonic()
        while not stop.is_set() and not per_batch:  # --rate 0: the vans stay parked
            stop.wait(1)
        while not stop.is_set():
            wait = started + batches * WRITER_BATCH_S - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            else:
                late += 1
            conn.execute(MOVE_SQL, _moves(rng.sample(ids, per_batch), rng, vans))
            batches += 1
            moved += per_batch
        seconds = time.monotonic() - started
    pipe.send({"moved": moved, "seconds": seconds, "late": late, "cpu": time.process_time()})
    pipe.close()


def database_dsn() -> dict[str, Any]:
    db = settings.DATABASES["default"]
    return {
        "host": db["HOST"],
        "port": db["PORT"],
        "dbname": db["NAME"],
        "user": db["USER"],
        "password": db["PASSWORD"],
    }


@dataclass(frozen=True)
class Poll:
    started: float  # monotonic
    ms: float
    status: int
    size: int
    features: int
    full: bool
    retried: int = 0  # the kept-alive connection had been closed: sent again at once
    error: str = ""


def _get(http: requests.Session, url: str, **kwargs: Any) -> tuple[requests.Response, int]:
    """GET, once more at once if the kept-alive connection was closed under it (gunicorn
    closes one idle for 2 s, the poll interval: a browser retries such a request too).
    Returns the response and how many retries it took."""
    try:
        return http.get(url, timeout=30, **kwargs), 0
    except requests.ConnectionError:
        return http.get(url, timeout=30, **kwargs), 1


def _wall(
    url: str, cookie: str, interval: float, start_at: float, stop_at: float, out: list[Poll]
) -> None:
    """One wall as wall.js polls: the full answer first, then `since` and If-None-Match; the
    next request `interval` after the answer. Status 0: the request failed."""
    http = http_session(cookie)
    cursor: str | None = None
    etag: str | None = None
    time.sleep(max(0.0, start_at - time.monotonic()))
    while (started := time.monotonic()) < stop_at:
        params = {} if cursor is None else {"since": cursor}
        headers = {"If-None-Match": etag} if etag and cursor is not None else {}
        try:
            response, retried = _get(http, url, params=params, headers=headers)
            body = response.content
        except requests.RequestException as error:
            ms = (time.monotonic() - started) * 1000
            out.append(Poll(started, ms, 0, 0, 0, not params, 0, type(error).__name__))
            time.sleep(interval)
            continue
        ms = (time.monotonic() - started) * 1000
        features = 0
        if response.status_code == 200:
            if (found := CURSOR.search(body[:400])) is not None:
                cursor = found.group(1).decode()
                etag = response.headers.get("ETag")
            features = body.count(FEATURE)
        out.append(
            Poll(started, ms, response.status_code, len(body), features, not params, retried)
        )
        time.sleep(interval)
    http.close()


def _probe(interval: float, stations: list[int], stop_at: float, out: dict[str, list]) -> None:
    """Once a second: the bare delta query for what changed in the last `interval` (the cursor
    a fresh snapshot gave `interval` ago), how far the cluster's xmin trails, and the CPU
    time of each backend of this database (they come and go: gunicorn's close after 60 s)."""
    history: list[tuple[float, int]] = []
    params = feed_params(stations)
    try:
        while (now := time.monotonic()) < stop_at:
            out["backends"].append((now, {pid: cpu_seconds([pid]) for pid in database_pids()}))
            xmin, xmax = snapshot()
            history.append((now, xmin))
            out["lag"].append(xmax - xmin)
            earlier = [x for t, x in history if t <= now - interval]
            if earlier:
                started = time.perf_counter()
                body = bare(BARE_DELTA, params | {"since": earlier[-1]})
                out["ms"].append((time.perf_counter() - started) * 1000)
                out["features"].append(cast(str, body).count('"type" : "Feature"'))  # json text
            time.sleep(max(0.0, now + 1.0 - time.monotonic()))
    finally:
        connection.close()


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def machine_busy() -> float:
    """CPU seconds the whole machine has been busy (every process, anyone's)."""
    ticks = [int(t) for t in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")


def database_pids() -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
        return [r[0] for r in cursor.fetchall()]


def backends_cpu(samples: list[tuple[float, dict[int, float]]], start: float, end: float) -> float:
    """CPU seconds this database's backends used between two times, from per-second samples
    (a backend that ended loses at most its last second)."""
    before: dict[int, float] = {}
    until: dict[int, float] = {}
    for at, cpus in samples:
        if at <= start:
            before.update(cpus)
        if at <= end:
            until.update(cpus)
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in until.items())


def cpu_sample(server: Gunicorn, writer_pid: int) -> dict[str, float]:
    return {
        "gunicorn": cpu_seconds(server.pids()),
        "writer": cpu_seconds([writer_pid]),
        "walls and probe (this process)": time.process_time(),
        MACHINE: machine_busy(),
    }


def cpu_used(start: dict[str, float], end: dict[str, float], database: float) -> dict[str, float]:
    used = {"PostgreSQL (this database)": database}
    used |= {k: end[k] - start[k] for k in end}
    machine = used.pop(MACHINE)
    used["other work on the machine"] = machine - sum(used.values())
    return used


def bench_walls(
    ctx: Context,
    *,
    variant: str,
    interval: float,
    walls: int,
    seconds: float,
    rate: float,
    seed: int,
) -> dict[str, Any]:
    tables_vacuum()
    vans = van_homes()
    cookies = [session_cookie(ctx.user) for _ in range(walls)]
    url = f"{ctx.server.url}/maps/feed"
    connections.close_all()  # the writer must not share our database socket
    context = mp.get_context("fork")
    stop = context.Event()
    receive, send = context.Pipe(duplex=False)
    writer = context.Process(
        target=_writer_main, args=(database_dsn(), vans, rate, seed, stop, send)
    )
    writer.start()
    assert writer.pid is not None  # set by start()
    send.close()
    time.sleep(1.0)  # the writer at speed before the first wall
    t0 = time.monotonic()
    measure_from = t0 + max(5.0, 2 * interval + 1)  # every wall has had its full answer
    stop_at = measure_from + seconds
    polls: list[list[Poll]] = [[] for _ in range(walls)]
    threads = [
        threading.Thread(
            target=_wall,
            args=(url, cookies[n], interval, t0 + n * interval / walls, stop_at, polls[n]),
            daemon=True,
        )
        for n in range(walls)
    ]
    probe: dict[str, list] = {"ms": [], "features": [], "lag": [], "backends": []}
    threads.append(
        threading.Thread(target=_probe, args=(interval, ctx.stations, stop_at, probe), daemon=True)
    )
    for thread in threads:
        thread.start()
    time.sleep(max(0.0, measure_from - time.monotonic()))
    cpu_from = cpu_sample(ctx.server, writer.pid)
    log_from = ctx.server.log.stat().st_size
    time.sleep(max(0.0, stop_at - time.monotonic()))
    cpu_to = cpu_sample(ctx.server, writer.pid)
    log_to = ctx.server.log.stat().st_size
    for thread in threads:
        thread.join(timeout=60)
    stop.set()
    written = receive.recv()
    writer.join()
    every = [p for wall in polls for p in wall]
    window = [p for p in every if measure_from <= p.started < stop_at and not p.full]
    changed = [p for p in window if p.status == 200]
    server = ctx.server.server_ms(log_from, log_to)
    return {
        "variant": variant,
        "vans_table": vans_table(),
        "interval": interval,
        "walls": walls,
        "seconds": seconds,
        "polls": len(window),
        "stats": summary([p.ms for p in window]) if window else None,
        "server": summary(server) if len(server) > 1 else None,
        "full": summary([p.ms for p in every if p.full]),
        "full_count": sum(p.full for p in every),
        "not_modified": sum(p.status == 304 for p in window),
        "errors": sum(p.status not in (200, 304) for p in window),
        "retried": sum(p.retried for p in window),
        "error_kinds": sorted(
            {p.error or str(p.status) for p in window if p.status not in (200, 304)}
        ),
        "delta_features": statistics.fmean(p.features for p in changed) if changed else 0.0,
        "delta_bytes": statistics.fmean(p.size for p in changed) if changed else 0.0,
        "probe": summary(probe["ms"]) if len(probe["ms"]) > 1 else None,
        "probe_features": statistics.fmean(probe["features"]) if probe["features"] else 0.0,
        "lag_max": max(probe["lag"], default=0),
        "lag_mean": statistics.fmean(probe["lag"]) if probe["lag"] else 0.0,
        "written": written,
        "cpu": cpu_used(cpu_from, cpu_to, backends_cpu(probe["backends"], measure_from, stop_at)),
    }


# Report ----------------------------------------------------------------------------------------


def machine() -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('server_version'), postgis_lib_version(),"
            " current_setting('shared_buffers'), current_setting('jit'),"
            " current_setting('jit_above_cost'), current_setting('autovacuum')"
        )
        pg, postgis, buffers, jit, jit_cost, autovacuum = cursor.fetchone()
    memory = int(Path("/proc/meminfo").read_text().split()[1]) / 2**20
    load = Path("/proc/loadavg").read_text().split()[:3]
    return (
        f"{os.cpu_count()} cores, {memory:.0f} GiB; PostgreSQL {pg} + PostGIS {postgis} "
        f"(shared_buffers {buffers}, jit {jit} above cost {jit_cost}, autovacuum {autovacuum}: "
        f"the script vacuums before each part), gunicorn {gunicorn.__version__}, Python "
        f"{sys.version.split()[0]}; the walls, gunicorn, the writer and the database on this "
        f"host; load average {' / '.join(load)} when the script started"
    )


def _row(label: str, s: dict[str, float], base: float, extra: str = "") -> str:
    return (
        f"| {label} | {s['p50']:.2f} | {s['p95']:.2f} | {s['p99']:.2f} | {s['mean']:.2f} "
        f"| {s['p95'] / base:.2f}x |{extra}"
    )


def _feed_lines(full: dict, delta: dict, unchanged: dict) -> Iterator[str]:
    yield "| answer: measured (ms) | p50 | p95 | p99 | mean | p95 / baseline p95 | bytes |"
    yield "|---|---:|---:|---:|---:|---:|---:|"
    n = full["features"]
    b = full["bytes"]
    base = full["stats"]["bare"]["p95"]
    labels = {
        "bare": (f"full ({n:,} features): **baseline**, bare `json_agg` query", b["bare"]),
        "feed_since": ("full: `feed_since(since=None)`", b["ours"]),
        "jit_off": ("full: `feed_since`, `SET jit = off` around it (comparison)", b["ours"]),
        "client": ("full: GET /maps/feed, django.test.Client (view, middleware)", b["http"]),
        "gunicorn": ("full: GET /maps/feed through gunicorn (HTTP, loopback)", b["http"]),
    }
    for name, (label, size) in labels.items():
        yield _row(label, full["stats"][name], base, f" {size:,} |")
    base = delta["stats"]["bare"]["p95"]
    d = f"delta ({delta['moved']} vans moved, {delta['features']} features)"
    delta_labels = {
        "bare": f"{d}: **baseline**, the bare query over rows changed",
        "feed_since": f"{d}: `feed_since(since=cursor)`",
        "jit_off": f"{d}: `feed_since`, `SET jit = off` around it (comparison)",
        "client": f"{d}: GET /maps/feed?since=, django.test.Client",
        "gunicorn": f"{d}: GET /maps/feed?since= through gunicorn",
    }
    for name, label in delta_labels.items():
        yield _row(label, delta["stats"][name], base, f" {delta['bytes']:,} |")
    base = unchanged["stats"]["select_1"]["p95"]
    labels = {
        "select_1": ("nothing changed: **baseline**, `SELECT 1` round trip", "-"),
        "feed_since": ("nothing changed: `feed_since` (one EXISTS query)", "-"),
        "client": ("nothing changed: django.test.Client, If-None-Match (304)", "0"),
        "favicon": ("**HTTP baseline**: GET /favicon.ico through gunicorn (no database)", "0"),
        "gunicorn": (f"nothing changed: through gunicorn ({unchanged['status']})", "0"),
    }
    for name, (label, size) in labels.items():
        yield _row(label, unchanged["stats"][name], base, f" {size} |")


def _plans_line(plans: dict[str, dict[str, float]]) -> str:
    def one(name: str) -> str:
        p = plans[name]
        jit = f"JIT {p['jit_ms']:.0f} ms ({p['functions']} functions)" if p["jit_ms"] else "no JIT"
        return f"cost {p['cost']:,.0f}, {p['ms']:.1f} ms, {jit}"

    return (
        "- plans (EXPLAIN ANALYZE after VACUUM ANALYZE; the server compiles a statement with JIT "
        "when its estimated cost passes jit_above_cost): FULL_SQL full answer "
        f"{one('feed full')}; DELTA_SQL delta of 200 vans {one('feed delta')}; the bare full "
        f"answer {one('bare full')}; the bare delta {one('bare delta')}"
    )


def _tile_lines(tiles: list[dict]) -> Iterator[str]:
    yield "| tile: measured (ms) | p50 | p95 | p99 | mean | p95 / baseline p95 | bytes |"
    yield "|---|---:|---:|---:|---:|---:|---:|"
    for t in tiles:
        tile = t["tile"]
        name = f"{tile.z}/{tile.x}/{tile.y}"
        base = t["stats"]["bare"]["p95"]
        labels = {
            "bare": f"{name}: **baseline**, bare `ST_AsMVT` of the mains",
            "network_tile": f"{name}: `network_tile()` (4 layers)",
            "gunicorn": f"{name}: GET the .pbf through gunicorn",
        }
        for key, label in labels.items():
            yield _row(label, t["stats"][key], base, f" {t['bytes'][key]:,} |")
    yield ""
    for t in tiles:
        c = t["contents"]
        yield (
            f"- {t['tile'].z}/{t['tile'].x}/{t['tile'].y}: the densest at zoom {t['tile'].z} "
            f"({t['midpoints']} mains, {t['km']:.1f} km by midpoint); its envelope with the "
            f"{BUFFER}-pixel margin takes in {c['mains']} mains, {c['sources']} sources, "
            f"{c['valves']} valves (sent from zoom 15), {c['premises']} premises (from 17)"
        )


def _walls_lines(runs: list[dict]) -> Iterator[str]:
    yield (
        "| gunicorn: walls x poll | polls | req/s | p50 ms | p95 ms | p99 ms | server p50 / p95 ms "
        "| 304s | mean delta | errors, retries | baseline: bare delta query p50 / p95 ms |"
    )
    yield "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    for r in runs:
        s, srv, probe = r["stats"], r["server"], r["probe"]
        yield (
            f"| {r['variant']}: {r['walls']} x {r['interval']:g} s | {r['polls']} "
            f"| {r['polls'] / r['seconds']:.1f} | {s['p50']:.1f} | {s['p95']:.1f} "
            f"| {s['p99']:.1f} | {srv['p50']:.1f} / {srv['p95']:.1f} | {r['not_modified']} "
            f"| {r['delta_features']:,.0f} features, {r['delta_bytes'] / 1024:,.0f} KiB "
            f"| {r['errors']}{' (' + ', '.join(r['error_kinds']) + ')' if r['errors'] else ''}"
            f", {r['retried']} retried "
            f"| {probe['p50']:.1f} / {probe['p95']:.1f} "
            f"({r['probe_features']:,.0f} features) |"
        )
    yield ""
    for r in runs:
        w = r["written"]
        cpu = ", ".join(f"{k} {v:.1f}" for k, v in r["cpu"].items())
        yield (
            f"- {r['variant']}, {r['walls']} x {r['interval']:g} s: the writer moved "
            f"{w['moved'] / w['seconds']:,.0f} vans/s ({w['late']} batches late); each "
            f"wall's full answer first: p50 "
            f"{r['full']['p50']:.0f} ms, p95 {r['full']['p95']:.0f} ms ({r['full_count']} walls); "
            f"cursor lag (xmax - xmin of the cluster's snapshot) mean {r['lag_mean']:.0f}, max "
            f"{r['lag_max']} transaction ids; fleet_vehicle after: {r['vans_table'][0]:,} "
            f"dead rows, {r['vans_table'][1] / 2**20:.1f} MiB; CPU seconds over the "
            f"{r['seconds']:.0f} s ({os.cpu_count()} cores): {cpu}"
        )


def _goal_lines(full: dict, delta: dict, runs: list[dict]) -> Iterator[str]:
    met = {True: "**Met**", False: "**Not met**"}
    stats = full["stats"]
    ratio = stats["feed_since"]["p95"] / stats["bare"]["p95"]
    yield (
        f"- {met[ratio <= GOAL_RATIO and full['same']]}: the full answer ({full['features']:,} "
        f"features) within {GOAL_RATIO:g}x of PostGIS building the same GeoJSON itself, "
        f"uncached: `feed_since` p95 {stats['feed_since']['p95']:.1f} ms, {ratio:.2f}x "
        f"(same features: {'yes' if full['same'] else 'NO ' + ', '.join(full['differ'])})"
    )
    ratio = stats["gunicorn"]["p95"] / stats["bare"]["p95"]
    yield (
        f"- {met[ratio <= GOAL_RATIO]}: the same through the view and gunicorn: p95 "
        f"{stats['gunicorn']['p95']:.1f} ms, {ratio:.2f}x"
    )
    d = delta["stats"]
    ratio = d["feed_since"]["p95"] / d["bare"]["p95"]
    yield (
        f"- {met[ratio <= GOAL_RATIO and delta['same']]}: (not a goal of the issue, the same "
        f"bar) a delta of {delta['features']} features: `feed_since` p95 "
        f"{d['feed_since']['p95']:.1f} ms, {ratio:.2f}x the bare query; with jit off "
        f"{d['jit_off']['p95'] / d['bare']['p95']:.2f}x (same features: "
        f"{'yes' if delta['same'] else 'NO'})"
    )
    for r in runs:
        p95 = r["stats"]["p95"]
        what = "the goal" if r["interval"] == 2 else "the page's own interval, same bar"
        if r["variant"] != "as shipped":
            what = f"{r['variant']}: a comparison, not what runs"
        yield (
            f"- {met[p95 < GOAL_P95_MS and not r['errors']]}: {r['walls']} walls polling every "
            f"{r['interval']:g} s, feed p95 under {GOAL_P95_MS:.0f} ms ({what}): {p95:.1f} ms"
        )


def report(args: argparse.Namespace, load: Load, results: dict[str, Any], took: dict) -> None:
    full, delta, unchanged = results["full"], results["delta"], results["unchanged"]
    command = ".venv/bin/python bench/maps.py" + (" --quick" if args.quick else "")
    if not args.quick:
        command += f" --runs {args.runs} --walls {args.walls} --seconds {args.seconds:g}"
    print("```sh")
    print(command)
    print("```\n")
    print(f"- machine: {results['machine']}")
    kinds = ", ".join(f"{v:,} {k}s" for k, v in full["kinds"].items())
    print(
        f"- live features: {kinds} ({load.crews:,} crews with vans, {load.closed:,} closed "
        f"incidents as history); loaded in {load.seconds:.1f} s. Each figure: {args.runs} runs "
        f"(200 vans moved before each delta), the measures taking turns. Statements per request "
        f"through the view: full {full['queries'][1]}, delta {delta['queries'][1]}, "
        f"nothing changed {unchanged['queries'][1]} (status {unchanged['queries'][0]})"
    )
    print(
        "- the full answer is GeoJSON text from one statement; the test client and gunicorn "
        f"count the features in the body: {'the same' if full['counted'] else 'DIFFERENT'}\n"
    )
    print("\n".join(_feed_lines(full, delta, unchanged)))
    print()
    print(_plans_line(results["plans"]))
    print()
    print("\n".join(_tile_lines(results["tiles"])))
    print()
    print("\n".join(_walls_lines(results["walls"])))
    print()
    print("\n".join(_goal_lines(full, delta, results["walls"])))
    print()
    print("- time taken: " + ", ".join(f"{k} {v:.0f} s" for k, v in took.items()))


def explain(ctx: Context, tiles: list[dict], seed: int) -> None:
    """EXPLAIN ANALYZE (with costs) of a 200-van delta, ours and the bare query, and of the
    zoom 16 tile, ours and the bare one, on fresh statistics."""
    tables_vacuum()
    rng = random.Random(seed)
    homes = van_homes()
    since = vans_move(rng.sample(sorted(homes), 200), rng, homes)
    tile = tiles[-1]["tile"]
    params = tile_params(tile) | {"margin": BUFFER / EXTENT, "low_from": 13, "medium_from": 11}
    params |= {"valves_from": 15, "premises_from": 17}
    for title, sql, p in (
        (
            "DELTA_SQL, delta of 200 vans",
            DELTA_SQL,
            feed_params(ctx.stations, since) | {"full": False},
        ),
        ("baseline, delta of 200 vans", BARE_DELTA, ctx.params | {"since": since}),
        (f"TILE_SQL {tile.z}/{tile.x}/{tile.y}", TILE_SQL, params),
        (f"baseline tile {tile.z}/{tile.x}/{tile.y}", BARE_TILE, params),
    ):
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, p)
            plan = "\n".join(r[0] for r in cursor.fetchall())
        print(f"\nEXPLAIN ANALYZE, {title}:\n```\n{plan}\n```")


def walls_runs(
    ctx: Context, args: argparse.Namespace, directory: Path, took: dict[str, float]
) -> list[dict[str, Any]]:
    """Every 2 s and every 1 s, on the gunicorn as shipped, then (unless --no-jit-off) on one
    whose database sessions have jit off, the setting the plans point to."""
    variants = [("as shipped", "")] + ([] if args.no_jit_off else [("jit off", "-c jit=off")])
    runs = []
    for variant, pgoptions in variants:
        gunicorn_stop(ctx.server)
        ctx.server = gunicorn_start(directory, pgoptions)
        for interval in (2.0, 1.0):
            mark = time.perf_counter()
            runs.append(
                bench_walls(
                    ctx,
                    variant=variant,
                    interval=interval,
                    walls=args.walls,
                    seconds=args.seconds,
                    rate=args.rate,
                    seed=args.seed,
                )
            )
            took[f"walls {variant} every {interval:g} s"] = time.perf_counter() - mark
    return runs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run: few runs, 10 s walls")
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--walls", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--rate", type=float, default=2000, help="vans moved a second")
    parser.add_argument("--incidents", type=int, default=1000)
    parser.add_argument("--crews", type=int, default=3980)
    parser.add_argument("--isolations", type=int, default=20)
    parser.add_argument("--closed", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--explain", action="store_true", help="print the plans after")
    parser.add_argument(
        "--no-jit-off", action="store_true", help="skip the walls on a gunicorn with jit off"
    )
    args = parser.parse_args()
    if args.quick:
        args.runs, args.seconds = 20, 10

    user = User.objects.filter(username="dispatcher").first()
    if user is None or not OrgUnit.objects.filter(tier=OrgUnit.Tier.STATION).exists():
        print("load the demo organisation first: manage.py load_demo", file=sys.stderr)
        return 2
    took: dict[str, float] = {}
    started = time.perf_counter()
    results: dict[str, Any] = {"machine": machine()}
    load = live_features_load(
        incidents=args.incidents,
        isolations=args.isolations,
        closed=args.closed,
        crews=args.crews,
        seed=args.seed,
    )
    tables_vacuum()
    took["load"] = time.perf_counter() - started
    stations = list(org_unit_list_within(user.org_unit).values_list("id", flat=True))
    client = Client()
    client.force_login(user)
    http = http_session(session_cookie(user))
    with tempfile.TemporaryDirectory(prefix="bench-maps-") as directory:
        # Single answers are measured uncached: each request asks PostgreSQL (in this
        # process and in gunicorn); the walls then run on a gunicorn as shipped.
        server = gunicorn_start(Path(directory), feed_log=False)
        ctx = Context(user, stations, server, http, client, args.runs, feed_params(stations))
        try:
            mark = time.perf_counter()
            with override_settings(MAP_FEED_TICK_S=0):
                tables_vacuum()
                results["full"] = bench_full(ctx)
                tables_vacuum()
                results["delta"] = bench_delta(ctx, 200, args.seed)
                results["unchanged"] = bench_unchanged(ctx)
            results["plans"] = plan_check(ctx, args.seed)
            took["feed"] = time.perf_counter() - mark
            mark = time.perf_counter()
            results["tiles"] = [bench_tile(ctx, z) for z in (14, 16)]
            took["tiles"] = time.perf_counter() - mark
            results["walls"] = walls_runs(ctx, args, Path(directory), took)
        finally:
            gunicorn_stop(ctx.server)
    took["all"] = time.perf_counter() - started
    report(args, load, results, took)
    if args.explain:
        explain(ctx, results["tiles"], args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
