"""Storing closed days (reports.rollup): each source's figures of a run of days, by the same
statements the dashboards read the record with (reports.parts), grouped by day, unit, case
type, priority and channel, written with COPY.

`rollup_refresh` is run by beat (reports.tasks) and by `manage.py reports_rollup`: it forgets
the days whose rows changed (DirtyDay) and stores every closed day not stored with the current
fingerprint, a month per transaction, so a dashboard never sees half a day."""

import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from gis.models import OrgUnit
from reports.catalogue import FIGURES, FigureSpec, preset_spec
from reports.figures import figure_params, parts_live, preset_params, presets_active, rows_where
from reports.models import DirtyDay, ReportSettings, RollupDay, RollupRow
from reports.rollup import KEYS, closed_before, fingerprint
from reports.scope import Scope
from reports.sources import CALLBACKS, CALLS, CASES, INCIDENTS, PHONE

log = logging.getLogger(__name__)

CHUNK_DAYS = 31
_FIRST = """SELECT LEAST(
    (SELECT MIN(first_call_at) FROM dispatch_incident),
    (SELECT MIN(received_at) FROM dispatch_call),
    (SELECT MIN(created_at) FROM desk_case),
    (SELECT MIN(due_at) FROM alerts_callback),
    (SELECT MIN(rang_at) FROM telephony_callleg WHERE role = 'caller'))"""
# Days with a clock that has not run out at the build (a desk case's reply due in two months,
# an SLA clock set far ahead): stored only once it has, or the stored day would go stale.
# A reply not given and not yet due; an arrival or made-safe clock neither met nor run out.
_OPEN_CLOCKS = """SELECT DISTINCT (k.created_at AT TIME ZONE %(tz)s)::date FROM desk_case k
    WHERE k.created_at >= %(t0)s AND k.created_at < %(t1)s AND k.due_at >= %(now)s
    AND k.replied_at IS NULL
UNION SELECT DISTINCT (i.first_call_at AT TIME ZONE %(tz)s)::date
    FROM dispatch_incidentdeadline d JOIN dispatch_incident i ON i.id = d.incident_id
    WHERE i.first_call_at >= %(t0)s AND i.first_call_at < %(t1)s AND d.due_at >= %(now)s
    AND d.milestone IN ('on_site', 'made_safe') AND d.met_at IS NULL
    AND d.not_applicable_at IS NULL"""


def _specs() -> tuple[list[FigureSpec], dict[str, Any]]:
    """Every stored figure (not the backlogs, counted at a range's end) and its parameters."""
    specs = [s for s in FIGURES if not s.as_of_end]
    extra: dict[str, Any] = {}
    for n, preset in enumerate(presets_active()):
        specs.append(preset_spec(preset, n))
        extra = preset_params(preset, extra, n)
    return specs, extra


def fingerprint_current() -> str:
    active = presets_active()
    every = list(FIGURES) + [preset_spec(p, n) for n, p in enumerate(active)]
    return fingerprint(ReportSettings.current(), active, every)


def _thresholds_storable() -> bool:
    """Whether every threshold's clock runs out within a day, before its day is stored (an
    administrator may set made-safe to 100 hours: then nothing is stored, and every figure
    is read from the record, exact and slower)."""
    thresholds = ReportSettings.current()
    longest = max(
        [thresholds.work_order_minutes / 1440, thresholds.made_safe_hours / 24]
        + [p.attend_minutes / 1440 for p in presets_active()]
    )
    return longest <= 1


def days_build(first: date, last: date, fp: str, now: datetime) -> tuple[int, int]:
    """Store the days first..last (inclusive) in one transaction, less those with a clock
    still running: how many rows were written and how many days stored."""
    units = tuple(OrgUnit.objects.values_list("pk", flat=True))
    scope = Scope(start=first, end=last, unit=OrgUnit(), units=units, now=now)
    specs, extra = _specs()
    params = {**figure_params(scope, ReportSettings.current()), **extra}
    with connection.cursor() as cursor:
        cursor.execute(_OPEN_CLOCKS, params)
        still_open = {day for (day,) in cursor.fetchall()}
    rows: list[tuple[Any, ...]] = []
    for source in (INCIDENTS, CALLS, CASES, CALLBACKS, PHONE):
        own = [s for s in specs if s.source is source]
        where = rows_where(source, scope)
        if not own or where is None:
            continue
        dims = source.dims
        keys = [
            f"({source.time} AT TIME ZONE %(tz)s)::date",
            source.unit,
            dims["category"] or "NULL::text",
            f"({dims['priority']})::smallint" if dims["priority"] else "NULL::smallint",
            dims["channel"] or "NULL::text",
        ]
        for key_values, parts in parts_live(own, where, keys, params):
            if key_values[0] in still_open:
                continue
            for spec, part in zip(own, parts, strict=True):
                if part.count:
                    counts = (part.count, part.hits, part.over, part.valued)
                    blob = b"".join(part.values) if part.values else None
                    rows.append(
                        (
                            *key_values,
                            source.name,
                            spec.key,
                            *counts,
                            part.total,
                            part.longest,
                            blob,
                        )
                    )
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    stored = [day for day in days if day not in still_open]
    with transaction.atomic():
        RollupRow.objects.filter(day__gte=first, day__lte=last).delete()
        RollupDay.objects.filter(day__gte=first, day__lte=last).delete()
        with connection.cursor() as cursor, cursor.cursor.copy(_COPY) as copy:
            for row in rows:
                copy.write_row(row)
        RollupDay.objects.bulk_create(
            RollupDay(day=day, fingerprint=fp, built_at=now) for day in stored
        )
    return len(rows), len(stored)


_COPY = (
    f"COPY reports_rolluprow ({', '.join(KEYS)}, source, figure, count, hits, over, valued, "
    "total, longest, values) FROM STDIN"
)


# One refresh at a time (beat's and a command's): a session advisory lock, its key this.
REFRESH_LOCK = 0x52_4F_4C_4C  # "ROLL"


def rollup_refresh(progress: Callable[[str], None] | None = None) -> int:
    """Forget the changed days, then store every closed day not stored as things stand now:
    how many days were stored (0 when another refresh is running: it does the work)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [REFRESH_LOCK])
        (locked,) = cursor.fetchone()
    if not locked:
        if progress:
            progress("another refresh is storing the days: nothing done")
        return 0
    try:
        return _refresh(progress)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [REFRESH_LOCK])


def _refresh(progress: Callable[[str], None] | None) -> int:
    now = timezone.now()
    with transaction.atomic():
        # Taken first: a row changed after this is marked again and stored next time.
        dirty = [d.day for d in DirtyDay.objects.select_for_update()]
        DirtyDay.objects.filter(day__in=dirty).delete()
        touched = {day + timedelta(days=n) for day in dirty for n in (-1, 0, 1)}
        RollupDay.objects.filter(day__in=touched).delete()
    if not _thresholds_storable():
        log.warning("reports: a threshold clock is longer than a day: no day stored")
        return 0
    with connection.cursor() as cursor:
        cursor.execute(_FIRST)
        (earliest,) = cursor.fetchone()
    if earliest is None:
        return 0
    fp = fingerprint_current()
    first = timezone.localtime(earliest).date()
    last = closed_before(now) - timedelta(days=1)
    have = set(RollupDay.objects.filter(fingerprint=fp).values_list("day", flat=True))
    wanted = [
        first + timedelta(days=n)
        for n in range((last - first).days + 1)
        if first + timedelta(days=n) not in have
    ]
    done = seen = 0
    for start, end in _runs(wanted):
        rows, days = days_build(start, end, fp, now)
        done += days
        seen += (end - start).days + 1
        if progress:
            progress(
                f"{start}..{end}: {days} days stored, {rows} rows ({seen} of {len(wanted)} days)"
            )
    if done > CHUNK_DAYS:
        # Months stored at once: the planner's statistics before autovacuum gets there (a
        # dashboard's merge otherwise sorts on disk, bench/RESULTS.md "Stored days").
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE reports_rolluprow")
    return done


def _runs(days: list[date]) -> list[tuple[date, date]]:
    """Consecutive days as (first, last) runs of at most CHUNK_DAYS."""
    runs: list[tuple[date, date]] = []
    for day in days:
        if (
            runs
            and day - runs[-1][1] == timedelta(days=1)
            and (day - runs[-1][0]).days < CHUNK_DAYS
        ):
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs
