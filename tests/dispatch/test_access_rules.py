"""The access table, walked: every role against a real endpoint of every capability."""

from typing import Any

import pytest
from django.contrib.gis.geos import Point
from django.test import Client
from rest_framework.test import APIClient

from config.models import Counter
from demo.org import demo_organisation_load
from dispatch.access import ACCESS, Capability
from dispatch.models import User
from dispatch.roles import Role
from dispatch.services import user_create
from dispatch.services.intake import CallInput, call_open_incident, call_receive
from dispatch.services.work_orders import work_order_dispatch
from gis.models import Premise
from tests.dispatch.conftest import city, make_crew  # noqa: F401 - the fixture

# One real request per capability. An allowed role gets past the role check (a 200, or the
# 400/404 that the bad id or empty body deserves); a refused role gets a 403.
ENDPOINTS: dict[Capability, list[tuple[str, str]]] = {
    Capability.CUSTOMER_DATA: [("get", "/api/screen-pop/?phone=13800000000")],
    Capability.CALL_INTAKE: [
        ("post", "/api/calls/"),
        ("post", "/api/calls/999999/open-incident/"),
        ("post", "/api/calls/999999/answer/"),
        ("post", "/api/incidents/999999/notes/"),
    ],
    Capability.CONSOLE: [("get", "/console/")],
    Capability.INCIDENTS: [
        ("get", "/api/incidents/"),
        ("get", "/api/incidents/999999/"),
        ("get", "/api/incidents/999999/timeline/"),
    ],
    Capability.DISPATCH: [
        ("get", "/api/incidents/999999/recommendations/"),
        ("post", "/api/incidents/999999/dispatch/"),
        ("post", "/api/incidents/999999/close/"),
        ("post", "/api/incidents/999999/cancel/"),
        ("post", "/api/incidents/999999/merge/"),
        ("post", "/api/incidents/999999/refer/"),
        ("post", "/api/work-orders/999999/cancel/"),
        ("post", "/api/work-orders/999999/reassign/"),
    ],
    Capability.WALL: [("get", "/telephony/summary.json"), ("get", "/wall/"), ("get", "/maps/feed")],
    Capability.INCIDENT_MAP: [("get", "/incidents/"), ("get", "/incidents/GX-NONE/map")],
    Capability.TIMELINE: [
        ("get", "/incidents/GX-NONE/timeline"),
        ("get", "/incidents/GX-NONE/timeline.csv"),
    ],
    Capability.NETWORK_MAP: [("get", "/network/")],
    Capability.TABLET: [("get", "/api/field/me/"), ("get", "/api/field/work-orders/")],
    Capability.ADMIN: [("get", "/admin/")],
    Capability.DESK: [("get", "/api/desk/cases/"), ("get", "/desk/")],
    Capability.CALL_BACKS: [("get", "/api/callbacks/"), ("get", "/callbacks/")],
    Capability.APPOINTMENTS: [("get", "/api/appointments/stations/"), ("get", "/appointments/")],
    Capability.KNOWLEDGE: [("get", "/api/knowledge/search/?q=没气"), ("get", "/knowledge/")],
    Capability.KNOWLEDGE_EDIT: [("get", "/knowledge/new/")],
    Capability.PHONE_BOARD: [
        ("get", "/telephony/board/"),
        ("get", "/telephony/board.json"),
    ],
    Capability.RECORDINGS: [
        ("get", "/telephony/calls/1/legs.json"),
        ("get", "/telephony/legs/1/"),
        ("get", "/telephony/legs/1/recording"),
    ],
    Capability.QUALITY_REVIEW: [("post", "/telephony/legs/1/")],
    Capability.REPORTS: [
        ("get", "/api/reports/figures/"),
        ("get", "/api/reports/breaches/"),
        ("get", "/reports/export.csv"),
        ("get", "/reports/"),
        ("get", "/reports/monthly/"),
    ],
}


@pytest.fixture
def people(db: None) -> dict[Role, User]:
    units = demo_organisation_load()
    users = {
        role: user_create(username=role.value, password="pw", role=role, org_unit=units["gx-city"])
        for role in Role
    }
    station = units["st-central"]
    crew = make_crew(station, "Alpha", Point(117.2, 39.1, srid=4326))
    crew.members.add(users[Role.CREW_MEMBER])
    return users


def _refused(response: Any, capability: Capability) -> bool:
    if capability == Capability.ADMIN:  # the admin sends everyone else to its own login
        return response.status_code == 302 and response["Location"].startswith("/admin/login/")
    return response.status_code == 403


def test_every_capability_has_an_endpoint_in_this_walk() -> None:
    assert set(ENDPOINTS) == set(Capability) == set(ACCESS)


@pytest.mark.parametrize("capability", list(Capability))
def test_each_role_is_allowed_or_refused_as_the_table_says(
    people: dict[Role, User], capability: Capability
) -> None:
    for role, user in people.items():
        client = Client()
        client.force_login(user)
        for method, url in ENDPOINTS[capability]:
            response = getattr(client, method)(url, content_type="application/json")
            refused = _refused(response, capability)
            expected = role not in ACCESS[capability]
            assert refused == expected, (role, method, url, response.status_code)
            assert response.status_code < 500, (role, url)


def test_crew_member_is_refused_the_screen_pop_by_session_and_by_token(
    people: dict[Role, User],
) -> None:
    session = Client()
    session.force_login(people[Role.CREW_MEMBER])
    response = session.get("/api/screen-pop/?phone=13800000000")
    assert response.status_code == 403
    assert "error" in response.json()
    tablet = APIClient()
    token = tablet.post("/api/field/token/", {"username": "crew_member", "password": "pw"})
    assert token.status_code == 200, token.content
    tablet.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    by_token = tablet.get("/api/screen-pop/", {"phone": "13800000000"})
    assert by_token.status_code == 403
    assert "customers" not in by_token.json()
    assert Counter.objects.get(name="api.refused.403").value == 2


def test_safety_manager_does_not_take_calls_so_gets_no_screen_pop(
    people: dict[Role, User],
) -> None:
    client = Client()
    client.force_login(people[Role.SAFETY_MANAGER])
    assert client.get("/api/screen-pop/?phone=13800000000").status_code == 403


def test_crew_member_cannot_read_the_incident_api(people: dict[Role, User]) -> None:
    client = Client()
    client.force_login(people[Role.CREW_MEMBER])
    assert client.get("/api/incidents/").status_code == 403


def test_a_crew_sees_the_callers_contact_of_its_own_live_job_only(city: dict) -> None:  # noqa: F811
    station = city["st-central"]
    taker = user_create(
        username="ct", password="pw", role=Role.CALL_TAKER, org_unit=city["gx-city"]
    )
    premises = list(Premise.objects.exclude(room="").order_by("asset_id")[:100:50])
    alpha = make_crew(station, "Alpha", premises[0].geom)
    bravo = make_crew(station, "Bravo", premises[1].geom)
    for crew, name in ((alpha, "ann"), (bravo, "bob")):
        member = user_create(username=name, password="pw", role=Role.CREW_MEMBER, org_unit=station)
        crew.members.add(member)
    jobs = {}
    for crew, premise, phone in (
        (alpha, premises[0], "13911110000"),
        (bravo, premises[1], "13922220000"),
    ):
        call = call_receive(
            data=CallInput(
                category="leak_outdoor", premise_id=premise.id, caller_phone=phone, caller_name="Li"
            ),
            taker=taker,
        )
        incident = call_open_incident(call_id=call.id, actor=taker)
        jobs[crew.name] = work_order_dispatch(incident_id=incident.id, crew_id=crew.id, actor=None)
    ann = APIClient()
    ann.force_authenticate(User.objects.get(username="ann"))
    own = ann.get(f"/api/field/work-orders/{jobs['Alpha'].id}/").json()
    assert own["contacts"] == [{"name": "Li", "phone": "13911110000"}]
    listed = ann.get("/api/field/work-orders/").json()["results"]
    assert [j["contacts"] for j in listed] == [[{"name": "Li", "phone": "13911110000"}]]
    other = ann.get(f"/api/field/work-orders/{jobs['Bravo'].id}/")
    assert other.status_code == 404
    assert "13922220000" not in other.content.decode()
    assert "13922220000" not in ann.get("/api/field/me/").content.decode()
