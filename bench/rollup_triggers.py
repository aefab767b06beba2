"""What the stored days' triggers (reports 0005) cost a write: single-row UPDATEs of today's
incidents and calls (what dispatchers and call takers do all day) and of a year-old
incident (a correction: the trigger marks its day and its calls' days), each with the
triggers on and, in the same run and alternately, with them disabled.

    DATABASE_URL=postgis://gasdispatch:gasdispatch@127.0.0.1:5432/gasdispatch_bench_reports \\
        .venv/bin/python bench/rollup_triggers.py [--runs 2000]

Needs a database with incidents and calls (the reports bench's). Each write is its own
transaction (autocommit), as a service function's is; the rows are left as they were
(`SET x = x`); the year-old incident's day is marked, and stored again by the next refresh.
"""

import argparse
import os
import statistics
import sys
import time

import psycopg

TABLES = ("dispatch_incident", "dispatch_call")
WRITES = {
    "today's incident": "UPDATE dispatch_incident SET priority = priority WHERE id = %s",
    "today's call": "UPDATE dispatch_call SET category = category WHERE id = %s",
    "a year-old incident": "UPDATE dispatch_incident SET priority = priority WHERE id = %s",
}


def _ids(conn: psycopg.Connection) -> dict[str, int]:
    with conn.cursor() as cur:
        cur.execute("SELECT id FROM dispatch_incident ORDER BY first_call_at DESC LIMIT 1")
        (incident,) = cur.fetchone() or (None,)
        cur.execute("SELECT id FROM dispatch_call ORDER BY received_at DESC LIMIT 1")
        (call,) = cur.fetchone() or (None,)
        cur.execute("SELECT id FROM dispatch_incident ORDER BY first_call_at LIMIT 1")
        (old,) = cur.fetchone() or (None,)
    if not (incident and call and old):
        raise SystemExit("no incidents or calls: run the reports bench first")
    return {"today's incident": incident, "today's call": call, "a year-old incident": old}


def _triggers(conn: psycopg.Connection, on: bool) -> None:
    for table in TABLES:
        conn.execute(f"ALTER TABLE {table} {'ENABLE' if on else 'DISABLE'} TRIGGER USER")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=2000)
    args = parser.parse_args()
    url = os.environ["DATABASE_URL"].replace("postgis://", "postgresql://")
    conn = psycopg.connect(url, autocommit=True)
    ids = _ids(conn)
    with conn.cursor() as cur:
        cur.execute(
            "SELECT now() - first_call_at < interval '20 hours' FROM dispatch_incident "
            "WHERE id = %s",
            [ids["today's incident"]],
        )
        (recent,) = cur.fetchone() or (False,)
    if not recent:
        raise SystemExit("the newest incident is older than 20 hours: write today's history first")
    print("| write | triggers on: mean µs | p95 µs | triggers off: mean µs | p95 µs | cost |")
    print("|---|---:|---:|---:|---:|---:|")
    for label, sql in WRITES.items():
        samples: dict[bool, list[float]] = {True: [], False: []}
        for on in (True, False) * 4:  # alternately, in blocks
            _triggers(conn, on)
            for _ in range(args.runs // 4):
                t = time.perf_counter()
                conn.execute(sql, [ids[label]])
                samples[on].append(time.perf_counter() - t)
        _triggers(conn, True)
        stats = {}
        for on, got in samples.items():
            got.sort()
            stats[on] = (statistics.fmean(got) * 1e6, got[int(0.95 * len(got)) - 1] * 1e6)
        print(
            f"| {label} | {stats[True][0]:.0f} | {stats[True][1]:.0f} | {stats[False][0]:.0f} "
            f"| {stats[False][1]:.0f} | +{stats[True][0] - stats[False][0]:.0f} µs |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
