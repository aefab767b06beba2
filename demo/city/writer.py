"""Writing a generated city into PostGIS: COPY in metres, projected to WGS 84 by PostGIS."""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connection
from tqdm import tqdm

from demo.city.layout import City, CustomerRow, city_premises
from gis.address import search_key
from gis.models import Landmark

# The city is laid out around Tianjin's Hexi district, in UTM zone 50N (metres).
CENTRE_LON, CENTRE_LAT = 117.2100, 39.0950
UTM_SRID = 32650
NETWORK_TABLES = (
    "network_premise",
    "network_pipesegment",
    "network_valve",
    "network_source",
    "network_road",
    "network_landmark",
    "network_powerline",
    "network_powerdevice",
    "network_powersubstation",
)


@dataclass(frozen=True)
class Origin:
    x: float
    y: float


def city_origin(city: City) -> Origin:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ST_X(p), ST_Y(p) "
            "FROM ST_Transform(ST_SetSRID(ST_MakePoint(%s, %s), 4326), %s) p",
            [CENTRE_LON, CENTRE_LAT, UTM_SRID],
        )
        cx, cy = cursor.fetchone()
    return Origin(cx - city.size_m / 2, cy - city.size_m / 2)


def copy_rows(table: str, columns: str, rows: Iterable[tuple[Any, ...]]) -> None:
    raw = connection.connection  # the psycopg 3 connection, inside Django's transaction
    with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def point_sql(x: str, y: str) -> str:
    return f"ST_Transform(ST_SetSRID(ST_MakePoint({x} + %(ox)s, {y} + %(oy)s), {UTM_SRID}), 4326)"


def line_sql() -> str:
    return (
        f"ST_Transform(ST_SetSRID(ST_MakeLine(ST_MakePoint(x1 + %(ox)s, y1 + %(oy)s), "
        f"ST_MakePoint(x2 + %(ox)s, y2 + %(oy)s)), {UTM_SRID}), 4326)"
    )


def network_clear() -> None:
    with connection.cursor() as cursor:
        # Deferred foreign-key checks from rows written earlier in this transaction must run
        # before TRUNCATE may take the tables.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"TRUNCATE {', '.join(NETWORK_TABLES)} RESTART IDENTITY CASCADE")


def city_write_network(city: City, origin: Origin) -> None:
    """Roads, mains, valves, stations and landmarks (premises follow separately)."""
    params = {"ox": origin.x, "oy": origin.y}
    with connection.cursor() as cursor:
        cursor.execute("""
            DROP TABLE IF EXISTS t_seg;
            CREATE TEMP TABLE t_seg (asset_id text, x1 float8, y1 float8, x2 float8, y2 float8,
              material text, diameter_mm int, pressure_class text, zone text, install_year int)
              ON COMMIT DROP;
            DROP TABLE IF EXISTS t_road;
            CREATE TEMP TABLE t_road (asset_id text, name text, name_en text, district text,
              road_class text, speed_kmh int, x1 float8, y1 float8, x2 float8, y2 float8)
              ON COMMIT DROP;
            DROP TABLE IF EXISTS t_valve;
            CREATE TEMP TABLE t_valve (asset_id text, x float8, y float8, valve_type text,
              diameter_mm int, operable bool) ON COMMIT DROP;
            DROP TABLE IF EXISTS t_source;
            CREATE TEMP TABLE t_source (asset_id text, name text, kind text, x float8, y float8,
              pressure_class text, zone text) ON COMMIT DROP;
            DROP TABLE IF EXISTS t_landmark;
            CREATE TEMP TABLE t_landmark (asset_id text, name text, name_en text, kind text,
              x float8, y float8) ON COMMIT DROP;
        """)
    copy_rows("t_seg", ", ".join(city.segments[0]._fields), city.segments)
    copy_rows("t_road", ", ".join(city.roads[0]._fields), city.roads)
    copy_rows("t_valve", ", ".join(city.valves[0]._fields), city.valves)
    copy_rows("t_source", ", ".join(city.sources[0]._fields), city.sources)
    copy_rows("t_landmark", ", ".join(city.landmarks[0]._fields), city.landmarks)
    sensitive = [str(kind) for kind in Landmark.SENSITIVE]
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO network_pipesegment (asset_id, geom, material, diameter_mm,
              pressure_class, zone, install_year, status, updated_at)
            SELECT asset_id, {line_sql()}, material, diameter_mm, pressure_class, zone,
              install_year, 'in_service', now() FROM t_seg;
            INSERT INTO network_road (asset_id, name, name_en, district, road_class, speed_kmh,
              geom)
            SELECT asset_id, name, name_en, district, road_class, speed_kmh, {line_sql()}
            FROM t_road;
            INSERT INTO network_valve (asset_id, geom, valve_type, diameter_mm, operable,
              normally_open, updated_at)
            SELECT asset_id, {point_sql("x", "y")}, valve_type, diameter_mm, operable, true, now()
            FROM t_valve;
            INSERT INTO network_source (asset_id, name, kind, geom, pressure_class, zone,
              updated_at)
            SELECT asset_id, name, kind, {point_sql("x", "y")}, pressure_class, zone, now()
            FROM t_source;
            INSERT INTO network_landmark (asset_id, name, name_en, kind, sensitive, geom)
            SELECT asset_id, name, name_en, kind, kind = ANY(%(sensitive)s), {point_sql("x", "y")}
            FROM t_landmark;
        """,
            {**params, "sensitive": sensitive},
        )


def city_write_premises(city: City, origin: Origin, *, progress: bool) -> list[CustomerRow]:
    """COPY every premise (with its service connection); returns their customers."""
    customers: list[CustomerRow] = []

    def rows() -> Iterator[tuple[Any, ...]]:
        for premise, customer in tqdm(
            city_premises(city),
            total=city.premise_target,
            desc="premises",
            unit="",
            disable=not progress,
        ):
            customers.append(customer)
            yield (*premise, search_key(premise.full_text))

    with connection.cursor() as cursor:
        cursor.execute("""
            DROP TABLE IF EXISTS t_premise;
            CREATE TEMP TABLE t_premise (asset_id text, x float8, y float8, district text,
              road_name text, house_number text, building text, unit text, room text,
              full_text text, full_text_en text, use text, meter_id text, segment text,
              search_key text) ON COMMIT DROP
        """)
    copy_rows(
        "t_premise",
        "asset_id, x, y, district, road_name, house_number, building, unit, room, "
        "full_text, full_text_en, use, meter_id, segment, search_key",
        rows(),
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO network_premise (asset_id, geom, district, road_name, house_number,
              building, unit, room, full_text, full_text_en, search_key, use, meter_id,
              service_segment_id)
            SELECT t.asset_id, {point_sql("t.x", "t.y")}, t.district, t.road_name, t.house_number,
              t.building, t.unit, t.room, t.full_text, t.full_text_en, t.search_key, t.use,
              t.meter_id, s.id
            FROM t_premise t LEFT JOIN network_pipesegment s ON s.asset_id = t.segment
        """,
            {"ox": origin.x, "oy": origin.y},
        )
    return customers


def city_territories(city: City, origin: Origin) -> list[str]:
    """The stations' territories as WKT in WGS 84, west to east."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT ST_AsText(ST_Transform(ST_MakeEnvelope(x0 + %(ox)s, y0 + %(oy)s,
                  x1 + %(ox)s, y1 + %(oy)s, {UTM_SRID}), 4326))
                FROM unnest(%(x0)s::float8[], %(y0)s::float8[], %(x1)s::float8[],
                            %(y1)s::float8[]) WITH ORDINALITY AS s(x0, y0, x1, y1, n)
                ORDER BY n""",
            {
                "ox": origin.x,
                "oy": origin.y,
                **{
                    key: [strip[i] for strip in city.station_strips()]
                    for i, key in enumerate(("x0", "y0", "x1", "y1"))
                },
            },
        )
        return [row[0] for row in cursor.fetchall()]
