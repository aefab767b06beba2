"""The reports' dashboards at a year of a large city, against the bare SQL of the same figures.

    DATABASE_URL=postgis://gasdispatch:gasdispatch@127.0.0.1:5432/gasdispatch_bench_reports \\
        .venv/bin/python bench/reports.py [--runs 20] [--explain]

The database must hold the demo organisation and city with crews (RESULTS.md, "Reports at a
year's scale"). If it holds fewer than --calls calls, the script first writes a year of
history with demo.history (365 days at --calls-per-day; once: later runs reuse it).

Each dashboard request goes through Django's test Client (URL routing, session and
permission, scope checks, the figures' SQL, labels, JSON), warm, --runs times. Beside each,
in the same loop, the bare SQL: the report statements that request sent (captured from one
request: the figures' aggregates, the drill-down's count and rows, the breach points), replayed
through a plain psycopg connection with the same parameters, nothing else. The table gives
p50 and p95 of both and the ratio of the p95s. Before measuring, the closed days are stored
(reports.rollup_build, as beat does every quarter of an hour); the last column is the bare
SQL the same request sends when no day is stored (the whole range read from the record),
the baseline the stored days are judged against. Then each figure of the heaviest request alone
(`figures_compute(scope, keys=[key])` against its one bare statement), to show where the time
goes; --explain prints EXPLAIN ANALYZE of the slowest statements.
"""

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.main")
os.environ.setdefault("DJANGO_DEBUG", "false")  # DEBUG logs every query: not what production runs
django.setup()

import psycopg  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from demo.history import history_make  # noqa: E402
from dispatch.models import Call, Incident, IncidentEvent, User  # noqa: E402
from gis.models import OrgUnit  # noqa: E402
from reports.catalogue import FIGURES  # noqa: E402
from reports.figures import figures_compute  # noqa: E402
from reports.models import RollupDay  # noqa: E402
from reports.rollup_build import rollup_refresh  # noqa: E402
from reports.scope import scope_from  # noqa: E402

# A statement is a report's own when it reads a source (reports.sources' aliases).
REPORT_TABLES = (
    "dispatch_call c",
    "dispatch_incident i",
    "desk_case k",
    "alerts_callback b",
    "reports_rolluprow r",
)
VACUUMED = (
    "dispatch_call",
    "dispatch_incident",
    "dispatch_workorder",
    "dispatch_incidentdeadline",
    "desk_case",
    "alerts_callback",
)


def summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50": statistics.median(ordered) * 1000,
        "p95": ordered[max(0, round(0.95 * len(ordered)) - 1)] * 1000,
        "mean": statistics.fmean(ordered) * 1000,
    }


def database_dsn() -> dict[str, Any]:
    db = settings.DATABASES["default"]
    return {
        "host": db["HOST"] or None,
        "port": db["PORT"] or None,
        "dbname": db["NAME"],
        "user": db["USER"],
        "password": db["PASSWORD"],
    }


def history_ensure(calls: int, per_day: int) -> tuple[int, int, int, float | None]:
    took = None
    if Call.objects.count() < calls:
        started = time.monotonic()
        made = history_make(days=365, calls_per_day=per_day, progress=print)
        took = time.monotonic() - started
        print(made)
        with connection.cursor() as cursor:  # the visibility map, for index-only scans
            cursor.execute(f"VACUUM ANALYZE {', '.join(VACUUMED)}")
    return Call.objects.count(), Incident.objects.count(), IncidentEvent.objects.count(), took


class Capture:
    """The report statements one request sends, with their parameters."""

    def __init__(self) -> None:
        self.statements: list[tuple[str, Any]] = []

    def __call__(self, execute: Callable, sql: str, params: Any, many: bool, context: Any) -> Any:
        if any(t in sql for t in REPORT_TABLES):
            self.statements.append((sql, params))
        return execute(sql, params, many, context)


def captured(client: Client, url: str) -> list[tuple[str, Any]]:
    capture = Capture()
    with connection.execute_wrapper(capture):
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code, response.content[:300])
    return capture.statements


def captured_from_record(client: Client, url: str) -> list[tuple[str, Any]]:
    """The statements the same request sends when no day is stored: the whole range read
    from the record (the days' fingerprints blanked in a transaction rolled back)."""
    with transaction.atomic():
        RollupDay.objects.update(fingerprint="")
        statements = captured(client, url)
        transaction.set_rollback(True)
    return statements


def bare_run(raw: psycopg.Connection, statements: list[tuple[str, Any]]) -> None:
    with psycopg.ClientCursor(raw) as cursor:  # Django binds client-side too
        for sql, params in statements:
            cursor.execute(sql, params)
            cursor.fetchall()


def timed_pair(
    django_run: Callable[[], object], bare: Callable[[], object], runs: int
) -> tuple[list[float], list[float]]:
    """Both, alternately, after two warm-up rounds: the same cache state for each."""
    ours: list[float] = []
    base: list[float] = []
    for i in range(runs + 2):
        t = time.perf_counter()
        django_run()
        a = time.perf_counter() - t
        t = time.perf_counter()
        bare()
        b = time.perf_counter() - t
        if i >= 2:
            ours.append(a)
            base.append(b)
    return ours, base


def requests_list(group: OrgUnit, company: OrgUnit, station: OrgUnit) -> list[tuple[str, str]]:
    today = timezone.localdate()
    year0, year1 = today - timedelta(days=364), today
    month1 = today.replace(day=1) - timedelta(days=1)  # the last whole month
    month0 = month1.replace(day=1)

    def q(unit: OrgUnit, start: date, end: date, by: str) -> str:
        return f"from={start}&to={end}&unit={unit.pk}&by={by}"

    base = "/api/reports"
    return [
        ("group, year, by station", f"{base}/figures/?{q(group, year0, year1, 'station')}"),
        ("group, year, by month", f"{base}/figures/?{q(group, year0, year1, 'month')}"),
        ("company, month, by day", f"{base}/figures/?{q(company, month0, month1, 'day')}"),
        ("station, month, by crew", f"{base}/figures/?{q(station, month0, month1, 'crew')}"),
        ("station, month, by taker", f"{base}/figures/?{q(station, month0, month1, 'taker')}"),
        (
            "items: arrivals missed, group, year",
            f"{base}/figures/arrival_on_clock/items/?{q(group, year0, year1, 'station')}"
            "&which=missed",
        ),
        (
            "items: arrivals missed, station, month",
            f"{base}/figures/arrival_on_clock/items/?{q(station, month0, month1, 'crew')}"
            "&which=missed",
        ),
        ("breaches, group, year", f"{base}/breaches/?{q(group, year0, year1, 'station')}"),
        ("breaches, station, month", f"{base}/breaches/?{q(station, month0, month1, 'crew')}"),
    ]


def per_figure(
    raw: psycopg.Connection, user: User, query: dict[str, str], runs: int
) -> list[tuple[str, dict[str, float], dict[str, float]]]:
    scope = scope_from(query, user)
    out = []
    for spec in FIGURES:
        capture = Capture()
        with connection.execute_wrapper(capture):
            figures_compute(scope, keys=[spec.key])
        ours, base = timed_pair(
            partial(figures_compute, scope, keys=[spec.key]),
            partial(bare_run, raw, capture.statements),
            runs,
        )
        out.append((spec.key, summary(ours), summary(base)))
    return out


def explain(raw: psycopg.Connection, statements: list[tuple[str, Any]], top: int) -> None:
    timings = []
    for sql, params in statements:
        t = time.perf_counter()
        bare_run(raw, [(sql, params)])
        timings.append((time.perf_counter() - t, sql, params))
    for took, sql, params in sorted(timings, key=lambda x: x[0], reverse=True)[:top]:
        print(f"\n-- {took * 1000:.0f} ms\n{sql}\n")
        with psycopg.ClientCursor(raw) as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            print("\n".join(r[0] for r in cursor.fetchall()))


def machine() -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('server_version'), current_setting('shared_buffers'),"
            " current_setting('work_mem'), current_setting('jit'),"
            " current_setting('max_parallel_workers_per_gather')"
        )
        pg, buffers, work_mem, jit, parallel = cursor.fetchone()
    memory = int(Path("/proc/meminfo").read_text().split()[1]) / 2**20
    load = " / ".join(Path("/proc/loadavg").read_text().split()[:3])
    return (
        f"{os.cpu_count()} cores, {memory:.0f} GiB; PostgreSQL {pg} (shared_buffers {buffers}, "
        f"work_mem {work_mem}, jit {jit}, parallel workers per gather {parallel}) on the same "
        f"host; Python {sys.version.split()[0]}; load average {load} when the script started"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--calls", type=int, default=1_000_000)
    parser.add_argument("--calls-per-day", type=int, default=2850)
    parser.add_argument("--figure-runs", type=int, default=5, help="runs of each figure alone")
    parser.add_argument(
        "--record-runs", type=int, default=5, help="runs of the record-alone baseline"
    )
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--only", nargs="*", help="request labels to run (default: all)")
    parser.add_argument("--no-per-figure", action="store_true")
    args = parser.parse_args()
    about = machine()
    calls, incidents, events, took = history_ensure(args.calls, args.calls_per_day)
    print(
        f"history: {calls} calls, {incidents} incidents, {events} timeline events"
        + (f" (written in {took:.0f}s)" if took else " (reused)")
    )
    started = time.monotonic()
    stored = rollup_refresh(progress=print)
    print(
        f"stored days: {stored} stored now in {time.monotonic() - started:.1f}s; "
        f"{RollupDay.objects.count()} in all"
    )
    group = OrgUnit.objects.get(tier=OrgUnit.Tier.GROUP)
    company = OrgUnit.objects.filter(tier=OrgUnit.Tier.COMPANY).order_by("id").first()
    # The busiest station: the heaviest month a station's dashboard reads.
    station = OrgUnit.objects.get(
        pk=Incident.objects.values("station_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .values_list("station_id", flat=True)[0]
    )
    user = User.objects.filter(org_unit=group, role="administrator").order_by("id").first()
    assert company is not None
    assert user is not None
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    raw = psycopg.connect(**database_dsn(), autocommit=True)
    rows = []
    heaviest: list[tuple[str, Any]] = []
    for label, url in requests_list(group, company, station):
        if args.only and label not in args.only:
            continue
        statements = captured(client, url)
        ours, base = timed_pair(
            partial(client.get, url), partial(bare_run, raw, statements), args.runs
        )
        record = captured_from_record(client, url)
        _same, whole = timed_pair(
            partial(bare_run, raw, statements), partial(bare_run, raw, record), args.record_runs
        )
        s, b, w = summary(ours), summary(base), summary(whole)
        rows.append((label, url, len(statements), s, b, w))
        print(
            f"{label}: p50 {s['p50']:.0f} ms, p95 {s['p95']:.0f} ms; bare p95 {b['p95']:.0f} ms"
            f" ({len(statements)} statements); {s['p95'] / b['p95']:.2f}x; "
            f"from the record alone p95 {w['p95']:.0f} ms",
            flush=True,
        )
        if label == "group, year, by station":
            heaviest = statements
    print(f"\nMachine: {about}\n")
    print(
        "| request | p50 ms | p95 ms | bare SQL p95 ms | ratio (p95) | statements "
        "| record alone: bare SQL p95 ms |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for label, _url, n, s, b, w in rows:
        print(
            f"| {label} | {s['p50']:.0f} | {s['p95']:.0f} | {b['p95']:.0f} "
            f"| {s['p95'] / b['p95']:.2f}x | {n} | {w['p95']:.0f} |"
        )
    if not args.no_per_figure:
        year0 = timezone.localdate() - timedelta(days=364)
        query = {
            "from": str(year0),
            "to": str(timezone.localdate()),
            "unit": str(group.pk),
            "by": "station",
        }
        print("\nEach figure alone, group, year, by station:\n")
        print("| figure | p50 ms | p95 ms | bare SQL p95 ms | ratio (p95) |")
        print("|---|---:|---:|---:|---:|")
        for key, s, b in per_figure(raw, user, query, args.figure_runs):
            print(
                f"| {key} | {s['p50']:.0f} | {s['p95']:.0f} | {b['p95']:.0f} "
                f"| {s['p95'] / b['p95']:.2f}x |",
                flush=True,
            )
    if args.explain and heaviest:
        explain(raw, heaviest, top=4)
    return 0


if __name__ == "__main__":
    sys.exit(main())
