"""Progress back to the caller: one message per step through a real SMS gateway and a real
SMTP server, a status link that works for them and tells nobody else anything."""

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils import timezone

from alerts.models import Notification, StatusLink
from alerts.services.notifications import notifications_drain
from demo.crews import demo_crews_load
from dispatch.models import Crew, Incident, User, WorkOrder
from dispatch.services.intake import CallInput, call_join_incident, call_open_incident, call_receive
from dispatch.services.work_orders import work_order_dispatch, work_order_transition
from gis.models import Premise
from tests.alerts.outside import MailServer, SmsGateway

PHONE = "13800138000"
EMAIL = "caller@example.org"
STEPS_EN = [
    "your report is",  # received, with the reference
    "is on the way",
    "has arrived",
    "has been made safe",
    "work is complete",
]


@pytest.fixture
def city(db: None) -> None:
    call_command("make_demo_city", "--premises", "600", "--no-progress", stdout=StringIO())
    call_command("load_demo", stdout=StringIO())
    demo_crews_load(count=4, seed=3)


def _call(premise: Premise, *, phone: str = PHONE, email: str = EMAIL, language: str = "en"):
    dispatcher = User.objects.get(username="dispatcher")
    return call_receive(
        data=CallInput(
            category="leak_outdoor",
            premise_id=premise.id,
            caller_phone=phone,
            caller_email=email,
            language=language,
        ),
        taker=dispatcher,
    )


def _move(work_order: WorkOrder, to: str) -> None:
    """As the crew's tablet reports it: with its own event id, so a replay is recognised."""
    work_order_transition(
        work_order_id=work_order.pk,
        to=to,
        actor=None,
        actor_label="tablet",
        client_event_id=f"{work_order.pk}-{to}",
    )


def test_a_caller_hears_each_step_once_by_sms_and_email_with_a_working_status_link(
    city: None, outside: tuple[SmsGateway, MailServer]
) -> None:
    sms, mail = outside
    dispatcher = User.objects.get(username="dispatcher")
    premise = Premise.objects.filter(service_segment__isnull=False).order_by("asset_id").first()
    assert premise is not None
    incident = call_open_incident(call_id=_call(premise).pk, actor=dispatcher)
    crews = list(Crew.objects.order_by("name")[:2])

    first = work_order_dispatch(incident_id=incident.pk, actor=dispatcher, crew_id=crews[0].pk)
    _move(first, "rejected")  # the status flaps: another crew is sent; "on the way" once
    second = work_order_dispatch(  # a meter specialist, sent to make it safe
        incident_id=incident.pk, actor=dispatcher, crew_id=crews[1].pk, first_responder=True
    )
    for to in ("accepted", "en_route", "on_site", "made_safe"):
        _move(second, to)
    _move(second, "made_safe")  # a tablet replaying its queue: not a second message
    _move(second, "completed")
    assert notifications_drain() == 10  # 5 steps x (SMS + e-mail)
    assert notifications_drain() == 0  # nothing twice

    texts = sms.texts_to(PHONE)
    assert len(texts) == len(STEPS_EN)
    for text, words in zip(texts, STEPS_EN, strict=True):
        assert words in text
        assert incident.reference in text
    assert "expected at" in texts[1]
    keys = [h["Idempotency-Key"] for h in sms.headers]
    assert len(set(keys)) == len(keys)  # the gateway can tell a resend by its key
    mails = mail.to(EMAIL)
    assert len(mails) == len(STEPS_EN)
    assert incident.reference in mails[0]["Subject"]
    assert all(m["Message-ID"] for m in mails)

    # The link in every message is the caller's own page: the progress, nothing else.
    url = re.search(r"https?://\S+/s/(\S+)", texts[0])
    assert url is not None
    token = url.group(1)
    assert all(f"/s/{token}" in t for t in texts)
    page = Client().get(f"/s/{token}")
    assert page.status_code == 200
    html = page.content.decode()
    assert incident.reference in html
    assert "Work completed" in html
    assert premise.full_text not in html  # no address on a page anyone with the link sees
    assert PHONE not in html
    assert page["Cache-Control"] == "private, no-store"
    assert Client().get("/s/not-a-token").status_code == 404


def test_two_calls_from_one_number_get_one_message_per_step_and_a_chinese_caller_chinese(
    city: None, outside: tuple[SmsGateway, MailServer]
) -> None:
    sms, _mail = outside
    dispatcher = User.objects.get(username="dispatcher")
    premises = list(Premise.objects.filter(service_segment__isnull=False).order_by("asset_id"))
    incident = call_open_incident(call_id=_call(premises[0], email="").pk, actor=dispatcher)
    call_join_incident(
        call_id=_call(premises[0], email="").pk, incident_id=incident.pk, actor=dispatcher
    )
    neighbour = _call(premises[1], phone="13900139000", email="", language="zh")
    call_join_incident(call_id=neighbour.pk, incident_id=incident.pk, actor=dispatcher)
    notifications_drain()

    assert len(sms.texts_to(PHONE)) == 1  # received, once for both calls
    chinese = sms.texts_to("13900139000")
    assert len(chinese) == 1
    assert "已受理" in chinese[0]
    assert incident.reference in chinese[0]


def test_a_caller_who_opts_out_gets_nothing_more_and_waiting_messages_are_cancelled(
    city: None, outside: tuple[SmsGateway, MailServer]
) -> None:
    sms, _mail = outside
    dispatcher = User.objects.get(username="dispatcher")
    premise = Premise.objects.filter(service_segment__isnull=False).order_by("asset_id").first()
    assert premise is not None
    incident = call_open_incident(call_id=_call(premise).pk, actor=dispatcher)
    crew = Crew.objects.order_by("name").first()
    assert crew is not None
    work_order = work_order_dispatch(incident_id=incident.pk, actor=dispatcher, crew_id=crew.pk)
    link = StatusLink.objects.get(incident=incident)

    stop = Client().post(f"/s/{link.token}/stop")  # before the drain: "on the way" is waiting
    assert stop.status_code == 302
    waiting = Notification.objects.filter(incident=incident, template="progress.dispatched")
    assert set(waiting.values_list("status", flat=True)) == {"cancelled"}
    for to in ("accepted", "en_route", "on_site"):
        _move(work_order, to)
    notifications_drain()
    assert len(sms.texts_to(PHONE)) == 0
    assert "Progress messages are stopped" in Client().get(f"/s/{link.token}").content.decode()


def test_an_expired_link_says_so_and_a_failing_gateway_is_retried_not_lost(
    city: None, outside: tuple[SmsGateway, MailServer]
) -> None:
    sms, _mail = outside
    sms.fail_next = 1
    dispatcher = User.objects.get(username="dispatcher")
    premise = Premise.objects.filter(service_segment__isnull=False).order_by("asset_id").first()
    assert premise is not None
    incident = call_open_incident(call_id=_call(premise, email="").pk, actor=dispatcher)

    assert notifications_drain() == 0  # 503 from the gateway
    notification = Notification.objects.get(incident=incident, channel="sms")
    assert notification.status == "pending"
    assert notification.attempts == 1
    assert "503" in notification.last_error
    assert notification.next_attempt_at > timezone.now()
    Notification.objects.filter(pk=notification.pk).update(next_attempt_at=timezone.now())
    assert notifications_drain() == 1
    assert len(sms.texts_to(PHONE)) == 1

    link = StatusLink.objects.get(incident=incident)
    StatusLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    expired = Client().get(f"/s/{link.token}")
    assert expired.status_code == 410
    assert incident.reference not in expired.content.decode()


def test_a_message_without_a_gateway_configured_fails_in_words_and_is_kept(city: None) -> None:
    dispatcher = User.objects.get(username="dispatcher")
    premise = Premise.objects.order_by("asset_id").first()
    assert premise is not None
    with override_settings(SMS_GATEWAY_URL=""):
        incident = call_open_incident(call_id=_call(premise, email="").pk, actor=dispatcher)
        notifications_drain()
    kept = Notification.objects.get(incident=incident)
    assert kept.status == "pending"
    assert "SMS_GATEWAY_URL is not set" in kept.last_error
    assert Incident.objects.filter(pk=incident.pk).exists()  # the change itself stood
