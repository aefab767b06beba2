"""Distances in metres in SQL, on the spheroid (the GIS habit: no degree arithmetic)."""

from django.contrib.gis.geos import Point
from django.db.models.expressions import RawSQL


def ids_within_metres(table: str, column: str, point: Point, metres: float) -> RawSQL:
    """Ids of `table` rows whose `column` lies within `metres` of `point`.

    `ST_DWithin` on geography measures true metres; the tables searched this way carry a GiST
    index on `(column::geography)` so the search stays indexed.
    """
    return RawSQL(  # noqa: S611 - table and column names are ours, values are bound
        f"SELECT id FROM {table} WHERE ST_DWithin({column}::geography, "  # noqa: S608 - names are ours
        "ST_GeomFromEWKT(%s)::geography, %s)",
        [point.ewkt, metres],
    )
