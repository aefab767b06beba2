"""A dispatcher's crew moves: a second crew, reassigning, cancelling with a reason, the skills a
category needs (or a first responder), and taking a busy crew off less urgent work."""

from typing import Any

import pytest
from django.test import Client

from dispatch.errors import ConflictError, DispatchError
from dispatch.models import Crew, Incident, IncidentEvent, User, WorkOrder
from dispatch.roles import Role
from dispatch.services import user_create
from dispatch.services.assign import incident_crews_recommend, incident_dispatch_next
from dispatch.services.crew_moves import work_order_cancel, work_order_reassign
from dispatch.services.intake import CallInput, call_open_incident, call_receive
from dispatch.services.work_orders import work_order_dispatch, work_order_transition
from gis.models import OrgUnit, Premise
from tests.dispatch.conftest import make_crew

pytestmark = pytest.mark.django_db
WELDER = ("leak_survey", "make_safe", "pe_welding")
NO_PE = (
    "Alpha lacks PE welding: choose a crew that has it, or send them as first responder to make "
    "it safe and add a specialist"
)
ON_SITE = (
    "the crew is on site: they finish or make safe from the tablet; ask them, or close the "
    "incident once they are done"
)


@pytest.fixture
def places(city: dict[str, OrgUnit]) -> list[Premise]:
    """Premises far enough apart that each call opens its own incident."""
    return list(Premise.objects.exclude(room="").order_by("asset_id")[:400:100])


def _open(dispatcher: User, premise: Premise, category: str) -> Incident:
    call = call_receive(data=CallInput(category=category, premise_id=premise.id), taker=dispatcher)
    return call_open_incident(call_id=call.id, actor=dispatcher)


@pytest.fixture
def crews(city: dict[str, OrgUnit], places: list[Premise]) -> dict[str, Crew]:
    station = city["st-central"]
    return {
        "alpha": make_crew(station, "Alpha", places[0].geom),
        "bravo": make_crew(station, "Bravo", places[1].geom),
        "welder": make_crew(station, "Welder", places[2].geom, WELDER),
    }


def _post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, body, content_type="application/json")


def _state(*crews: Crew) -> tuple[Any, ...]:
    """What a refused move must leave as it was: every work order, crew and event."""
    return (
        sorted(WorkOrder.objects.values_list("id", "crew_id", "status")),
        sorted(Crew.objects.filter(pk__in=[c.pk for c in crews]).values_list("name", "status")),
        sorted(Incident.objects.values_list("id", "status")),
        IncidentEvent.objects.count(),
    )


def _status(obj: Crew | Incident | WorkOrder) -> str:
    obj.refresh_from_db()
    return obj.status


def test_a_second_crew_is_added_to_an_incident(
    dispatcher: User, places: list[Premise], crews: dict[str, Crew], console: Client
) -> None:
    incident = _open(dispatcher, places[0], "leak_outdoor")
    first = work_order_dispatch(
        incident_id=incident.id, crew_id=crews["alpha"].id, actor=dispatcher
    )
    response = _post(
        console, f"/api/incidents/{incident.id}/dispatch/", {"crew_id": crews["bravo"].id}
    )
    assert response.status_code == 201, response.content
    second = response.json()
    assert (second["crew_name"], second["status"]) == ("Bravo", "assigned")
    assert _status(first) == "assigned"
    assert (_status(crews["alpha"]), _status(crews["bravo"])) == ("busy", "busy")
    assert _status(incident) == "dispatched"


def test_reassign_moves_the_job_to_another_crew_and_writes_both_events(
    dispatcher: User, places: list[Premise], crews: dict[str, Crew], console: Client
) -> None:
    alpha, bravo = crews["alpha"], crews["bravo"]
    incident = _open(dispatcher, places[0], "leak_outdoor")
    old = work_order_dispatch(incident_id=incident.id, crew_id=alpha.id, actor=dispatcher)
    work_order_transition(work_order_id=old.id, to="accepted", actor=dispatcher)
    response = _post(
        console,
        f"/api/work-orders/{old.id}/reassign/",
        {"crew_id": bravo.id, "reason": "van broke down"},
    )
    assert response.status_code == 201, response.content
    new = response.json()
    assert (new["crew"], new["crew_name"], new["incident"]) == (bravo.id, "Bravo", incident.id)
    assert new["status"] == "assigned"
    assert new["id"] != old.id
    assert _status(old) == "cancelled"
    assert (_status(alpha), _status(bravo)) == ("available", "busy")
    assert _status(incident) == "dispatched"
    cancelled = old.events.get(kind="work_order.cancelled")
    assert cancelled.data == {
        "from": "accepted",
        "reason": "reassigned to Bravo: van broke down",
        "replaced_by": new["id"],
    }
    assert cancelled.actor_label == "disp"
    assigned = IncidentEvent.objects.get(work_order_id=new["id"], kind="work_order.assigned")
    assert assigned.data["reassigned_from"] == {
        "work_order_id": old.id,
        "crew": "Alpha",
        "crew_id": alpha.id,
        "reason": "van broke down",
    }
    # The job moved without the incident ever showing as left without a crew.
    assert not incident.events.filter(kind="incident.status", data__to="open").exists()


def test_reassign_to_a_crew_without_the_skills_is_refused_and_nothing_changes(
    dispatcher: User, places: list[Premise], crews: dict[str, Crew], console: Client
) -> None:
    incident = _open(dispatcher, places[0], "third_party_damage")  # make safe + PE welding
    old = work_order_dispatch(incident_id=incident.id, crew_id=crews["welder"].id, actor=dispatcher)
    before = _state(*crews.values())
    response = _post(
        console,
        f"/api/work-orders/{old.id}/reassign/",
        {"crew_id": crews["alpha"].id, "reason": "closer"},
    )
    assert response.status_code == 409
    assert response.json() == {"error": NO_PE, "field": "first_responder"}
    assert _state(*crews.values()) == before
    assert (_status(old), _status(crews["alpha"])) == ("assigned", "available")


def test_a_first_responder_without_the_skills_may_go_and_the_timeline_says_so(
    dispatcher: User, places: list[Premise], crews: dict[str, Crew], console: Client
) -> None:
    incident = _open(dispatcher, places[0], "third_party_damage")
    with pytest.raises(ConflictError, match="Alpha lacks PE welding"):
        work_order_dispatch(incident_id=incident.id, crew_id=crews["alpha"].id, actor=dispatcher)
    response = _post(
        console,
        f"/api/incidents/{incident.id}/dispatch/",
        {"crew_id": crews["alpha"].id, "first_responder": True},
    )
    assert response.status_code == 201, response.content
    assigned = IncidentEvent.objects.get(
        work_order_id=response.json()["id"], kind="work_order.assigned"
    )
    assert assigned.data["first_responder"] is True
    assert assigned.data["lacks"] == ["pe_welding"]
    # A reassignment may send a first responder too.
    response = _post(
        console,
        f"/api/work-orders/{response.json()['id']}/reassign/",
        {"crew_id": crews["bravo"].id, "reason": "Alpha is needed back", "first_responder": True},
    )
    assert response.status_code == 201, response.content
    assert (_status(crews["alpha"]), _status(crews["bravo"])) == ("available", "busy")


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "   "}, {"note": "why not"}])
def test_cancelling_without_a_reason_is_refused_in_words(
    dispatcher: User,
    places: list[Premise],
    crews: dict[str, Crew],
    console: Client,
    body: dict[str, str],
) -> None:
    incident = _open(dispatcher, places[0], "leak_outdoor")
    job = work_order_dispatch(incident_id=incident.id, crew_id=crews["alpha"].id, actor=dispatcher)
    before = _state(*crews.values())
    response = _post(console, f"/api/work-orders/{job.id}/cancel/", body)
    assert response.status_code == 400
    assert "give a reason: say why the crew is taken off the job" in response.content.decode()
    with pytest.raises(DispatchError, match="give a reason") as refused:
        work_order_cancel(work_order_id=job.id, reason=" ", actor=dispatcher)
    assert refused.value.field == "reason"
    # The state table's own door sends a dispatcher to this one, a crew to rejecting.
    response = _post(
        console,
        f"/api/work-orders/{job.id}/transition/",
        {"to": "cancelled", "details": {"reason": "not needed"}},
    )
    assert (response.status_code, response.json()["field"]) == (409, "to")
    assert "/cancel/" in response.json()["error"]
    assert _state(*crews.values()) == before


def test_cancelling_once_the_crew_is_on_site_is_refused(
    dispatcher: User, places: list[Premise], crews: dict[str, Crew], console: Client
) -> None:
    incident = _open(dispatcher, places[0], "leak_outdoor")
    job = work_order_dispatch(incident_id=incident.id, crew_id=crews["alpha"].id, actor=dispatcher)
    for to in ("accepted", "en_route", "on_site"):
        work_order_transition(work_order_id=job.id, to=to, actor=dispatcher)
    before = _state(*crews.values())
    response = _post(console, f"/api/work-orders/{job.id}/cancel/", {"reason": "needed elsewhere"})
    assert response.status_code == 409
    assert response.json() == {"error": ON_SITE, "field": "work_order"}
    response = _post(
        console,
        f"/api/work-orders/{job.id}/reassign/",
        {"crew_id": crews["bravo"].id, "reason": "needed elsewhere"},
    )
    assert (response.status_code, response.json()["error"]) == (409, ON_SITE)
    assert _state(*crews.values()) == before
    assert (_status(job), _status(crews["bravo"])) == ("on_site", "available")


def test_cancelling_frees_the_crew_and_puts_the_incident_back_in_the_queue(
    dispatcher: User, places: list[Premise], crews: dict[str, Crew], console: Client
) -> None:
    incident = _open(dispatcher, places[0], "leak_outdoor")
    job = work_order_dispatch(incident_id=incident.id, crew_id=crews["alpha"].id, actor=dispatcher)
    work_order_transition(work_order_id=job.id, to="accepted", actor=dispatcher)
    response = _post(
        console,
        f"/api/work-orders/{job.id}/cancel/",
        {"reason": "sent to the wrong address", "note": "the caller gave the old street name"},
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "cancelled"
    assert response.json()["crew_name"] == "Alpha"
    assert (_status(crews["alpha"]), _status(incident)) == ("available", "open")
    cancelled = job.events.get(kind="work_order.cancelled")
    assert cancelled.data == {
        "from": "accepted",
        "reason": "sent to the wrong address",
        "note": "the caller gave the old street name",
    }
    back = incident.events.filter(kind="incident.status").last()
    assert back is not None
    assert (back.data["from"], back.data["to"]) == ("dispatched", "open")
    queue = console.get("/api/incidents/").json()
    assert {"id": incident.id, "status": "open"}.items() <= next(
        i for i in queue if i["id"] == incident.id
    ).items()
    # Cancelled already: a second cancel says so.
    again = _post(console, f"/api/work-orders/{job.id}/cancel/", {"reason": "again"})
    assert again.status_code == 409
    assert "is cancelled already" in again.json()["error"]


def test_a_crew_busy_elsewhere_is_refused_without_preempt(
    dispatcher: User, places: list[Premise], crews: dict[str, Crew], console: Client
) -> None:
    routine = _open(dispatcher, places[1], "no_gas")  # P3
    urgent = _open(dispatcher, places[0], "leak_indoor")  # P1
    assert (routine.priority, urgent.priority) == (3, 1)
    job = work_order_dispatch(incident_id=routine.id, crew_id=crews["alpha"].id, actor=dispatcher)
    before = _state(*crews.values())
    response = _post(
        console, f"/api/incidents/{urgent.id}/dispatch/", {"crew_id": crews["alpha"].id}
    )
    assert response.status_code == 409
    assert response.json() == {
        "error": f"Alpha is busy on {routine.reference} (P3 no gas): send them with preempt to "
        "take them off it, or choose another crew",
        "field": "preempt",
    }
    assert _state(*crews.values()) == before
    assert _status(job) == "assigned"


@pytest.mark.parametrize("how", ["preempt", "recommendation"])
def test_preempting_for_a_p1_takes_the_crew_off_a_p3_and_the_p3_goes_back_to_the_queue(
    dispatcher: User, places: list[Premise], crews: dict[str, Crew], console: Client, how: str
) -> None:
    alpha = crews["alpha"]
    routine = _open(dispatcher, places[1], "no_gas")
    urgent = _open(dispatcher, places[0], "leak_indoor")
    old = work_order_dispatch(incident_id=routine.id, crew_id=alpha.id, actor=dispatcher)
    work_order_transition(work_order_id=old.id, to="en_route", actor=None, client_event_id="e")
    body: dict[str, Any] = {"crew_id": alpha.id}
    if how == "preempt":
        body["preempt"] = True
    else:  # the dispatcher chose a recommendation that said it preempts this job
        body["recommendation"] = {"crew_id": alpha.id, "preempts_work_order_id": old.id}
    response = _post(console, f"/api/incidents/{urgent.id}/dispatch/", body)
    assert response.status_code == 201, response.content
    assert response.json()["crew_name"] == "Alpha"
    assert _status(old) == "cancelled"
    assert old.events.get(kind="work_order.cancelled").data == {
        "from": "en_route",
        "reason": f"preempted by {urgent.reference}",
        "preempted_by": urgent.reference,
        "preempted_by_incident": urgent.id,
    }
    assert (_status(routine), _status(urgent), _status(alpha)) == ("open", "dispatched", "busy")
    back = routine.events.filter(kind="incident.status").last()
    assert back is not None
    assert back.data["to"] == "open"
    assigned = urgent.events.get(kind="work_order.assigned")
    assert assigned.data["preempted"] == [
        {
            "work_order_id": old.id,
            "incident_id": routine.id,
            "reference": routine.reference,
            "priority": 3,
        }
    ]
    assert list(alpha.work_orders.filter(status__in=WorkOrder.ACTIVE_STATUSES)) == [
        WorkOrder.objects.get(pk=response.json()["id"])
    ]
    # Free again after the P1, the crew is offered for the P3 it was taken off; a crew the
    # dispatcher called off a job is not offered for it again.
    new = WorkOrder.objects.get(pk=response.json()["id"])
    for to in ("accepted", "on_site", "completed"):
        work_order_transition(work_order_id=new.id, to=to, actor=dispatcher)
    offered = [r["crew_id"] for r in incident_crews_recommend(incident=routine, actor=None)]
    assert alpha.id in offered
    bravo = crews["bravo"]
    called_off = work_order_dispatch(incident_id=routine.id, crew_id=bravo.id, actor=dispatcher)
    work_order_cancel(work_order_id=called_off.id, reason="wrong crew", actor=dispatcher)
    offered = [r["crew_id"] for r in incident_crews_recommend(incident=routine, actor=None)]
    assert bravo.id not in offered


def test_auto_dispatch_preempts_as_its_top_recommendation_says(
    dispatcher: User, places: list[Premise], crews: dict[str, Crew]
) -> None:
    """The only crews with the skills are busy on routine work: the P1 takes the nearest."""
    Crew.objects.exclude(pk=crews["alpha"].pk).update(skills=["meters"])
    routine = _open(dispatcher, places[1], "no_gas")
    old = work_order_dispatch(incident_id=routine.id, crew_id=crews["alpha"].id, actor=dispatcher)
    urgent = _open(dispatcher, places[0], "leak_indoor")
    top = incident_crews_recommend(incident=urgent, actor=None)[0]
    assert (top["crew_id"], top["preempts_work_order_id"]) == (crews["alpha"].id, old.id)
    job = incident_dispatch_next(incident_id=urgent.id, why="P1 auto-dispatch")
    assert job is not None
    assert job.crew_id == crews["alpha"].id
    assert (_status(old), _status(routine)) == ("cancelled", "open")


@pytest.mark.parametrize("category", ["leak_indoor", "leak_outdoor"])
def test_preempting_for_an_incident_no_more_urgent_is_refused(
    dispatcher: User,
    places: list[Premise],
    crews: dict[str, Crew],
    console: Client,
    category: str,
) -> None:
    busy_on = _open(dispatcher, places[1], category)  # P1 or P2
    routine = _open(dispatcher, places[0], "no_gas" if category == "leak_outdoor" else category)
    job = work_order_dispatch(incident_id=busy_on.id, crew_id=crews["alpha"].id, actor=dispatcher)
    before = _state(*crews.values())
    response = _post(
        console,
        f"/api/incidents/{routine.id}/dispatch/",
        {"crew_id": crews["alpha"].id, "preempt": True},
    )
    assert response.status_code == 409
    error = response.json()["error"]
    assert error.startswith(f"Alpha is busy on {busy_on.reference} (P{busy_on.priority} ")
    assert f"and {routine.reference} is P{routine.priority}: only a more urgent incident" in error
    assert response.json()["field"] == "crew_id"
    assert _state(*crews.values()) == before
    assert _status(job) == "assigned"


def test_a_crew_on_site_elsewhere_is_not_preempted(
    dispatcher: User, places: list[Premise], crews: dict[str, Crew], console: Client
) -> None:
    routine = _open(dispatcher, places[1], "no_gas")
    urgent = _open(dispatcher, places[0], "leak_indoor")
    job = work_order_dispatch(incident_id=routine.id, crew_id=crews["alpha"].id, actor=dispatcher)
    work_order_transition(work_order_id=job.id, to="on_site", actor=None, client_event_id="o")
    before = _state(*crews.values())
    response = _post(
        console,
        f"/api/incidents/{urgent.id}/dispatch/",
        {"crew_id": crews["alpha"].id, "preempt": True},
    )
    assert response.status_code == 409
    assert response.json()["error"].startswith(f"Alpha is on site at {routine.reference}")
    assert _state(*crews.values()) == before


def test_reassigning_to_the_same_crew_or_a_busy_one_is_refused(
    dispatcher: User, places: list[Premise], crews: dict[str, Crew]
) -> None:
    incident = _open(dispatcher, places[0], "leak_outdoor")
    other = _open(dispatcher, places[1], "leak_outdoor")
    job = work_order_dispatch(incident_id=incident.id, crew_id=crews["alpha"].id, actor=dispatcher)
    busy = work_order_dispatch(incident_id=other.id, crew_id=crews["bravo"].id, actor=dispatcher)
    before = _state(*crews.values())
    with pytest.raises(DispatchError, match="Alpha already has this job"):
        work_order_reassign(
            work_order_id=job.id, crew_id=crews["alpha"].id, reason="x", actor=dispatcher
        )
    with pytest.raises(ConflictError, match=f"Bravo is busy on {other.reference}"):
        work_order_reassign(
            work_order_id=job.id, crew_id=crews["bravo"].id, reason="x", actor=dispatcher
        )
    assert _state(*crews.values()) == before
    assert (_status(job), _status(busy)) == ("assigned", "assigned")


@pytest.mark.parametrize("role", [Role.CREW_MEMBER, Role.CALL_TAKER, Role.SAFETY_MANAGER])
def test_only_dispatchers_cancel_or_reassign(
    city: dict[str, OrgUnit],
    dispatcher: User,
    places: list[Premise],
    crews: dict[str, Crew],
    role: Role,
) -> None:
    incident = _open(dispatcher, places[0], "leak_outdoor")
    job = work_order_dispatch(incident_id=incident.id, crew_id=crews["alpha"].id, actor=dispatcher)
    someone = user_create(username="someone", password="pw", role=role, org_unit=city["gx-city"])
    if role == Role.CREW_MEMBER:
        crews["alpha"].members.add(someone)  # even the crew on the job
    client = Client()
    client.force_login(someone)
    before = _state(*crews.values())
    cancel = _post(client, f"/api/work-orders/{job.id}/cancel/", {"reason": "not needed"})
    reassign = _post(
        client,
        f"/api/work-orders/{job.id}/reassign/",
        {"crew_id": crews["bravo"].id, "reason": "closer"},
    )
    assert (cancel.status_code, reassign.status_code) == (403, 403)
    assert "dispatcher" in cancel.json()["error"]
    assert _state(*crews.values()) == before


def test_a_dispatcher_of_another_organisation_cannot_move_the_crew(
    city: dict[str, OrgUnit], dispatcher: User, places: list[Premise], crews: dict[str, Crew]
) -> None:
    incident = _open(dispatcher, places[0], "leak_outdoor")
    job = work_order_dispatch(incident_id=incident.id, crew_id=crews["alpha"].id, actor=dispatcher)
    elsewhere = next(
        unit for code, unit in city.items() if code.startswith("st-") and unit != incident.station
    )
    stranger = user_create(
        username="stranger", password="pw", role=Role.DISPATCHER, org_unit=elsewhere
    )
    with pytest.raises(DispatchError, match="only dispatchers of") as refused:
        work_order_cancel(work_order_id=job.id, reason="mine now", actor=stranger)
    assert refused.value.status == 403
    assert _status(job) == "assigned"
