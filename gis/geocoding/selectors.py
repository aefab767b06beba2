"""The geocoder's reads: each one a single query that an index serves."""

from typing import NamedTuple

from django.contrib.gis.db.models import PointField
from django.contrib.gis.geos import GEOSGeometry, Point
from django.db import connection, transaction
from django.db.models import Case, F, Func, Value, When

from gis.models import Premise, Road

# pg_trgm's similarity (shared trigrams over all trigrams) below which two address keys are
# not worth showing: a one-character slip in a full address keeps it well above this, while
# a different road with the same numbers falls under it.
FUZZY_THRESHOLD = 0.5
KNN_CANDIDATES = 16  # nearest by the index (planar degrees), re-ranked by metres


class PremiseRow(NamedTuple):
    id: int
    full_text: str
    full_text_en: str
    district: str
    road_name: str
    house_number: str
    building: str
    unit: str
    room: str
    geom: Point


class PlaceRow(NamedTuple):
    id: int | None
    label: str
    point: Point
    value: float  # a similarity, or a distance in metres


_PREMISE_FIELDS = list(PremiseRow._fields)


def premise_list_by_address(
    *,
    road_name: str,
    house_number: str,
    building: str = "",
    unit: str = "",
    room: str = "",
    limit: int,
) -> list[PremiseRow]:
    """Premises with exactly these parts (empty parts are not constrained).

    Equality on road and number, then the given parts: the premise_address btree serves it,
    and its column order also gives the rows sorted by building, unit and room.
    """
    query = Premise.objects.filter(road_name=road_name, house_number=house_number)
    for part, value in (("building", building), ("unit", unit), ("room", room)):
        if value:
            query = query.filter(**{part: value})
    rows = query.order_by("building", "unit", "room").values_list(*_PREMISE_FIELDS)[:limit]
    return [PremiseRow(*row) for row in rows]


def premise_list_by_numbers(
    *, road_name: str, house_numbers: list[str], limit: int
) -> list[PremiseRow]:
    """Premises of a road with any of these house numbers (spellings of one: "5 B", "5b")."""
    query = Premise.objects.filter(road_name=road_name, house_number__in=house_numbers)
    rows = query.order_by("house_number", "building", "unit", "room")
    return [PremiseRow(*row) for row in rows.values_list(*_PREMISE_FIELDS)[:limit]]


def premise_list_similar(*, key: str, limit: int) -> list[tuple[PremiseRow, float]]:
    """Premises whose search key is trigram-similar to `key`, most similar first.

    `%` (not a bare similarity() comparison) so the premise_trgm GIN index is used; the
    threshold is set for this transaction only, so other queries on the connection keep theirs.
    """
    columns = ", ".join(_PREMISE_FIELDS[:-1])
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('pg_trgm.similarity_threshold', %s, true)", [str(FUZZY_THRESHOLD)]
        )
        cursor.execute(
            f"SELECT {columns}, ST_AsEWKB(geom), similarity(search_key, %s) AS s "  # noqa: S608
            "FROM network_premise WHERE search_key %% %s ORDER BY s DESC, id LIMIT %s",
            [key, key, limit],
        )
        found = cursor.fetchall()
    return [(PremiseRow._make([*row[:-2], _point(row[-2])]), row[-1]) for row in found]


class _Midpoint(Func):
    function = "ST_LineInterpolatePoint"
    template = "%(function)s(%(expressions)s, 0.5)"
    output_field = PointField(srid=4326)


def road_get_by_name(*, name: str, district: str = "") -> PlaceRow | None:
    """One road row of this name (its district's first, if given), with its middle point."""
    row = (
        Road.objects.filter(name=name)
        .annotate(
            middle=_Midpoint("geom"),
            elsewhere=Case(When(district=district, then=Value(0)), default=Value(1)),
        )
        .order_by(F("elsewhere").asc(), "id")
        .values_list("id", "name", "middle")
        .first()
    )
    return PlaceRow(row[0], row[1], row[2], 0.0) if row else None


_LANDMARK_NAMED = """
    SELECT id, name, ST_AsEWKB(geom),
           CASE WHEN name = %(q)s OR lower(name_en) = %(e)s THEN 1.0 ELSE 0.9 END AS s
    FROM network_landmark
    WHERE name = %(q)s OR lower(name_en) = %(e)s OR strpos(%(q)s, name) > 0
       OR (name_en <> '' AND strpos(%(e)s, lower(name_en)) > 0)
    ORDER BY s DESC, length(name) DESC, id LIMIT %(limit)s
"""
# One column at a time: PostgreSQL scans a table this small rather than use its GIN index,
# and computing trigrams of both names for every row costs twice as much.
_LANDMARK_SIMILAR = {
    "name": """
        SELECT id, name, ST_AsEWKB(geom), similarity(name, %(text)s) AS s
        FROM network_landmark WHERE name %% %(text)s ORDER BY s DESC, id LIMIT %(limit)s
    """,
    "name_en": """
        SELECT id, name, ST_AsEWKB(geom), similarity(name_en, %(text)s) AS s
        FROM network_landmark WHERE name_en %% %(text)s ORDER BY s DESC, id LIMIT %(limit)s
    """,
}


def landmark_list_by_name(
    *, local: str, english: str, limit: int, similar: bool = True
) -> list[PlaceRow]:
    """Landmarks by name, Chinese or English: 1.0 as written, 0.9 named inside the text
    ("友谊路小学附近", longest name first); failing those, by trigram similarity (`%`) on the
    Chinese name for Chinese text, on the English name otherwise."""
    # "\x01" is in no name: an empty text must not equal a landmark's empty name_en.
    params: dict[str, str | int] = {"q": local or "\x01", "e": english or "\x01", "limit": limit}
    with connection.cursor() as cursor:
        cursor.execute(_LANDMARK_NAMED, params)
        rows = cursor.fetchall()
        if not rows and similar:
            column, text = ("name", local) if local else ("name_en", english)
            cursor.execute(_LANDMARK_SIMILAR[column], {"text": text, "limit": limit})
            rows = cursor.fetchall()
    return [PlaceRow(i, name, _point(g), float(s)) for i, name, g, s in rows]


def intersection_points(*, road_a: str, road_b: str, gap_m: float) -> list[Point]:
    """Where two named roads cross; if they only nearly meet (digitising gaps, a T-junction
    drawn short), the middle of the shortest line between them, up to `gap_m` metres."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH a AS (SELECT ST_Union(geom) AS g FROM network_road WHERE name = %(a)s),
                 b AS (SELECT ST_Union(geom) AS g FROM network_road WHERE name = %(b)s),
                 x AS (SELECT CASE
                         WHEN ST_Intersects(a.g, b.g)
                           THEN ST_CollectionExtract(ST_Intersection(a.g, b.g), 1)
                         WHEN ST_DWithin(a.g::geography, b.g::geography, %(gap)s)
                           THEN ST_LineInterpolatePoint(ST_ShortestLine(a.g, b.g), 0.5)
                       END AS g FROM a, b)
            SELECT ST_AsEWKB((ST_Dump(g)).geom) FROM x WHERE g IS NOT NULL AND NOT ST_IsEmpty(g)
            """,
            {"a": road_a, "b": road_b, "gap": gap_m},
        )
        return [_point(row[0]) for row in cursor.fetchall()]


def premise_nearest(*, point: Point) -> PlaceRow | None:
    """The premise nearest the point, in metres on the geography.

    `<->` lets the GiST index hand over the nearest few by planar distance in degrees (a
    degree of longitude is shorter than one of latitude here), then the true distance decides.
    Flats of one building share a point; the lowest id among them is returned.
    """
    return _nearest(
        """
        SELECT id, full_text, ST_AsEWKB(geom), ST_Distance(geom::geography, p::geography) AS d
        FROM (SELECT id, full_text, geom FROM network_premise
              ORDER BY geom <-> ST_GeomFromEWKT(%(p)s) LIMIT %(k)s) AS knn,
             ST_GeomFromEWKT(%(p)s) AS p
        ORDER BY d, id LIMIT 1
        """,
        point,
    )


def road_nearest(*, point: Point) -> PlaceRow | None:
    """The road nearest the point and the point on it closest to `point` (as premise_nearest)."""
    return _nearest(
        """
        SELECT id, name, ST_AsEWKB(ST_ClosestPoint(geom, p)),
               ST_Distance(geom::geography, p::geography) AS d
        FROM (SELECT id, name, geom FROM network_road
              ORDER BY geom <-> ST_GeomFromEWKT(%(p)s) LIMIT %(k)s) AS knn,
             ST_GeomFromEWKT(%(p)s) AS p
        ORDER BY d, id LIMIT 1
        """,
        point,
    )


def _nearest(sql: str, point: Point) -> PlaceRow | None:
    wgs84 = point if point.srid in (None, 4326) else point.transform(4326, clone=True)
    with connection.cursor() as cursor:
        cursor.execute(sql, {"p": f"SRID=4326;{wgs84.wkt}", "k": KNN_CANDIDATES})
        row = cursor.fetchone()
    if row is None:
        return None
    return PlaceRow(row[0], row[1], _point(row[2]), float(row[3]))


def _point(wkb: bytes | memoryview) -> Point:
    geometry = GEOSGeometry(memoryview(wkb))
    if not isinstance(geometry, Point):
        raise TypeError(f"expected a point, got a {geometry.geom_type}")
    return geometry
