"""The pipeline network as Mapbox vector tiles, made by PostGIS (ST_AsMVT) per request.

A whole city's mains would be tens of megabytes of GeoJSON; a tile carries only what is
inside it, clipped and snapped to a 4096-pixel grid, so a wall stays fast at any zoom.
Layers: `mains` (gas mains and heat pipes, by utility, circuit and pressure class;
low-pressure mains and heat's secondary pipes from zoom 13, medium from 11), `sources` (gas
regulators and gate stations, heat plants and substations), `valves` from zoom 15,
`power_lines` (from zoom 11), `power_devices` (breakers, reclosers, fuses, switches,
transformers, substations; from zoom 14) and `premises` from zoom 17.
"""

from dataclasses import dataclass

from django.db import connection

MAX_ZOOM = 22
EXTENT = 4096
BUFFER = 64  # pixels beyond the tile edge, so lines and symbols do not break at seams

# Zooms below which a layer or pressure class is left out: too dense to see, too slow to send.
LOW_PRESSURE_FROM = 13
MEDIUM_PRESSURE_FROM = 11
VALVES_FROM = 15
POWER_LINES_FROM = 11
POWER_DEVICES_FROM = 14
PREMISES_FROM = 17

TILE_SQL = """
WITH b AS (
  SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS merc,
    ST_Transform(ST_TileEnvelope(%(z)s, %(x)s, %(y)s, margin => %(margin)s), 4326) AS geo
),
mains AS (
  SELECT s.id, s.asset_id, s.utility, s.circuit, s.material, s.diameter_mm, s.pressure_class,
    s.status, ST_AsMVTGeom(ST_Transform(s.geom, 3857), b.merc, %(extent)s, %(buffer)s, true) AS geom
  FROM network_pipesegment s, b
  WHERE s.geom && b.geo AND (s.pressure_class = 'high'
    OR (s.pressure_class = 'medium' AND %(z)s >= %(medium_from)s)
    OR %(z)s >= %(low_from)s)
),
sources AS (
  SELECT s.id, s.asset_id, s.name, s.utility, s.kind, s.pressure_class,
    ST_AsMVTGeom(ST_Transform(s.geom, 3857), b.merc, %(extent)s, %(buffer)s, true) AS geom
  FROM network_source s, b WHERE s.geom && b.geo
),
valves AS (
  SELECT v.id, v.asset_id, v.utility, v.circuit, v.valve_type, v.operable, v.normally_open,
    ST_AsMVTGeom(ST_Transform(v.geom, 3857), b.merc, %(extent)s, %(buffer)s, true) AS geom
  FROM network_valve v, b WHERE %(z)s >= %(valves_from)s AND v.geom && b.geo
),
power_lines AS (
  SELECT l.id, l.asset_id, l.feeder, l.voltage_kv, l.construction, l.status,
    ST_AsMVTGeom(ST_Transform(l.geom, 3857), b.merc, %(extent)s, %(buffer)s, true) AS geom
  FROM network_powerline l, b WHERE %(z)s >= %(power_lines_from)s AND l.geom && b.geo
),
power_devices AS (
  SELECT d.id, d.asset_id, d.kind, d.normally_open, d.feeder,
    ST_AsMVTGeom(ST_Transform(d.geom, 3857), b.merc, %(extent)s, %(buffer)s, true) AS geom
  FROM network_powerdevice d, b WHERE %(z)s >= %(power_devices_from)s AND d.geom && b.geo
  UNION ALL
  SELECT -o.id, o.asset_id, 'substation', false, '',
    ST_AsMVTGeom(ST_Transform(o.geom, 3857), b.merc, %(extent)s, %(buffer)s, true)
  FROM network_powersubstation o, b WHERE o.geom && b.geo
),
premises AS (
  SELECT p.id, p.full_text AS address,
    ST_AsMVTGeom(ST_Transform(p.geom, 3857), b.merc, %(extent)s, %(buffer)s, true) AS geom
  FROM network_premise p, b WHERE %(z)s >= %(premises_from)s AND p.geom && b.geo
)
SELECT coalesce((SELECT ST_AsMVT(m, 'mains', %(extent)s, 'geom') FROM mains m), '')
  || coalesce((SELECT ST_AsMVT(s, 'sources', %(extent)s, 'geom') FROM sources s), '')
  || coalesce((SELECT ST_AsMVT(v, 'valves', %(extent)s, 'geom') FROM valves v), '')
  || coalesce((SELECT ST_AsMVT(l, 'power_lines', %(extent)s, 'geom') FROM power_lines l), '')
  || coalesce((SELECT ST_AsMVT(d, 'power_devices', %(extent)s, 'geom') FROM power_devices d),
              '')
  || coalesce((SELECT ST_AsMVT(p, 'premises', %(extent)s, 'geom') FROM premises p), '')
"""


@dataclass(frozen=True)
class TileAddress:
    z: int
    x: int
    y: int

    def is_valid(self) -> bool:
        return 0 <= self.z <= MAX_ZOOM and 0 <= self.x < 2**self.z and 0 <= self.y < 2**self.z


def network_tile(tile: TileAddress) -> bytes:
    """The tile's protobuf bytes (empty where there is no network: a valid empty tile)."""
    with connection.cursor() as cursor:
        cursor.execute(
            TILE_SQL,
            {
                "z": tile.z,
                "x": tile.x,
                "y": tile.y,
                "margin": BUFFER / EXTENT,
                "extent": EXTENT,
                "buffer": BUFFER,
                "low_from": LOW_PRESSURE_FROM,
                "medium_from": MEDIUM_PRESSURE_FROM,
                "valves_from": VALVES_FROM,
                "power_lines_from": POWER_LINES_FROM,
                "power_devices_from": POWER_DEVICES_FROM,
                "premises_from": PREMISES_FROM,
            },
        )
        return bytes(cursor.fetchone()[0])
