"""The dispatch screen and the map wall in one language: a dispatcher who chose Chinese reads no
English on either (beyond codes every control room uses: P1, SLA, ETA, units, references), and
one who chose English reads English. Real headless Chromium at the wall's 1920x1080, the
committed catalogues compiled."""

from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import Page, expect

from dispatch.models import Call, Crew, Incident, IncidentDeadline, User
from dispatch.roles import Role
from dispatch.services import user_create
from dispatch.services.intake import CallInput, call_open_incident, call_receive
from dispatch.services.work_orders import work_order_dispatch
from fleet.models import Vehicle
from gis.models import OrgUnit, Premise
from tests.browser import SCREENSHOTS, WALL, chromium_page, sign_in
from tests.i18n.conftest import compiled_locale, translated  # noqa: F401 - fixtures
from tests.i18n.words import stray_chinese, stray_english

INCIDENT_ROW = "#queue li[data-id]"


def _open(premise: Premise, category: str, said: str, taker: User) -> Incident:
    call = call_receive(
        data=CallInput(category=category, premise_id=premise.pk, description=said), taker=taker
    )
    return call_open_incident(call_id=call.id, actor=taker)


def _visible_text(page: Page) -> str:
    """What a person reads: the page's text, the layer control's labels, the open popups,
    tooltips and the title."""
    return page.evaluate(
        """() => {
          const all = (selector) => [...document.querySelectorAll(selector)];
          const said = ['title', 'aria-label', 'placeholder'];
          return [document.title, document.body.innerText,
            ...all('.leaflet-control-layers label').map((l) => l.innerText),
            ...all('[title], [aria-label], [placeholder]').flatMap((n) =>
              said.map((a) => n.getAttribute(a) || ''))].join('\\n');
        }"""
    )


def _scene(dispatcher: User) -> dict[str, object]:
    """A few incidents: one waiting, one with a crew on its way, one due tomorrow."""
    premises = list(
        Premise.objects.filter(service_segment__isnull=False).exclude(room="").order_by("asset_id")
    )
    leak = _open(premises[0], "leak_indoor", "厨房里有很浓的煤气味", dispatcher)
    outdoor = _open(premises[300], "leak_outdoor", "公园门口有气味", dispatcher)
    later = _open(premises[600], "leak_outdoor", "楼道有轻微气味", dispatcher)
    crew = Crew.objects.filter(status=Crew.Status.AVAILABLE).order_by("name").first()
    assert crew is not None
    work_order_dispatch(incident_id=outdoor.pk, crew_id=crew.pk, actor=dispatcher)
    tomorrow = timezone.now() + timedelta(days=1, hours=2)
    IncidentDeadline.objects.filter(incident=later).update(due_at=tomorrow)
    return {"leak": leak, "outdoor": outdoor, "later": later, "tomorrow": tomorrow}


def _data() -> list[str]:
    """Names and codes that are data: shown as the records have them, in any language."""
    users = [u.get_full_name() or u.username for u in User.objects.all()]
    plates = list(Vehicle.objects.values_list("registration", flat=True))
    devices = list(Vehicle.objects.values_list("device_id", flat=True))
    return [*users, *(u.username for u in User.objects.all()), *plates, *devices]


def _dispatch_board(page: Page, base: str, username: str, opened: Incident) -> None:
    sign_in(page, base, username, "/dispatch/")
    page.wait_for_selector("body[data-ready]", state="attached")
    page.locator(f'{INCIDENT_ROW}[data-id="{opened.pk}"]').click()
    expect(page.locator("#detail-ref")).to_have_text(opened.reference)
    expect(page.locator("#recs li.rec").first).to_be_visible()
    page.wait_for_timeout(1200)  # a tick: clocks, the feed's state line


def _popup(page: Page, feature: str) -> None:
    page.evaluate(
        """(id) => {
          const e = window.wall.features.get(id);
          wallMap.setView(e.latlng, 17, {animate: false});
          e.layer.openPopup();
        }""",
        feature,
    )
    expect(page.locator(".leaflet-popup-content").last).to_be_visible()
    page.wait_for_timeout(1200)


def _wall(page: Page, base: str, opened: Incident) -> None:
    page.goto(f"{base}/wall/")  # signed in on the dispatch screen
    page.wait_for_selector("body[data-ready]", state="attached")
    expect(page.locator(f'#list-risk li[data-feature="incident:{opened.pk}"]')).to_be_visible()
    _popup(page, f"incident:{opened.pk}")


def _sign_in_as(language: str, username: str) -> User:
    user = user_create(
        username=username,
        password="demo",
        role=Role.DISPATCHER,
        org_unit=User.objects.get(username="dispatcher").org_unit,
    )
    user.language = language
    user.save(update_fields=["language"])
    return user


def test_a_chinese_dispatcher_reads_the_board_and_the_wall_in_chinese_an_english_one_in_english(
    demo_city: None,
    live_server,
    translated: None,  # noqa: F811
) -> None:
    zh = _sign_in_as("zh-hans", "wangfang")
    zh.first_name, zh.last_name = "芳", "王"
    zh.save(update_fields=["first_name", "last_name"])
    _sign_in_as("en", "ellis")
    scene = _scene(zh)
    data = _data()
    leak, outdoor = scene["leak"], scene["outdoor"]
    assert isinstance(leak, Incident)
    assert isinstance(outdoor, Incident)
    later = scene["later"]
    assert isinstance(later, Incident)
    van = Vehicle.objects.filter(last_point__isnull=False).order_by("device_id").first()
    assert van is not None
    base = live_server.url
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    seen: dict[str, str] = {}

    for language, username in (("zh", "wangfang"), ("en", "ellis")):
        with chromium_page(WALL) as (page, failures):
            _dispatch_board(page, base, username, outdoor)
            seen[f"dispatch-{language}"] = _visible_text(page)
            page.screenshot(path=str(SCREENSHOTS / f"dispatch-{language}.png"))
            # A clock due tomorrow carries its date.
            page.locator(f'{INCIDENT_ROW}[data-id="{later.pk}"]').click()
            expect(page.locator("#detail-ref")).to_have_text(later.reference)
            due = page.locator("#clocks li .due").first.inner_text()
            assert len(due) > len("04:28:03"), due
            seen[f"dispatch-later-{language}"] = _visible_text(page)

            _wall(page, base, outdoor)
            seen[f"wall-{language}"] = _visible_text(page)
            page.screenshot(path=str(SCREENSHOTS / f"wall-{language}.png"))
            _popup(page, f"van:{van.pk}")  # a van's popup: its crew's state, its last fix
            seen[f"wall-van-{language}"] = _visible_text(page)
            assert not failures, failures

    for name, text in seen.items():  # kept beside the screenshots, to read after a run
        (SCREENSHOTS / f"{name}.txt").write_text(text, encoding="utf-8")
    for name, text in seen.items():
        if name.endswith("-zh"):
            assert stray_english(text, strip=data) == [], name
        else:
            assert stray_chinese(text, strip=[*data, *_chinese_data()]) == [], name
    assert "Dispatch queue" in seen["dispatch-en"]
    assert "Incidents" in seen["wall-en"]  # the layer control
    assert "调度队列" in seen["dispatch-zh"]
    assert "事件" in seen["wall-zh"]


def _chinese_data() -> list[str]:
    """What is data in Chinese on an English screen: names of stations and crews, streets, the
    callers' words."""
    return [
        *OrgUnit.objects.values_list("name", flat=True),
        *Crew.objects.values_list("name", flat=True),
        *Incident.objects.values_list("address_text", flat=True),
        *Call.objects.values_list("description", flat=True),
    ]
