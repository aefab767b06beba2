"""Crew recommendation speed against the bare KNN-plus-skills SQL query, and its top pick
against a brute-force optimum.

    DATABASE_URL=postgis://gasdispatch:gasdispatch@127.0.0.1:5432/gasdispatch_bench \\
        .venv/bin/python bench/recommend.py --crews 1000 10000 [--incidents 1000] [--seed 1]

The database must hold a demo city with roads (see RESULTS.md, "The bench database"). For each
crew count the script deletes every crew and van (nothing else: the network is left alone),
loads that many with demo_crews_load, and then, on the same incidents (premises drawn with a
fixed seed), times in turn:

- the baseline: the bare query `... WHERE status = 'available' AND skills @> ... AND <on
  shift> ORDER BY v.last_point <-> point LIMIT 5`, the least any answer can cost;
- the baseline plus one bare, unbounded scipy Dijkstra from a road node next to the incident:
  what an answer ranked by a search over the whole city would cost at least;
- crew_recommend as shipped: one query (the 40 crews nearest the incident that could take the
  job, by the GiST index on the vans' positions, with the road revision and the rule's skills
  read in the same statement), one Dijkstra from the incident over the roads (scipy, bounded
  by the straight-line floor on every crew the query left out: fleet.roads), the routes of the
  five it names walked back for their length, and the reasons;
- the baseline and crew_recommend again while another process moves every van once per
  `--report-every` seconds, in 100 ms batches (the tracker's writes to the same rows and the
  same GiST index the query walks);
- crew_recommend when no crew meets the rule, so that all five it names are the next best
  (dispatch.recommend_fallback: one more query, over every crew), for a rule asking for a skill
  no crew has (in a transaction rolled back at the end);
- call intake to recommended crews, if dispatch.services.intake is there (in a transaction
  rolled back at the end).

Then, for as many incidents again, whether the top pick is the optimum found by brute force:
every capable crew (no KNN, no LIMIT), each one's road time from an unbounded Dijkstra over
every road, worked out here from the graph's matrix (not through fleet.roads' `travel`).
Prints a Markdown block for bench/RESULTS.md.
"""

import argparse
import multiprocessing as mp
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.main")
os.environ.setdefault("DJANGO_DEBUG", "false")  # DEBUG logs every query: not what production runs
django.setup()

import numpy as np  # noqa: E402
import psycopg  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.gis.geos import Point  # noqa: E402
from django.db import connection, connections, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from scipy.sparse.csgraph import dijkstra  # noqa: E402

from demo.crews import demo_crews_delete, demo_crews_load  # noqa: E402
from dispatch.models import CategoryRule  # noqa: E402
from dispatch.recommend import crew_recommend  # noqa: E402
from fleet.roads import ACCESS_SPEED_KMH, RoadGraph, road_graph  # noqa: E402

# What the hotline sends crews to, roughly in proportion (category, priority).
ACCESS_MPS = ACCESS_SPEED_KMH / 3.6
MIX = [
    ("leak_outdoor", 2, 35),
    ("leak_indoor", 1, 20),
    ("no_gas", 3, 15),
    ("meter_fault", 3, 15),
    ("third_party_damage", 1, 10),
    ("co_alarm", 1, 5),
]
ON_SHIFT = """CASE WHEN c.shift_start < c.shift_end
                   THEN c.shift_start <= %(t)s AND %(t)s < c.shift_end
                   ELSE c.shift_start <= %(t)s OR %(t)s < c.shift_end END"""
POINT = "ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326)"
BASELINE = f"""SELECT c.id FROM dispatch_crew c JOIN fleet_vehicle v ON v.crew_id = c.id
WHERE c.status = 'available' AND c.skills @> %(skills)s::varchar[] AND {ON_SHIFT}
ORDER BY v.last_point <-> {POINT} LIMIT 5"""  # noqa: S608 - constants; values are bound
# Brute force: every capable crew, no KNN, no limit.
EVERY_CAPABLE = f"""SELECT c.id, ST_X(ST_Transform(v.last_point, %(srid)s)),
       ST_Y(ST_Transform(v.last_point, %(srid)s))
FROM dispatch_crew c JOIN fleet_vehicle v ON v.crew_id = c.id
WHERE c.status = 'available' AND c.skills @> %(skills)s::varchar[] AND {ON_SHIFT}
  AND v.last_point IS NOT NULL"""  # noqa: S608 - constants; values are bound


@dataclass(frozen=True)
class Incident:
    point: Point
    category: str
    priority: int
    skills: list[str]


def incidents_draw(*, count: int, seed: int) -> list[Incident]:
    """Incidents at premises drawn with a fixed seed, in the category mix above."""
    rng = random.Random(seed)
    skills = dict(CategoryRule.objects.values_list("category", "skills"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id), max(id) FROM network_premise")
        low, high = cursor.fetchone()
        ids = rng.sample(range(low, high + 1), min(count * 2, high - low + 1))
        cursor.execute(
            "SELECT ST_X(geom), ST_Y(geom) FROM network_premise WHERE id = ANY(%s) ORDER BY id",
            [ids],
        )
        points = cursor.fetchall()[:count]
    rng.shuffle(points)
    kinds = rng.choices(MIX, weights=[m[2] for m in MIX], k=len(points))
    return [
        Incident(Point(x, y, srid=4326), category, priority, sorted(skills.get(category, [])))
        for (x, y), (category, priority, _w) in zip(points, kinds, strict=True)
    ]


def params(incident: Incident, now: datetime, **extra: Any) -> dict[str, Any]:
    return {
        "lon": incident.point.x,
        "lat": incident.point.y,
        "skills": incident.skills,
        "t": timezone.localtime(now).time(),
        **extra,
    }


def baseline(incident: Incident, now: datetime) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(BASELINE, params(incident, now))
        return [r[0] for r in cursor.fetchall()]


def recommend(incident: Incident, now: datetime) -> list[Any]:
    return crew_recommend(
        point=incident.point, category=incident.category, priority=incident.priority, now=now
    )


UNMET = "bench_unmet"  # a case type (made for the run, rolled back) asking for a skill no crew has


def next_best_runner(now: datetime) -> Callable[[Incident], object]:
    """crew_recommend as the dispatcher's list asks, for a rule no crew meets: every crew it
    names comes from the next best. Call inside a transaction that is rolled back."""
    CategoryRule.objects.create(
        category=UNMET, label_en="bench", label_zh="bench", base_priority=1, skills=[UNMET]
    )

    def run(incident: Incident) -> object:
        found = crew_recommend(
            point=incident.point, category=UNMET, priority=1, now=now, next_best=True
        )
        assert len(found) == 5
        assert not any(r.ideal for r in found)
        return found

    return run


def brute_force(graph: RoadGraph, incident: Incident, now: datetime) -> tuple[int, float] | None:
    """The capable crew with the least road time, by an unbounded Dijkstra over every road from
    both ends of the incident's stretch, then on to each van's stretch, as fleet.roads places
    points on the roads (worked out here, not through its `travel`)."""
    with connection.cursor() as cursor:
        cursor.execute(EVERY_CAPABLE, params(incident, now, srid=graph.srid))
        rows = cursor.fetchall()
        cursor.execute(
            f"SELECT ST_X(p), ST_Y(p) FROM ST_Transform({POINT}, %(srid)s) p",  # noqa: S608
            params(incident, now, srid=graph.srid),
        )
        origin = cursor.fetchone()
    if not rows:
        return None
    snaps = graph.snap(np.array([origin, *[(r[1], r[2]) for r in rows]]))
    e, a, leg = int(snaps.edge[0]), snaps.along[0], snaps.leg_m[0] / ACCESS_MPS
    ends = dijkstra(graph.matrix, indices=[graph.edge_u[e], graph.edge_v[e]])
    node_s = np.minimum(
        ends[0] + leg + a * graph.edge_s[e], ends[1] + leg + (1 - a) * graph.edge_s[e]
    )
    te, ta, to_road = snaps.edge[1:], snaps.along[1:], snaps.leg_m[1:] / ACCESS_MPS
    seconds = np.minimum.reduce(
        [
            node_s[graph.edge_u[te]] + to_road + ta * graph.edge_s[te],
            node_s[graph.edge_v[te]] + to_road + (1 - ta) * graph.edge_s[te],
            np.where(te == e, leg + to_road + np.abs(ta - a) * graph.edge_s[e], np.inf),
        ]
    )
    best = int(np.argmin(seconds))
    return rows[best][0], float(seconds[best])


# Each van a few metres further on, the tracker's kind of write.
MOVE_SQL = """UPDATE fleet_vehicle v
SET last_point = ST_SetSRID(ST_MakePoint(ST_X(v.last_point) + d.dx, ST_Y(v.last_point) + d.dy),
                            4326),
    last_fix_at = now(), last_seen_at = now()
FROM unnest(%s::bigint[], %s::float8[], %s::float8[]) AS d(id, dx, dy)
WHERE v.id = d.id AND v.last_point IS NOT NULL"""
MOVE_BATCH_S = 0.1


def _mover_main(rate: float, seed: int, stop: Any, pipe: Connection) -> None:
    """Move `rate` vans a second, chosen at random, one transaction every MOVE_BATCH_S."""
    db: dict[str, Any] = settings.DATABASES["default"]
    rng = random.Random(seed)
    moved = batches = 0
    with psycopg.connect(
        host=db["HOST"],
        port=db["PORT"],
        dbname=db["NAME"],
        user=db["USER"],
        password=db["PASSWORD"],
        autocommit=True,
    ) as conn:
        ids = [r[0] for r in conn.execute("SELECT id FROM fleet_vehicle").fetchall()]
        per_batch = max(1, round(rate * MOVE_BATCH_S))
        started = time.monotonic()
        while not stop.is_set():
            if (wait := started + batches * MOVE_BATCH_S - time.monotonic()) > 0:
                time.sleep(wait)
            chosen = rng.sample(ids, min(per_batch, len(ids)))
            shifts = [rng.uniform(-0.0002, 0.0002) for _ in range(2 * len(chosen))]
            conn.execute(MOVE_SQL, [chosen, shifts[::2], shifts[1::2]])
            batches += 1
            moved += len(chosen)
        seconds = time.monotonic() - started
    pipe.send({"moved": moved, "seconds": seconds})
    pipe.close()


def timed_while_moving(
    runs: dict[str, Callable[[Incident], object]], items: list[Incident], *, rate: float, seed: int
) -> tuple[dict[str, list[float]], float]:
    """`timed` while another process moves `rate` vans a second; the rate it kept."""
    connections.close_all()  # the mover must not share our database socket
    context = mp.get_context("fork")
    stop = context.Event()
    receive, send = context.Pipe(duplex=False)
    mover = context.Process(target=_mover_main, args=(rate, seed, stop, send))
    mover.start()
    send.close()
    try:
        time.sleep(1.0)  # the mover at speed first
        timed(runs, items[:50])
        samples = timed(runs, items)
    finally:
        stop.set()
        written = receive.recv()
        mover.join(timeout=30)
    return samples, written["moved"] / written["seconds"]


def timed(runs: dict[str, Callable[[Incident], object]], items: list[Incident]) -> dict:
    """Milliseconds per call of each run, the runs taking turns on each item (same noise)."""
    samples: dict[str, list[float]] = {name: [] for name in runs}
    for n, item in enumerate(items):
        names = list(runs) if n % 2 == 0 else list(reversed(runs))
        for name in names:
            started = time.perf_counter()
            runs[name](item)
            samples[name].append((time.perf_counter() - started) * 1000)
    return samples


def summary(samples: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(samples, n=100)
    return {"p50": cuts[49], "p95": cuts[94], "p99": cuts[98], "mean": statistics.fmean(samples)}


class QueryCounter:
    """An execute wrapper that notes each statement sent."""

    def __init__(self, sent: list[str]) -> None:
        self.sent = sent

    def __call__(self, execute: Callable, sql: str, *rest: Any) -> Any:
        self.sent.append(sql)
        return execute(sql, *rest)


def optimum_rate(graph: RoadGraph, incidents: list[Incident], now: datetime) -> dict[str, float]:
    """Share of incidents whose top pick is the brute-force optimum (a tie counts), the same
    for the baseline's straight-line top pick, and how many queries crew_recommend ran."""
    same = same_baseline = counted = 0
    queries: list[int] = []
    for incident in incidents:
        best = brute_force(graph, incident, now)
        sent: list[str] = []
        with connection.execute_wrapper(QueryCounter(sent)):
            picks = recommend(incident, now)
        queries.append(len(sent))
        if best is None:
            continue
        counted += 1
        crew_id, seconds = best
        if picks and (picks[0].crew_id == crew_id or abs(picks[0].eta_seconds - seconds) < 0.5):
            same += 1
        nearest = baseline(incident, now)
        same_baseline += bool(nearest) and nearest[0] == crew_id
    return {
        "counted": counted,
        "rate": 100 * same / max(counted, 1),
        "baseline_rate": 100 * same_baseline / max(counted, 1),
        "queries_mean": statistics.fmean(queries),
        "queries_max": max(queries),
        "one_query": 100 * sum(q == 1 for q in queries) / len(queries),
    }


def intake_runner(now: datetime) -> Callable[[Incident], object] | str:
    """Call intake to recommended crews, or why it cannot be measured here."""
    try:
        from dispatch.roles import Role
        from dispatch.services import user_create
        from dispatch.services.assign import incident_crews_recommend
        from dispatch.services.intake import CallInput, call_open_incident, call_receive
        from gis.models import OrgUnit
    except ImportError as error:
        return f"skipped: {error}"
    company = OrgUnit.objects.filter(code="gx-city").first()
    taker = user_create(
        username=f"bench-{os.getpid()}",
        password="-",  # noqa: S106 - a throwaway user in a rolled-back transaction
        role=Role.CALL_TAKER,
        org_unit=company,
    )

    def run(incident: Incident) -> object:
        call = call_receive(
            data=CallInput(category=incident.category, point=incident.point, caller_phone=""),
            taker=taker,
            received_at=now,
        )
        opened = call_open_incident(call_id=call.id, actor=taker, at=now)
        return incident_crews_recommend(incident=opened, actor=taker, at=now)

    return run


def incident_nodes(graph: RoadGraph, incidents: list[Incident]) -> dict[int, int]:
    """A road node next to each incident, found before the clock starts."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ST_X(p), ST_Y(p) FROM unnest(%s::float8[], %s::float8[]) WITH ORDINALITY"
            " AS u(lon, lat, n), ST_Transform(ST_SetSRID(ST_MakePoint(lon, lat), 4326), %s) p"
            " ORDER BY n",
            [[i.point.x for i in incidents], [i.point.y for i in incidents], graph.srid],
        )
        xy = np.array(cursor.fetchall())
    edges = graph.snap(xy).edge
    return {id(i): int(graph.edge_u[e]) for i, e in zip(incidents, edges, strict=True)}


def explain(incident: Incident, now: datetime) -> str:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, COSTS OFF, BUFFERS) " + BASELINE, params(incident, now))
        return "\n".join(r[0] for r in cursor.fetchall())


def bench_one(
    *, crews: int, args: argparse.Namespace, graph: RoadGraph, now: datetime
) -> dict[str, Any]:
    started = time.perf_counter()
    with transaction.atomic():
        demo_crews_delete()
        demo_crews_load(count=crews, seed=args.seed)
    with connection.cursor() as cursor:
        # The crews just deleted leave dead entries in the GiST index that every KNN walk
        # would step over until autovacuum came by.
        cursor.execute("VACUUM ANALYZE dispatch_crew, fleet_vehicle")
    load_s = time.perf_counter() - started
    incidents = incidents_draw(count=args.incidents, seed=args.seed)
    nodes = incident_nodes(graph, incidents)

    def with_dijkstra(incident: Incident) -> object:
        baseline(incident, now)
        return dijkstra(graph.matrix, indices=nodes[id(incident)])

    runs: dict[str, Callable[[Incident], object]] = {
        "baseline": lambda i: baseline(i, now),
        "crew_recommend": lambda i: recommend(i, now),
    }
    timed(runs, incidents[:50])  # warm the caches, the graph and the plans
    samples = timed(runs, incidents)
    moving, moved_rate = timed_while_moving(
        runs, incidents, rate=crews / args.report_every, seed=args.seed
    )
    samples["baseline_moving"] = moving["baseline"]
    samples["crew_recommend_moving"] = moving["crew_recommend"]
    # Apart: a whole-graph search sweeps the CPU caches and slows whatever runs next.
    timed({"with_dijkstra": with_dijkstra}, incidents[:50])
    samples |= timed({"with_dijkstra": with_dijkstra}, incidents)
    with transaction.atomic():  # the rule no crew meets does not stay
        next_best = next_best_runner(now)
        timed({"next_best": next_best}, incidents[:50])
        samples |= timed({"next_best": next_best}, incidents)
        transaction.set_rollback(True)
    intake_note = ""
    with transaction.atomic():  # intake writes calls and incidents: none of it stays
        intake = intake_runner(now)
        if isinstance(intake, str):
            intake_note = intake
        else:
            try:
                intake(incidents[0])
                samples["intake"] = timed({"intake": intake}, incidents[: args.intake])["intake"]
            except Exception as error:  # someone else's code in progress: note it, go on
                intake_note = f"skipped: {type(error).__name__}: {error}"
        transaction.set_rollback(True)
    checked = incidents_draw(count=args.optimum, seed=args.seed + 1)
    return {
        "crews": crews,
        "load_s": load_s,
        "moved_rate": moved_rate,
        "stats": {name: summary(s) for name, s in samples.items()},
        "optimum": optimum_rate(graph, checked, now),
        "explain": explain(incidents[0], now),
        "intake_note": intake_note,
    }


def report(results: list[dict[str, Any]], args: argparse.Namespace, build_s: float) -> None:
    graph = road_graph()
    print(
        "command: DATABASE_URL=<bench db> .venv/bin/python bench/recommend.py --crews "
        f"{' '.join(map(str, args.crews))} --incidents {args.incidents} --optimum "
        f"{args.optimum} --seed {args.seed} --at {args.at} --report-every {args.report_every:g}"
    )
    print(
        f"roads: {graph.node_count} nodes, {len(graph.edge_u)} stretches; graph built from "
        f"PostGIS in {build_s:.2f}s; incidents at premises, at {args.at} local time\n"
    )
    for r in results:
        print(f"EXPLAIN ANALYZE of the baseline at {r['crews']} crews:\n```\n{r['explain']}\n```")
    print(
        "\n| crews | measured (ms) | p50 | p95 | p99 | mean | p95 / baseline p95 "
        "| p95 / (baseline + Dijkstra) p95 |"
    )
    print("|---:|---|---:|---:|---:|---:|---:|---:|")
    for r in results:
        moving = f"while {r['moved_rate']:,.0f} vans/s move"
        labels = {  # each row's name, and the baseline it is set against (measured with it)
            "baseline": ("baseline: bare KNN + skills SQL, LIMIT 5", "baseline"),
            "with_dijkstra": ("baseline + one bare Dijkstra over all roads", "baseline"),
            "crew_recommend": ("crew_recommend (road ETA, reasons)", "baseline"),
            "baseline_moving": (f"baseline, {moving}", "baseline_moving"),
            "crew_recommend_moving": (f"crew_recommend, {moving}", "baseline_moving"),
            "next_best": ("crew_recommend, all 5 the next best (a rule no crew meets)", "baseline"),
            "intake": ("call intake -> recommended crews", "baseline"),
        }
        floor = r["stats"]["with_dijkstra"]["p95"]
        for name, (label, against) in labels.items():
            if (s := r["stats"].get(name)) is None:
                continue
            base = r["stats"][against]["p95"]
            print(
                f"| {r['crews']} | {label} | {s['p50']:.2f} | {s['p95']:.2f} | "
                f"{s['p99']:.2f} | {s['mean']:.2f} | {s['p95'] / base:.2f}x | "
                f"{s['p95'] / floor:.2f}x |"
            )
    print()
    for r in results:
        o = r["optimum"]
        print(
            f"- {r['crews']} crews (loaded in {r['load_s']:.1f}s): top pick = brute-force "
            f"optimum for **{o['rate']:.1f}%** of {o['counted']} incidents (the baseline's "
            f"straight-line top pick: {o['baseline_rate']:.1f}%); crew_recommend ran "
            f"{o['queries_mean']:.2f} queries on average (max {o['queries_max']}; one query "
            f"for {o['one_query']:.1f}%)"
        )
        if r["intake_note"]:
            print(f"- {r['crews']} crews: call intake not measured ({r['intake_note']})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--crews", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--incidents", type=int, default=1000)
    parser.add_argument("--optimum", type=int, default=1000)
    parser.add_argument("--intake", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--report-every",
        type=float,
        default=10.0,
        help="seconds between two positions of each van while vans move",
    )
    parser.add_argument("--at", default="10:00", help="local time of day the incidents come in")
    args = parser.parse_args()

    started = time.perf_counter()
    graph = road_graph()
    build_s = time.perf_counter() - started
    if graph.empty:
        print(
            "the database holds no roads: build the bench city first (RESULTS.md)", file=sys.stderr
        )
        return 2
    hour, minute = map(int, args.at.split(":"))
    now = timezone.localtime().replace(hour=hour, minute=minute, second=0, microsecond=0)
    results = [bench_one(crews=n, args=args, graph=graph, now=now) for n in args.crews]
    report(results, args, build_s)
    return 0


if __name__ == "__main__":
    sys.exit(main())
