"""Results pushed back to a linked hotline: a request it posted over Open311 changes, and its
record goes to the hotline's status URL through the outbox (a small real HTTP server), signed,
once per change, retried when the hotline is down; a hotline without a status URL polls."""

import hashlib
import hmac
import json

from django.test import Client
from django.utils import timezone

from alerts.models import ApiKey, Notification
from alerts.open311.keys import IssuedKey, api_key_create
from alerts.services.notifications import notifications_drain
from dispatch.models import Incident, User
from dispatch.services.work_orders import work_order_dispatch, work_order_transition
from gis.models import Premise
from tests.alerts.outside import sms_gateway
from tests.alerts.test_open311 import at, city, issued, post, premise  # noqa: F401 - fixtures
from tests.dispatch.conftest import make_crew

SECRET = "hotline-12345-secret"


def _report(key: IssuedKey, premise: Premise, external_id: str) -> Incident:  # noqa: F811
    answer = post(
        Client(), api_key=key.raw, service_code="leak_outdoor", external_id=external_id,
        description="gas smell at the gate", **at(premise),
    )  # fmt: skip
    assert answer.status_code == 200, answer.content
    return Incident.objects.get(reference=answer.json()[0]["service_request_id"])


def _pushes() -> list[Notification]:
    return list(Notification.objects.filter(channel="webhook").order_by("id"))


def test_a_linked_hotline_is_told_each_change_of_its_request(
    issued: IssuedKey,  # noqa: F811
    premise: Premise,  # noqa: F811
) -> None:
    with sms_gateway() as hotline:
        ApiKey.objects.filter(pk=issued.key.pk).update(status_url=hotline.url, status_secret=SECRET)
        incident = _report(issued, premise, "12345-7")
        dispatcher = User.objects.get(username="dispatcher")
        crew = make_crew(incident.station, "Alpha", premise.geom)
        order = work_order_dispatch(incident_id=incident.pk, actor=dispatcher, crew_id=crew.pk)
        hotline.fail_next = 1  # the hotline is down for the first try
        notifications_drain()
        # The dispatch is two changes (the crew sent, the incident's status): the first try
        # met the 503 and waits to be retried; nothing is lost.
        (first,) = [n for n in _pushes() if n.status == "pending"]
        assert first.attempts == 1
        assert "503" in first.last_error
        Notification.objects.filter(pk=first.pk).update(next_attempt_at=timezone.now())
        notifications_drain()
        for to in ("accepted", "en_route", "on_site", "made_safe", "completed"):
            work_order_transition(work_order_id=order.pk, to=to, actor=dispatcher)
        notifications_drain()
        notifications_drain()

    pushed = [json.loads(h) for h in (n.body for n in _pushes())]
    kinds = [p["event"] for p in pushed]
    assert kinds[0] == "work_order.assigned"
    assert {"work_order.on_site", "work_order.made_safe", "work_order.completed"} <= set(kinds)
    assert all(n.status == "sent" for n in _pushes())
    assert len(hotline.received) == len(pushed)  # each once, the failed try not counted
    for body, headers in zip(hotline.received, hotline.headers, strict=True):
        assert body["service_request"]["service_request_id"] == incident.reference
        assert body["external_id"] == "12345-7"
        raw = json.dumps(body, ensure_ascii=False).encode()
        assert (
            headers["X-Signature"]
            == "sha256=" + hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()
        )
    keys = [h["Idempotency-Key"] for h in hotline.headers]
    assert len(set(keys)) == len(keys)
    assert hotline.received[-1]["service_request"]["status_notes"]


def test_a_hotline_without_a_status_url_polls_and_is_sent_nothing(
    issued: IssuedKey,  # noqa: F811
    premise: Premise,  # noqa: F811
) -> None:
    polling = api_key_create(name="Provincial 110 link")
    incident = _report(polling, premise, "110-1")
    dispatcher = User.objects.get(username="dispatcher")
    crew = make_crew(incident.station, "Alpha", premise.geom)
    work_order_dispatch(incident_id=incident.pk, actor=dispatcher, crew_id=crew.pk)
    assert _pushes() == []
