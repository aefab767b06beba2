"""The zone in CAP's terms: a circle "lat,lon radius_km", polygons of "lat,lon" pairs."""

import json

from django.contrib.gis.geos import Point
from django.db import connection

from alerts.cap.profiles import MAX_POLYGON_POINTS, SIMPLIFY_M

# Worked in metres in the area's own UTM zone (_ST_BestSRID, as the roads graph does).
# Widened by half as much again as the tolerance, then simplified within it: Douglas-Peucker
# moves the outline at most the tolerance, so the result still covers the traced area.
# Holes are filled, as CAP polygons have none: a ring main's outline would otherwise tell
# those inside the ring they are outside the zone. A part still too detailed for the hubs
# becomes its convex hull.
_OUTLINE = """
WITH traced AS (
    SELECT ST_Transform(area, _ST_BestSRID(area)) AS g
    FROM dispatch_incidentisolation WHERE id = %(id)s AND area IS NOT NULL
), simple AS (
    SELECT ST_SimplifyPreserveTopology(ST_Buffer(g, %(tol)s * 1.5), %(tol)s) AS g FROM traced
), filled AS (
    SELECT (ST_Dump(ST_Union(ST_MakePolygon(ST_ExteriorRing(d.geom))))).geom AS g
    FROM simple, LATERAL ST_Dump(simple.g) d
)
SELECT ST_AsGeoJSON(ST_Transform(
    CASE WHEN ST_NPoints(g) > %(most)s THEN ST_ConvexHull(g) ELSE g END, 4326), 6)
FROM filled ORDER BY ST_Area(g) DESC
"""


def _pair(lon: float, lat: float) -> str:
    return f"{lat:.6f},{lon:.6f}"


def zone_circle(point: Point, radius_km: float) -> str:
    return f"{_pair(point.x, point.y)} {radius_km:g}"


def zone_polygons(isolation_id: int) -> tuple[str, ...]:
    """The isolation's outline as CAP polygons (largest first; empty without an area)."""
    with connection.cursor() as cursor:
        cursor.execute(
            _OUTLINE, {"id": isolation_id, "tol": SIMPLIFY_M, "most": MAX_POLYGON_POINTS}
        )
        rows = cursor.fetchall()
    polygons = []
    for (geojson,) in rows:
        ring = json.loads(geojson)["coordinates"][0]  # the exterior ring, closed: first = last
        polygons.append(" ".join(_pair(lon, lat) for lon, lat in ring))
    return tuple(polygons)
