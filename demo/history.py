"""Days of history for the demo city: calls, incidents with their whole timeline, work
orders, SLA clocks, desk cases and call-backs, so the reports have a record to measure.

Written with set-based SQL (demo/history_sql.py plans, demo/history_write.py writes): a few
temporary tables plan every row from seeded hashes (the same seed gives the same history),
then one INSERT ... SELECT per table.
Every moment the reports read (Incident.first_call_at ... ended_at, Call.closed_at, unit,
premise_previous_at) is written with the timeline event that proves it, in its final form:
the timeline is append-only. Nothing is written after `now`; what would have happened later
is still open (a crew on its way, a case awaiting its reply), as a live record would be.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from demo.history_sql import CALL_TABLES, INCIDENT_TABLES, PLAN, WRITE
from dispatch.models import Call, Incident, User
from dispatch.roles import Role
from dispatch.working_days import working_days_add
from gis.models import OrgUnit

# What the hotline hears, in proportion: (category, weight) per way a call ends.
FIELD_MIX = [
    ("leak_outdoor", 30),
    ("leak_indoor", 12),
    ("no_gas", 15),
    ("meter_fault", 14),
    ("low_pressure", 8),
    ("co_alarm", 4),
    ("third_party_damage", 4),
    ("repair", 8),
    ("inspection", 4),
    ("fire", 1),
]
CASE_MIX = [
    ("complaint", 30),
    ("report", 8),
    ("arrears", 14),
    ("new_connection", 10),
    ("account_transfer", 10),
    ("account_open", 7),
    ("account_close", 5),
    ("suggestion", 9),
    ("praise", 7),
]
ANSWER_MIX = [("consultation", 60), ("billing", 40)]
CHANNEL_MIX = [("phone", 84), ("web", 7), ("open311", 5), ("referral", 3), ("walk_in", 1)]
WORKING_DAYS_MAX = 10  # the longest working-day clock a policy or the retry window asks for
TAKERS_NAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋"


class HistoryError(ValueError):
    """The database lacks what a history is made for (stations, premises, crews)."""


@dataclass
class HistoryCounts:
    calls: int
    incidents: int
    work_orders: int
    events: int
    cases: int
    callbacks: int
    seconds: float


def history_exists() -> bool:
    return Call.objects.exists() or Incident.objects.exists()


def history_takers(count: int, unit: OrgUnit) -> list[int]:
    """The call takers who took the history's calls: the demo's own and `hist-taker-NN`
    (no password: nobody signs in as them) up to `count`."""
    have = list(
        User.objects.filter(role=Role.CALL_TAKER, org_unit__isnull=False)
        .order_by("id")
        .values_list("id", flat=True)
    )
    missing = [
        f"hist-taker-{n:02d}"
        for n in range(1, count + 1)
        if not User.objects.filter(username=f"hist-taker-{n:02d}").exists()
    ][: max(0, count - len(have))]
    for n, username in enumerate(missing):
        user = User(
            username=username,
            role=Role.CALL_TAKER,
            org_unit=unit,
            last_name=TAKERS_NAMES[n % len(TAKERS_NAMES)],
            first_name=f"{n + 1:02d}号",
        )
        user.set_unusable_password()
        user.save()
        have.append(user.pk)
    return have[: max(count, 1)]


def working_days_table(first: date, last: date) -> list[tuple[date, int, int]]:
    """(day, n, days ahead): n working days after `day` lands `ahead` calendar days later,
    from the same calendar the SLA clocks use (dispatch.working_days)."""
    zone = timezone.get_default_timezone()
    span = (last - first).days + 1 + 4 * WORKING_DAYS_MAX
    days = [first + timedelta(days=k) for k in range(span)]
    nxt = {}
    for day in days:
        noon = timezone.make_aware(datetime.combine(day, datetime.min.time()), zone)
        nxt[day] = (working_days_add(noon + timedelta(hours=12), 1).date() - day).days
    rows = []
    for day in days[: (last - first).days + 1]:
        at = day
        for n in range(1, WORKING_DAYS_MAX + 1):
            at = at + timedelta(days=nxt.get(at, 1))
            rows.append((day, n, (at - day).days))
    return rows


def _mix_rows(kind: str, mix: list[tuple[str, int]]) -> list[tuple[str, str, float, float]]:
    total = sum(w for _c, w in mix)
    rows, low = [], 0.0
    for code, weight in mix:
        rows.append((kind, code, low, low + weight / total))
        low += weight / total
    rows[-1] = (*rows[-1][:3], 1.0000001)
    return rows


def history_make(
    *,
    days: int,
    calls_per_day: int,
    seed: int = 1,
    now: datetime | None = None,
    progress: Callable[[str], None] | None = None,
) -> HistoryCounts:
    """Write `days` days of history ending now, about `calls_per_day` calls a day (more in
    winter and on weekdays); returns what was written. Runs in one transaction."""
    if days < 1 or calls_per_day < 1:
        raise HistoryError("days and calls per day must be at least 1")
    started = time.monotonic()
    now = now or timezone.now()
    zone = timezone.get_default_timezone()
    last = timezone.localtime(now, zone).date()
    first = last - timedelta(days=days - 1)
    company = OrgUnit.objects.filter(tier=OrgUnit.Tier.COMPANY).order_by("id").first()
    if company is None or not OrgUnit.objects.filter(tier=OrgUnit.Tier.STATION).exists():
        raise HistoryError("no company or station: run load_demo first")
    params = {
        "seed": seed,
        "tz": settings.TIME_ZONE,
        "first": first,
        "days": days,
        "per_day": calls_per_day,
        "now": now,
        "prefix": settings.INCIDENT_REFERENCE_PREFIX,
        "company": company.pk,
        "radius": settings.ARRIVAL_RADIUS_M,
    }
    say = progress or (lambda _line: None)
    with transaction.atomic(), connection.cursor() as cursor:
        takers = history_takers(max(4, min(30, calls_per_day // 100)), company)
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute("SET LOCAL TIME ZONE %s", [settings.TIME_ZONE])
        cursor.execute(
            "CREATE FUNCTION pg_temp.u(n bigint, k int, s bigint) RETURNS float8 "
            "LANGUAGE sql IMMUTABLE PARALLEL SAFE AS "
            "$$ SELECT (hashint8extended(n * 64 + k, s) & 2147483647)::float8 / 2147483648 $$"
        )
        cursor.execute(
            "CREATE TEMP TABLE h_mix (kind text, code text, lo float8, hi float8) ON COMMIT DROP"
        )
        cursor.executemany(
            "INSERT INTO h_mix VALUES (%s, %s, %s, %s)",
            _mix_rows("field", FIELD_MIX)
            + _mix_rows("case", CASE_MIX)
            + _mix_rows("answer", ANSWER_MIX)
            + _mix_rows("channel", CHANNEL_MIX),
        )
        cursor.execute("CREATE TEMP TABLE h_wd (day date, n int, ahead int) ON COMMIT DROP")
        cursor.executemany(
            "INSERT INTO h_wd VALUES (%s, %s, %s)",
            working_days_table(first - timedelta(days=1), last + timedelta(days=30)),
        )
        cursor.execute(
            "CREATE TEMP TABLE h_taker ON COMMIT DROP AS SELECT row_number() OVER (ORDER BY u.id)"
            " AS n, u.id AS user_id, u.username, u.org_unit_id AS unit_id FROM dispatch_user u"
            " WHERE u.id = ANY(%s)",
            [takers],
        )
        for label, sql in PLAN:
            _step(cursor, say, label, sql, params)
        cursor.execute("SELECT count(*) FROM h_premise")
        if not cursor.fetchone()[0]:
            raise HistoryError("no premise lies in a station's territory: run make_demo_city")
        cursor.execute("SELECT count(*) FROM h_crew")
        if not cursor.fetchone()[0]:
            raise HistoryError("no crews: run make_demo_crews first")
        for label, sql in INCIDENT_TABLES + CALL_TABLES:
            _step(cursor, say, label, sql, params)
        for table, temp in (
            ("dispatch_incident", "h_inc"),
            ("dispatch_call", "h_call"),
            ("dispatch_workorder", "h_inc WHERE wo_at IS NOT NULL"),
            ("desk_case", "h_case"),
            ("alerts_callback", "h_cb"),
        ):
            params[f"{table}_base"] = _reserve(cursor, table, temp)
        written = {label: _step(cursor, say, label, sql, params) for label, sql in WRITE}
        counts = []
        for temp in ("h_call", "h_inc", "h_inc WHERE wo_at IS NOT NULL", "h_case", "h_cb"):
            cursor.execute(f"SELECT count(*) FROM {temp}")  # noqa: S608 - constants
            counts.append(cursor.fetchone()[0])
        events = written["events written"]
    calls, incidents, work_orders, cases, callbacks = counts
    return HistoryCounts(
        calls=calls,
        incidents=incidents,
        work_orders=work_orders,
        events=events,
        cases=cases,
        callbacks=callbacks,
        seconds=time.monotonic() - started,
    )


def _step(cursor: Any, say: Callable[[str], None], label: str, sql: str, params: dict) -> int:
    t = time.monotonic()
    cursor.execute(sql, params)
    say(f"  {label}: {cursor.rowcount} rows, {time.monotonic() - t:.1f}s")
    return int(cursor.rowcount)


def _reserve(cursor: object, table: str, temp: str) -> int:
    """The first of as many ids as the temporary table has rows, taken from the table's own
    sequence, so rows written later by the application never collide with them."""
    cursor.execute(f"SELECT count(*) FROM {temp}")  # type: ignore[attr-defined]  # noqa: S608
    (count,) = cursor.fetchone()  # type: ignore[attr-defined]
    cursor.execute(  # type: ignore[attr-defined]
        "SELECT nextval(pg_get_serial_sequence(%(t)s, 'id'))", {"t": table}
    )
    (first,) = cursor.fetchone()  # type: ignore[attr-defined]
    cursor.execute(  # type: ignore[attr-defined]
        "SELECT setval(pg_get_serial_sequence(%(t)s, 'id'), %(last)s)",
        {"t": table, "last": first + max(count, 1) - 1},
    )
    return int(first)
