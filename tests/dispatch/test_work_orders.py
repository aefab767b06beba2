from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.test import Client
from django.utils import timezone

from dispatch.errors import InvalidTransitionError
from dispatch.models import Crew, Incident, IncidentEvent, User, WorkOrder
from dispatch.services.intake import CallInput, call_open_incident, call_receive
from dispatch.services.work_orders import work_order_dispatch, work_order_transition
from gis.models import OrgUnit, Premise
from tests.dispatch.conftest import make_crew

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident(dispatcher: User, premise: Premise) -> Incident:
    call = call_receive(
        data=CallInput(category="leak_indoor", premise_id=premise.id), taker=dispatcher
    )
    return call_open_incident(call_id=call.id, actor=dispatcher)


@pytest.fixture
def crew(city: dict[str, OrgUnit], premise: Premise) -> Crew:
    return make_crew(city["st-central"], "Alpha", premise.geom)


def test_a_job_runs_from_dispatch_to_completion_and_the_incident_follows(
    incident: Incident, crew: Crew, dispatcher: User
) -> None:
    work_order = work_order_dispatch(incident_id=incident.id, crew_id=crew.id, actor=dispatcher)
    incident.refresh_from_db()
    crew.refresh_from_db()
    assert (incident.status, crew.status) == (Incident.Status.DISPATCHED, Crew.Status.BUSY)
    for to in ("accepted", "en_route", "on_site", "made_safe", "completed"):
        work_order_transition(
            work_order_id=work_order.id,
            to=to,
            actor=dispatcher,
            data={"leak_grade": 1} if to == "made_safe" else None,
        )
    incident.refresh_from_db()
    crew.refresh_from_db()
    assert incident.status == Incident.Status.RESOLVED
    assert crew.status == Crew.Status.AVAILABLE
    met = {d.milestone: d.met_at is not None for d in incident.deadlines.all()}
    assert met == {"work_order": True, "on_site": True, "made_safe": True}
    kinds = list(incident.events.values_list("kind", flat=True))
    assert kinds[:3] == ["incident.opened", "sla.started", "work_order.assigned"]
    assert [k for k in kinds if k.startswith("work_order.")] == [
        "work_order.assigned",
        "work_order.accepted",
        "work_order.en_route",
        "work_order.on_site",
        "work_order.made_safe",
        "work_order.completed",
    ]
    assert WorkOrder.objects.get(pk=work_order.id).findings == {"leak_grade": 1}


def test_an_impossible_transition_is_refused_and_changes_nothing(
    incident: Incident, crew: Crew, dispatcher: User, console: Client
) -> None:
    work_order = work_order_dispatch(incident_id=incident.id, crew_id=crew.id, actor=dispatcher)
    events = IncidentEvent.objects.count()
    with pytest.raises(InvalidTransitionError, match="assigned cannot become completed"):
        work_order_transition(work_order_id=work_order.id, to="completed", actor=dispatcher)
    response = console.post(
        f"/api/work-orders/{work_order.id}/transition/",
        {"to": "made_safe"},
        content_type="application/json",
    )
    assert response.status_code == 409
    assert response.json()["error"] == "a work order that is assigned cannot become made_safe"
    assert WorkOrder.objects.get(pk=work_order.id).status == "assigned"
    assert IncidentEvent.objects.count() == events


def test_a_tablet_replaying_its_queue_changes_nothing_twice(
    incident: Incident, crew: Crew, dispatcher: User
) -> None:
    work_order = work_order_dispatch(incident_id=incident.id, crew_id=crew.id, actor=dispatcher)
    for _ in range(3):
        work_order_transition(
            work_order_id=work_order.id,
            to="accepted",
            actor=None,
            actor_label="device VAN-Alpha",
            client_event_id="tab-1",
        )
    assert work_order.events.filter(kind="work_order.accepted").count() == 1


def test_a_late_older_update_from_a_tablet_does_not_move_the_job_back(
    incident: Incident, crew: Crew, dispatcher: User
) -> None:
    work_order = work_order_dispatch(incident_id=incident.id, crew_id=crew.id, actor=dispatcher)
    now = timezone.now()
    work_order_transition(
        work_order_id=work_order.id, to="accepted", actor=None, client_event_id="a", device_time=now
    )
    work_order_transition(
        work_order_id=work_order.id,
        to="on_site",
        actor=None,
        client_event_id="c",
        device_time=now + timedelta(minutes=9),
    )
    # The en route message was queued in a basement and arrives last.
    work_order_transition(
        work_order_id=work_order.id,
        to="en_route",
        actor=None,
        client_event_id="b",
        device_time=now + timedelta(minutes=1),
    )
    assert WorkOrder.objects.get(pk=work_order.id).status == "on_site"
    stale = work_order.events.get(kind="work_order.stale_update")
    assert stale.data == {"status": "on_site", "reported": "en_route"}


def test_the_same_crew_cannot_be_sent_twice(
    incident: Incident, crew: Crew, dispatcher: User, console: Client
) -> None:
    work_order_dispatch(incident_id=incident.id, crew_id=crew.id, actor=dispatcher)
    response = console.post(
        f"/api/incidents/{incident.id}/dispatch/",
        {"crew_id": crew.id},
        content_type="application/json",
    )
    assert response.status_code == 409
    assert WorkOrder.objects.count() == 1


def test_the_database_refuses_to_change_or_delete_timeline_events(incident: Incident) -> None:
    event = incident.events.first()
    assert event is not None
    for attempt in (
        lambda: IncidentEvent.objects.filter(pk=event.pk).update(kind="forged"),
        lambda: IncidentEvent.objects.filter(pk=event.pk).delete(),
        lambda: connection.cursor().execute(
            "UPDATE dispatch_incidentevent SET at = now() - interval '1 hour' WHERE id = %s",
            [event.pk],
        ),
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            attempt()
    event.refresh_from_db()
    assert event.kind == "incident.opened"


def test_the_timeline_api_tells_the_story_in_order(
    incident: Incident, crew: Crew, dispatcher: User, console: Client
) -> None:
    work_order = work_order_dispatch(incident_id=incident.id, crew_id=crew.id, actor=dispatcher)
    work_order_transition(work_order_id=work_order.id, to="accepted", actor=dispatcher)
    events = console.get(f"/api/incidents/{incident.id}/timeline/").json()
    kinds = [e["kind"] for e in events]
    assert kinds == [
        "call.received",
        "incident.opened",
        "sla.started",
        "work_order.assigned",
        "incident.status",
        "sla.met",
        "work_order.accepted",
    ]
    times = [e["at"] for e in events]
    assert times == sorted(times)
    assert events[3]["data"]["crew"] == "Alpha"


def test_a_second_crew_on_site_does_not_take_back_made_safe(
    incident: Incident, crew: Crew, dispatcher: User, city: dict[str, OrgUnit], premise: Premise
) -> None:
    second = make_crew(city["st-central"], "Bravo", premise.geom)
    first = work_order_dispatch(incident_id=incident.id, crew_id=crew.id, actor=dispatcher)
    backup = work_order_dispatch(incident_id=incident.id, crew_id=second.id, actor=dispatcher)
    for to in ("accepted", "on_site", "made_safe"):
        work_order_transition(work_order_id=first.id, to=to, actor=dispatcher)
    for to in ("accepted", "on_site"):
        work_order_transition(work_order_id=backup.id, to=to, actor=dispatcher)
    incident.refresh_from_db()
    assert incident.status == Incident.Status.MADE_SAFE
    moves = [(e.data["from"], e.data["to"]) for e in incident.events.filter(kind="incident.status")]
    assert moves == [("open", "dispatched"), ("dispatched", "on_site"), ("on_site", "made_safe")]


def test_a_rejected_only_crew_reopens_the_incident_on_the_timeline(
    incident: Incident, crew: Crew, dispatcher: User
) -> None:
    work_order = work_order_dispatch(incident_id=incident.id, crew_id=crew.id, actor=dispatcher)
    work_order_transition(
        work_order_id=work_order.id, to="rejected", actor=None, actor_label="device VAN-Alpha"
    )
    incident.refresh_from_db()
    assert incident.status == Incident.Status.OPEN
    last = incident.events.filter(kind="incident.status").last()
    assert last is not None
    assert last.data == {"from": "dispatched", "to": "open", "because": "no crew left on it"}


def test_a_recommendation_with_bad_numbers_is_refused(
    incident: Incident, crew: Crew, console: Client
) -> None:
    response = console.post(
        f"/api/incidents/{incident.id}/dispatch/",
        {"crew_id": crew.id, "recommendation": {"eta_seconds": "soon"}},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "recommendation" in response.json()["fields"]
    assert not WorkOrder.objects.exists()


def test_only_the_crew_may_report_a_step_ahead_of_the_job(
    incident: Incident, crew: Crew, dispatcher: User
) -> None:
    """A tablet's queue may deliver "on site" before "accepted"; a dispatcher may not skip."""
    work_order = work_order_dispatch(incident_id=incident.id, crew_id=crew.id, actor=dispatcher)
    with pytest.raises(InvalidTransitionError, match="assigned cannot become on_site"):
        work_order_transition(
            work_order_id=work_order.id, to="on_site", actor=dispatcher, client_event_id="d-1"
        )
    assert WorkOrder.objects.get(pk=work_order.id).status == "assigned"
    work_order_transition(
        work_order_id=work_order.id,
        to="on_site",
        actor=None,
        actor_label="device VAN-Alpha",
        client_event_id="t-1",
    )
    assert WorkOrder.objects.get(pk=work_order.id).status == "on_site"
