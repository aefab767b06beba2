"""The demo history is a consistent record: every moment the reports read equals what the
timeline says, and the reports count what was generated (tests/reports/recompute.py works
every figure out again from the events alone)."""

from collections import defaultdict
from datetime import datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from demo.crews import demo_crews_load
from demo.history import HistoryCounts, history_make
from desk.models import Case
from dispatch.models import Call, Incident, IncidentDeadline, IncidentEvent, User, WorkOrder
from reports.figures import figures_compute
from reports.scope import scope_from
from tests.reports.recompute import _jobs, recompute

DAYS = 3


@pytest.fixture
def history(transactional_db: None) -> tuple[HistoryCounts, datetime]:
    call_command("make_demo_city", "--premises", "2000", "--no-progress", stdout=StringIO())
    call_command("load_demo", stdout=StringIO())
    demo_crews_load(count=12, seed=3)
    now = timezone.now()
    return history_make(days=DAYS, calls_per_day=200, seed=4, now=now), now


def test_every_incident_moment_is_what_its_timeline_says(
    history: tuple[HistoryCounts, datetime],
) -> None:
    counts, now = history
    assert counts.incidents > 100
    assert counts.calls > 400
    events = list(IncidentEvent.objects.order_by("at", "id"))
    assert all(e.at <= now for e in events)
    received = {e.call_id: e.at for e in events if e.kind == "call.received" and e.call_id}
    jobs = _jobs(events, received)
    last_status = {e.incident_id: e.data["to"] for e in events if e.kind == "incident.status"}
    for incident in Incident.objects.all():
        job = jobs[incident.pk]
        assert incident.first_call_at == job.first_call, incident.reference
        assert incident.work_order_at == job.work_order, incident.reference
        assert incident.on_site_at == job.on_site, incident.reference
        assert incident.on_site_verified == job.verified, incident.reference
        assert incident.made_safe_at == job.made_safe, incident.reference
        assert incident.completed_at == job.completed, incident.reference
        assert incident.ended_at == job.ended, incident.reference
        assert incident.status == last_status.get(incident.pk, "open"), incident.reference
        first = incident.calls.order_by("received_at").first()
        assert first is not None
        assert incident.channel == first.channel
        assert incident.report_count == incident.calls.count()
    for wo in WorkOrder.objects.select_related("incident"):
        assert wo.created_at == wo.incident.work_order_at
        assert wo.arrived_at == wo.incident.on_site_at
        assert wo.arrival_verified == wo.incident.on_site_verified
    # Clocks: met at their moment, breached only past due, stopped only when it ended.
    for d in IncidentDeadline.objects.select_related("incident"):
        if d.breached_at is not None:
            assert d.breached_at > d.due_at
            assert d.met_at is None or d.met_at > d.due_at
        if d.not_applicable_at is not None:
            assert d.met_at is None
            assert d.not_applicable_at == d.incident.ended_at
    statuses = set(Incident.objects.values_list("status", flat=True))
    assert {"closed", "cancelled"} <= statuses


def test_calls_are_closed_and_chained_by_premise(history: tuple[HistoryCounts, datetime]) -> None:
    calls = list(Call.objects.order_by("received_at", "id"))
    outcome_at: dict[int | None, datetime] = {}
    for e in IncidentEvent.objects.filter(
        kind__in=("incident.opened", "call.joined", "call.answered", "case.opened")
    ).order_by("at", "id"):
        outcome_at.setdefault(e.call_id, e.at)
    previous: dict[int, datetime] = {}
    before: dict[int, datetime] = {}  # the premise's last call strictly earlier
    # Calls at one premise in the same instant (a burst of calls joined at once) chain in
    # the writer's own order, which their ids need not follow: any of the tied is first.
    same_instant: dict[tuple[int, datetime], int] = defaultdict(int)
    for call in calls:
        same_instant[(call.premise_id or 0, call.received_at)] += 1
    taken: dict[str, int] = defaultdict(int)
    for call in calls:
        assert call.premise_id is not None
        if previous.get(call.premise_id) not in (None, call.received_at):
            before[call.premise_id] = previous[call.premise_id]
        tied = same_instant[(call.premise_id, call.received_at)] > 1
        assert call.premise_previous_at == previous.get(call.premise_id) or (
            tied and call.premise_previous_at in (before.get(call.premise_id), call.received_at)
        ), call.pk
        previous[call.premise_id] = call.received_at
        assert call.closed_at == outcome_at.get(call.pk), call.pk
        assert call.unit_id is not None
        if call.incident is not None:
            assert call.unit_id == call.incident.station_id
        if call.opened_at is not None:
            assert call.taker_id is not None
            assert call.opened_at < call.received_at
        taken[call.outcome] += 1
    assert set(taken) >= {"new_incident", "joined", "answered", "case"}
    for case in Case.objects.select_related("call"):
        assert case.call.outcome == "case"
        assert case.call.unit_id == case.unit_id


def test_the_reports_count_what_was_generated(history: tuple[HistoryCounts, datetime]) -> None:
    counts, now = history
    admin = User.objects.get(username="admin")
    today = timezone.localdate(now)
    scope = scope_from(
        {"from": str(today - timedelta(days=DAYS - 1)), "to": str(today)}, admin, now=now
    )
    figures = {f.key: f for f in figures_compute(scope)}
    assert figures["calls_received"].total.count == counts.calls
    assert figures["incidents_opened"].total.count == counts.incidents
    assert figures["cases_received"].total.count == counts.cases
    expected = recompute(start=scope.t0, end=scope.t1, now=now)
    for key, want in expected.items():
        got = figures[key].total
        assert got.count == want.count, key
        assert got.hits == want.hits, key
        for name in ("median", "p90", "longest"):
            value = getattr(want, name)
            if value is not None:
                assert abs(getattr(got, name) - value) < 1e-6 * max(1.0, abs(value)), key
    # Late, unverified and cancelled arrivals are there, not only on-time ones.
    arrival = figures["arrival_on_clock"].total
    assert 0 < arrival.hits < arrival.count
    verified = figures["arrival_verified"].total
    assert 0 < verified.hits < verified.count
    # Run again with --if-empty: nothing is added.
    before = Call.objects.count()
    out = StringIO()
    call_command("make_demo_history", "--if-empty", stdout=out)
    assert Call.objects.count() == before
    assert "no history added" in out.getvalue()
