"""The call console in a real browser: a leak call taken, opened and dispatched by keyboard."""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from playwright.sync_api import Page, Response, expect, sync_playwright

from demo.crews import demo_crews_load
from dispatch.models import CategoryRule, Customer, Incident, WorkOrder
from gis import api as gis_api
from gis.models import Road
from tests.browser import CHROMIUM_ARGS, SCREENSHOTS


@pytest.fixture
def demo(transactional_db: None) -> None:
    """A small demo city, the demo logins and, where the code for them exists, crews."""
    call_command("make_demo_city", "--premises", "2000", "--no-progress", stdout=StringIO())
    call_command("load_demo", stdout=StringIO())
    demo_crews_load(count=20, seed=7)


@pytest.fixture
def demo_logins(db: None) -> None:
    call_command("load_demo", stdout=StringIO())


@contextmanager
def _browser() -> Iterator[Page]:
    # Playwright's sync API runs an event loop in this thread, and Django refuses database
    # calls beside one: the test reads and checks the database only outside this block.
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        try:
            page = browser.new_page(viewport={"width": 1920, "height": 1080})
            page.set_default_timeout(15_000)
            yield page
        finally:
            browser.close()


def _sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/console/")  # not signed in: the login form, then back here
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "demo")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/console/")
    page.wait_for_selector(".console[data-ready]")


def _refused(response: Response) -> list[str]:
    """An API call the page made that the server refused."""
    if "/api/" in response.url and response.status >= 400:
        return [f"{response.status} {response.request.method} {response.url}"]
    return []


def test_dispatcher_takes_a_leak_call_opens_an_incident_and_dispatches_by_keyboard(
    demo: None, live_server
) -> None:
    customer = Customer.objects.filter(premises__isnull=False).order_by("account_no").first()
    assert customer is not None
    premise = customer.premises.order_by("asset_id").first()  # the screen pop's first
    assert premise is not None
    advice_zh = CategoryRule.objects.get(category="leak_indoor").advice_zh
    failures: list[str] = []
    with _browser() as page:
        page.on("pageerror", lambda e: failures.append(f"script error: {e}"))
        page.on("response", lambda r: failures.extend(_refused(r)))

        _sign_in(page, live_server.url, "dispatcher")
        expect(page.locator("#phone")).to_be_focused()
        page.keyboard.type(customer.phones[0])
        page.keyboard.press("Enter")  # screen pop; the first premise gets the focus
        expect(page.locator("button.premise").first).to_be_focused()
        expect(page.locator("#pop")).to_contain_text(premise.full_text)
        page.keyboard.press("Enter")  # that premise is where the call is
        expect(page.locator("#located")).to_contain_text(premise.full_text)
        expect(page.locator("#category")).to_be_focused()
        page.select_option("#category", value="leak_indoor")
        expect(page.locator("#category option:checked")).to_contain_text(
            "Gas odour or leak inside a building"
        )
        page.keyboard.press("Enter")  # on to the hazard questions, the address being known
        expect(page.locator("#hazards input[value=inside_building]")).to_be_focused()
        page.keyboard.press("Space")
        page.keyboard.press("Enter")  # take the call

        expect(page.locator("#priority")).to_have_text("P1")
        expect(page.locator("#advice-zh")).to_have_text(advice_zh)
        expect(page.locator("#open-incident")).to_be_focused()
        page.keyboard.press("Enter")
        expect(page.locator("#incident-ref")).to_have_text(re.compile(r"^GX-\d{8}-\d{4}$"))
        reference = page.locator("#incident-ref").inner_text()

        top = page.locator("#crew-list button.dispatch").first
        expect(top).to_be_focused()
        page.keyboard.press("Enter")
        expect(page.locator("#work-order-body")).to_contain_text("Assigned")
        expect(page.locator("#log")).to_contain_text("dispatched")

        # From the priority down to the work order: what was read out, and what followed
        # (as on a control room's taller screen).
        page.set_viewport_size({"width": 1920, "height": 1600})
        page.locator("#triage").evaluate("(t) => t.scrollIntoView({block: 'start'})")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "console-call.png"))
    assert failures == []

    incident = Incident.objects.get(reference=reference)
    assert incident.point.equals_exact(premise.geom, 1e-9)
    assert incident.priority == 1
    call = incident.calls.get()
    assert call.premise_id == premise.id
    assert WorkOrder.objects.filter(incident=incident).count() == 1
    # The moments the reports measure the call by: its form opened at the first key typed,
    # before it was stored; closed when the incident opened; counted for the incident's station.
    assert call.opened_at is not None
    assert call.closed_at is not None
    assert call.opened_at < call.received_at <= call.closed_at
    assert call.unit_id == incident.station_id


def test_a_crew_member_is_refused_the_console(demo_logins: None) -> None:
    client = Client()
    assert client.login(username="crew", password="demo")
    response = client.get("/console/")
    assert response.status_code == 403
    assert b"for the control room" in response.content


def test_geocode_without_a_query_is_refused_in_words(demo_logins: None) -> None:
    client = Client()
    assert client.login(username="calltaker", password="demo")
    response = client.get("/api/gis/geocode/")
    assert response.status_code == 400
    assert "type an address" in response.json()["fields"]["q"][0]


@pytest.fixture
def small_city(db: None) -> None:
    call_command("make_demo_city", "--premises", "2000", "--no-progress", stdout=StringIO())
    call_command("load_demo", stdout=StringIO())


def test_roads_feed_honours_its_bbox_in_one_query(
    small_city: None,
    django_assert_num_queries,  # type: ignore[no-untyped-def]
) -> None:
    client = Client()
    assert client.login(username="dispatcher", password="demo")
    client.get("/api/gis/roads.geojson", {"bbox": "0,0,1,1"})  # session and user now cached
    with django_assert_num_queries(3):  # session, user, roads
        city = client.get("/api/gis/roads.geojson", {"bbox": "117.18,39.07,117.24,39.12"})
    assert city.status_code == 200
    body = city.json()
    assert body["type"] == "FeatureCollection"
    assert body["truncated"] is False
    assert len(body["features"]) == Road.objects.count()
    assert all(f["properties"]["name"] for f in body["features"])
    sea = client.get("/api/gis/roads.geojson", {"bbox": "118.5,38.5,118.6,38.6"})
    assert sea.json()["features"] == []


def test_roads_feed_keeps_main_roads_when_capped(
    small_city: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(gis_api, "ROADS_MAX", 3)
    client = Client()
    assert client.login(username="dispatcher", password="demo")
    body = client.get("/api/gis/roads.geojson", {"bbox": "117.18,39.07,117.24,39.12"}).json()
    assert body["truncated"] is True
    assert [f["properties"]["road_class"] for f in body["features"]] == ["arterial"] * 3


@pytest.mark.parametrize(
    ("url", "params", "field", "words"),
    [
        ("/api/gis/roads.geojson", {"bbox": "117.2,39.1,abc,39.2"}, "bbox", "four numbers"),
        ("/api/gis/roads.geojson", {"bbox": "117.3,39.1,117.2,39.2"}, "bbox", "below the max"),
        ("/api/gis/roads.geojson", {}, "bbox", "bbox is required"),
        ("/api/gis/reverse/", {"lon": "east", "lat": "39.1"}, "lon", "longitude in degrees"),
    ],
)
def test_bad_map_input_is_refused_in_words(
    demo_logins: None, url: str, params: dict[str, str], field: str, words: str
) -> None:
    client = Client()
    assert client.login(username="calltaker", password="demo")
    response = client.get(url, params)
    assert response.status_code == 400
    assert words in response.json()["fields"][field][0]
