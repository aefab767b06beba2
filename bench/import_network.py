"""Benchmark: import_network of a city's GeoPackage beside ogr2ogr loading the same file.

The file is the bench city (100,710 mains, 49,840 valves, 2,777 stations, 1,000,000 premises,
356 roads, 2,025 landmarks) as `manage.py export_network` writes it. In the same run:

- baseline: `ogr2ogr -f PostgreSQL` (PG_USE_COPY=YES) loads each layer of the file into fresh
  tables of a scratch schema: GDAL's own reader and COPY, a primary key and a GiST index, no
  checks, no upsert, none of our indexes;
- `network_import` of the file into an empty network (the network tables truncated inside a
  transaction), then of the same file again (every row an update); the whole run is rolled
  back, so the bench database is left as it was.

Build the database once (about 2 minutes), then run:

    psql -h 127.0.0.1 -U postgres -c "create database gasdispatch_bench_import \\
        owner gasdispatch template template0 encoding 'UTF8' locale 'C.UTF-8'"
    export DATABASE_URL=postgis://gasdispatch:gasdispatch@127.0.0.1:5432/gasdispatch_bench_import
    .venv/bin/python manage.py migrate
    .venv/bin/python manage.py make_demo_city --premises 1000000 --blocks 177 --no-progress
    .venv/bin/python bench/import_network.py     # about 4 minutes; exports the file first

Goal: at least 20,000 features a second for mains and for premises.
"""

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ["pipes", "valves", "sources", "premises", "roads", "landmarks"]
TABLES = [
    "network_pipesegment",
    "network_valve",
    "network_source",
    "network_premise",
    "network_road",
    "network_landmark",
]
SCRATCH = "bench_ogr2ogr"
GOAL = 20_000


def _setup() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.main")
    import django

    django.setup()


def _export(path: Path) -> None:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "export_network", str(path)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    print(f"exported the city to {path} in {time.perf_counter() - started:.1f}s")


def _pg_source() -> tuple[str, dict[str, str]]:
    """ogr2ogr's connection string for DATABASE_URL, and the environment carrying its password."""
    url = urlparse(os.environ["DATABASE_URL"])
    dsn = (
        f"PG:host={url.hostname} port={url.port or 5432} dbname={url.path.lstrip('/')} "
        f"user={unquote(url.username or '')} active_schema={SCRATCH}"
    )
    return dsn, {**os.environ, "PGPASSWORD": unquote(url.password or ""), "PG_USE_COPY": "YES"}


def ogr2ogr_load(path: Path) -> dict[str, float]:
    """Seconds ogr2ogr takes to load each layer into a fresh table of the scratch schema."""
    from django.db import connection

    dsn, env = _pg_source()
    with connection.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA IF EXISTS {SCRATCH} CASCADE; CREATE SCHEMA {SCRATCH}")
    seconds = {}
    try:
        for layer in LAYERS:
            started = time.perf_counter()
            subprocess.run(
                ["ogr2ogr", "-f", "PostgreSQL", dsn, str(path), layer, "-lco", "OVERWRITE=YES"],
                check=True,
                env=env,
                capture_output=True,
            )
            seconds[layer] = time.perf_counter() - started
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP SCHEMA {SCRATCH} CASCADE")
    return seconds


def import_runs(path: Path) -> tuple[list[tuple[float, Any]], tuple[int, float]]:
    """(seconds, report) of network_import into an empty network, of the same file again, and
    into an empty network once more with a mapping that reads no service pipe (as a utility's
    address points come: every premise takes its nearest main during the import); then the
    nearest-main pass alone for every premise, as it runs for premises a file does not hold."""
    from dataclasses import replace

    from django.db import connection, transaction

    from gis.importing import DEFAULT_MAPPING, mapping_load, network_import
    from gis.services import premise_connect_services

    without_services = [
        replace(m, fields={k: v for k, v in m.fields.items() if k != "service_segment"})
        for m in mapping_load(path=DEFAULT_MAPPING)
    ]
    runs = []
    with transaction.atomic():
        for mapping, empty_first in (
            (DEFAULT_MAPPING, True),
            (DEFAULT_MAPPING, False),
            (without_services, True),
        ):
            if empty_first:
                with connection.cursor() as cursor:
                    # Django's foreign keys are checked at commit: the checks a run left
                    # pending must fire before their tables can be emptied.
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                    cursor.execute(f"TRUNCATE {', '.join(TABLES)} CASCADE")
                    cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            started = time.perf_counter()
            report = network_import(path=path, mapping=mapping, progress=False)
            runs.append((time.perf_counter() - started, report))
        with connection.cursor() as cursor:
            cursor.execute("UPDATE network_premise SET service_segment_id = NULL")
        started = time.perf_counter()
        connected = premise_connect_services()
        connect = (connected, time.perf_counter() - started)
        transaction.set_rollback(True)  # leave the bench database as it was
    return runs, connect


def _rate(count: int, seconds: float) -> str:
    return f"{count / seconds:,.0f}" if seconds else "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = Path(tempfile.gettempdir()) / "gasdispatch_bench_import.gpkg"
    parser.add_argument("--gpkg", type=Path, default=default, help="exported there if absent")
    args = parser.parse_args()
    _setup()
    import pyogrio
    from django.db import connection

    if not args.gpkg.exists():
        _export(args.gpkg)
    features = {
        layer: int(pyogrio.read_info(args.gpkg, layer=layer)["features"]) for layer in LAYERS
    }
    load_before = os.getloadavg()[0]
    ogr = ogr2ogr_load(args.gpkg)
    ((fresh_s, fresh), (again_s, again), (bare_s, bare)), (connected, connect_s) = import_runs(
        args.gpkg
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        pg = cursor.fetchone()[0].split(" on ")[0]
    total = sum(features.values())

    print(
        f"\n- machine: {os.cpu_count()} cores, {platform.python_implementation()} "
        f"{platform.python_version()}, {pg}; load average {load_before:.1f} before, "
        f"{os.getloadavg()[0]:.1f} after"
    )
    print(f"- file: {args.gpkg.stat().st_size / 1e6:.0f} MB, {total:,} features")
    print("\n| measured | features | seconds | features/s | vs ogr2ogr |")
    print("|---|---:|---:|---:|---:|")
    rows: list[tuple[str, int, float, float]] = [
        ("ogr2ogr, mains (pipes layer)", features["pipes"], ogr["pipes"], ogr["pipes"]),
        ("ogr2ogr, premises", features["premises"], ogr["premises"], ogr["premises"]),
        ("ogr2ogr, all six layers", total, sum(ogr.values()), sum(ogr.values())),
    ]
    for label, seconds, report in (
        ("network_import into an empty network", fresh_s, fresh),
        ("network_import of the same file again (all matched)", again_s, again),
        ("network_import, premises naming no service pipe", bare_s, bare),
    ):
        times = report.seconds
        rows += [
            (f"{label}: mains", features["pipes"], times["pipes.total"], ogr["pipes"]),
            (f"{label}: premises", features["premises"], times["premises.total"], ogr["premises"]),
            (f"{label}: whole file", total, seconds, sum(ogr.values())),
        ]
    for label, count, seconds, baseline in rows:
        print(
            f"| {label} | {count:,} | {seconds:.1f} | {_rate(count, seconds)} | "
            f"{baseline / seconds:.2f}x |"
        )
    for label, report in (
        ("first import", fresh),
        ("again", again),
        ("premises naming no service pipe", bare),
    ):
        t = report.seconds
        print(f"\n{label} phases (s):")
        for layer in ("pipes", "premises"):
            print(
                f"- {layer}: {t[f'{layer}.total']:.1f} wall; read {t[f'{layer}.read']:.1f} and "
                f"check {t[f'{layer}.check']:.1f} in the reading thread, overlapping "
                f"COPY + upsert {t[f'{layer}.write']:.1f}"
            )
        others = sum(t[f"{layer}.total"] for layer in LAYERS if layer not in ("pipes", "premises"))
        print(
            f"- valves, sources, roads, landmarks {others:.1f}; split mains at valves "
            f"{t.get('split', 0):.1f}; connect premises {t.get('connect', 0):.1f} "
            f"({report.premises_connected:,} connected)"
        )
        counts = ", ".join(
            f"{name} {c.created:,}/{c.updated:,}/{c.rejected:,}"
            for name, c in report.counts.items()
        )
        print(f"- created/updated/rejected: {counts}; {len(report.warnings):,} warnings")
    print(
        f"\nnearest-main pass alone (gis.services.premise_connect_services), for premises in "
        f"the database that no file connected: {connected:,} connected in {connect_s:.1f}s "
        f"({_rate(connected, connect_s)}/s)"
    )
    rates = [features["pipes"] / r.seconds["pipes.total"] for r in (fresh, again, bare)] + [
        features["premises"] / r.seconds["premises.total"] for r in (fresh, again, bare)
    ]
    verdict = "met" if min(rates) >= GOAL else "NOT met"
    print(
        f"\nslowest of mains and premises: {min(rates):,.0f} features/s; goal {GOAL:,}: {verdict}"
    )


if __name__ == "__main__":
    main()
