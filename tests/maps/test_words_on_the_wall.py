"""The wall's incident popup in real headless Chromium: what the caller said and the staff's
notes, fetched when the popup opens (the one-second feed stays light)."""

from django.utils import timezone
from playwright.sync_api import expect

from dispatch.models import Incident, User
from dispatch.services.intake import CallInput, call_open_incident, call_receive
from dispatch.services.notes import incident_note_add
from gis.models import Premise
from tests.browser import SCREENSHOTS, WALL, chromium_page, sign_in

SAID = "Smell of gas in the stairwell <b>since 7am</b>, worse near flat 3"
NOTE = "Caretaker on site with the keys: 139 0000 1111"


def _described_incident() -> Incident:
    dispatcher = User.objects.get(username="dispatcher")
    premise = Premise.objects.filter(service_segment__isnull=False).order_by("asset_id").first()
    assert premise is not None
    call = call_receive(
        data=CallInput(category="leak_indoor", premise_id=premise.id, description=SAID),
        taker=dispatcher,
    )
    incident = call_open_incident(call_id=call.id, actor=dispatcher)
    incident_note_add(incident_id=incident.id, text=NOTE, actor=dispatcher, at=timezone.now())
    return incident


def test_the_wall_popup_shows_what_the_caller_said_and_the_notes(
    demo_city: None, live_server
) -> None:
    incident = _described_incident()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with chromium_page(WALL) as (page, failures):
        sign_in(page, live_server.url, "dispatcher", "/wall/")
        page.wait_for_selector("body[data-ready]", state="attached")
        page.locator(f'#list-unassigned li[data-feature="incident:{incident.pk}"]').click()
        words = page.locator(".leaflet-popup .words")
        # Markup typed by a caller is text on the wall, never HTML.
        expect(words).to_contain_text(SAID)
        expect(words).to_contain_text(NOTE)
        expect(words.locator("b")).to_have_count(2)  # the two headings, not the caller's <b>
        page.screenshot(path=str(SCREENSHOTS / "wall-words.png"))
    assert failures == []
