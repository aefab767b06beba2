"""The dispatch queue's API (/api/dispatch-queue/) and screen (/dispatch/): what waits for a
dispatcher, in order, in the user's scope, with the callers' details only for those who take
calls, and the actions only for those who dispatch."""

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from config.wsgi import application
from dispatch.categories import category_names
from dispatch.models import Crew, Incident, IncidentDeadline, User, WorkOrder
from dispatch.roles import Role
from dispatch.services import user_create
from dispatch.services.intake import CallInput, call_open_incident, call_receive
from dispatch.services.work_orders import work_order_dispatch, work_order_transition
from gis.models import OrgUnit, Premise
from maps.models import QueueAlarm
from tests.dispatch.conftest import city, make_crew  # noqa: F401 - fixtures

QUEUE = "/api/dispatch-queue/"
ROLES = {
    "disp": (Role.DISPATCHER, "gx-city"),
    "taker": (Role.CALL_TAKER, "gx-city"),
    "safe": (Role.SAFETY_MANAGER, "gx-city"),
    "super": (Role.SUPERVISOR, "st-central"),
    "crewman": (Role.CREW_MEMBER, "st-central"),
}


@pytest.fixture
def people(city: dict[str, OrgUnit]) -> dict[str, User]:  # noqa: F811
    return {
        name: user_create(username=name, password="pw", role=role, org_unit=city[unit])
        for name, (role, unit) in ROLES.items()
    }


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _premises(unit: OrgUnit, count: int) -> list[Premise]:
    found = list(
        Premise.objects.filter(geom__within=unit.territory, service_segment__isnull=False)
        .exclude(room="")
        .order_by("asset_id")[: count * 40 : 40]
    )
    assert len(found) == count
    return found


def _open(
    premise: Premise,
    taker: User,
    *,
    priority: int,
    minutes_ago: float,
    said: str = "",
    phone: str = "",
    name: str = "",
) -> Incident:
    call = call_receive(
        data=CallInput(
            category="leak_indoor",
            premise_id=premise.pk,
            description=said,
            caller_phone=phone,
            caller_name=name,
        ),
        taker=taker,
    )
    incident = call_open_incident(call_id=call.pk, actor=taker)
    created = timezone.now() - timedelta(minutes=minutes_ago)
    Incident.objects.filter(pk=incident.pk).update(priority=priority, created_at=created)
    incident.refresh_from_db()
    return incident


def _queue(user: User, **params: Any) -> dict[str, Any]:
    response = _client(user).get(QUEUE, params)
    assert response.status_code == 200, response.content
    return response.json()


def _deadline(incident: Incident, due_in_s: float) -> None:
    IncidentDeadline.objects.filter(incident=incident, milestone="work_order").update(
        due_at=timezone.now() + timedelta(seconds=due_in_s)
    )


@pytest.fixture
def crew(city: dict[str, OrgUnit]) -> Crew:  # noqa: F811
    return make_crew(city["st-central"], "Alpha", _premises(city["st-central"], 1)[0].geom)


def test_the_queue_is_priority_first_then_the_longest_waiting_and_says_each_state(
    city: dict[str, OrgUnit],  # noqa: F811
    people: dict[str, User],
    crew: Crew,
) -> None:
    taker, disp = people["taker"], people["disp"]
    places = _premises(city["st-central"], 6)
    p2_old = _open(places[0], taker, priority=2, minutes_ago=50)
    p1_new = _open(places[1], taker, priority=1, minutes_ago=2)
    p1_old = _open(places[2], taker, priority=1, minutes_ago=9)
    p1_crewed = _open(places[3], taker, priority=1, minutes_ago=5)
    p3_resolved = _open(places[4], taker, priority=3, minutes_ago=70)
    closed = _open(places[5], taker, priority=1, minutes_ago=60)
    work_order_dispatch(incident_id=p1_crewed.pk, crew_id=crew.pk, actor=disp)
    finisher = make_crew(city["st-central"], "Bravo", places[4].geom)
    job = work_order_dispatch(incident_id=p3_resolved.pk, crew_id=finisher.pk, actor=disp)
    for to in ("accepted", "en_route", "on_site", "completed"):
        work_order_transition(work_order_id=job.pk, to=to, actor=disp)
    Incident.objects.filter(pk=closed.pk).update(status=Incident.Status.CLOSED)
    _deadline(p1_old, -60)  # breached a minute ago
    _deadline(p1_new, 20)  # 20 s left of a clock that ran two minutes: at risk
    _deadline(p2_old, 20 * 60)  # 20 of 70 minutes left: on time

    body = _queue(disp)

    refs = [i["reference"] for i in body["items"]]
    assert refs == [
        p1_old.reference,
        p1_crewed.reference,
        p1_new.reference,
        p2_old.reference,
        p3_resolved.reference,
    ]
    items = {i["reference"]: i for i in body["items"]}
    old = items[p1_old.reference]
    assert old["waiting_for_crew"] is True
    assert old["sla"] == "breached"
    assert old["work_orders"] == []
    assert 9 * 60 - 5 <= old["waiting_seconds"] <= 9 * 60 + 30
    assert old["category_name"] == category_names()["leak_indoor"]
    assert old["next_deadline"]["milestone"] == "work_order"
    assert items[p1_new.reference]["sla"] == "at_risk"
    crewed = items[p1_crewed.reference]
    assert crewed["waiting_for_crew"] is False
    assert crewed["sla"] in ("on_time", "at_risk")  # on site due in 25 min; work order met
    assert [(w["crew_name"], w["status"]) for w in crewed["work_orders"]] == [("Alpha", "assigned")]
    resolved = items[p3_resolved.reference]
    assert resolved["status"] == "resolved"
    assert resolved["waiting_for_crew"] is False
    assert body["counts"] == {"open": 4, "waiting": 3, "at_risk": 1, "breached": 1, "alarms": 2}
    assert body["may_dispatch"] is True
    assert body["station"] is None


def test_a_p1_sets_off_the_alarm_after_the_time_set_in_the_admin_until_a_crew_is_sent(
    city: dict[str, OrgUnit],  # noqa: F811
    people: dict[str, User],
    crew: Crew,
) -> None:
    assert QueueAlarm.objects.get(priority=1).after_seconds == 60  # as shipped
    taker, disp = people["taker"], people["disp"]
    places = _premises(city["st-central"], 3)
    fresh = _open(places[0], taker, priority=1, minutes_ago=0.5)
    waited = _open(places[1], taker, priority=1, minutes_ago=1.5)
    urgent_only = _open(places[2], taker, priority=2, minutes_ago=30)

    items = {i["id"]: i for i in _queue(disp)["items"]}
    assert items[fresh.pk]["alarm"] is False
    due = items[fresh.pk]["alarm_at"]
    assert due.startswith((fresh.created_at + timedelta(seconds=60)).strftime("%Y-%m-%dT%H:%M"))
    assert items[waited.pk]["alarm"] is True
    assert items[waited.pk]["alarm_sound"] is True
    assert items[urgent_only.pk]["alarm_at"] is None  # no alarm set for P2

    QueueAlarm.objects.filter(priority=1).update(after_seconds=120, sound=False)
    items = {i["id"]: i for i in _queue(disp)["items"]}
    assert items[waited.pk]["alarm"] is False

    QueueAlarm.objects.filter(priority=1).update(after_seconds=30)
    items = {i["id"]: i for i in _queue(disp)["items"]}
    assert items[waited.pk]["alarm"] is True
    assert items[waited.pk]["alarm_sound"] is False  # flashes, silently

    work_order_dispatch(incident_id=waited.pk, crew_id=crew.pk, actor=disp)
    items = {i["id"]: i for i in _queue(disp)["items"]}
    assert items[waited.pk]["alarm"] is False
    assert items[waited.pk]["alarm_at"] is None


def test_the_queue_shows_only_the_users_unit_or_the_station_chosen_within_it(
    city: dict[str, OrgUnit],  # noqa: F811
    people: dict[str, User],
) -> None:
    taker = people["taker"]
    central = _open(_premises(city["st-central"], 1)[0], taker, priority=1, minutes_ago=3)
    west = _open(_premises(city["st-west"], 1)[0], taker, priority=1, minutes_ago=4)
    assert central.station.code == "st-central"
    assert west.station.code == "st-west"

    everything = {i["id"] for i in _queue(people["disp"])["items"]}
    assert everything == {central.pk, west.pk}
    chosen = _queue(people["disp"], station=city["st-west"].pk)
    assert [i["id"] for i in chosen["items"]] == [west.pk]
    assert chosen["station"] == city["st-west"].pk
    own = {i["id"] for i in _queue(people["super"])["items"]}
    assert own == {central.pk}  # a supervisor of the central station

    outside = _client(people["super"]).get(QUEUE, {"station": city["st-west"].pk})
    assert outside.status_code == 403
    assert outside.json()["error"] == f"unit {city['st-west'].pk} is not within your organisation"
    bad = _client(people["disp"]).get(QUEUE, {"station": "west"})
    assert bad.status_code == 400
    assert bad.json() == {"error": "station must be a unit id, not 'west'", "field": "station"}
    one = _client(people["super"]).get(f"{QUEUE}{west.pk}/")
    assert one.status_code == 403
    assert one.json()["error"] == f"{west.reference} is outside your organisation"
    assert _client(people["disp"]).get(f"{QUEUE}999999999/").status_code == 404


def test_callers_names_and_numbers_only_for_roles_that_take_calls(
    city: dict[str, OrgUnit],  # noqa: F811
    people: dict[str, User],
) -> None:
    incident = _open(
        _premises(city["st-central"], 1)[0],
        people["taker"],
        priority=1,
        minutes_ago=2,
        said="hissing behind the meter cupboard",
        phone="13911112222",
        name="Li Na",
    )
    for who in ("disp", "taker"):
        (caller,) = _queue(people[who])["items"][0]["callers"]
        assert caller["caller_phone"] == "13911112222"
        assert caller["caller_name"] == "Li Na"
        assert caller["description"] == "hissing behind the meter cupboard"

    (caller,) = _queue(people["safe"])["items"][0]["callers"]
    assert caller["caller_phone"] == "(hidden)"
    assert caller["caller_name"] == "(hidden)"
    assert caller["description"] == "hissing behind the meter cupboard"  # the record stays
    detail = _client(people["safe"]).get(f"{QUEUE}{incident.pk}/").json()
    assert "13911112222" not in str(detail)
    assert "Li Na" not in str(detail)
    assert "call.received" in [e["kind"] for e in detail["timeline"]]
    shown = _client(people["disp"]).get(f"{QUEUE}{incident.pk}/").json()
    assert "13911112222" in str(shown["timeline"])


def test_only_roles_that_dispatch_may_act_and_others_are_refused(
    city: dict[str, OrgUnit],  # noqa: F811
    people: dict[str, User],
    crew: Crew,
) -> None:
    incident = _open(
        _premises(city["st-central"], 1)[0], people["taker"], priority=1, minutes_ago=1
    )
    assert _queue(people["disp"])["may_dispatch"] is True
    assert _queue(people["super"])["may_dispatch"] is True
    assert _queue(people["taker"])["may_dispatch"] is False
    assert _queue(people["safe"])["may_dispatch"] is False

    refused = _client(people["crewman"]).get(QUEUE)
    assert refused.status_code == 403
    assert "this is for" in refused.json()["error"]
    assert _client(people["crewman"]).get(f"{QUEUE}{incident.pk}/").status_code == 403
    assert Client().get(QUEUE).status_code in (401, 403)

    # A call taker sees the queue but sends no crew: the dispatch API refuses in words.
    sent = _client(people["taker"]).post(
        f"/api/incidents/{incident.pk}/dispatch/",
        {"crew_id": crew.pk},
        content_type="application/json",
    )
    assert sent.status_code == 403
    assert sent.json()["error"].startswith("this is for")
    assert not WorkOrder.objects.filter(incident=incident).exists()

    # The screen: the actions are drawn for those who dispatch only.
    page = _client(people["disp"]).get("/dispatch/").content.decode()
    assert 'id="recs-box"' in page
    assert 'id="end-form"' in page
    assert 'id="reassign-form"' in page
    watching = _client(people["taker"]).get("/dispatch/")
    assert watching.status_code == 200
    html = watching.content.decode()
    assert 'id="recs-box"' not in html
    assert 'id="end-form"' not in html
    assert "sending crews is for dispatchers and supervisors" in html
    for who in ("crewman", "safe"):
        page_refused = _client(people[who]).get("/dispatch/")
        assert page_refused.status_code == 403
        assert "not for your role" in page_refused.content.decode()


def test_the_queue_costs_the_same_queries_for_two_incidents_or_eight(
    city: dict[str, OrgUnit],  # noqa: F811
    people: dict[str, User],
    crew: Crew,
) -> None:
    places = _premises(city["st-central"], 8)
    client = _client(people["disp"])

    def cost() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(QUEUE).status_code == 200
        return len(queries)

    for place in places[:2]:
        _open(place, people["taker"], priority=1, minutes_ago=3)
    few = cost()
    for n, place in enumerate(places[2:]):
        incident = _open(place, people["taker"], priority=2, minutes_ago=3)
        if n == 0:
            work_order_dispatch(incident_id=incident.pk, crew_id=crew.pk, actor=people["disp"])
    many = cost()
    assert len(_queue(people["disp"])["items"]) == 8
    assert many == few
    assert few <= 12


@pytest.fixture
def api_schema(settings: Any) -> Iterator[Any]:
    settings.ALLOWED_HOSTS = ["*"]
    # As in tests/test_api_answers.py: keep the test's connection (and transaction) open.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def test_the_queue_answers_as_its_openapi_document_says(
    city: dict[str, OrgUnit],  # noqa: F811
    people: dict[str, User],
    crew: Crew,
    api_schema: Any,
) -> None:
    places = _premises(city["st-central"], 2)
    waiting = _open(places[0], people["taker"], priority=1, minutes_ago=2, said="smell", phone="1")
    crewed = _open(places[1], people["taker"], priority=2, minutes_ago=3)
    work_order_dispatch(incident_id=crewed.pk, crew_id=crew.pk, actor=people["disp"])
    checks = [
        not_a_server_error,
        status_code_conformance,
        content_type_conformance,
        response_schema_conformance,
    ]
    for user in ("disp", "safe"):
        headers = {"Authorization": f"Token {Token.objects.create(user=people[user]).key}"}
        case = api_schema[QUEUE]["GET"].Case()
        response = case.call(headers=headers)
        assert response.status_code == 200
        case.validate_response(response, checks=checks, headers=headers)
        for incident in (waiting, crewed):
            one = api_schema["/api/dispatch-queue/{incident_id}/"]["GET"].Case(
                path_parameters={"incident_id": incident.pk}
            )
            response = one.call(headers=headers)
            assert response.status_code == 200
            one.validate_response(response, checks=checks, headers=headers)
