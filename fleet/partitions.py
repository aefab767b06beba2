"""Daily partitions of the position history: made ahead of time, dropped past retention.

A DEFAULT partition catches any fix outside the days made (a device whose clock is off, a
tracker that was down over midnight), so a fix is never refused for want of a partition.
"""

from datetime import date, timedelta

from django.db import connection
from psycopg import sql

TABLE = "fleet_vehicleposition"
DAYS_AHEAD = 3


def _name(day: date, table: str = TABLE) -> str:
    return f"{table}_{day:%Y%m%d}"


def partitions_ensure(
    *, today: date, days_back: int = 0, days_ahead: int = DAYS_AHEAD, table: str = TABLE
) -> int:
    """Create the partitions from `today - days_back` to `today + days_ahead`; returns how many
    were new. Days whose rows already went to the default partition are left to it. (`table`:
    the migration that made the table ran before it moved to the fleet and took its name.)"""
    created = 0
    with connection.cursor() as cursor:
        for offset in range(-days_back, days_ahead + 1):
            day = today + timedelta(days=offset)
            cursor.execute("SELECT to_regclass(%s)", [_name(day, table)])
            if cursor.fetchone()[0] is not None:
                continue
            cursor.execute(
                sql.SQL(
                    "SELECT EXISTS (SELECT 1 FROM {} WHERE fix_at >= %s AND fix_at < %s)"
                ).format(sql.Identifier(f"{table}_default")),
                [day, day + timedelta(days=1)],
            )
            if cursor.fetchone()[0]:
                continue  # PostgreSQL would refuse: the default partition holds that day
            cursor.execute(
                sql.SQL(
                    "CREATE TABLE IF NOT EXISTS {} PARTITION OF {} FOR VALUES FROM ({}) TO ({})"
                ).format(
                    sql.Identifier(_name(day, table)),
                    sql.Identifier(table),
                    sql.Literal(day.isoformat()),
                    sql.Literal((day + timedelta(days=1)).isoformat()),
                )
            )
            created += 1
    return created


def partitions_drop_before(day: date) -> list[str]:
    """Drop the daily partitions wholly before `day` (retention); returns their names."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = %s::regclass AND c.relname ~ '_[0-9]{8}$' ORDER BY 1",
            [TABLE],
        )
        old = [name for (name,) in cursor.fetchall() if name[-8:] < f"{day:%Y%m%d}"]
        for name in old:
            cursor.execute(sql.SQL("DROP TABLE {}").format(sql.Identifier(name)))
    return old
