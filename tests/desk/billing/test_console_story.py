"""The call console in Chromium: a number entered, the customer's story beside the screen pop
(billing, arrears, the interruption banner, the staircase's case and call); the search finds
a neighbour by an address with a slip; an office case type offers a desk case, not an
incident."""

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from alerts.models import SupplyInterruption
from desk.models import Case
from dispatch.models import Call, User
from tests.browser import SCREENSHOTS, chromium_page, sign_in
from tests.desk.billing.conftest import World, world_build
from tests.i18n.conftest import compiled_locale, translated  # noqa: F401 - the fixtures

# The site's routes with alerts.urls_supply included (config/urls.py will include it too).
pytestmark = [pytest.mark.usefixtures("translated")]


@pytest.fixture
def live_world(transactional_db: None) -> World:
    call_command("load_demo", stdout=StringIO())
    User.objects.filter(username="calltaker").update(language="zh-hans")
    world = world_build()
    now = timezone.now()
    upstairs = Call.objects.create(
        caller_phone="13911112222",
        category="complaint",
        premise=world.upstairs,
        address_text=world.upstairs.full_text,
        received_at=now - timedelta(hours=3),
    )
    Case.objects.create(
        reference="KF-20261206-0007",
        category="complaint",
        call=upstairs,
        premise=world.upstairs,
        unit=world.units["gx-city"],
        created_at=upstairs.received_at,
    )
    SupplyInterruption.objects.create(premise_ids=[world.home.pk], started_at=now)
    return world


def test_the_screen_pop_tells_the_customers_whole_story(live_world: World, live_server) -> None:  # type: ignore[no-untyped-def]
    with chromium_page(locale="zh-CN") as (page, failures):
        sign_in(page, live_server.url, "calltaker", "/console/")
        page.wait_for_selector(".console[data-ready]")
        page.fill("#phone", "13800000001")
        page.press("#phone", "Enter")
        story = page.locator("#story")
        expect(story).to_contain_text("李建国")
        expect(story.locator(".billing")).to_contain_text("-¥386.50")
        expect(story.locator(".billing")).to_contain_text("2026-09-01")
        # The case and the call upstairs: same building unit, not this premise.
        expect(story.locator("li.where-building_unit")).to_have_count(2)
        expect(story).to_contain_text("KF-20261206-0007")
        expect(page.locator("#supply-banner")).to_be_visible()
        expect(page.locator("#supply-banner")).to_contain_text(re.compile("consultation|咨询"))
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "console-story.png"))

        # The neighbour, by an address with a slip (宜 for 谊, the traditional 號).
        page.fill("#customer-q", "友宜路32號3号楼2单元601")
        page.press("#customer-q", "Enter")
        page.locator("#customer-hits button.hit").first.click()
        expect(story).to_contain_text("王秀英")
        page.locator("#customer-premises button.premise").first.click()
        expect(page.locator("#located")).to_contain_text("601")

        # A complaint is an office case: a desk case is opened, not an incident.
        page.select_option("#category", "complaint")
        page.click("#take")
        expect(page.locator("#open-incident")).to_be_visible()
        expect(page.locator("#open-incident")).to_contain_text(
            re.compile("Open a desk case|开立客服工单")
        )
        expect(page.locator("#open-incident")).to_be_focused()
        expect(page.locator("#answer")).to_be_hidden()
        expect(page.locator("#second-tier")).to_be_hidden()
        expect(page.locator("#appointment-book")).to_be_hidden()  # no visit to book for it
        page.locator("#triage").evaluate("(t) => t.scrollIntoView({block: 'start'})")
        page.screenshot(path=str(SCREENSHOTS / "console-desk-case.png"))
        # Taken: the desk case is opened at the company's desk, its reference read out.
        page.click("#open-incident")
        result = page.locator("#desk-case-result")
        expect(result).to_contain_text(re.compile(r"GX-\d{8}-\d{4}"))
        expect(result).to_contain_text(re.compile("Received|已受理"))
        page.screenshot(path=str(SCREENSHOTS / "console-desk-case-opened.png"))
    assert failures == []
    case = Case.objects.order_by("-pk").first()
    assert case is not None
    assert case.category == "complaint"
    assert case.confidential
    assert case.call.outcome == "case"
