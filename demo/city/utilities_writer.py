"""Writing the demo city's heat and power networks (demo.city.heat_layout, power_layout) into
PostGIS beside its gas network, and tying each premise to the substation that heats it and
the transformer that supplies it."""

from django.db import connection

from demo.city.heat_layout import HeatNetwork
from demo.city.power_layout import PowerNetwork
from demo.city.writer import UTM_SRID, Origin, copy_rows, line_sql, point_sql


def city_write_heat(heat: HeatNetwork, origin: Origin) -> None:
    with connection.cursor() as cursor:
        cursor.execute("""
            DROP TABLE IF EXISTS t_hpipe;
            CREATE TEMP TABLE t_hpipe (asset_id text, circuit text, twin text,
              pressure_class text, zone text, diameter_mm int, x1 float8, y1 float8,
              x2 float8, y2 float8) ON COMMIT DROP;
            DROP TABLE IF EXISTS t_hvalve;
            CREATE TEMP TABLE t_hvalve (asset_id text, circuit text, x float8, y float8,
              operable bool) ON COMMIT DROP;
            DROP TABLE IF EXISTS t_hstation;
            CREATE TEMP TABLE t_hstation (asset_id text, name text, kind text,
              pressure_class text, zone text, x float8, y float8) ON COMMIT DROP;
        """)
    copy_rows("t_hpipe", ", ".join(heat.pipes[0]._fields), heat.pipes)
    copy_rows("t_hvalve", ", ".join(heat.valves[0]._fields), heat.valves)
    copy_rows("t_hstation", ", ".join(heat.stations[0]._fields), heat.stations)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO network_pipesegment (asset_id, geom, utility, circuit, twin, material,
              diameter_mm, pressure_class, zone, install_year, status, updated_at)
            SELECT asset_id, {line_sql()}, 'heat', circuit, twin, 'steel', diameter_mm,
              pressure_class, zone, 2005, 'in_service', now() FROM t_hpipe;
            INSERT INTO network_valve (asset_id, geom, utility, circuit, valve_type,
              diameter_mm, operable, normally_open, updated_at)
            SELECT asset_id, {point_sql("x", "y")}, 'heat', circuit, 'butterfly', 300, operable,
              true, now() FROM t_hvalve;
            INSERT INTO network_source (asset_id, name, utility, kind, geom, pressure_class,
              zone, updated_at)
            SELECT asset_id, name, 'heat', kind, {point_sql("x", "y")}, pressure_class, zone, now()
            FROM t_hstation;
            -- A building is heated by the substation of the secondary pipe nearest to it
            -- (those pipes alone, with an index of their own: a nearest-neighbour search
            -- through every pipe with a filter takes minutes).
            DROP TABLE IF EXISTS t_secondary;
            CREATE TEMP TABLE t_secondary ON COMMIT DROP AS
              SELECT zone, geom FROM network_pipesegment
              WHERE utility = 'heat' AND circuit = 'supply' AND pressure_class = 'low';
            CREATE INDEX ON t_secondary USING gist (geom);
            ANALYZE t_secondary;
            UPDATE network_premise p SET heat_station_id = s.id
            FROM network_premise q
            CROSS JOIN LATERAL (
              SELECT zone FROM t_secondary ORDER BY geom <-> q.geom LIMIT 1) near
            JOIN network_source s ON s.kind = 'substation' AND s.zone = near.zone
            WHERE p.id = q.id;
        """,
            {"ox": origin.x, "oy": origin.y},
        )


def city_write_power(power: PowerNetwork, origin: Origin) -> None:
    params = {"ox": origin.x, "oy": origin.y}
    code, name, sx, sy = power.substation
    with connection.cursor() as cursor:
        cursor.execute("""
            DROP TABLE IF EXISTS t_pline;
            CREATE TEMP TABLE t_pline (asset_id text, feeder text, voltage_kv float8,
              construction text, x1 float8, y1 float8, x2 float8, y2 float8) ON COMMIT DROP;
            DROP TABLE IF EXISTS t_pdevice;
            CREATE TEMP TABLE t_pdevice (asset_id text, name text, kind text, feeder text,
              normally_open bool, rating_kva float8, x float8, y float8) ON COMMIT DROP;
        """)
    copy_rows("t_pline", ", ".join(power.lines[0]._fields), power.lines)
    copy_rows("t_pdevice", ", ".join(power.devices[0]._fields), power.devices)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO network_powersubstation (asset_id, name, geom, voltage_kv, updated_at)
            VALUES (%(code)s, %(name)s, ST_Transform(ST_SetSRID(ST_MakePoint(
              %(sx)s + %(ox)s, %(sy)s + %(oy)s), {UTM_SRID}), 4326), 110, now());
            INSERT INTO network_powerline (asset_id, geom, voltage_kv, construction, feeder,
              status, updated_at)
            SELECT asset_id, {line_sql()}, voltage_kv, construction, feeder, 'in_service', now()
            FROM t_pline;
            INSERT INTO network_powerdevice (asset_id, name, geom, kind, normally_open, feeder,
              rating_kva, updated_at)
            SELECT asset_id, name, {point_sql("x", "y")}, kind, normally_open, feeder, rating_kva,
              now() FROM t_pdevice;
            -- A premise is supplied by its nearest transformer.
            UPDATE network_premise p SET transformer_id = near.id
            FROM network_premise q
            CROSS JOIN LATERAL (
              SELECT id FROM network_powerdevice WHERE kind = 'transformer'
              ORDER BY geom <-> q.geom LIMIT 1) near
            WHERE p.id = q.id;
        """,
            {**params, "code": code, "name": name, "sx": sx, "sy": sy},
        )
