"""The phone board: agents' states and queues waiting, from the call legs and presence; an
agent's presence from their console or the phone system's queue pause; who may see it."""

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from dispatch.models import User
from telephony.ami import frame_parse, pause_of
from telephony.events import Kind, PhoneEvent
from telephony.models import AgentPresence, Extension, PhoneSystem
from telephony.services.agents import board, presence_from_phone
from telephony.services.legs import phone_event_apply
from tests.browser import SCREENSHOTS, chromium_page, sign_in


def _floor(system: PhoneSystem) -> None:
    """A caller waiting 30 s in "hotline", the call taker on a call, another call ended just
    now (the dispatcher wraps it up)."""
    now = timezone.now()
    for event in (
        PhoneEvent(Kind.CREATED, "q.1", "q.1", now - timedelta(seconds=31), caller="13900000001"),
        PhoneEvent(Kind.QUEUED, "q.1", "q.1", now - timedelta(seconds=30), queue="hotline"),
        PhoneEvent(Kind.CREATED, "c.1", "c.1", now - timedelta(seconds=90), caller="13900000002"),
        PhoneEvent(Kind.RINGING, "c.2", "c.1", now - timedelta(seconds=85), extension="8001",
                   caller="13900000002"),
        PhoneEvent(Kind.ANSWERED, "c.2", "c.1", now - timedelta(seconds=80)),
        PhoneEvent(Kind.RINGING, "d.2", "d.1", now - timedelta(seconds=50), extension="8002"),
        PhoneEvent(Kind.ANSWERED, "d.2", "d.1", now - timedelta(seconds=45)),
        PhoneEvent(Kind.ENDED, "d.2", "d.1", now - timedelta(seconds=5)),
    ):  # fmt: skip
        phone_event_apply(system=system, event=event)


@pytest.fixture
def system(transactional_db: None) -> PhoneSystem:
    call_command("load_demo", stdout=StringIO())
    made = PhoneSystem.objects.create(name="Asterisk", kind="ami", wrap_up_s=60)
    Extension.objects.create(
        system=made, number="8001", user=User.objects.get(username="calltaker")
    )
    Extension.objects.create(
        system=made, number="8002", user=User.objects.get(username="dispatcher")
    )
    return made


def _client(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def test_the_board_shows_each_agents_state_and_the_queues_waiting(system: PhoneSystem) -> None:
    _floor(system)
    agents, queues = board()
    states = {a.extension: (a.state, a.caller) for a in agents}
    assert states == {"8001": ("on_call", "13900000002"), "8002": ("wrap_up", "")}
    assert [(q.queue, q.waiting) for q in queues] == [("hotline", 1)]
    assert 29 <= queues[0].longest_wait_s <= 60
    # Past the wrap-up time the dispatcher's own presence shows again.
    later = timezone.now() + timedelta(seconds=61)
    assert {a.extension: a.state for a in board(later)[0]}["8002"] == "signed_off"
    body = _client("supervisor").get("/telephony/board.json").json()
    assert [a["state"] for a in body["agents"]] == ["on_call", "wrap_up"]
    assert body["queues"][0]["queue"] == "hotline"
    # The wall's line: counts only, for the control room.
    summary = _client("dispatcher").get("/telephony/summary.json").json()
    assert (summary["waiting"], summary["agents"]) == (1, {"on_call": 1, "wrap_up": 1})
    assert 29 <= summary["longest_wait_s"] <= 60
    assert _client("crew").get("/telephony/summary.json").status_code == 403


def test_an_agent_says_ready_or_not_ready_with_a_reason(system: PhoneSystem) -> None:
    taker = _client("calltaker")
    post = lambda body: taker.post(  # noqa: E731
        "/telephony/presence", json.dumps(body), content_type="application/json"
    )
    assert post({"ready": True}).json() == {"ready": True, "reason": ""}
    refused = post({"ready": False})
    assert refused.status_code == 400
    assert "say why" in refused.json()["detail"]
    assert post({"ready": "yes"}).status_code == 400
    assert (
        taker.post("/telephony/presence", "{", content_type="application/json").status_code == 400
    )
    assert AgentPresence.objects.get(user__username="calltaker").ready is True  # unchanged
    assert post({"ready": False, "reason": "training"}).json()["reason"] == "training"
    agents = {a.extension: (a.state, a.reason) for a in board()[0]}
    assert agents["8001"] == ("not_ready", "training")
    safety = _client("safety")
    assert (
        safety.post("/telephony/presence", "{}", content_type="application/json").status_code == 403
    )


def test_the_phone_systems_queue_pause_sets_the_agents_presence(system: PhoneSystem) -> None:
    frame = frame_parse(
        "Event: QueueMemberPause\r\nQueue: hotline\r\nInterface: PJSIP/8002\r\n"
        "MemberName: dispatcher\r\nPaused: 1\r\nPausedReason: lunch"
    )
    extension, paused, reason = pause_of(frame) or ("", False, "")
    presence_from_phone(system=system, extension=extension, paused=paused, reason=reason)
    agents = {a.extension: (a.state, a.reason) for a in board()[0]}
    assert agents["8002"] == ("not_ready", "lunch")
    presence_from_phone(system=system, extension="8002", paused=False, reason="")
    assert {a.extension: a.state for a in board()[0]}["8002"] == "ready"


def test_the_board_is_the_supervisors_in_chromium(system: PhoneSystem, live_server) -> None:
    _floor(system)
    assert _client("calltaker").get("/telephony/board.json").status_code == 403
    assert _client("calltaker").get("/telephony/board/").status_code == 403
    for language in ("zh-CN", "en-US"):
        with chromium_page(locale=language) as (page, failures):
            sign_in(page, live_server.url, "supervisor", "/telephony/board/")
            page.wait_for_selector(".phone-board[data-ready='1']")
            expect(page.locator("#agents tbody tr")).to_have_count(2)
            expect(page.locator("#queues tbody tr")).to_have_count(1)
            expect(page.locator("#agents tr[data-state='on_call']")).to_contain_text("13900000002")
            page.screenshot(path=str(SCREENSHOTS / f"telephony-board-{language[:2]}.png"))
            assert failures == []
