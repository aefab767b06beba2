"""The crews' tablet page in a real browser: a job worked from the tablet, through a dead zone."""

import base64
import re
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from io import StringIO
from pathlib import Path
from typing import Any, TypeVar

import pytest
from django.core.management import call_command
from django.db import connections
from django.test import Client
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    FilePayload,
    Page,
    ViewportSize,
    expect,
    sync_playwright,
)

from dispatch.models import User, WorkOrder, WorkOrderFinding, WorkOrderPhoto
from dispatch.services.intake import CallInput, call_open_incident, call_receive
from dispatch.services.work_orders import work_order_dispatch
from gis.models import OrgUnit, Premise
from gis.selectors import isolation_for_segment, isolation_geojson
from tests.browser import CHROMIUM_ARGS, SCREENSHOTS, TABLET
from tests.dispatch.conftest import make_crew

PHONE = ViewportSize(width=390, height=844)
PNG = base64.b64decode(  # a real 1x1 PNG
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP438AAAAQBAYDFKhhdAAAAAElFTkSuQmCC"
)
T = TypeVar("T")
_TWO_FRAMES = "() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))"


@dataclass
class Job:
    work_order: WorkOrder
    reference: str
    address: str
    valves_to_close: list[str]  # asset ids, in closing order


def _valves_to_close(premise: Premise) -> list[str]:
    assert premise.service_segment_id is not None
    isolation = isolation_for_segment(segment_id=premise.service_segment_id)
    features = isolation_geojson(isolation)["features"]
    valves = [f["properties"] for f in features if f["properties"]["role"] == "valve_to_close"]
    return [v["asset_id"] for v in sorted(valves, key=lambda v: v["order"])]


@pytest.fixture
def job(transactional_db: None, settings: Any, tmp_path: Path) -> Job:
    """A small demo city, the demo logins, and an outdoor leak sent to the crew of `crew`, at
    the first premise whose main takes more than one valve to cut off."""
    settings.MEDIA_ROOT = tmp_path  # the live server runs in this process: photos land here
    call_command("make_demo_city", "--premises", "2000", "--no-progress", stdout=StringIO())
    call_command("load_demo", stdout=StringIO())
    dispatcher = User.objects.get(username="dispatcher")
    premises = Premise.objects.exclude(room="").filter(service_segment__isnull=False)
    premise, valves = next(
        (p, v) for p in premises.order_by("asset_id")[:500] if len(v := _valves_to_close(p)) > 1
    )
    crew = make_crew(OrgUnit.objects.get(code="st-central"), "Alpha", premise.geom)
    crew.members.add(User.objects.get(username="crew"))
    call = call_receive(
        data=CallInput(category="leak_outdoor", premise_id=premise.id), taker=dispatcher
    )
    incident = call_open_incident(call_id=call.id, actor=dispatcher)
    assert incident.segment_id == premise.service_segment_id  # what the page's trace is for
    work_order = work_order_dispatch(incident_id=incident.id, crew_id=crew.id, actor=dispatcher)
    return Job(work_order, incident.reference, incident.address_text, valves)


def _db(read: Callable[[], T]) -> T:
    """Run a database read in a thread of its own: Playwright's sync API keeps an event loop in
    this one, beside which Django refuses database calls."""

    def run() -> T:
        try:
            return read()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


def _status_and_events(work_order_id: int) -> tuple[str, list[tuple[str, str | None]]]:
    work_order = WorkOrder.objects.get(pk=work_order_id)
    events = work_order.events.filter(client_event_id__isnull=False).order_by("at", "id")
    return work_order.status, [(e.kind, e.client_event_id) for e in events]


@contextmanager
def _browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


def _watch(page: Page, failures: list[str], refusals: set[str]) -> None:
    """Any script error or console error fails the test, but for the browser's own line about
    a refusal the test provoked (the URLs in `refusals`) and the favicon the app has not."""
    page.on("pageerror", lambda e: failures.append(f"script error: {e}"))

    def console(message: ConsoleMessage) -> None:
        url = message.location.get("url", "")
        provoked = message.text.startswith("Failed to load resource") and (
            url in refusals or url.endswith("/favicon.ico")
        )
        if message.type == "error" and not provoked:
            failures.append(f"console error: {message.text} at {message.location}")

    page.on("console", console)


def _sign_in(page: Page, base: str) -> None:
    page.goto(f"{base}/tablet/")  # not signed in: the login form, then back here
    page.fill("input[name=username]", "crew")
    page.fill("input[name=password]", "demo")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/tablet/")
    page.wait_for_selector(".tablet[data-ready]")


def _sent(page: Page) -> None:
    """Everything queued has gone: nothing waits, and the status shown is the server's."""
    expect(page.locator("#tablet")).to_have_attribute("data-queue", "0")
    expect(page.locator("#job-status")).not_to_have_class(re.compile(r"\bunsent\b"))


def test_a_crew_member_works_a_job_and_taps_through_a_dead_zone(job: Job, live_server) -> None:
    work_order_id = job.work_order.id
    failures: list[str] = []
    refusals: set[str] = set()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with _browser() as browser:
        context = browser.new_context(viewport=TABLET, has_touch=True)
        page = context.new_page()
        page.set_default_timeout(15_000)
        _watch(page, failures, refusals)
        _sign_in(page, live_server.url)

        # The job, and the valves to close numbered on the map in closing order.
        expect(page.locator("#job-ref")).to_have_text(job.reference)
        expect(page.locator("#job-priority")).to_have_text("P2")
        expect(page.locator("#job-category")).to_have_text("Gas odour or leak outdoors")
        expect(page.locator("#job-address")).to_have_text(job.address)
        expect(page.locator("#job-status")).to_have_text("Assigned")
        expect(page.locator("#navigate")).to_have_attribute(
            "href", re.compile(r"^https://www\.openstreetmap\.org/directions\?to=")
        )
        numbers = [str(n) for n in range(1, len(job.valves_to_close) + 1)]
        expect(page.locator("#map .leaflet-marker-icon.valve-no")).to_have_text(numbers)
        expect(page.locator("#valves li strong")).to_have_text(job.valves_to_close)
        assert page.locator("#map path.main").count() > 0  # drawn with the valves, above
        expect(page.locator("[data-action]")).to_have_text(["Accept", "Reject"])
        page.screenshot(path=str(SCREENSHOTS / "tablet-800x1280.png"))

        page.click("[data-action=accept]")
        page.click("[data-action=en_route]")
        _sent(page)
        expect(page.locator("#job-status")).to_have_text("En route")
        status, events = _db(lambda: _status_and_events(work_order_id))
        assert status == "en_route"
        assert [kind for kind, _ in events] == ["work_order.accepted", "work_order.en_route"]
        assert all(re.fullmatch(r"[0-9a-f-]{36}", cid or "") for _, cid in events)

        # A dead zone: the tap is kept, shown, and sent nowhere.
        context.set_offline(True)
        page.click("[data-action=on_site]")
        expect(page.locator("#net")).to_have_text("offline: 1 action waiting")
        expect(page.locator("#job-status")).to_have_text("On site")  # what the crew did
        expect(page.locator("#job-pending")).to_have_text("Not sent yet: On site")
        page.screenshot(path=str(SCREENSHOTS / "tablet-800x1280-offline.png"))
        page.wait_for_timeout(1_000)
        assert _db(lambda: _status_and_events(work_order_id)) == (status, events)

        # Back in coverage: the queue is replayed by itself.
        context.set_offline(False)
        _sent(page)
        expect(page.locator("#net")).to_be_hidden()
        expect(page.locator("#job-status")).to_have_text("On site")
        status, events = _db(lambda: _status_and_events(work_order_id))
        assert status == "on_site"
        assert [kind for kind, _ in events][-1] == "work_order.on_site"

        # A refused report is dropped, and the server's words shown.
        refusals.add(f"{live_server.url}/api/field/work-orders/{work_order_id}/findings/")
        page.locator(".m-item").fill("Repair clamp DN100")
        page.locator(".m-quantity").fill("2000000")
        page.click("#send-findings")
        _sent(page)
        expect(page.locator("#message.error")).to_contain_text("less than or equal to 1000000")
        page.click("#message-close")
        refusals.clear()

        # Findings: grade, cause, the first valve found seized, a material; and a photo.
        page.get_by_text("Grade 2", exact=True).click()
        page.select_option("#cause", "corrosion")
        page.get_by_text("Cordoned off the area").click()
        first_valve = page.locator(".valve-row").first
        first_valve.locator(".v-action").select_option("closed")
        first_valve.locator(".v-operable").select_option("no")
        page.locator(".m-item").fill("Repair clamp DN100")
        page.locator(".m-quantity").fill("1")
        page.fill("#notes", "Corroded service tee; area cordoned.")
        page.click("#send-findings")
        page.set_input_files(
            "#photo-file", files=[FilePayload(name="tee.png", mimeType="image/png", buffer=PNG)]
        )
        page.fill("#photo-caption", "Corroded tee")
        page.click("#send-photo")
        expect(page.locator("#photos-sent li")).to_have_text(["Photo sent: Corroded tee"])
        _sent(page)

        page.screenshot(path=str(SCREENSHOTS / "tablet-800x1280-full.png"), full_page=True)
        page.set_viewport_size(PHONE)
        page.evaluate("window.scrollTo(0, 0)")
        page.evaluate(_TWO_FRAMES)  # the map refits to its new box first
        page.screenshot(path=str(SCREENSHOTS / "tablet-390x844.png"))
        page.screenshot(path=str(SCREENSHOTS / "tablet-390x844-full.png"), full_page=True)
        context.close()
    assert failures == []

    findings = list(WorkOrderFinding.objects.filter(work_order_id=work_order_id))
    assert len(findings) == 1  # the refused one left nothing behind
    finding = findings[0]
    assert finding.leak_grade == 2
    assert finding.cause == "corrosion"
    assert finding.actions_taken == ["Cordoned off the area"]
    assert finding.valves_operated == [
        {"asset_id": job.valves_to_close[0], "action": "closed", "operable": False}
    ]
    assert finding.materials == [{"item": "Repair clamp DN100", "quantity": 1.0, "unit": "pcs"}]
    photo = WorkOrderPhoto.objects.get(work_order_id=work_order_id)
    assert photo.caption == "Corroded tee"
    assert photo.content_type == "image/png"


@pytest.fixture
def demo_logins(db: None) -> None:
    call_command("load_demo", stdout=StringIO())


def test_only_crew_members_open_the_tablet_and_strangers_are_sent_to_sign_in(
    demo_logins: None,
) -> None:
    assert Client().get("/tablet/")["Location"] == "/accounts/login/?next=/tablet/"
    office = Client()
    assert office.login(username="dispatcher", password="demo")
    refused = office.get("/tablet/")
    assert refused.status_code == 403
    assert b"This screen is for repair crews" in refused.content
    crew = Client()
    assert crew.login(username="crew", password="demo")
    page = crew.get("/tablet/")
    assert page.status_code == 200
    assert b'id="tablet-config"' in page.content
    assert "csrftoken" in page.cookies  # the page's POSTs send it back
