"""Stored days (reports.rollup): the generated November of test_figures_recomputed, stored,
gives every figure exactly as the record does, by every breakdown a stored day keeps and
with each filter; a row that changes afterwards, a changed threshold or a clock still
running sends its day back to the record until it is stored again."""

from datetime import date, timedelta

import psycopg
import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from desk.models import Case
from dispatch.models import Incident, User
from gis.models import OrgUnit
from reports.models import DirtyDay, ReportSettings, RollupDay, RollupRow
from reports.rollup import STORED_BYS, days_stored
from reports.rollup_build import REFRESH_LOCK, fingerprint_current, rollup_refresh
from reports.scope import Scope
from tests.reports.recompute import recompute
from tests.reports.test_figures_recomputed import MONTH_END, MONTH_START, QUERY, _check

pytestmark = pytest.mark.django_db
# The generated month starts on 2 November (test_figures_recomputed.START).
NOVEMBER = [date(2026, 11, 2) + timedelta(days=n) for n in range(29)]


def _figures(user: User, **query: str) -> dict[str, dict]:
    client = Client()
    client.force_login(user)
    response = client.get("/api/reports/figures/", {**QUERY, **query})
    assert response.status_code == 200, response.content
    return {f["key"]: f for f in response.json()["figures"]}


def _from_record(user: User, **query: str) -> dict[str, dict]:
    """The same request with no day stored: every day read from the record."""
    kept = list(RollupDay.objects.values_list("day", "fingerprint"))
    RollupDay.objects.update(fingerprint="")
    try:
        return _figures(user, **query)
    finally:
        for day, fp in kept:
            RollupDay.objects.filter(day=day).update(fingerprint=fp)


def _same(a: dict[str, dict], b: dict[str, dict], where: str) -> None:
    assert a.keys() == b.keys(), where
    for key in a:
        for mine, theirs in zip(
            [a[key]["total"], *a[key]["rows"]], [b[key]["total"], *b[key]["rows"]], strict=True
        ):
            assert mine["key"] == theirs["key"], (where, key)
            for name in ("count", "hits", "over"):
                assert mine[name] == theirs[name], (where, key, mine["key"], name)
            for name in ("mean", "median", "p90", "p97", "longest"):
                x, y = mine[name], theirs[name]
                assert (x is None) == (y is None), (where, key, mine["key"], name)
                if x is not None:
                    assert abs(x - y) < 1e-6 * max(1.0, abs(y)), (where, key, mine["key"], name)


def _stored() -> set[date]:
    return set(RollupDay.objects.values_list("day", flat=True))


def test_stored_days_give_every_figure_as_the_record_does(month: dict[str, object]) -> None:
    safety: User = month["safety"]  # type: ignore[assignment]
    assert rollup_refresh() >= len(NOVEMBER)
    assert set(NOVEMBER) <= _stored()
    assert RollupRow.objects.filter(day__in=NOVEMBER).exists()
    assert not DirtyDay.objects.exists()  # the month's writes were marked, then taken

    # Equal to the timeline's recomputation, as the record's figures are.
    stored = _figures(safety)
    for key, want in recompute(start=MONTH_START, end=MONTH_END, now=timezone.now()).items():
        _check(stored[key], want, key)
    # And to the record, figure by figure and row by row, for each breakdown kept...
    for by in STORED_BYS:
        _same(_figures(safety, by=by), _from_record(safety, by=by), by)
    # ...and each filter.
    for query in ({"priority": "1"}, {"category": "leak_outdoor"}, {"channel": "phone"}):
        _same(_figures(safety, **query), _from_record(safety, **query), str(query))
    # A breakdown by crew or taker reads the record: the same answer whatever is stored.
    _same(_figures(safety, by="crew"), _from_record(safety, by="crew"), "crew")


def test_a_changed_row_is_read_from_the_record_until_stored_again(
    month: dict[str, object],
) -> None:
    safety: User = month["safety"]  # type: ignore[assignment]
    rollup_refresh()
    before = _figures(safety)["arrival_verified"]["total"]
    verified = Incident.objects.filter(on_site_verified=True).order_by("first_call_at").first()
    assert verified is not None
    # An old incident corrected now (as an admin's fix or a late import would).
    Incident.objects.filter(pk=verified.pk).update(on_site_verified=False)
    day = timezone.localtime(verified.first_call_at).date()
    assert DirtyDay.objects.exists()
    scope_days = _days_usable()
    assert day not in scope_days
    after = _figures(safety)["arrival_verified"]["total"]
    assert after["hits"] == before["hits"] - 1
    _same(_figures(safety), _from_record(safety), "dirty")

    rollup_refresh()
    assert day in _days_usable()
    assert _figures(safety)["arrival_verified"]["total"]["hits"] == before["hits"] - 1
    _same(_figures(safety), _from_record(safety), "stored again")


def test_a_changed_threshold_reads_the_record_until_stored_again(
    month: dict[str, object],
) -> None:
    safety: User = month["safety"]  # type: ignore[assignment]
    rollup_refresh()
    before = _figures(safety)["work_order_on_time"]["total"]
    settings = ReportSettings.current()
    settings.work_order_minutes = 10  # the planted slow work orders (9 minutes) now on time
    settings.save()
    assert not _days_usable()
    after = _figures(safety)["work_order_on_time"]["total"]
    assert after["hits"] > before["hits"]
    rollup_refresh()
    assert set(NOVEMBER) <= _days_usable()
    _same(_figures(safety), _from_record(safety), "new threshold")


def test_a_day_with_a_clock_still_running_is_not_stored(month: dict[str, object]) -> None:
    # A complaint of November whose reply is due in the future and not given.
    case = Case.objects.filter(category="complaint", replied_at__isnull=True).first()
    assert case is not None
    Case.objects.filter(pk=case.pk).update(due_at=timezone.now() + timedelta(days=3))
    rollup_refresh()
    day = timezone.localtime(case.created_at).date()
    assert day not in _stored()
    assert (set(NOVEMBER) - {day}) <= _stored()


def test_todays_rows_are_not_marked(month: dict[str, object]) -> None:
    rollup_refresh()
    recent = Incident.objects.order_by("-id").first()
    assert recent is not None
    Incident.objects.filter(pk=recent.pk).update(first_call_at=timezone.now())
    assert DirtyDay.objects.exists()  # the move marked the old day it left
    DirtyDay.objects.all().delete()
    # Today's incident changed, as the dispatchers change them all day: nothing marked.
    Incident.objects.filter(pk=recent.pk).update(on_site_verified=False, priority=1)
    assert not DirtyDay.objects.exists()


def _days_usable() -> set[date]:
    group = OrgUnit.objects.get(tier=OrgUnit.Tier.GROUP)
    units = tuple(OrgUnit.objects.values_list("pk", flat=True))
    scope = Scope(start=NOVEMBER[0], end=NOVEMBER[-1], unit=group, units=units)
    return set(days_stored(scope, fingerprint_current()))


def test_one_refresh_at_a_time(month: dict[str, object]) -> None:
    """While another refresh holds the lock (beat's, say), a second one stores nothing."""
    db = connection.settings_dict
    other = psycopg.connect(
        host=db["HOST"],
        port=db["PORT"],
        dbname=db["NAME"],
        user=db["USER"],
        password=db["PASSWORD"],
        autocommit=True,
    )
    try:
        other.execute("SELECT pg_advisory_lock(%s)", [REFRESH_LOCK])
        said: list[str] = []
        assert rollup_refresh(progress=said.append) == 0
        assert not RollupDay.objects.exists()
        assert "another refresh" in said[0]
    finally:
        # Released before closing: a closed connection's backend lets go a moment later.
        other.execute("SELECT pg_advisory_unlock(%s)", [REFRESH_LOCK])
        other.close()
    assert rollup_refresh() >= len(NOVEMBER)
