"""The reports dashboard in Chromium: a safety manager at the group sees both stations, the
headline tiles say what the API says, a tile and a bar open the incidents behind them, the
late arrivals are on the map; a station supervisor sees only their own station and is refused
the other's; an inverted range and a year without data say so instead of showing an empty page.
Screenshots in var/screenshots/reports/."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.contrib.gis.geos import Point
from playwright.sync_api import Page

from demo.org import demo_organisation_load
from dispatch.models import Call, Incident, IncidentDeadline, User
from dispatch.roles import Role
from dispatch.services import user_create
from reports.scope import BYS
from reports.views import by_labels
from tests.browser import SCREENSHOTS, WALL, chromium_page, sign_in
from tests.i18n.conftest import compiled_locale, translated  # noqa: F401 - the pages in Chinese

pytestmark = pytest.mark.django_db(transaction=True)
SHOTS = SCREENSHOTS / "reports"
ZONE = ZoneInfo("Asia/Shanghai")
NOVEMBER = "from=2026-11-01&to=2026-11-30"
WEST, CENTRAL = "西区维修站", "中心维修站"


@dataclass
class Scene:
    company: int
    west: int
    central: int


def _incident(ref: str, station: Any, day: int, late_minutes: int | None, x: float) -> None:
    """An incident whose first crew got there `late_minutes` after its hour's clock (None:
    20 minutes in, on time), with its call."""
    first = datetime(2026, 11, day, 9, 0, tzinfo=ZONE)
    due = first + timedelta(minutes=60)
    on_site = (
        due + timedelta(minutes=late_minutes) if late_minutes else first + timedelta(minutes=20)
    )
    incident = Incident.objects.create(
        reference=ref,
        category="leak_outdoor",
        priority=2,
        status=Incident.Status.RESOLVED,
        point=Point(x, 39.09, srid=4326),
        station=station,
        created_at=first,
        first_call_at=first,
        channel="phone",
        work_order_at=first + timedelta(minutes=4),
        on_site_at=on_site,
        made_safe_at=on_site + timedelta(minutes=30),
        completed_at=on_site + timedelta(hours=2),
    )
    IncidentDeadline.objects.create(incident=incident, milestone="on_site", due_at=due)
    Call.objects.create(
        channel="phone",
        category="leak_outdoor",
        point=incident.point,
        unit=station,
        incident=incident,
        received_at=first,
        closed_at=first + timedelta(minutes=3),
    )


@pytest.fixture
def dash_scene() -> Scene:
    units = demo_organisation_load()
    user_create(
        username="safety", password="demo", role=Role.SAFETY_MANAGER, org_unit=units["gx-group"]
    )
    user_create(
        username="sup_west", password="demo", role=Role.SUPERVISOR, org_unit=units["st-west"]
    )
    west, central = units["st-west"], units["st-central"]
    _incident("W-1", west, 2, None, 117.16)
    _incident("W-2", west, 3, 30, 117.17)
    _incident("W-3", west, 4, None, 117.165)
    _incident("C-1", central, 3, 70, 117.21)
    _incident("C-2", central, 5, None, 117.22)
    return Scene(units["gx-city"].pk, west.pk, central.pk)


def _shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _open(page: Page, base: str, query: str) -> None:
    page.goto(f"{base}/reports/?{query}")
    page.wait_for_selector(".reports[data-ready]", timeout=20_000)


def _api(page: Page, query: str) -> dict[str, Any]:
    return page.evaluate("(q) => fetch('/api/reports/figures/?' + q).then((r) => r.json())", query)


def _drilled(page: Page) -> dict[str, str | None]:
    page.wait_for_selector("#rp-drill[data-ready]")
    links = page.locator("#rp-items a")
    return {
        links.nth(i).inner_text(): links.nth(i).get_attribute("href") for i in range(links.count())
    }


def _click_bar(page: Page, key: str, index: int) -> None:
    """Click the `index`th bar of a figure's chart where Chart.js drew it."""
    canvas = page.locator(f".rp-chart[data-key='{key}'] canvas")
    canvas.scroll_into_view_if_needed()
    x, y = canvas.evaluate(
        "(c, i) => { const bar = Chart.getChart(c).getDatasetMeta(0).data[i];"
        " return [bar.x, (bar.y + bar.base) / 2]; }",
        index,
    )
    box = canvas.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + x, box["y"] + y)


def _refused(failures: list[str], status: int) -> list[str]:
    """The failures but the page's own expected refusal (and its API twin)."""
    return [
        f
        for f in failures
        if not (f.startswith(f"{status} GET ") and "/reports/?" in f)
        and f"status of {status}" not in f
    ]


def test_every_breakdown_has_a_name() -> None:
    assert set(by_labels()) == set(BYS)


@pytest.mark.usefixtures("translated")
def test_the_safety_manager_reads_both_stations_and_drills_down(
    dash_scene: Scene, live_server: Any
) -> None:
    base = live_server.url
    query = f"{NOVEMBER}&unit={dash_scene.company}&by=station"
    with chromium_page(WALL) as (page, failures):
        sign_in(page, base, "safety", "/reports/")
        _open(page, base, query)
        units = page.locator("select[name=unit] option").all_inner_texts()
        assert any(WEST in u for u in units)
        assert any(CENTRAL in u for u in units)
        # The tiles show the API's figures for the same query.
        api = {f["key"]: f for f in _api(page, query)["figures"]}
        for key in ("incidents_opened", "arrival_on_clock", "arrival_minutes", "calls_received"):
            shown = page.get_attribute(f".rp-tile[data-key='{key}']", "data-value")
            assert float(shown or "nan") == pytest.approx(api[key]["value"]), key
        assert api["incidents_opened"]["value"] == 5
        assert api["arrival_on_clock"]["value"] == pytest.approx(0.6)
        assert page.inner_text(".rp-tile[data-key='incidents_opened'] .t-value") == "5"
        assert page.inner_text(".rp-tile[data-key='arrival_on_clock'] .t-value") == "60%"
        assert "3 of 5" in page.inner_text(".rp-tile[data-key='arrival_on_clock']")
        # The late arrivals on the map.
        assert page.get_attribute(".rp-map", "data-points") == "2"
        _shot(page, "dashboard-en-safety_manager")
        # A tile: its misses, linked to their timelines.
        page.click(".rp-tile[data-key='arrival_on_clock']")
        assert _drilled(page) == {
            "C-1": "/incidents/C-1/timeline",
            "W-2": "/incidents/W-2/timeline",
        }
        assert "Gas odour or leak outdoors" in page.inner_text("#rp-items")  # by name, not code
        # The exports carry the page's query.
        xlsx = page.get_attribute("#rp-xlsx", "href") or ""
        assert xlsx.startswith("/reports/export.xlsx?")
        assert f"unit={dash_scene.company}" in xlsx
        records = page.get_attribute("#rp-drill-items-csv", "href") or ""
        assert "figure=arrival_on_clock" in records
        assert "items=missed" in records
        csv = page.request.get(f"{base}{records}")
        assert csv.ok
        assert "C-1" in csv.text()
        assert "W-2" in csv.text()
        # A bar (the stations sorted by name: 中心 before 西区): the west station's only.
        page.click("#rp-drill-close")
        _click_bar(page, "arrival_on_clock", 1)
        assert set(_drilled(page)) == {"W-2"}
        assert WEST in page.inner_text("#rp-drill-what")
        _shot(page, "dashboard-en-safety_manager-drill-down")
        # Bad input: an inverted range says what to do, and nothing else is shown.
        page.goto(f"{base}/reports/?from=2026-11-30&to=2026-11-01")
        assert "swap the two dates" in page.inner_text("#rp-error")
        assert page.locator("#rp-tiles").count() == 0
        _shot(page, "dashboard-en-inverted-range")
        # A year with nothing in it: the banner, not empty charts.
        page.goto(f"{base}/reports/?from=2024-01-01&to=2024-12-31&unit={dash_scene.company}")
        assert "this is not a clean record" in page.inner_text("#rp-empty")
        assert page.locator("#rp-charts").count() == 0
        _shot(page, "dashboard-en-empty-year")
        assert _refused(failures, 400) == []
    with chromium_page(WALL, locale="zh-CN") as (page, failures):
        sign_in(page, base, "safety", "/reports/")
        _open(page, base, query)
        _shot(page, "dashboard-zh-hans-safety_manager")
        assert failures == []


@pytest.mark.usefixtures("translated")
def test_a_station_supervisor_sees_only_their_station(dash_scene: Scene, live_server: Any) -> None:
    base = live_server.url
    with chromium_page(WALL, locale="zh-CN") as (page, failures):
        sign_in(page, base, "sup_west", "/reports/")
        _open(page, base, NOVEMBER)
        assert page.locator("select[name=unit] option").all_inner_texts() == [WEST]
        assert CENTRAL not in page.content()
        assert page.get_attribute(".rp-tile[data-key='incidents_opened']", "data-value") == "3"
        _shot(page, "dashboard-zh-hans-supervisor")
        page.goto(f"{base}/reports/?{NOVEMBER}&unit={dash_scene.central}")
        error = page.locator("#rp-error")
        assert error.get_attribute("data-status") == "403"
        assert WEST in error.inner_text()
        assert CENTRAL in error.inner_text()
        assert _refused(failures, 403) == []
    with chromium_page(WALL) as (page, failures):
        sign_in(page, base, "sup_west", "/reports/")
        # By day: the breakdown is a time series, drawn as lines.
        _open(page, base, f"{NOVEMBER}&by=day")
        chart = page.locator(".rp-chart[data-key='incidents_opened'] canvas")
        assert chart.evaluate("(c) => Chart.getChart(c).config.type") == "line"
        _shot(page, "dashboard-en-supervisor")
        assert failures == []


def test_others_are_refused_and_strangers_sent_to_sign_in(client: Any) -> None:
    units = demo_organisation_load()
    user_create(username="taker", password="demo", role=Role.CALL_TAKER, org_unit=units["gx-city"])
    response = client.get("/reports/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    client.force_login(User.objects.get(username="taker"))
    response = client.get("/reports/")
    assert response.status_code == 403
    assert "The reports are not yours to see" in response.content.decode()
