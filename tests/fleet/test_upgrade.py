"""A database from before the fleet app migrates to the new layout with every row kept.

`data/before_fleet_app.sql.gz` is a real database made by the code of commit 256ee5d (the last
before the move; data/README.md says how): a demo city, crews and their vans, calls,
incidents, work orders, their timeline, and 480 positions in a daily partition. The test
restores it into a database of its own, runs today's `migrate` on it, and checks that:

- every table keeps its rows (vans and positions under their new names, partitions included),
  the vans with the same ids, devices and crews, and the positions the same fixes;
- the admin's history of a van follows it (its content type changed app, not id);
- the upgraded schema is the schema a fresh database gets (columns, indexes, triggers), so
  nothing depends on which way a database came to today;
- today's code reads the upgraded rows through its models.
"""

import gzip
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection
from psycopg import sql

from tests.processes import ROOT

DUMP = Path(__file__).parent / "data" / "before_fleet_app.sql.gz"
RENAMED = {
    "dispatch_vehicle": "fleet_vehicle",
    "field_app_api_vehicleposition": "fleet_vehicleposition",
}
# Tables whose row count a migration may rightly change: Django's own bookkeeping.
BOOKKEEPING = {"django_migrations", "django_content_type", "auth_permission"}
# Tables the same change retired: the crew board's one-row delete stamp (dispatch 0021).
RETIRED = {"dispatch_crewboardstamp"}
# Tables later migrations ship rows into (message templates, the desk's case types and their
# clocks): every row kept, and the shipped ones added.
# (heat and power: their triage rules and the heating season too, dispatch 0033).
SHIPPED = {
    "alerts_notificationtemplate",
    "dispatch_categoryrule",
    "dispatch_slapolicy",
    "dispatch_triagerule",
    "dispatch_season",
}


def _server() -> dict[str, str]:
    db = settings.DATABASES["default"]
    return {key.lower(): str(db[key]) for key in ("HOST", "PORT", "USER", "PASSWORD")}


def _connect(name: str) -> psycopg.Connection:
    s = _server()
    conninfo = psycopg.conninfo.make_conninfo(
        host=s["host"], port=s["port"], user=s["user"], password=s["password"], dbname=name
    )
    return psycopg.connect(conninfo, autocommit=True)


def _url(name: str) -> str:
    s = _server()
    return f"postgis://{s['user']}:{s['password']}@{s['host']}:{s['port']}/{name}"


@pytest.fixture
def old_database(db: None) -> Iterator[str]:
    """The dump restored into a database of its own, dropped afterwards. (`db`: the test
    database exists, migrated afresh, and `connection` names it.)"""
    name = f"{connection.settings_dict['NAME']}_upgrade_{os.getpid()}"
    server = _server()
    with _connect("postgres") as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        subprocess.run(
            [
                *("psql", "-q", "-X", "-v", "ON_ERROR_STOP=1", "-d", name),
                *("-h", server["host"], "-p", server["port"], "-U", server["user"]),
            ],
            input=gzip.decompress(DUMP.read_bytes()),
            check=True,
            capture_output=True,
            timeout=120,
            env={**os.environ, "PGPASSWORD": server["password"]},
        )
        yield name
    finally:
        with _connect("postgres") as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _row_counts(conn: psycopg.Connection) -> dict[str, int]:
    """Rows of every table (a partitioned table counts its partitions; partitions not apart)."""
    tables = [
        name
        for (name,) in conn.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition"
            " AND c.relname <> 'spatial_ref_sys'"
        )
    ]
    count = sql.SQL("SELECT count(*) FROM {}")
    counts = {}
    for table in tables:
        row = conn.execute(count.format(sql.Identifier(table))).fetchone()
        assert row is not None
        counts[table] = int(row[0])
    return counts


def _schema(conn: psycopg.Connection) -> dict[str, set[tuple[str, ...]]]:
    """What the code relies on: columns with types and nullability, indexes (by name and
    uniqueness: a dump restored writes a predicate's casts in another, equal, form),
    triggers, and which tables are partitioned (daily partitions are named by date, so left
    out)."""
    not_partition = sql.SQL(
        "SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = 'public' AND NOT c.relispartition"
    )
    columns = conn.execute(
        sql.SQL(
            "SELECT table_name, column_name, data_type, is_nullable, coalesce(column_default, '')"
            " FROM information_schema.columns WHERE table_schema = 'public'"
            " AND (quote_ident(table_name))::regclass IN ({})"
        ).format(not_partition)
    ).fetchall()
    indexes = conn.execute(
        sql.SQL(
            "SELECT tablename, indexname, indexdef LIKE 'CREATE UNIQUE%%' FROM pg_indexes"
            " WHERE schemaname = 'public'"
            " AND (quote_ident(tablename))::regclass IN ({})"
        ).format(not_partition)
    ).fetchall()
    triggers = conn.execute(
        sql.SQL(
            "SELECT c.relname, t.tgname, pg_get_triggerdef(t.oid) FROM pg_trigger t"
            " JOIN pg_class c ON c.oid = t.tgrelid WHERE NOT t.tgisinternal AND c.oid IN ({})"
        ).format(not_partition)
    ).fetchall()
    partitioned = conn.execute("SELECT relname FROM pg_class WHERE relkind = 'p'").fetchall()
    return {
        "columns": {tuple(map(str, row)) for row in columns},
        "indexes": {tuple(map(str, row)) for row in indexes},
        "triggers": {tuple(map(str, row)) for row in triggers},
        "partitioned": {tuple(row) for row in partitioned},
    }


def test_a_database_from_before_the_fleet_app_migrates_with_every_row_kept(
    old_database: str,
) -> None:
    with _connect(old_database) as old:
        before = _row_counts(old)
        vans_before = old.execute(
            "SELECT id, device_id, crew_id, last_point::text FROM dispatch_vehicle ORDER BY id"
        ).fetchall()
        fixes_before = old.execute(
            "SELECT vehicle_id, fix_at, point::text FROM field_app_api_vehicleposition"
            " ORDER BY 1, 2"
        ).fetchall()
        van_type = old.execute(
            "SELECT id FROM django_content_type WHERE app_label = 'dispatch' AND model = 'vehicle'"
        ).fetchone()
    for table in ("dispatch_call", "dispatch_incident", "dispatch_workorder"):
        assert before[table] > 0, table
    assert before["dispatch_incidentevent"] > 0
    assert vans_before
    assert fixes_before
    assert van_type is not None

    migrated = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": _url(old_database)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert migrated.returncode == 0, migrated.stderr[-3000:]

    with _connect(old_database) as new:
        after = _row_counts(new)
        for table, rows in before.items():
            if table in BOOKKEEPING or table in RETIRED:
                continue
            if table in SHIPPED:
                assert after[table] >= rows, table
                continue
            assert after.get(RENAMED.get(table, table)) == rows, table
        for gone in (*RENAMED, *RETIRED):
            assert gone not in after
        vans_after = new.execute(
            "SELECT id, device_id, crew_id, last_point::text FROM fleet_vehicle ORDER BY id"
        ).fetchall()
        fixes_after = new.execute(
            "SELECT vehicle_id, fix_at, point::text FROM fleet_vehicleposition ORDER BY 1, 2"
        ).fetchall()
        partitions = {
            name
            for (name,) in new.execute(
                "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
                " WHERE i.inhparent = 'fleet_vehicleposition'::regclass"
            )
        }
        van_type_after = new.execute(
            "SELECT id FROM django_content_type WHERE app_label = 'fleet' AND model = 'vehicle'"
        ).fetchone()
        upgraded = _schema(new)
    assert vans_after == vans_before
    assert fixes_after == fixes_before
    assert "fleet_vehicleposition_default" in partitions
    assert "fleet_vehicleposition_20261205" in partitions  # the day the fixes are in
    assert all(p.startswith("fleet_vehicleposition_") for p in partitions)
    assert van_type_after == van_type

    with _connect(connection.settings_dict["NAME"]) as fresh:  # pytest's, migrated afresh
        expected = _schema(fresh)
    for part in expected:
        assert upgraded[part] == expected[part], (
            part,
            sorted(upgraded[part] - expected[part])[:5],
            sorted(expected[part] - upgraded[part])[:5],
        )

    # Today's models read what was kept.
    read = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "from fleet.models import Vehicle, VehiclePosition;"
            "from dispatch.models import Crew;"
            "print(Vehicle.objects.count(), VehiclePosition.objects.count(),"
            " Crew.objects.filter(vehicle__isnull=False).count())",
        ],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": _url(old_database)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert read.returncode == 0, read.stderr[-3000:]
    crewed = sum(1 for van in vans_before if van[2] is not None)
    assert read.stdout.split()[-3:] == [str(len(vans_before)), str(len(fixes_before)), str(crewed)]
