"""A dispatcher opens, from the console, incidents a call taker opened: sends a crew to one and
cancels the other as a false alarm."""

from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from demo.crews import demo_crews_load
from dispatch.models import Customer, Incident, IncidentEvent, User, WorkOrder
from dispatch.services.intake import CallInput, call_open_incident, call_receive
from tests.browser import SCREENSHOTS, chromium_page, sign_in


@pytest.fixture
def demo(transactional_db: None) -> None:
    """A small demo city, the demo logins and crews."""
    call_command("make_demo_city", "--premises", "2000", "--no-progress", stdout=StringIO())
    call_command("load_demo", stdout=StringIO())
    demo_crews_load(count=20, seed=7)


def _taken(description: str, nth: int) -> Incident:
    """An incident as the call taker opens it from the console: a call, then the incident."""
    taker = User.objects.get(username="calltaker")
    customer = Customer.objects.filter(premises__isnull=False).order_by("account_no")[nth]
    premise = customer.premises.order_by("asset_id").first()
    assert premise is not None
    call = call_receive(
        data=CallInput(
            category="leak_indoor",
            caller_phone=customer.phones[0],
            premise_id=premise.pk,
            description=description,
        ),
        taker=taker,
    )
    return call_open_incident(call_id=call.pk, actor=taker)


def test_dispatcher_opens_a_call_takers_incident_dispatches_and_cancels_another(
    demo: None, live_server
) -> None:
    sent = _taken("smell of gas in the stairwell", 0)
    false_alarm = _taken("neighbour thinks the boiler smells", 1)
    base = live_server.url
    with chromium_page() as (page, failures):
        sign_in(page, base, "dispatcher", "/console/")
        page.goto(f"{base}/console/?incident={sent.pk}")
        page.wait_for_selector(".console[data-ready]")
        expect(page.locator("#incident-ref")).to_have_text(sent.reference)
        expect(page.locator("#said")).to_contain_text("smell of gas in the stairwell")
        top = page.locator("#crew-list button.dispatch").first
        expect(top).to_be_focused()
        page.keyboard.press("Enter")
        expect(page.locator("#work-order-body")).to_contain_text("Assigned")
        expect(page.locator("#log")).to_contain_text("dispatched")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "console-incident-dispatched.png"))

        # The other one by its reference, as read out over the radio.
        page.goto(f"{base}/console/?incident={false_alarm.reference}")
        page.wait_for_selector(".console[data-ready]")
        expect(page.locator("#incident-ref")).to_have_text(false_alarm.reference)
        page.select_option("#end-to", value="cancel")
        page.select_option("#end-reason", value="false_alarm")
        page.click("#end-case")  # no note yet: refused, in the server's words
        expect(page.locator("#end-error")).to_have_text("say in a few words what was found or said")
        expect(page.locator("#end-note")).to_be_focused()
        page.fill("#end-note", "boiler flue smell, no gas found")
        page.click("#end-case")
        expect(page.locator("#end-result")).to_contain_text("Cancelled")
        expect(page.locator("#log")).to_contain_text("Incident cancelled: false alarm")
        page.screenshot(path=str(SCREENSHOTS / "console-incident-cancelled.png"))
    # The one refusal asked for, and the browser's own line about it; nothing else.
    assert failures == [
        f"400 POST {base}/api/incidents/{false_alarm.pk}/cancel/",
        "console error: Failed to load resource: the server responded with a status of 400"
        " (Bad Request)",
    ]

    sent.refresh_from_db()
    false_alarm.refresh_from_db()
    assert sent.status == Incident.Status.DISPATCHED
    assert WorkOrder.objects.filter(incident=sent).count() == 1
    assert IncidentEvent.objects.filter(incident=sent, kind="work_order.assigned").exists()
    assert false_alarm.status == Incident.Status.CANCELLED
    assert false_alarm.end_reason == Incident.EndReason.FALSE_ALARM
    assert IncidentEvent.objects.filter(incident=false_alarm, kind="incident.cancelled").exists()
