"""A shift in the control room, in real headless Chromium: a call taker opens incidents and sends
no crew; the P1 sounds the alarm on the wall; the dispatcher, from the queue on the dispatch
screen and the keyboard, sends a crew, adds a second, reassigns one, calls one off, cancels a
false alarm and merges a duplicate. Every step is on the timeline, and no call is made up."""

from typing import Any

from django.test import Client
from playwright.sync_api import Page, expect

from dispatch.models import Call, Crew, Incident, IncidentEvent, User, WorkOrder
from dispatch.services.work_orders import work_order_dispatch
from gis.models import Premise
from maps.models import QueueAlarm
from tests.browser import SCREENSHOTS, TABLET, chromium_page, off_loop, sign_in

ALARM_AFTER_S = 5  # the supervisor's setting for this shift: the shipped 60 s would be slow
# A control room browser keeps audio off until someone touches the page; headless Chromium
# lets it play at once, so the page is made to start as a wall's browser does.
AUDIO_HELD_BACK = """
const Real = window.AudioContext;
window.AudioContext = class extends Real {
  constructor(...args) { super(...args); this.suspend(); }
};
"""


def _call_taken(client: Client, premise: Premise, category: str, said: str, phone: str) -> int:
    """What the call taker's console does: the call stored, then an incident opened for it."""
    stored = client.post(
        "/api/calls/",
        {
            "category": category,
            "premise_id": premise.pk,
            "description": said,
            "caller_phone": phone,
        },
        content_type="application/json",
    )
    assert stored.status_code == 201, stored.content
    opened = client.post(f"/api/calls/{stored.json()['call']['id']}/open-incident/")
    assert opened.status_code == 201, opened.content
    return int(opened.json()["id"])


def _shot(page: Page, name: str) -> None:
    page.screenshot(path=str(SCREENSHOTS / f"shift-{name}.png"))


def _agree_if_asked(page: Page) -> None:
    """A crew that lacks a skill or is busy elsewhere asks first: Enter agrees."""
    page.wait_for_timeout(300)
    if page.locator("#confirm[open]").count():
        page.keyboard.press("Enter")


def _pick(page: Page, incident_id: int) -> None:
    """Down the queue with j until the incident is selected, then Enter opens it."""
    page.keyboard.press("Escape")
    for key in ["k"] * 12:
        page.keyboard.press(key)  # to the top first
    for _ in range(12):
        if page.locator(f'.q-row.selected[data-id="{incident_id}"]').count():
            break
        page.keyboard.press("j")
    expect(page.locator(f'.q-row.selected[data-id="{incident_id}"]')).to_have_count(1)
    page.keyboard.press("Enter")


def _work_orders(page: Page) -> Any:
    return page.locator("#work-orders li[data-wo]")


def test_a_shift_on_the_dispatch_screen_from_the_queue_to_every_ending(
    demo_city: None, live_server
) -> None:
    QueueAlarm.objects.filter(priority=1).update(after_seconds=ALARM_AFTER_S, sound=True)
    taker = Client()
    taker.force_login(User.objects.get(username="calltaker"))
    premises = list(
        Premise.objects.filter(service_segment__isnull=False).exclude(room="").order_by("asset_id")
    )
    leak = _call_taken(
        taker, premises[0], "leak_indoor", "strong smell of gas in the kitchen", "13800001111"
    )
    again = _call_taken(
        taker, premises[1], "leak_indoor", "the neighbour's kitchen smells of gas", "13800002222"
    )
    barbecue = _call_taken(
        taker, premises[400], "leak_outdoor", "smell near the park gate", "13800003333"
    )
    refs = dict(
        Incident.objects.filter(pk__in=[leak, again, barbecue]).values_list("pk", "reference")
    )
    assert Incident.objects.get(pk=leak).priority == 1
    calls_before = Call.objects.count()
    assert not WorkOrder.objects.exists()  # the call taker sent no crew
    base = live_server.url
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    with chromium_page() as (page, failures):
        # The wall: the P1 waits past the supervisor's time, flashes, and sounds once enabled.
        page.add_init_script(AUDIO_HELD_BACK)
        sign_in(page, base, "dispatcher", "/wall/")
        page.wait_for_selector("body[data-ready]", state="attached")
        row = page.locator(f'#list-unassigned li[data-feature="incident:{leak}"]')
        expect(row).to_contain_text("strong smell of gas in the kitchen")
        expect(page.locator("#alarm")).to_contain_text(refs[leak], timeout=15_000)
        expect(
            page.locator(f'#list-unassigned li.alarm[data-feature="incident:{leak}"]')
        ).to_be_visible()
        enable = page.locator("#sound-enable")
        expect(enable).to_be_visible()  # no tone until someone touches the page: it says so
        assert page.evaluate("window.wall.sound.rings()") == 0
        _shot(page, "01-wall-p1-alarm-sound-blocked")
        enable.click()
        expect(enable).to_be_hidden()
        expect(page.locator("#sound-on")).to_be_visible()
        page.wait_for_function("window.wall.sound.rings() > 0")
        _shot(page, "02-wall-p1-alarm")

        # From the wall's queue to the dispatch screen, on the P1.
        row.locator("a.go").click()
        page.wait_for_url(f"{base}/dispatch/?incident={refs[leak]}")
        page.wait_for_selector("body[data-ready]", state="attached")
        expect(page.locator("#detail-ref")).to_have_text(refs[leak])
        expect(page.locator("#said")).to_contain_text("strong smell of gas in the kitchen")
        expect(page.locator("#recs li.rec").first).to_be_visible()
        expect(page.locator("#alarm")).to_be_visible()
        _shot(page, "03-dispatch-p1-waiting")

        # 1: the top crew goes.
        first = page.locator("#recs li.rec b").first.inner_text()
        page.keyboard.press("1")
        _agree_if_asked(page)
        expect(_work_orders(page)).to_have_count(1)
        expect(_work_orders(page).first).to_contain_text(first)
        expect(page.locator("#alarm")).not_to_contain_text(refs[leak])  # the neighbour's waits on
        expect(page.locator(f'.q-row.alarm[data-id="{leak}"]')).to_have_count(0)
        _shot(page, "04-crew-sent")

        # a, then 1: a second crew added.
        page.keyboard.press("a")
        expect(page.locator("#h-recs")).to_contain_text("Add a crew")
        second = page.locator("#recs li.rec b").first.inner_text()
        assert second != first
        page.keyboard.press("1")
        _agree_if_asked(page)
        expect(_work_orders(page)).to_have_count(2)
        expect(page.locator("#work-orders")).to_contain_text(second)
        _shot(page, "05-second-crew-added")

        # r: the first crew's job goes to another crew, with a reason.
        page.keyboard.press("Escape")
        page.keyboard.press("r")
        expect(page.locator("#reassign-form")).to_be_visible()
        expect(page.locator("#reassign-crew")).to_be_focused()
        third = page.locator("#reassign-crew option").first.inner_text().split(" · ")[0][3:]
        page.fill("#reassign-reason", "a nearer crew is free")
        _shot(page, "06-reassign-form")
        page.locator("#reassign-reason").press("Enter")
        _agree_if_asked(page)
        expect(page.locator("#reassign-form")).to_be_hidden()
        expect(_work_orders(page)).to_have_count(2)
        expect(page.locator("#work-orders")).to_contain_text(third)
        expect(page.locator("#work-orders")).not_to_contain_text(first)
        _shot(page, "07-reassigned")

        # x: one work order called off, with a reason.
        page.keyboard.press("x")
        expect(page.locator("#cancel-form")).to_be_visible()
        page.select_option("#cancel-wo", index=1)
        page.fill("#cancel-reason", "no longer needed: another crew has it in hand")
        page.locator("#cancel-reason").press("Enter")
        expect(page.locator("#cancel-form")).to_be_hidden()
        expect(_work_orders(page)).to_have_count(1)
        expect(page.locator("#timeline")).to_contain_text("Work order cancelled")
        _shot(page, "08-work-order-cancelled")

        # The outdoor smell was a barbecue: cancelled as a false alarm. The server refuses it
        # without a note first, and says so.
        _pick(page, barbecue)
        expect(page.locator("#detail-ref")).to_have_text(refs[barbecue])
        page.keyboard.press("e")
        expect(page.locator("#end-to")).to_be_focused()
        page.select_option("#end-to", value="cancel")
        page.select_option("#end-reason", value="false_alarm")
        page.click("#end-send")
        expect(page.locator("#end-error")).to_have_text("say in a few words what was found or said")
        expect(page.locator("#status")).to_contain_text("say in a few words what was found or said")
        page.fill("#end-note", "a barbecue in the park, no gas found")
        page.click("#end-send")
        expect(page.locator("#status")).to_contain_text("false alarm")
        expect(page.locator(f'.q-row[data-id="{barbecue}"]')).to_have_count(0)
        _shot(page, "09-false-alarm-cancelled")

        # The neighbour's call is the same leak: merged into it, picked from the queue.
        _pick(page, again)
        expect(page.locator("#detail-ref")).to_have_text(refs[again])
        page.keyboard.press("m")
        expect(page.locator("#end-into")).to_be_focused()
        page.select_option("#end-into", value=str(leak))
        page.select_option("#end-reason", value="duplicate")
        page.fill("#end-note", "same kitchen leak, next door")
        page.click("#end-send")
        expect(page.locator("#detail-what")).to_contain_text(refs[leak])
        expect(page.locator(f'.q-row[data-id="{again}"]')).to_have_count(0)
        _shot(page, "10-duplicate-merged")

        _pick(page, leak)
        expect(page.locator("#detail-what")).to_contain_text("2 report(s)")
        expect(page.locator("#said")).to_contain_text("the neighbour's kitchen smells of gas")
        expect(page.locator("#recs li.rec").first).to_be_visible()  # more crews can be added
        _shot(page, "11-p1-after-the-shift")
        page.goto(f"{base}/wall/")
        page.wait_for_selector("body[data-ready]", state="attached")
        expect(page.locator("#alarm")).to_be_hidden()
        _shot(page, "12-wall-after-the-shift")

    # The one refusal asked for, and the browser's own line about it; nothing else.
    assert failures == [
        f"400 POST {base}/api/incidents/{barbecue}/cancel/",
        "console error: Failed to load resource: the server responded with a status of 400"
        " (Bad Request)",
    ]
    kinds = list(IncidentEvent.objects.filter(incident_id=leak).values_list("kind", flat=True))
    assert kinds.count("work_order.assigned") == 3  # sent, added, reassigned to
    assert kinds.count("work_order.cancelled") == 2  # the reassigned one, the one called off
    assert "crews.recommended" in kinds
    assert "incident.merged_in" in kinds
    reassigned = IncidentEvent.objects.get(
        incident_id=leak, kind="work_order.assigned", data__reassigned_from__isnull=False
    )
    assert reassigned.data["reassigned_from"]["reason"] == "a nearer crew is free"
    called_off = IncidentEvent.objects.filter(incident_id=leak, kind="work_order.cancelled")
    assert {e.data.get("reason") for e in called_off} >= {
        "no longer needed: another crew has it in hand"
    }
    assert (
        WorkOrder.objects.filter(incident_id=leak, status__in=WorkOrder.ACTIVE_STATUSES).count()
        == 1
    )
    ended = Incident.objects.get(pk=barbecue)
    assert ended.status == Incident.Status.CANCELLED
    assert ended.end_reason == Incident.EndReason.FALSE_ALARM
    assert IncidentEvent.objects.filter(incident=ended, kind="incident.cancelled").exists()
    merged = Incident.objects.get(pk=again)
    assert merged.status == Incident.Status.MERGED
    assert merged.merged_into_id == leak
    assert IncidentEvent.objects.filter(incident=merged, kind="incident.merged").exists()
    assert Call.objects.count() == calls_before  # no call was made up on the way
    assert Call.objects.filter(incident_id=leak).count() == 2


def test_the_crews_tablet_chimes_when_a_new_job_arrives_and_not_again_on_a_reload(
    demo_city: None, live_server
) -> None:
    crew = Crew.objects.get(members__username="crew")
    dispatcher = User.objects.get(username="dispatcher")
    taker = Client()
    taker.force_login(User.objects.get(username="calltaker"))
    premise = Premise.objects.filter(service_segment__isnull=False).order_by("asset_id")[30]
    leak = _call_taken(taker, premise, "leak_indoor", "gas smell on the landing", "13800004444")
    base = live_server.url

    with chromium_page(TABLET) as (page, failures):
        page.add_init_script(AUDIO_HELD_BACK)
        sign_in(page, base, "crew", "/tablet/")
        page.wait_for_selector(".tablet[data-ready]", state="attached")
        expect(page.locator("#no-job")).to_be_visible()
        enable = page.locator("#sound-enable")
        expect(enable).to_be_visible()  # audio held back until the crew touches the tablet
        _shot(page, "13-tablet-sound-blocked")
        enable.click()
        expect(enable).to_be_hidden()
        assert page.evaluate("window.tabletSound.chimes()") == 0

        sent = off_loop(
            lambda: work_order_dispatch(incident_id=leak, crew_id=crew.pk, actor=dispatcher)
        )
        reference = off_loop(lambda: Incident.objects.get(pk=leak).reference)
        page.wait_for_function("window.tabletSound.chimes() === 1", timeout=25_000)
        expect(page.locator("#message-text")).to_contain_text(reference)
        expect(page.locator("#job-ref")).to_have_text(reference)
        _shot(page, "14-tablet-new-job-chimed")

        page.reload()
        page.wait_for_selector(".tablet[data-ready]", state="attached")
        expect(page.locator("#job-ref")).to_have_text(reference)
        page.wait_for_timeout(500)
        assert page.evaluate("window.tabletSound.chimes()") == 0  # the same job: no chime
        assert failures == []
    assert sent.crew_id == crew.pk


def test_a_call_taker_watches_the_queue_without_the_actions(demo_city: None, live_server) -> None:
    taker = Client()
    taker.force_login(User.objects.get(username="calltaker"))
    premise = Premise.objects.filter(service_segment__isnull=False).order_by("asset_id")[50]
    leak = _call_taken(taker, premise, "leak_indoor", "hissing by the meter", "13800005555")
    base = live_server.url

    with chromium_page() as (page, failures):
        sign_in(page, base, "calltaker", "/dispatch/")
        page.wait_for_selector("body[data-ready]", state="attached")
        expect(page.locator(f'.q-row.selected[data-id="{leak}"]')).to_have_count(1)
        page.keyboard.press("Enter")
        expect(page.locator("#said")).to_contain_text("hissing by the meter")
        expect(page.locator("#work-orders")).to_contain_text("No crew on it yet.")
        assert page.locator("#recs-box, #end-box, #work-orders button").count() == 0
        page.keyboard.press("1")  # a number sends nothing for a role that does not dispatch
        page.keyboard.press("e")
        page.wait_for_timeout(500)
        _shot(page, "15-call-taker-watches")
        assert failures == []
    assert not WorkOrder.objects.filter(incident_id=leak).exists()
