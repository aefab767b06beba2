"""Every page in headless Chromium, in Chinese and in English, at the control room's 1920x1080
and the tablet's 800x1280: screenshots to look at (var/screenshots/pages/), and in Chinese no
word of the code's own English left on screen, in the text or in the labels a person reads
(titles, placeholders, accessible names). Data the utility typed in stays as typed."""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone
from playwright.sync_api import Page

from alerts.services.status_links import status_link_for
from desk.knowledge.models import Article
from desk.services.cases import case_open, case_reply
from dispatch.models import Call, Crew, User, WorkOrder
from dispatch.services.intake import CallInput, call_open_incident, call_receive
from dispatch.services.work_orders import work_order_dispatch, work_order_transition
from fleet.models import Vehicle
from gis.models import OrgUnit, Premise
from telephony.events import Kind, PhoneEvent
from telephony.models import CallLeg, Extension, PhoneSystem
from telephony.services.legs import phone_event_apply
from telephony.services.recordings import review_add
from tests.browser import SCREENSHOTS, TABLET, WALL, chromium_page, sign_in
from tests.i18n.words import data_words, stray_english

PAGES_DIR = SCREENSHOTS / "pages"
VIEWPORTS = {"1920x1080": WALL, "800x1280": TABLET}
BROWSER_LOCALE = {"zh-hans": "zh-CN", "en": "en-US"}

# What a person reads besides the text: hover titles, placeholders, the names of icon buttons.
# What is set as code (a file's column names, a key) is read as typed: blanked after the
# screenshot, before the page's text is read.
READ_TEXT = """() => {
  for (const el of document.querySelectorAll('code')) el.textContent = '';
  const seen = [document.title, document.body.innerText];
  for (const el of document.querySelectorAll('[title],[placeholder],[aria-label],img[alt]')) {
    if (el.closest('[hidden],template,script,style')) continue;
    for (const a of ['title', 'placeholder', 'aria-label', 'alt']) {
      const v = el.getAttribute(a);
      if (v) seen.push(v);
    }
  }
  return seen.join('\\n');
}"""


@dataclass
class Walk:
    reference: str
    status_token: str
    crew_id: int
    data: set[str]
    case: str = ""
    leg: int = 0


@pytest.fixture
def walk(demo_city: None, translated: None) -> Walk:
    """Two incidents: one with the demo crew's crew on site (so the tablet, the timeline and the
    wall have a job to show), one waiting for a crew; a status link for the first caller."""
    dispatcher = User.objects.get(username="dispatcher")
    premises = list(Premise.objects.filter(service_segment__isnull=False).order_by("asset_id"))
    crew_user = User.objects.get(username="crew")
    crew = crew_user.crews.order_by("id").first() or Crew.objects.order_by("id").first()
    assert crew is not None
    crew.members.add(crew_user)
    call = call_receive(
        data=CallInput(
            category="leak_indoor",
            premise_id=premises[3].id,
            caller_phone="13900001111",
            description="厨房有燃气味",
        ),
        taker=dispatcher,
    )
    incident = call_open_incident(call_id=call.id, actor=dispatcher)
    order = work_order_dispatch(incident_id=incident.id, crew_id=crew.id, actor=dispatcher)
    for to in (WorkOrder.Status.ACCEPTED, WorkOrder.Status.EN_ROUTE, WorkOrder.Status.ON_SITE):
        work_order_transition(work_order_id=order.id, to=to, actor=crew_user)
    other = call_receive(
        data=CallInput(category="no_gas", premise_id=premises[40].id), taker=dispatcher
    )
    call_open_incident(call_id=other.id, actor=dispatcher)
    with transaction.atomic():  # the link is made under a row lock, as the outbox makes it
        link = status_link_for(Call.objects.get(pk=call.id))
    # A complaint at the company's desk, replied to: a case to read and a call-back owed.
    complaint = call_receive(
        data=CallInput(
            category="complaint",
            premise_id=premises[7].id,
            caller_phone="13900002222",
            description="抄表员态度差",
        ),
        taker=dispatcher,
    )
    case = case_open(call_id=complaint.id, actor=dispatcher)
    case_reply(case_id=case.pk, actor=User.objects.get(username="desk"), text="已致歉")
    # The phone system: the call taker's extension, the complaint's call recorded and
    # reviewed, and a caller waiting (the phone board, the recording's page, the wall).
    station = OrgUnit.objects.get(code="st-central")
    system = PhoneSystem.objects.create(name="Asterisk", kind="ami", unit=station)
    Extension.objects.create(system=system, number="8001", user=dispatcher)
    now = timezone.now()
    for event in (
        PhoneEvent(Kind.CREATED, "w.1", "w.1", now, caller="13900002222"),
        PhoneEvent(Kind.RINGING, "w.2", "w.1", now, extension="8001"),
        PhoneEvent(Kind.ANSWERED, "w.2", "w.1", now),
        PhoneEvent(Kind.RECORDING, "w.2", "w.1", now, recording="/monitor/w-1.wav"),
        PhoneEvent(Kind.CREATED, "x.1", "x.1", now, caller="13900003333"),
        PhoneEvent(Kind.QUEUED, "x.1", "x.1", now, queue="hotline"),
    ):
        phone_event_apply(system=system, event=event)
    recorded = CallLeg.objects.get(leg_uid="w.2")
    review_add(leg=recorded, reviewer=User.objects.get(username="supervisor"), score=88,
               comments="语气友好")  # fmt: skip
    data = data_words(
        [
            *OrgUnit.objects.values_list("name", flat=True),
            *Crew.objects.values_list("name", flat=True),
            *Vehicle.objects.values_list("registration", flat=True),
            *User.objects.values_list("username", flat=True),
            *User.objects.values_list("first_name", flat=True),
            *User.objects.values_list("last_name", flat=True),
            # The knowledge base's articles: the utility's own words, and their keys.
            *Article.objects.values_list("key", flat=True),
            *Article.objects.values_list("title_zh", flat=True),
            # The phone system's own names for its queues.
            *CallLeg.objects.values_list("queue", flat=True),
        ]
    )
    return Walk(incident.reference, link.token, crew.id, data, case.reference, recorded.pk)


def _pages(walk: Walk) -> dict[str | None, list[tuple[str, str]]]:
    """(name, path) per login; None is the public, signed out."""
    ref = walk.reference
    return {
        "dispatcher": [
            ("home", "/"),
            ("console", "/console/"),
            ("dispatch", "/dispatch/"),
            ("wall", "/wall/"),
            ("incidents", "/incidents/"),
            ("incident-map", f"/incidents/{ref}/map"),
            ("timeline", f"/incidents/{ref}/timeline"),
            ("network", "/network/"),
        ],
        "supervisor": [
            ("escalations", "/escalations/"),
            ("knowledge-new", "/knowledge/new/"),
            ("reports", "/reports/"),
            ("reports-monthly", "/reports/monthly/"),
            ("phone-board", "/telephony/board/"),
            ("recording", f"/telephony/legs/{walk.leg}/"),
        ],
        "desk": [
            ("desk", "/desk/"),
            ("desk-case", f"/desk/cases/{walk.case}/"),
            ("callbacks", "/callbacks/"),
            ("appointments", "/appointments/"),
            ("knowledge", "/knowledge/"),
            ("arrears", "/desk/arrears/"),
        ],
        "admin": [
            ("admin", "/admin/"),
            ("admin-crews", "/admin/dispatch/crew/"),
            ("admin-crew", f"/admin/dispatch/crew/{walk.crew_id}/change/"),
            ("import-upload", "/admin/imports/importrun/upload/"),
        ],
        "crew": [("tablet", "/tablet/")],
        None: [
            ("login", "/accounts/login/"),
            ("outages", "/outages/"),
            ("status", f"/s/{walk.status_token}"),
            ("book", "/book/"),
        ],
    }


# Screens used at a desk, never on a tablet: walked at the control room's size only.
DESK_ONLY = {
    "reports",
    "reports-monthly",
    "phone-board",
    "recording",
    "desk",
    "desk-case",
    "callbacks",
    "appointments",
    "knowledge",
    "arrears",
    "knowledge-new",
    "admin",
    "admin-crews",
    "admin-crew",
    "import-upload",
    "wall",
    "network",
}


# What each page's script marks when it has drawn (data-ready on its root).
READY = {
    "console": ".console[data-ready]",
    "dispatch": "body[data-ready]",
    "wall": "body[data-ready]",
    "incident-map": "#incident-map[data-ready]",
    "timeline": "#replay[data-ready]",
    "network": "#network-map[data-ready]",
    "tablet": ".tablet[data-ready]",
}


def _settle(page: Page, name: str) -> None:
    """The page's scripts have drawn, and map tiles had a moment to paint."""
    page.wait_for_load_state("load")
    if name in READY:
        page.wait_for_selector(READY[name], state="attached")
    page.wait_for_timeout(500)


def _visit(
    language: str, size: str, login: str | None, pages: list[tuple[str, str]], base: str
) -> Iterator[tuple[str, str, list[str]]]:
    """(page name, what a person reads, failures) for each page, screenshots taken."""
    with chromium_page(VIEWPORTS[size], BROWSER_LOCALE[language]) as (page, failures):
        for n, (name, path) in enumerate(pages):
            if login is not None and n == 0:
                sign_in(page, base, login, path)
            else:
                page.goto(f"{base}{path}")
            _settle(page, name)
            page.screenshot(path=str(PAGES_DIR / f"{name}-{language}-{size}.png"))
            yield name, page.evaluate(READ_TEXT), list(failures)
            failures.clear()


def test_every_page_reads_in_the_users_language(walk: Walk, live_server: Any) -> None:
    """One city for the whole walk (each language at each size): building it is the slow part."""
    PAGES_DIR.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    for language in BROWSER_LOCALE:
        User.objects.update(language=language)  # the profile's choice a signed-in page follows
        for size in VIEWPORTS:
            for login, all_pages in _pages(walk).items():
                pages = [p for p in all_pages if size == "1920x1080" or p[0] not in DESK_ONLY]
                if not pages:
                    continue
                for name, text, failures in _visit(language, size, login, pages, live_server.url):
                    where = f"{name} ({language}, {size})"
                    problems += [f"{where}: {f}" for f in failures]
                    if not text.strip():
                        problems.append(f"{where}: shows nothing")
                    if language == "zh-hans":
                        problems += [f"{where}: {s}" for s in stray_english(text, walk.data)]
    assert not problems, "\n".join(problems)
