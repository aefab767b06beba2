"""Stored days: the figures' parts (reports.parts) of each closed day, per unit, case type,
priority and channel, so a dashboard over a year reads a few hundred thousand small rows
instead of a year of calls and incidents (bench/RESULTS.md, "Stored days").

A day is stored (reports.rollup_build) once it ended a day ago and every clock of its rows
has run out, with the fingerprint of the thresholds, presets and formulas
it was computed with. A dashboard reads a day from storage only when its fingerprint is the
current one and no row of it changed since (DirtyDay, marked by triggers); every other day
of its range is read from the record, by the same statements, and the two are merged. A
breakdown by crew or call taker is not stored: it is always read from the record."""

import hashlib
import json
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection

from reports.catalogue import FigureSpec
from reports.models import DirtyDay, ReportPreset, ReportSettings, RollupDay
from reports.parts import Part, parts_of_row
from reports.scope import Scope
from reports.sources import _COMPANY, Source

# A day is stored once it ended a day ago (and every clock of its rows ran out): its rows are
# then at least 24 hours old, and the triggers (reports 0005) mark a change to any row older
# than 20 hours, four hours of margin for a clock change.
ROLLUP_AFTER_DAYS = 2
STORED_BYS = ("station", "company", "category", "priority", "channel", "day", "month", "year")
# The stored keys, in the order rollup_build writes them.
KEYS = ("day", "unit_id", "category", "priority", "channel")

_BY = {
    "station": "r.unit_id::text",
    "company": f"({_COMPANY})::text",
    "category": "r.category",
    "priority": "r.priority::text",
    "channel": "r.channel",
    "day": "to_char(r.day, 'YYYY-MM-DD')",
    "month": "to_char(r.day, 'YYYY-MM')",
    "year": "to_char(r.day, 'YYYY')",
}


def fingerprint(thresholds: ReportSettings, presets: list[ReportPreset], specs: list) -> str:
    """What a stored day's figures depend on besides the record: the thresholds, the presets,
    the time zone and the formulas themselves (a changed definition is a changed text)."""
    described = {
        "tz": settings.TIME_ZONE,
        "thresholds": [
            thresholds.work_order_minutes,
            thresholds.made_safe_hours,
            thresholds.repeat_days,
            thresholds.answer_seconds,
        ],
        "presets": [
            [p.code, list(p.categories), p.priority_max, p.attend_minutes, p.longest_max_minutes]
            for p in presets
        ],
        "formulas": [
            [s.key, s.kind, s.eligible, s.hit, s.value, s.over, s.joins]
            + [s.source.table, s.source.time, s.source.unit, s.source.base]
            + [s.source.dims[by] for by in ("category", "priority", "channel")]
            for s in specs
        ],
    }
    return hashlib.sha256(json.dumps(described, sort_keys=True).encode()).hexdigest()


def _zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def closed_before(now: datetime) -> date:
    """The first day not yet old enough to store."""
    return now.astimezone(_zone()).date() - timedelta(days=ROLLUP_AFTER_DAYS - 1)


def days_stored(scope: Scope, fp: str) -> list[date]:
    """The days of the scope's range that can be read from storage."""
    if scope.by not in STORED_BYS:
        return []
    last = min(scope.end, closed_before(scope.now) - timedelta(days=1))
    if last < scope.start:
        return []
    stored = set(
        RollupDay.objects.filter(day__gte=scope.start, day__lte=last, fingerprint=fp).values_list(
            "day", flat=True
        )
    )
    if not stored:
        return []
    # A UTC day marked dirty touches the local days beside it.
    dirty = DirtyDay.objects.filter(
        day__gte=scope.start - timedelta(days=1), day__lte=last + timedelta(days=1)
    ).values_list("day", flat=True)
    for day in dirty:
        stored -= {day - timedelta(days=1), day, day + timedelta(days=1)}
    return sorted(stored)


def spans_live(scope: Scope, stored: list[date]) -> list[tuple[datetime, datetime]]:
    """The scope's range less the stored days, as runs of whole local days (t0, t1)."""
    spans: list[tuple[datetime, datetime]] = []
    skip = set(stored)
    day = scope.start
    while day <= scope.end:
        if day in skip:
            day += timedelta(days=1)
            continue
        first = day
        while day <= scope.end and day not in skip:
            day += timedelta(days=1)
        spans.append((_midnight(first), _midnight(day)))
    return spans


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=_zone())


def stored_parts(
    source: Source, specs: list[FigureSpec], scope: Scope, days: list[date]
) -> dict[tuple[str, str | None], Part]:
    """Each figure's parts per breakdown value over the stored days: {(figure key, value)}."""
    where = ["r.source = %(source)s", "r.day = ANY(%(days)s)", "r.unit_id = ANY(%(units)s)"]
    where.append("r.figure = ANY(%(figures)s)")
    params: dict[str, Any] = {
        "source": source.name,
        "days": days,
        "units": list(scope.units),
        "figures": [s.key for s in specs],
    }
    for name, value in (("category", scope.category), ("channel", scope.channel)):
        if value:
            where.append(f"r.{name} = %({name})s")
            params[name] = value
    if scope.priority is not None:
        where.append("r.priority = %(priority)s")
        params["priority"] = scope.priority
    sql = f"""SELECT r.figure, {_BY[scope.by]} AS k,
    SUM(r.count)::int, SUM(r.hits)::int, SUM(r.over)::int, SUM(r.valued)::int,
    SUM(r.total), MAX(r.longest), string_agg(r.values, ''::bytea)
FROM reports_rolluprow r JOIN network_orgunit ou ON ou.id = r.unit_id
WHERE {" AND ".join(where)}
GROUP BY 1, 2"""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()
    one = specs[:1]  # each row holds one figure's parts
    return {(figure, k): parts_of_row(one, (figure, k, *rest), 2)[0] for figure, k, *rest in found}
