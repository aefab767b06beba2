"""The incident map: who may open it, what it draws, and the isolation trace run from it."""

import json
from io import StringIO

import pytest
from django.contrib.gis.geos import Point, Polygon
from django.core.management import call_command
from django.db import connection
from django.template.defaultfilters import floatformat
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape
from playwright.sync_api import expect

from demo.crews import demo_crews_load
from dispatch.models import Crew, Incident, IncidentIsolation, User
from dispatch.services.intake import (
    CallInput,
    call_join_incident,
    call_open_incident,
    call_receive,
)
from dispatch.services.work_orders import work_order_dispatch
from gis.models import OrgUnit, Premise, Road, Valve
from gis.services import network_revision_bump, org_unit_create
from maps.incident_map import incident_van_get
from tests.browser import SCREENSHOTS, TABLET, WALL, chromium_page, sign_in


@pytest.fixture
def demo(db: None) -> None:
    """The demo city, the demo logins and 20 crews, rolled back after each test."""
    call_command("make_demo_city", "--premises", "2000", "--no-progress", stdout=StringIO())
    call_command("load_demo", stdout=StringIO())
    demo_crews_load(count=20, seed=7)


def _premise_in(station_code: str) -> Premise:
    territory = OrgUnit.objects.get(code=station_code).territory
    found = (
        Premise.objects.filter(geom__within=territory, service_segment__isnull=False)
        .exclude(room="")
        .order_by("asset_id")
        .first()
    )
    assert found is not None
    return found


def _incident(station_code: str = "st-central") -> Incident:
    """An outdoor gas leak (P2: never auto-dispatched) at a flat in the station's territory."""
    dispatcher = User.objects.get(username="dispatcher")
    premise = _premise_in(station_code)
    call = call_receive(
        data=CallInput(category="leak_outdoor", premise_id=premise.id), taker=dispatcher
    )
    incident = call_open_incident(call_id=call.id, actor=dispatcher)
    assert incident.station.code == station_code
    return incident


def _as(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def _map(reference: str) -> str:
    return f"/incidents/{reference}/map"


@pytest.mark.parametrize(
    ("username", "status"),
    [
        ("calltaker", 200),
        ("dispatcher", 200),
        ("safety", 200),
        ("supervisor", 200),
        ("admin", 200),
        ("crew", 403),
    ],
)
def test_the_incident_map_is_for_the_control_room_and_safety(
    demo: None, username: str, status: int
) -> None:
    incident = _incident("st-central")
    response = _as(username).get(_map(incident.reference))
    assert response.status_code == status
    if status == 403:
        assert b"The incident map is not for your role" in response.content
        assert incident.reference.encode() not in response.content
    else:
        assert incident.reference.encode() in response.content


def test_signing_in_comes_first(demo: None) -> None:
    incident = _incident()
    response = Client().get(_map(incident.reference))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_an_incident_outside_the_users_unit_is_not_found(demo: None) -> None:
    west = _incident("st-west")
    assert _as("supervisor").get(_map(west.reference)).status_code == 404  # Central's
    assert _as("dispatcher").get(_map(west.reference)).status_code == 200  # the company's
    assert _as("dispatcher").get(_map("GX-20000101-9999")).status_code == 404


def test_the_map_shows_the_incident_its_call_its_main_and_the_van_on_its_road_route(
    demo: None,
) -> None:
    incident = _incident()
    crew = Crew.objects.filter(vehicle__last_point__isnull=False).order_by("name").first()
    assert crew is not None
    dispatcher = User.objects.get(username="dispatcher")
    work_order_dispatch(incident_id=incident.id, crew_id=crew.id, actor=dispatcher)

    van = incident_van_get(incident)
    assert van is not None
    assert van.route is not None
    assert van.route.by_road
    parked = crew.vehicle.last_point
    assert parked is not None
    start, end = van.route.line["coordinates"][0], van.route.line["coordinates"][-1]
    assert start == pytest.approx(list(parked.coords), abs=1e-6)
    assert end == pytest.approx(list(incident.point.coords), abs=1e-6)
    # The line drawn is the route timed: its length on the ground is the length Dijkstra gave.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ST_Length(ST_SetSRID(ST_GeomFromGeoJSON(%s), 4326)::geography),"
            " ST_Distance(%s::geography, %s::geography)",
            [json.dumps(van.route.line), parked.ewkt, incident.point.ewkt],
        )
        drawn_m, straight_m = cursor.fetchone()
    assert drawn_m == pytest.approx(van.route.metres, rel=0.01)
    assert van.route.metres >= straight_m

    page = _as("dispatcher").get(_map(incident.reference)).content.decode()
    assert f"{crew.name} · assigned" in page
    assert f"{van.route.distance_text} by road" in page
    assert incident.segment is not None
    assert f"{incident.segment.asset_id}: " in page
    assert f"incident-pin p{incident.priority}" in page
    assert "Call 1: Gas odour or leak outdoors" in page
    assert f"/incidents/{incident.reference}/timeline" in page


def test_the_page_reads_a_fixed_number_of_queries_however_many_calls(demo: None) -> None:
    incident = _incident()
    dispatcher = User.objects.get(username="dispatcher")
    crew = Crew.objects.filter(vehicle__last_point__isnull=False).order_by("name").first()
    assert crew is not None
    work_order_dispatch(incident_id=incident.id, crew_id=crew.id, actor=dispatcher)
    client = _as("dispatcher")
    client.post(f"{_map(incident.reference)}/trace", {"seized": ""})
    client.get(_map(incident.reference))  # the road graph is built once per process

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(_map(incident.reference)).status_code == 200
        return len(captured)

    one_call = queries()
    for _ in range(3):
        call = call_receive(
            data=CallInput(category="leak_outdoor", point=incident.point), taker=dispatcher
        )
        call_join_incident(call_id=call.id, incident_id=incident.id, actor=dispatcher)
    assert incident.calls.count() == 4
    # 19: the page draws the incident's own network (one read of its case type's utility).
    assert queries() == one_call <= 19


def test_without_roads_the_route_is_a_straight_line(demo: None) -> None:
    incident = _incident()
    crew = Crew.objects.filter(vehicle__last_point__isnull=False).order_by("name").first()
    assert crew is not None
    work_order_dispatch(
        incident_id=incident.id, crew_id=crew.id, actor=User.objects.get(username="dispatcher")
    )
    Road.objects.all().delete()
    network_revision_bump()  # the road graph is rebuilt: now empty

    van = incident_van_get(incident)
    assert van is not None
    assert van.route is not None
    assert not van.route.by_road
    assert len(van.route.line["coordinates"]) == 2
    page = _as("dispatcher").get(_map(incident.reference)).content.decode()
    assert "in a straight line (no road route)" in page
    assert "Straight line (no road route)" in page  # the legend says what the dashes mean


@pytest.mark.parametrize("username", ["safety", "calltaker"])
def test_only_those_who_dispatch_may_trace(demo: None, username: str) -> None:
    incident = _incident()
    client = _as(username)
    page = client.get(_map(incident.reference)).content.decode()
    assert "Not traced yet." in page
    assert 'id="trace-button"' not in page

    refused = client.post(f"{_map(incident.reference)}/trace", {"seized": ""})

    assert refused.status_code == 403
    assert b"The isolation trace is not for your role" in refused.content
    assert not IncidentIsolation.objects.exists()


def test_a_trace_from_the_map_lists_the_valves_in_closing_order(demo: None) -> None:
    incident = _incident()
    client = _as("dispatcher")
    assert 'id="trace-button"' in client.get(_map(incident.reference)).content.decode()

    response = client.post(f"{_map(incident.reference)}/trace", {"seized": ""})

    assert response.status_code == 302
    assert response["Location"] == f"{_map(incident.reference)}#trace"
    kept = IncidentIsolation.objects.get(incident=incident)
    assert kept.traced_by == User.objects.get(username="dispatcher")
    asset_of = dict(Valve.objects.values_list("id", "asset_id"))
    in_order = [asset_of[v] for v in kept.valves_to_close]
    page = client.get(_map(incident.reference)).content.decode()
    listed = [line.split('data-asset="')[1].split('"')[0] for line in page.split("valve-item")[1:]]
    assert listed == in_order
    assert f'<dd id="count-valves">{len(in_order)}</dd>' in page
    assert f'<dd id="count-premises">{kept.premises_cut_off}</dd>' in page
    assert f'<dd id="count-mains">{len(kept.isolated_segments)}</dd>' in page
    for n, asset in enumerate(in_order, start=1):  # numbered on the map too
        assert f"{n}. {asset} (" in page


def test_a_valve_reported_seized_is_passed_over(demo: None) -> None:
    incident = _incident()
    client = _as("dispatcher")
    client.post(f"{_map(incident.reference)}/trace", {"seized": ""})
    first = IncidentIsolation.objects.get(incident=incident)
    stuck = Valve.objects.get(pk=first.valves_to_close[0]).asset_id

    client.post(f"{_map(incident.reference)}/trace", {"seized": f" {stuck} ,"})

    newest = incident.isolations.order_by("-traced_at", "-id").first()
    assert newest is not None
    assert newest.pk != first.pk
    page = client.get(_map(incident.reference)).content.decode()
    assert f"Passed over as seized: {stuck}" in page
    assert f'data-asset="{stuck}"' not in page
    assert "1 earlier trace kept on the timeline" in page


def test_an_incident_not_on_a_main_is_refused_in_words(demo: None) -> None:
    city = OrgUnit.objects.get(code="gx-city")
    org_unit_create(
        code="st-harbour",
        name="Harbour station",
        tier=OrgUnit.Tier.STATION,
        parent=city,
        territory=Polygon.from_bbox((117.25, 39.09, 117.26, 39.10)),
    )
    dispatcher = User.objects.get(username="dispatcher")
    call = call_receive(
        data=CallInput(category="leak_outdoor", point=Point(117.255, 39.095, srid=4326)),
        taker=dispatcher,
    )
    offshore = call_open_incident(call_id=call.id, actor=dispatcher)

    response = _as("dispatcher").post(f"{_map(offshore.reference)}/trace", {"seized": ""})

    assert response.status_code == 409
    page = response.content.decode()
    assert f"{offshore.reference} is not on a main: pin it to the network before tracing" in page
    assert "not on a main" in page.split('id="trace-error"')[1].split("</p>")[0]
    assert not IncidentIsolation.objects.exists()


@pytest.mark.parametrize(
    ("seized", "status", "message"),
    [
        ("V-NOPE", 404, "no valve V-NOPE"),
        ("V-000001 <b>", 400, "is not a valve asset id"),
        (",".join(f"V-{n:06d}" for n in range(21)), 400, "at most 20 valves"),
    ],
)
def test_bad_seized_valves_are_refused_and_nothing_is_traced(
    demo: None, seized: str, status: int, message: str
) -> None:
    incident = _incident()
    response = _as("dispatcher").post(f"{_map(incident.reference)}/trace", {"seized": seized})
    assert response.status_code == status
    assert message in response.content.decode()
    # What was typed stays in the field, to be corrected.
    assert f'value="{escape(seized)}"' in response.content.decode()
    assert not IncidentIsolation.objects.exists()


def test_a_trace_needs_the_forms_csrf_token(demo: None) -> None:
    incident = _incident()
    client = Client(enforce_csrf_checks=True)
    client.force_login(User.objects.get(username="dispatcher"))
    assert client.post(f"{_map(incident.reference)}/trace", {}).status_code == 403
    assert client.get(f"{_map(incident.reference)}/trace").status_code == 405
    assert not IncidentIsolation.objects.exists()


def test_a_dispatcher_traces_the_isolation_in_a_browser(demo_city: None, live_server) -> None:
    incident = _incident()
    path = _map(incident.reference)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with chromium_page(WALL) as (page, failures):
        sign_in(page, live_server.url, "dispatcher", path)
        page.wait_for_selector("#incident-map[data-ready]")
        expect(page.locator("#not-traced")).to_be_visible()
        page.click("#trace-button")
        page.wait_for_url(f"{live_server.url}{path}#trace")
        page.wait_for_selector("#incident-map[data-ready]")
        numbers = page.locator(".valve-icon .valve-no")
        expect(numbers.first).to_be_visible()
        on_map = numbers.all_inner_texts()
        listed = page.locator("#valves-to-close .asset").all_inner_texts()
        by_road = page.locator("#valves-to-close .road").all_inner_texts()
        counts = page.locator("#trace-counts").inner_text()
        numbers.first.click()  # the crew says valve 1 will not turn: it goes in the form
        expect(page.locator("#seized")).to_have_value(listed[0])
        page.wait_for_timeout(500)  # the network tiles settle
        page.screenshot(path=SCREENSHOTS / "incident-map-traced-wall.png")
        assert failures == []
    with chromium_page(TABLET) as (page, failures):
        sign_in(page, live_server.url, "dispatcher", path)
        page.goto(f"{live_server.url}{path}#trace")  # as the trace leaves it: the list in view
        page.wait_for_selector("#incident-map[data-ready]")
        expect(page.locator(".valve-icon .valve-no").first).to_be_visible()
        expect(page.locator("#valves-to-close .asset").first).to_be_in_viewport()
        page.wait_for_timeout(500)
        page.screenshot(path=SCREENSHOTS / "incident-map-traced-tablet.png")
        assert failures == []

    kept = IncidentIsolation.objects.get(incident=incident)
    asset_of = dict(Valve.objects.values_list("id", "asset_id"))
    assert on_map == [str(n) for n in range(1, len(kept.valves_to_close) + 1)]
    assert listed == [asset_of[v] for v in kept.valves_to_close]
    # The crew's drive: each valve with the metres by road from the stop before.
    assert by_road == [f"{floatformat(m, 0)} m by road" for m in kept.valve_road_m]
    assert len(by_road) == len(listed)
    assert str(kept.premises_cut_off) in counts
    assert kept.traced_by == User.objects.get(username="dispatcher")
