"""Ending a case (issue 16): close, cancel, merge or refer, each with a reason, through one
service, on the timeline; clocks of an ended incident stop as not applicable and never escalate."""

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from alerts.escalation import escalations_advance
from alerts.models import CallBack, Escalation
from dispatch.errors import ConflictError, DispatchError, ForbiddenError
from dispatch.models import Call, Crew, Incident, IncidentDeadline, IncidentEvent, Milestone, User
from dispatch.roles import Role
from dispatch.services import user_create
from dispatch.services.incident_end import (
    incident_cancel,
    incident_close,
    incident_merge,
    incident_refer,
)
from dispatch.services.intake import CallInput, call_open_incident, call_receive
from dispatch.services.sla import deadlines_breach_due
from dispatch.services.work_orders import work_order_dispatch, work_order_transition
from gis.models import OrgUnit, Premise
from gis.services import org_unit_create
from maps.timeline_words import event_summary
from tests.dispatch.conftest import make_crew

pytestmark = pytest.mark.django_db
FAR = timedelta(days=30)  # past every clock, call-backs included


def _open(dispatcher: User, premise: Premise, phone: str = "13800000001") -> Incident:
    call = call_receive(
        data=CallInput(category="leak_outdoor", premise_id=premise.id, caller_phone=phone),
        taker=dispatcher,
    )
    return call_open_incident(call_id=call.id, actor=dispatcher)


@pytest.fixture
def incident(dispatcher: User, premise: Premise) -> Incident:
    return _open(dispatcher, premise)


@pytest.fixture
def crew(city: dict[str, OrgUnit], premise: Premise) -> Crew:
    return make_crew(city["st-central"], "Alpha", premise.geom)


def _kinds(incident: Incident) -> list[str]:
    return list(incident.events.order_by("at", "id").values_list("kind", flat=True))


def _snapshot(incident: Incident) -> tuple[Any, ...]:
    incident.refresh_from_db()
    clocks = list(incident.deadlines.values_list("milestone", "met_at", "not_applicable_at"))
    return incident.status, incident.end_reason, IncidentEvent.objects.count(), sorted(clocks)


def _post(client: Client, incident: Incident, action: str, body: dict[str, Any]) -> Any:
    return client.post(
        f"/api/incidents/{incident.id}/{action}/", body, content_type="application/json"
    )


@pytest.mark.parametrize(
    ("end", "to", "kwargs"),
    [
        (incident_close, "closed", {"reason": "no_fault_found", "note": "smell from the drains"}),
        (incident_cancel, "cancelled", {"reason": "false_alarm", "note": "neighbour's barbecue"}),
        (incident_refer, "referred", {"reason": "not_our_network", "agency": "Water Co."}),
    ],
)
def test_each_ending_with_a_reason_is_on_the_timeline_and_stops_the_clocks(
    incident: Incident, dispatcher: User, end: Any, to: str, kwargs: dict[str, str]
) -> None:
    end(incident_id=incident.id, actor=dispatcher, **kwargs)
    incident.refresh_from_db()
    assert (incident.status, incident.end_reason) == (to, kwargs["reason"])
    assert incident.ended_at is not None
    kinds = _kinds(incident)
    assert f"incident.{to}" in kinds
    assert "sla.not_applicable" in kinds
    status = incident.events.get(kind="incident.status")
    assert (status.data["to"], status.actor_id) == (to, dispatcher.id)
    ended = incident.events.get(kind=f"incident.{to}")
    assert ended.data["reason"] == kwargs["reason"]
    assert event_summary(ended.kind, ended.data)  # the timeline has words for it
    # The crew's clocks stop as not applicable: neither met nor breached.
    crew_clocks = incident.deadlines.exclude(milestone=Milestone.CALL_BACK)
    assert crew_clocks.exists()
    assert not crew_clocks.filter(not_applicable_at__isnull=True).exists()
    assert not crew_clocks.filter(met_at__isnull=False).exists()
    if to == "referred":
        assert incident.referred_to == "Water Co."


def test_a_missing_reason_is_refused_in_words_and_changes_nothing(
    incident: Incident, dispatcher: User, console: Client
) -> None:
    before = _snapshot(incident)
    with pytest.raises(DispatchError, match="give a reason"):
        incident_cancel(incident_id=incident.id, actor=dispatcher, reason="", note="x")
    with pytest.raises(DispatchError, match="not a reason to make an incident closed"):
        incident_close(incident_id=incident.id, actor=dispatcher, reason="hoax", note="x")
    with pytest.raises(DispatchError, match="say in a few words"):
        incident_close(incident_id=incident.id, actor=dispatcher, reason="no_fault_found", note="")
    with pytest.raises(DispatchError, match="name the agency"):
        incident_refer(
            incident_id=incident.id, actor=dispatcher, reason="not_our_network", agency=" "
        )
    response = _post(console, incident, "close", {"note": "all fine"})
    assert response.status_code == 400
    assert response.json()["field"] == "reason"
    assert response.json()["error"].startswith("give a reason: one of work_completed")
    assert _snapshot(incident) == before


def test_closing_with_a_crew_on_site_is_refused_and_nothing_changes(
    incident: Incident, dispatcher: User, crew: Crew, console: Client
) -> None:
    work_order = work_order_dispatch(incident_id=incident.id, crew_id=crew.id, actor=dispatcher)
    for to in ("accepted", "en_route", "on_site"):
        work_order_transition(work_order_id=work_order.id, to=to, actor=dispatcher)
    before = _snapshot(incident)
    with pytest.raises(ConflictError, match=r"Alpha \(on site\) still on .*: complete or cancel"):
        incident_close(
            incident_id=incident.id, actor=dispatcher, reason="no_fault_found", note="ok"
        )
    response = _post(console, incident, "cancel", {"reason": "false_alarm", "note": "ok"})
    assert response.status_code == 409
    assert "complete or cancel the work order first" in response.json()["error"]
    assert _snapshot(incident) == before


def test_a_resolved_incident_is_closed_and_its_call_back_clock_runs_on(
    incident: Incident, dispatcher: User, crew: Crew
) -> None:
    work_order = work_order_dispatch(incident_id=incident.id, crew_id=crew.id, actor=dispatcher)
    for to in ("accepted", "en_route", "on_site", "completed"):
        work_order_transition(work_order_id=work_order.id, to=to, actor=dispatcher)
    with pytest.raises(ConflictError, match="close it instead"):
        incident_cancel(incident_id=incident.id, actor=dispatcher, reason="hoax", note="x")
    incident_close(incident_id=incident.id, actor=dispatcher, reason="work_completed", note="ok")
    call_back = IncidentDeadline.objects.get(incident=incident, milestone=Milestone.CALL_BACK)
    assert call_back.not_applicable_at is None
    assert CallBack.objects.filter(incident=incident).count() == 1
    assert deadlines_breach_due(now=timezone.now() + FAR) == 1  # the call-back, nothing else
    call_back.refresh_from_db()
    assert call_back.breached_at is not None


def test_closing_on_the_phone_starts_the_call_back_clock(
    incident: Incident, dispatcher: User
) -> None:
    incident_close(
        incident_id=incident.id, actor=dispatcher, reason="resolved_on_phone", note="valve shut"
    )
    assert CallBack.objects.filter(incident=incident).count() == 1
    clock = IncidentDeadline.objects.get(incident=incident, milestone=Milestone.CALL_BACK)
    assert (clock.met_at, clock.not_applicable_at) == (None, None)


def test_a_cancelled_incident_clocks_are_not_applicable_and_never_escalate(
    incident: Incident, dispatcher: User
) -> None:
    first = incident.deadlines.order_by("due_at").first()
    assert first is not None
    breached_at = first.due_at + timedelta(seconds=1)
    assert deadlines_breach_due(now=breached_at) == 1  # breached, and escalated (level 1)
    assert Escalation.objects.filter(deadline=first).count() == 1
    incident_cancel(incident_id=incident.id, actor=dispatcher, reason="hoax", note="prank")
    later = timezone.now() + FAR
    assert deadlines_breach_due(now=later) == 0
    assert escalations_advance(now=later) == 0
    assert Escalation.objects.filter(deadline__incident=incident).count() == 1
    first.refresh_from_db()
    # The breach before the cancellation stays on record; the clock stopped there.
    assert first.breached_at is not None
    assert first.not_applicable_at is not None
    assert not incident.deadlines.filter(not_applicable_at__isnull=True).exists()
    stopped = incident.events.get(kind="sla.not_applicable")
    assert stopped.data["breached_before"] == [first.milestone]


def test_merge_moves_the_calls_adds_the_reports_and_points_to_the_survivor(
    incident: Incident, dispatcher: User, premise: Premise, console: Client
) -> None:
    survivor = _open(dispatcher, premise, phone="13800000002")
    response = _post(
        console, incident, "merge", {"into_id": survivor.id, "reason": "duplicate", "note": ""}
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["merged_into"]) == ("merged", survivor.id)
    assert body["merged_into_reference"] == survivor.reference
    assert body["deadlines"]
    assert all(d["not_applicable_at"] for d in body["deadlines"])
    survivor.refresh_from_db()
    assert (survivor.report_count, survivor.independent_report_count) == (2, 2)
    assert Call.objects.filter(incident=survivor).count() == 2
    assert not Call.objects.filter(incident=incident).exists()
    assert "incident.merged_in" in _kinds(survivor)
    assert "incident.merged" in _kinds(incident)
    assert survivor.status == Incident.Status.OPEN  # the survivor's clocks still run
    assert survivor.deadlines.filter(not_applicable_at__isnull=True).exists()
    assert deadlines_breach_due(now=timezone.now() + FAR) > 0
    assert not incident.deadlines.filter(breached_at__isnull=False).exists()
    # Nothing more happens on an ended incident.
    with pytest.raises(ConflictError, match="is merged: merge into an open incident"):
        incident_merge(
            incident_id=survivor.id, into_id=incident.id, actor=dispatcher, reason="duplicate"
        )
    with pytest.raises(ConflictError, match="has already ended"):
        incident_close(
            incident_id=incident.id, actor=dispatcher, reason="no_fault_found", note="again"
        )
    with pytest.raises(DispatchError, match="merged into itself"):
        incident_merge(
            incident_id=survivor.id, into_id=survivor.id, actor=dispatcher, reason="duplicate"
        )


@pytest.mark.parametrize("role", [Role.SAFETY_MANAGER, Role.CREW_MEMBER, Role.CALL_TAKER])
def test_roles_that_do_not_dispatch_are_refused(
    incident: Incident, city: dict[str, OrgUnit], role: Role
) -> None:
    user = user_create(username="someone", password="pw", role=role, org_unit=city["gx-city"])
    before = _snapshot(incident)
    client = Client()
    client.force_login(user)
    response = _post(client, incident, "cancel", {"reason": "false_alarm", "note": "x"})
    assert response.status_code == 403
    with pytest.raises(ForbiddenError):
        incident_cancel(incident_id=incident.id, actor=user, reason="false_alarm", note="x")
    assert _snapshot(incident) == before


def test_a_dispatcher_of_another_company_is_refused(
    incident: Incident, city: dict[str, OrgUnit]
) -> None:
    other = org_unit_create(
        code="hx-city", name="Other gas company", tier=OrgUnit.Tier.COMPANY, parent=city["gx-group"]
    )
    stranger = user_create(username="far", password="pw", role=Role.DISPATCHER, org_unit=other)
    before = _snapshot(incident)
    client = Client()
    client.force_login(stranger)
    response = _post(client, incident, "close", {"reason": "no_fault_found", "note": "x"})
    assert response.status_code == 403
    assert "outside your organisation" in response.json()["error"]
    assert _snapshot(incident) == before


def test_the_console_api_shows_a_cancelled_incidents_clocks_as_not_applicable(
    incident: Incident, dispatcher: User
) -> None:
    client = Client()
    client.force_login(dispatcher)
    answer = _post(client, incident, "cancel", {"reason": "hoax", "note": "a prank caller"})
    assert answer.status_code == 200, answer.content
    detail = client.get(f"/api/incidents/{incident.id}/").json()
    stopped = [d for d in detail["deadlines"] if d["milestone"] != Milestone.CALL_BACK]
    assert stopped
    assert all(d["not_applicable_at"] for d in stopped)  # the console shows them stopped
