"""Reports counted honestly: a phone, a linked system's key or an e-mail address that reports
one incident again within REPORT_REPEAT_WINDOW_MIN is stored and shown as one more report, but
counts once toward the "enough reports raise the priority" rule, and so toward a public alert."""

from datetime import timedelta

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from alerts.models import CapMessage
from alerts.open311.keys import IssuedKey
from dispatch.models import Call, Incident, IncidentEvent, User
from dispatch.services.intake import (
    CallInput,
    call_join_incident,
    call_open_incident,
    call_receive,
)
from gis.models import Premise
from tests.alerts import test_open311 as shared
from tests.alerts.test_open311 import at, post

# The Open311 fixtures: the demo city with its logins, a linked system's key, a premise on a main.
city = shared.city
issued = shared.issued
premise = shared.premise

pytestmark = pytest.mark.django_db

T0 = timezone.now().replace(microsecond=0) - timedelta(hours=3)


def _dispatcher() -> User:
    return User.objects.get(username="dispatcher")


def _report(premise: Premise, *, phone: str = "", email: str = "", minute: float = 0) -> Call:
    """A console call about an outdoor smell at `premise`, `minute` minutes after T0."""
    return call_receive(
        data=CallInput(
            category="leak_outdoor", premise_id=premise.pk, caller_phone=phone, caller_email=email
        ),
        taker=_dispatcher(),
        received_at=T0 + timedelta(minutes=minute),
    )


def _open(call: Call) -> Incident:
    incident = call_open_incident(call_id=call.pk, actor=_dispatcher(), at=call.received_at)
    assert incident.priority == 2  # raise_after_reports is 3 for an outdoor smell
    return incident


def _join(call: Call, incident: Incident) -> Incident:
    return call_join_incident(
        call_id=call.pk, incident_id=incident.pk, actor=_dispatcher(), at=call.received_at
    )


def _joined(call: Call) -> dict:
    event = IncidentEvent.objects.get(call=call, kind="call.joined")
    return dict(event.data)


def _raised(incident: Incident) -> list[IncidentEvent]:
    return list(incident.events.filter(kind="incident.priority_raised"))


def test_three_open311_posts_from_one_key_at_one_spot_raise_nothing_and_alert_nobody(
    client: Client, issued: IssuedKey, premise: Premise
) -> None:
    # Each POST claims another caller: only the key is vouched for, so the key is the source.
    receipts = []
    for n in range(3):
        response = post(
            client,
            api_key=issued.raw,
            service_code="leak_outdoor",
            phone=f"1380000000{n}",
            **at(premise),
        )
        assert response.status_code == 200, response.content
        receipts.append(response.json()[0])
    assert len({r["service_request_id"] for r in receipts}) == 1
    incident = Incident.objects.get(reference=receipts[0]["service_request_id"])

    assert not CapMessage.objects.filter(incident=incident).exists()
    assert not _raised(incident)
    assert (incident.priority, incident.report_count) == (2, 3)
    assert incident.independent_report_count == 1
    first, *repeats = incident.calls.order_by("received_at", "pk")
    assert first.repeat_of is None
    for call in repeats:  # stored, on the incident, and the timeline says why it did not count
        assert call.repeat_of == first
        data = _joined(call)
        assert (data["counted"], data["repeat_of"], data["same"]) == (False, first.pk, "key")


def test_three_calls_from_three_phones_raise_the_priority_and_alert(premise: Premise) -> None:
    incident = _open(_report(premise, phone="13800000001"))
    _join(_report(premise, phone="13800000002", minute=1), incident)
    assert incident.priority == 2
    third = _report(premise, phone="13800000003", minute=2)
    _join(third, incident)

    incident.refresh_from_db()
    assert (incident.priority, incident.report_count, incident.independent_report_count) == (
        1,
        3,
        3,
    )
    (raised,) = _raised(incident)
    assert raised.data["reason"] == "3 independent reports"
    assert _joined(third)["counted"] is True
    assert CapMessage.objects.filter(incident=incident, msg_type="Alert").count() == 1


def test_the_same_phone_calling_twice_counts_once(premise: Premise) -> None:
    incident = _open(_report(premise, phone="13800000001"))
    again = _report(premise, phone="+86 138 0000 0001", minute=5)  # the same number, typed
    _join(again, incident)
    _join(_report(premise, phone="13800000002", minute=6), incident)

    incident.refresh_from_db()
    assert not CapMessage.objects.filter(incident=incident).exists()
    assert (incident.priority, incident.report_count, incident.independent_report_count) == (
        2,
        3,
        2,
    )
    data = _joined(again)
    assert (data["counted"], data["same"], data["reports"]) == (False, "phone", 2)

    _join(_report(premise, phone="13800000003", minute=7), incident)
    incident.refresh_from_db()
    assert (incident.priority, incident.independent_report_count) == (1, 3)


def test_the_same_email_counts_once_and_console_calls_without_a_phone_count_each(
    premise: Premise,
) -> None:
    incident = _open(_report(premise, email="Li.Wei@example.com"))
    again = _report(premise, email="li.wei@example.com", minute=1)
    _join(again, incident)
    incident.refresh_from_db()
    assert incident.independent_report_count == 1
    assert (_joined(again)["counted"], _joined(again)["same"]) == (False, "email")

    # A call taker's own calls with nobody to identify: each is a caller of its own.
    _join(_report(premise, minute=2), incident)
    _join(_report(premise, minute=3), incident)
    incident.refresh_from_db()
    assert (incident.priority, incident.independent_report_count) == (1, 3)


def test_after_the_window_a_repeat_counts_again(premise: Premise) -> None:
    incident = _open(_report(premise, phone="13800000001"))
    _join(_report(premise, phone="13800000001", minute=10), incident)  # within 30 min: a repeat
    late = _report(premise, phone="13800000001", minute=31)  # 31 min after the counted one
    _join(late, incident)

    incident.refresh_from_db()
    assert incident.priority == 2
    assert (incident.priority, incident.report_count, incident.independent_report_count) == (
        2,
        3,
        2,
    )
    assert _joined(late)["counted"] is True
    assert late.repeat_of is None

    _join(_report(premise, phone="13800000002", minute=32), incident)
    incident.refresh_from_db()
    assert (incident.priority, incident.independent_report_count) == (1, 3)


@override_settings(REPORT_REPEAT_WINDOW_MIN=5)
def test_the_window_is_a_setting(premise: Premise) -> None:
    incident = _open(_report(premise, phone="13800000001"))
    _join(_report(premise, phone="13800000001", minute=4), incident)
    _join(_report(premise, phone="13800000001", minute=6), incident)  # 6 min after the first
    incident.refresh_from_db()
    assert (incident.report_count, incident.independent_report_count) == (3, 2)


def test_a_call_joined_late_is_a_repeat_of_a_later_counted_one(premise: Premise) -> None:
    """A call taker may join a call some minutes after it came in: the window looks both ways."""
    early = _report(premise, phone="13800000001")
    incident = _open(_report(premise, phone="13800000001", minute=3))
    _join(early, incident)
    early.refresh_from_db()
    assert early.repeat_of is not None
    incident.refresh_from_db()
    assert incident.independent_report_count == 1
