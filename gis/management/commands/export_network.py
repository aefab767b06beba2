import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

# One query per layer; columns are named after the model fields (and the mapping in
# gis/mappings/default.toml reads them back), foreign keys become the asset id or code they
# point at, so the file means the same thing in another database. Gas and heat share the
# pipes, valves and sources layers: utility and circuit say which network a row belongs to,
# twin names a heat pipe's partner in the other circuit.
LAYERS: dict[str, tuple[str, str]] = {
    "pipes": (
        "SELECT asset_id, utility, circuit, twin, material, diameter_mm, pressure_class, zone,"
        " install_year, status, geom FROM network_pipesegment ORDER BY asset_id",
        "LINESTRING",
    ),
    "valves": (
        "SELECT asset_id, utility, circuit, valve_type, diameter_mm, operable, normally_open,"
        " geom FROM network_valve ORDER BY asset_id",
        "POINT",
    ),
    "sources": (
        "SELECT asset_id, name, utility, kind, pressure_class, zone, geom"
        " FROM network_source ORDER BY asset_id",
        "POINT",
    ),
    "premises": (
        "SELECT p.asset_id, p.district, p.road_name, p.house_number, p.building, p.unit, p.room,"
        " p.full_text, p.full_text_en, p.use, p.meter_id, s.asset_id AS service_segment,"
        " h.asset_id AS heat_station, p.geom FROM network_premise p"
        " LEFT JOIN network_pipesegment s ON s.id = p.service_segment_id"
        " LEFT JOIN network_source h ON h.id = p.heat_station_id ORDER BY p.asset_id",
        "POINT",
    ),
    "roads": (
        "SELECT asset_id, name, name_en, district, road_class, speed_kmh, geom"
        " FROM network_road ORDER BY asset_id",
        "LINESTRING",
    ),
    "landmarks": (
        "SELECT asset_id, name, name_en, kind, sensitive, geom"
        " FROM network_landmark ORDER BY asset_id",
        "POINT",
    ),
    "org_units": (
        "SELECT o.code, o.name, o.tier, p.code AS parent, o.phone, o.territory"
        " FROM network_orgunit o LEFT JOIN network_orgunit p ON p.id = o.parent_id"
        " ORDER BY o.tier, o.code",
        "MULTIPOLYGON",
    ),
}


class Command(BaseCommand):
    """Write the whole network and the organisation's territories to one GeoPackage."""

    help = "Export pipes, valves, sources, premises, roads, landmarks and org_units to a .gpkg."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="the GeoPackage to write, e.g. network.gpkg")
        parser.add_argument("--force", action="store_true", help="overwrite an existing file")

    def handle(self, *args: Any, **options: Any) -> None:
        out: Path = options["path"]
        if out.suffix.lower() != ".gpkg":
            raise CommandError(f"{out}: the file name must end in .gpkg")
        if out.exists() and not options["force"]:
            raise CommandError(f"{out} exists; add --force to overwrite it")
        if not out.resolve().parent.is_dir():
            raise CommandError(f"no directory {out.parent}")
        if shutil.which("ogr2ogr") is None:
            raise CommandError("ogr2ogr not found; install gdal-bin (scripts/bootstrap.sh does)")
        # Written beside the target and renamed at the end: a failed export never leaves a
        # half-written file where the last good one was. Each layer is its own read, so rows
        # changed meanwhile may show in one layer and not another; import_network copes.
        partial = out.with_name(f".{out.stem}.partial.gpkg")
        partial.unlink(missing_ok=True)
        try:
            for number, (layer, (sql, geometry_type)) in enumerate(LAYERS.items()):
                self.stdout.write(f"writing {layer} ({_count(sql)} rows)")
                _ogr2ogr(partial, layer, sql, geometry_type, update=number > 0)
            partial.replace(out)
        finally:
            partial.unlink(missing_ok=True)
        self.stdout.write(f"wrote {len(LAYERS)} layers to {out}")


def _count(sql: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM ({sql}) AS layer")  # noqa: S608 (our constants)
        row = cursor.fetchone()
        return int(row[0]) if row else 0


def _ogr2ogr(out: Path, layer: str, sql: str, geometry_type: str, *, update: bool) -> None:
    argv = ["ogr2ogr", "-f", "GPKG", *(["-update"] if update else []), str(out), _pg_source()]
    # -a_srs: a query layer with no rows has no SRID to report; the columns are all 4326.
    argv += ["-sql", sql, "-nln", layer, "-nlt", geometry_type, "-a_srs", "EPSG:4326"]
    argv += ["-gt", "65536"]  # rows per GeoPackage transaction: the default 100 is slow
    result = subprocess.run(  # noqa: S603 (fixed argv, no shell)
        argv, env=_pg_env(), capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise CommandError(f"ogr2ogr failed on layer {layer}:\n{result.stderr.strip()}")


def _database() -> dict[str, Any]:
    return dict(settings.DATABASES["default"])


def _pg_source() -> str:
    """The libpq connection string for GDAL, without the password (that goes in PGPASSWORD)."""
    db = _database()
    parts = {"dbname": db["NAME"], "host": db.get("HOST"), "port": db.get("PORT")}
    parts["user"] = db.get("USER")
    return "PG:" + " ".join(f"{key}={_quote(value)}" for key, value in parts.items() if value)


def _quote(value: object) -> str:
    # libpq keyword values: single-quoted, with backslash and quote escaped.
    text = str(value).replace("\\", "\\\\").replace("'", "\\'")
    return f"'{text}'"


def _pg_env() -> dict[str, str]:
    db = _database()
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    timeout = db.get("OPTIONS", {}).get("connect_timeout")
    if timeout:
        env["PGCONNECT_TIMEOUT"] = str(timeout)
    return env
