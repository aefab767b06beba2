"""Counting what went wrong, so it shows up somewhere other than a log file."""

import logging

from django.db import connection

log = logging.getLogger(__name__)


def counter_increment(name: str, by: int = 1) -> None:
    """Add to a named counter in one statement; never raises (counting must not break work)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                """INSERT INTO platform_counter (name, value, updated_at) VALUES (%s, %s, now())
                   ON CONFLICT (name) DO UPDATE
                   SET value = platform_counter.value + EXCLUDED.value, updated_at = now()""",
                [name, by],
            )
    except Exception:
        log.exception("could not count %s", name)


def counters_all() -> dict[str, int]:
    from config.models import Counter

    return dict(Counter.objects.order_by("name").values_list("name", "value"))
