"""Call events from another ACD over HTTP: a day's calls give exact legs, a replay changes
nothing, and every bad request answers its status in words and changes nothing."""

import json
from datetime import datetime
from typing import Any

import pytest
from django.urls import include, path
from rest_framework.test import APIClient

from config.counters import counters_all
from dispatch.models import User
from dispatch.roles import Role
from dispatch.services import user_create
from telephony.models import CallLeg, Extension, PhoneSystem
from telephony.webhook import WebhookAddressThrottle

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.telephony.test_webhook")]

# The route as config/urls.py includes it.
urlpatterns = [path("api/telephony/", include("telephony.urls"))]

Status = CallLeg.Status
SECRET = "7f3c1d9e-acd-token"
FORM = "application/x-www-form-urlencoded"


def t(clock: str) -> str:
    return f"2026-12-06T{clock}+08:00"


def at(clock: str) -> datetime:
    return datetime.fromisoformat(t(clock))


def e(event: str, leg: str, call: str, clock: str, **more: str) -> dict[str, str]:
    return {"event": event, "leg": leg, "call": call, "at": t(clock), **more}


DAY = [
    # A queue call answered by 8001, who transfers it to 8002.
    e("created", "w1", "w1", "09:00:00", caller="13800138000", dialled="96777"),
    e("queued", "w1", "w1", "09:00:02", queue="hotline"),
    e("created", "w1-a", "w1", "09:00:03", extension="8001", queue="hotline"),
    e("ringing", "w1-a", "w1", "09:00:03", extension="8001"),
    e("answered", "w1-a", "w1", "09:00:08"),
    e("recording", "w1-a", "w1", "09:00:08", recording="https://acd.example/rec/w1.wav"),
    e("transferred", "w1-a", "w1", "09:01:00", transfer_to="8002"),
    e("ended", "w1-a", "w1", "09:01:00"),
    e("created", "w1-b", "w1", "09:01:01", extension="8002"),
    # Out of order: 8002's end before its answer.
    e("ended", "w1-b", "w1", "09:02:00"),
    e("answered", "w1-b", "w1", "09:01:05"),
    e("ended", "w1", "w1", "09:02:00"),
    # A caller who gave up in the queue while 8001's phone rang.
    e("created", "w2", "w2", "10:30:00", caller="13900139000", dialled="96777"),
    e("queued", "w2", "w2", "10:30:01", queue="hotline"),
    e("ringing", "w2-a", "w2", "10:30:02", extension="8001"),
    e("abandoned", "w2", "w2", "10:30:30", queue="hotline"),
    e("ended", "w2-a", "w2", "10:30:30"),
    e("ended", "w2", "w2", "10:30:30"),
]


@pytest.fixture
def system(db: None) -> PhoneSystem:
    acd = PhoneSystem.objects.create(name="ACD", kind="webhook", secret=SECRET)
    for number, name in (("8001", "agent1"), ("8002", "agent2")):
        user = user_create(username=name, password="pw", role=Role.CALL_TAKER, org_unit=None)
        Extension.objects.create(system=acd, number=number, user=user)
    return acd


def _post(
    system_id: int,
    body: Any,
    *,
    token: str | None = SECRET,
    raw: str | None = None,
    address: str = "192.0.2.10",
    content_type: str = "application/json",
) -> Any:
    client = APIClient(REMOTE_ADDR=address)
    if token is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client.post(
        f"/api/telephony/webhook/{system_id}/",
        data=raw if raw is not None else json.dumps(body),
        content_type=content_type,
    )


def _snapshot() -> list[tuple[Any, ...]]:
    return [
        tuple(leg.values())
        for leg in CallLeg.objects.order_by("leg_uid").values(
            "leg_uid", "call_uid", "role", "status", "caller_number", "dialled_number", "queue",
            "extension", "agent_id", "rang_at", "queued_at", "answered_at", "ended_at",
            "transferred_to", "recording", "end_unseen",
        )
    ]  # fmt: skip


def test_a_days_calls_through_the_webhook_give_exact_legs_and_a_replay_changes_nothing(
    system: PhoneSystem,
) -> None:
    answers = [_post(system.pk, event) for event in DAY]
    assert [a.status_code for a in answers] == [200] * len(DAY)
    assert answers[4].json() == {"leg": "w1-a", "call": "w1", "role": "agent", "status": "talking"}
    legs = {leg.leg_uid: leg for leg in CallLeg.objects.filter(system=system)}
    assert set(legs) == {"w1", "w1-a", "w1-b", "w2", "w2-a"}
    caller, first, second = legs["w1"], legs["w1-a"], legs["w1-b"]
    assert (caller.role, caller.caller_number, caller.dialled_number, caller.queue) == (
        CallLeg.Role.CALLER,
        "13800138000",
        "96777",
        "hotline",
    )
    assert (caller.rang_at, caller.queued_at, caller.answered_at, caller.ended_at) == (
        at("09:00:00"),
        at("09:00:02"),
        at("09:00:08"),
        at("09:02:00"),
    )
    assert caller.status == Status.COMPLETED
    agent1, agent2 = User.objects.get(username="agent1"), User.objects.get(username="agent2")
    assert (first.extension, first.agent, first.queue, first.status, first.transferred_to) == (
        "8001",
        agent1,
        "hotline",
        Status.TRANSFERRED,
        "8002",
    )
    assert (first.rang_at, first.answered_at, first.ended_at) == (
        at("09:00:03"),
        at("09:00:08"),
        at("09:01:00"),
    )
    assert first.recording == "https://acd.example/rec/w1.wav"
    assert (second.extension, second.agent, second.status) == ("8002", agent2, Status.COMPLETED)
    assert (second.rang_at, second.answered_at, second.ended_at) == (
        at("09:01:01"),
        at("09:01:05"),
        at("09:02:00"),
    )
    gave_up, rang = legs["w2"], legs["w2-a"]
    assert (gave_up.status, gave_up.queued_at, gave_up.answered_at, gave_up.ended_at) == (
        Status.ABANDONED,
        at("10:30:01"),
        None,
        at("10:30:30"),
    )
    assert (rang.role, rang.status, rang.agent, rang.rang_at) == (
        CallLeg.Role.AGENT,
        Status.MISSED,
        agent1,
        at("10:30:02"),
    )
    assert not any(leg.end_unseen for leg in legs.values())

    before = _snapshot()
    again = [_post(system.pk, event) for event in reversed(DAY)]  # replayed, backwards
    assert [a.status_code for a in again] == [200] * len(DAY)
    assert _snapshot() == before


BAD = [
    # (what is wrong, the request, the status, the field named)
    ("not JSON", {"raw": "{not json"}, 400, None),
    ("a list", {"body": [e("created", "x", "x", "09:00:00")]}, 400, None),
    ("not an event", {"body": e("hung_up", "x", "x", "09:00:00")}, 400, "event"),
    ("no leg", {"body": {"event": "created", "call": "x", "at": t("09:00:00")}}, 400, "leg"),
    ("no call", {"body": {"event": "created", "leg": "x", "at": t("09:00:00")}}, 400, "call"),
    ("a blank leg", {"body": e("created", "", "x", "09:00:00")}, 400, "leg"),
    ("a leg too long", {"body": e("created", "x" * 81, "x", "09:00:00")}, 400, "leg"),
    ("no time", {"body": {"event": "created", "leg": "x", "call": "x"}}, 400, "at"),
    ("not a time", {"body": {**e("created", "x", "x", "0"), "at": "yesterday"}}, 400, "at"),
    ("no offset", {"body": {**e("created", "x", "x", "0"), "at": "2026-12-06T09:00"}}, 400, "at"),
    ("a NUL", {"body": e("created", "x\x00", "x", "09:00:00")}, 400, "leg"),
    ("a form", {"raw": "event=created", "content_type": FORM}, 400, None),
    ("a wrong token", {"body": e("created", "x", "x", "09:00:00"), "token": "guess"}, 401, None),
    ("no token", {"body": e("created", "x", "x", "09:00:00"), "token": None}, 401, None),
    ("an empty token", {"body": e("created", "x", "x", "09:00:00"), "token": ""}, 401, None),
]  # fmt: skip


@pytest.mark.parametrize(("why", "request_", "status", "field"), BAD, ids=[b[0] for b in BAD])
def test_a_bad_request_answers_its_status_in_words_and_changes_nothing(
    system: PhoneSystem, why: str, request_: dict[str, Any], status: int, field: str | None
) -> None:
    _post(system.pk, e("created", "w9", "w9", "08:00:00", caller="13800138000"))
    before, counted = _snapshot(), sum(counters_all().values())
    request_ = dict(request_)
    answer = _post(system.pk, request_.pop("body", None), **request_)
    assert answer.status_code == status, answer.content
    body = answer.json()
    assert body["detail"]
    assert body["detail"] == body["error"]
    assert body["field"] == field
    assert _snapshot() == before
    assert sum(counters_all().values()) > counted  # logged and counted
    if status == 401:
        assert answer["WWW-Authenticate"].startswith("Bearer")


def test_only_an_active_webhook_system_with_a_secret_takes_events(system: PhoneSystem) -> None:
    asterisk = PhoneSystem.objects.create(name="Asterisk", kind="ami", secret=SECRET)
    resting = PhoneSystem.objects.create(
        name="Old ACD", kind="webhook", secret=SECRET, active=False
    )
    blank = PhoneSystem.objects.create(name="New ACD", kind="webhook", secret="")
    event = e("created", "x", "x", "09:00:00")
    assert _post(asterisk.pk, event).status_code == 404
    assert _post(resting.pk, event).status_code == 404
    assert _post(999_999, event).status_code == 404
    assert _post(10**30, event).status_code == 404  # past bigint: no system, not a 500
    assert _post(blank.pk, event, token="").status_code == 401  # no secret: nobody gets in
    assert "no active webhook" in _post(999_999, event).json()["detail"]
    assert not CallLeg.objects.exists()


def test_an_address_guessing_tokens_is_slowed_down(system: PhoneSystem, settings: Any) -> None:
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "telephony_webhook": "3/minute",
        },
    }
    throttle = WebhookAddressThrottle()
    address = "203.0.113.77"
    throttle.cache.delete(throttle.cache_format % {"scope": throttle.scope, "ident": address})
    event = e("created", "x", "x", "09:00:00")
    guesses = [_post(system.pk, event, token=f"guess{n}", address=address) for n in range(3)]
    assert [g.status_code for g in guesses] == [401] * 3
    assert _post(system.pk, event, address=address).status_code == 429  # the right one waits
    assert _post(system.pk, event, address="198.51.100.3").status_code == 200  # not others
    many = [_post(system.pk, event, address="198.51.100.3") for _ in range(5)]
    assert [m.status_code for m in many] == [200] * 5  # believed events are not limited
