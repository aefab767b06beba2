"""The incident list, the incident map, the timeline replay (and its exports) and the network map
read in the user's language: all Chinese for a user who chose it, all English for one who chose
English. Read as a person reads them, in headless Chromium, from the compiled catalogues."""

import csv
import io
import re
import subprocess
from collections.abc import Iterable

import pytest
from django.test import Client
from django.utils import translation
from openpyxl import load_workbook
from playwright.sync_api import Page

from dispatch.models import Call, Crew, IncidentEvent, User
from dispatch.roles import Role
from dispatch.services import user_create
from dispatch.services.isolation import incident_isolation_trace
from dispatch.services.work_orders import work_order_dispatch
from fleet.models import Vehicle
from gis.models import Valve
from maps.exports import CSV_COLUMNS
from tests.browser import SCREENSHOTS, WALL, chromium_page, sign_in
from tests.i18n.conftest import compiled_locale, translated  # noqa: F401  (fixtures)
from tests.i18n.words import data_words, stray_english
from tests.maps.test_incident_map import _incident
from tests.maps.test_timeline import leak_replayed

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("translated"),
]

# What people typed into an event: a crew's findings, a note.
TYPED = ("cause", "actions_taken", "text", "description", "note", "caption")


def _names() -> list[str]:
    """People's, crews' and vans' names: data, not words to translate."""
    texts: list[str] = []
    for user in User.objects.all():
        texts += [user.get_full_name(), user.username]
    texts += Crew.objects.values_list("name", flat=True)
    texts += Vehicle.objects.values_list("registration", flat=True)
    texts += Vehicle.objects.values_list("device_id", flat=True)
    texts += Call.objects.values_list("caller_name", flat=True)
    return texts


def _typed() -> set[str]:
    """The words of what people typed into the incident's events (a list's items apart)."""
    texts: list[str] = []
    for data in IncidentEvent.objects.values_list("data", flat=True):
        for value in (data.get(k) for k in TYPED) if isinstance(data, dict) else ():
            texts += [str(v) for v in value] if isinstance(value, list) else [str(value or "")]
    return data_words(texts)


def _speaking(usernames: Iterable[str], language: str) -> None:
    User.objects.filter(username__in=list(usernames)).update(language=language)


def _read(page: Page, base: str, username: str, path: str, ready: str) -> str:
    sign_in(page, base, username, path)
    page.wait_for_selector(ready)
    page.wait_for_timeout(400)  # the network tiles and the replay's clock settle
    return page.evaluate("document.body.innerText")


def _scene() -> dict[str, str]:
    """An incident with a crew on the way and an isolation traced (every part of its map), and a
    leak worked from the first call to completion (every part of a timeline)."""
    dispatcher = User.objects.get(username="dispatcher")
    incident = _incident()
    crew = Crew.objects.filter(vehicle__last_point__isnull=False).order_by("name").first()
    assert crew is not None
    work_order_dispatch(incident_id=incident.id, crew_id=crew.id, actor=dispatcher)
    incident_isolation_trace(incident_id=incident.id, actor=dispatcher, seized_valve_asset_ids=[])
    replayed = leak_replayed()
    return {"incident": incident.reference, "replayed": replayed.incident.reference}


def _pages(scene: dict[str, str]) -> list[tuple[str, str, str, str]]:
    """(screenshot name, who, path, what says the page is ready)."""
    incident, replayed = scene["incident"], scene["replayed"]
    return [
        ("incidents", "safety", "/incidents/?show=recent", "table.incidents"),
        ("incident", "dispatcher", f"/incidents/{incident}/map", "#incident-map[data-ready]"),
        ("timeline", "safety", f"/incidents/{replayed}/timeline", ".replay[data-ready]"),
        ("network", "supervisor", "/network/", "#network-map[data-ready]"),
    ]


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_review_pages_read_in_the_users_language(
    demo_city: None, live_server, language: str
) -> None:
    # Sentences an event records are written in the language of the one who caused it: a
    # Chinese control room's are Chinese.
    with translation.override("zh-hans" if language == "zh" else "en"):
        scene = _scene()
    pages = _pages(scene)
    _speaking({who for _n, who, _p, _r in pages}, "zh-hans" if language == "zh" else "en")
    names, typed = _names(), _typed()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    texts = {}
    for name, who, path, ready in pages:
        with chromium_page(WALL) as (page, failures):
            texts[name] = _read(page, live_server.url, who, path, ready)
            (SCREENSHOTS / f"{name}-{language}.txt").write_text(texts[name])
            page.screenshot(path=SCREENSHOTS / f"{name}-{language}.png")
            assert failures == [], (name, failures)

    if language == "zh":
        english = {name: stray_english(text, typed, strip=names) for name, text in texts.items()}
        assert english == {name: [] for name in texts}
        assert "事件时间线" in texts["incident"] or "本事件时间线" in texts["incident"]
        assert "播放" in texts["timeline"]
        assert "距首次来电" in texts["timeline"]
        assert "图例" in texts["network"]
    else:
        assert "Timeline of this incident" in texts["incident"]
        assert "Trace isolation" in texts["incident"]
        assert "Play" in texts["timeline"]
        assert "since the first call" in texts["timeline"]
        assert "Network map" in texts["network"]
        assert "Reference" in texts["incidents"]
        # The page's own words are English (the data, Chinese addresses and names, stays).
        for word in ("图例", "播放", "本事件时间线", "管网地图", "编号", "隔离", "导出", "管段"):
            assert not any(word in text for text in texts.values()), word


def _exported(reference: str, fmt: str, language: str) -> bytes:
    client = Client()
    user = User.objects.get(username="safety")
    user.language = language
    user.save(update_fields=["language"])
    client.force_login(user)
    response = client.get(f"/incidents/{reference}/timeline.{fmt}")
    assert response.status_code == 200
    return response.content


def test_exports_by_a_chinese_reader_have_chinese_headings(demo_city: None) -> None:
    reference = leak_replayed().incident.reference

    rows = list(csv.reader(io.StringIO(_exported(reference, "csv", "zh-hans").decode("utf-8-sig"))))
    assert rows[0][:3] == ["序号", "服务器时间", "设备时间"]
    assert all(re.search(r"[\u4e00-\u9fff]", heading) for heading in rows[0]), rows[0]
    assert len(rows) > 10

    book = load_workbook(io.BytesIO(_exported(reference, "xlsx", "zh-hans")))
    sheet = book.active
    assert sheet is not None
    heading = [c.value for c in sheet[1]]
    assert heading == rows[0]
    assert sheet.title == "事件记录"

    pdf = _exported(reference, "pdf", "zh-hans")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / "timeline-zh.pdf").write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, check=True, capture_output=True
    ).stdout.decode()
    for title in (
        "事件时间线",
        "对照 SLA 的响应",
        "已派班组",
        "班组推荐",
        "服务器时间",
        "首次来电",
    ):
        assert title in text, title
    assert "Response against the SLA" not in text

    # An English reader keeps the column codes scripts key on.
    english = csv.reader(io.StringIO(_exported(reference, "csv", "en").decode("utf-8-sig")))
    assert next(english) == CSV_COLUMNS


def test_a_page_not_for_the_role_says_so_in_the_users_language() -> None:
    user = user_create(username="ling", password="pw", role=Role.CALL_TAKER, org_unit=None)
    user.language = "zh-hans"
    user.save(update_fields=["language"])
    client = Client()
    client.force_login(user)
    refused = client.get("/network/")
    assert refused.status_code == 403
    text = refused.content.decode()
    assert "您的角色不能使用管网地图" in text
    assert "not for your role" not in text


def test_what_a_click_on_the_network_map_found_reads_in_the_users_language(
    demo_city: None,
) -> None:
    valve = Valve.objects.order_by("asset_id").first()
    assert valve is not None
    where = {"lon": f"{valve.geom.x:.7f}", "lat": f"{valve.geom.y:.7f}", "zoom": "19"}
    supervisor = User.objects.get(username="supervisor")
    client = Client()
    client.force_login(supervisor)
    for language, title, label in (("zh-hans", "阀门", "类型"), ("en", "Valve", "Type")):
        supervisor.language = language
        supervisor.save(update_fields=["language"])
        found = client.get("/maps/network/at", where).json()["found"]
        assert found["title"] == f"{title} {valve.asset_id}"
        assert found["rows"][0][0] == label
    refused = client.get("/maps/network/at", {**where, "lon": "east"}).json()
    assert refused["error"] == "lon must be a number, e.g. lon=117.21"
