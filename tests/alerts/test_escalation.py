"""SLA escalation: a breach tells the station's supervisors at once, through the real SMS
gateway and SMTP server; a clock still breached goes one unit up every ESCALATE_AFTER_S."""

from datetime import datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from alerts.escalation import escalations_advance
from alerts.models import Escalation, Notification
from alerts.services.notifications import notifications_drain
from alerts.tasks_clocks import sla_escalate_task
from demo.org import demo_organisation_load
from dispatch.models import Incident, IncidentDeadline, IncidentEvent, User
from dispatch.roles import Role
from dispatch.services import user_create
from dispatch.services.intake import CallInput, call_open_incident, call_receive
from dispatch.services.sla import deadline_meet, deadlines_breach_due
from gis.models import OrgUnit, Premise
from tests.alerts.outside import MailServer, SmsGateway

pytestmark = pytest.mark.django_db
AFTER = 900


def make_user(username: str, role: str, unit: OrgUnit, phone: str = "", email: str = "") -> User:
    user = user_create(
        username=username, password="pw", role=Role(role), org_unit=unit, email=email
    )
    User.objects.filter(pk=user.pk).update(phone=phone)  # user_create takes no phone
    user.refresh_from_db()
    return user


@pytest.fixture
def units(db: None) -> dict[str, OrgUnit]:
    call_command("make_demo_city", "--premises", "300", "--no-progress", stdout=StringIO())
    return demo_organisation_load()


@pytest.fixture
def incident(units: dict[str, OrgUnit]) -> Incident:
    """An outdoor leak at the first premise, opened by a dispatcher of the city company."""
    premise = Premise.objects.filter(service_segment__isnull=False).order_by("asset_id").first()
    assert premise is not None
    taker = make_user("disp", Role.DISPATCHER, units["gx-city"])
    call = call_receive(data=CallInput(category="leak_outdoor", premise_id=premise.pk), taker=taker)
    return call_open_incident(call_id=call.pk, actor=taker)


@pytest.fixture
def supervisors(units: dict[str, OrgUnit], incident: Incident) -> dict[str, User]:
    """One supervisor per tier above the incident, one at another station, and a dispatcher
    of the incident's station (not a supervisor: never told)."""
    other = next(u for code, u in units.items() if code.startswith("st-") and u != incident.station)
    return {
        "station": make_user("sup-st", Role.SUPERVISOR, incident.station, "13900000001", "st@x.cn"),
        "company": make_user("sup-co", Role.SUPERVISOR, units["gx-city"], "13900000002", "co@x.cn"),
        "group": make_user("sup-gr", Role.SUPERVISOR, units["gx-group"], "13900000003", "gr@x.cn"),
        "other": make_user("sup-ot", Role.SUPERVISOR, other, "13900000004", "ot@x.cn"),
        "dispatcher": make_user("disp-st", Role.DISPATCHER, incident.station, "13900000005"),
    }


def _breach_first(incident: Incident) -> tuple[IncidentDeadline, datetime]:
    """Breach the incident's earliest clock (and only that one); returns it and the time."""
    first = incident.deadlines.order_by("due_at").first()
    assert first is not None
    now = first.due_at + timedelta(seconds=1)
    assert deadlines_breach_due(now=now) == 1
    first.refresh_from_db()
    return first, now


def _sent_to(address: str, template: str) -> int:
    return Notification.objects.filter(recipient=address, template=template).count()


def test_a_breach_tells_the_station_supervisors_by_sms_and_email_through_real_servers(
    incident: Incident, supervisors: dict[str, User], outside: tuple[SmsGateway, MailServer]
) -> None:
    sms, mail = outside
    deadline, _now = _breach_first(incident)

    escalation = Escalation.objects.get(deadline=deadline)
    assert (escalation.level, escalation.unit) == (1, incident.station)
    assert escalation.recipients == ["sup-st"]
    assert notifications_drain() == 2
    texts = sms.texts_to("13900000001")
    assert len(texts) == 1
    assert incident.reference in texts[0]
    assert "breached" in texts[0]
    assert f"/incidents/{incident.reference}/map" in texts[0]
    mails = mail.to("st@x.cn")
    assert len(mails) == 1
    assert mails[0]["Subject"] == f"SLA breached: {incident.reference}"
    # Nobody else: not the company yet, not another station, not a dispatcher.
    assert [m["to"] for m in sms.received] == ["13900000001"]
    assert len(mail.messages) == 1


@override_settings(ESCALATE_AFTER_S=AFTER)
def test_a_clock_still_breached_goes_one_unit_up_each_escalate_after(
    incident: Incident, supervisors: dict[str, User]
) -> None:
    deadline, breached = _breach_first(incident)

    assert escalations_advance(now=breached + timedelta(seconds=AFTER - 1)) == 0
    assert escalations_advance(now=breached + timedelta(seconds=AFTER)) == 1
    assert escalations_advance(now=breached + timedelta(seconds=AFTER)) == 0  # beat ran twice
    second = Escalation.objects.get(deadline=deadline, level=2)
    assert second.unit.code == "gx-city"
    assert second.recipients == ["sup-co"]
    assert _sent_to("13900000002", "sla.escalated") == _sent_to("co@x.cn", "sla.escalated") == 1
    text = Notification.objects.get(recipient="13900000002").body
    assert "Escalation level 2" in text
    assert incident.reference in text

    # The next step counts from the last escalation, not from the breach.
    assert escalations_advance(now=breached + timedelta(seconds=2 * AFTER - 1)) == 0
    assert escalations_advance(now=breached + timedelta(seconds=2 * AFTER)) == 1
    third = Escalation.objects.get(deadline=deadline, level=3)
    assert (third.unit.code, third.recipients) == ("gx-group", ["sup-gr"])
    # The group centre is the top: the clock stays there.
    assert escalations_advance(now=breached + timedelta(days=1)) == 0

    events = IncidentEvent.objects.filter(incident=incident, kind="sla.escalated").order_by("id")
    assert [(e.data["level"], e.data["unit"]) for e in events] == [(2, "gx-city"), (3, "gx-group")]
    assert all(e.data["milestone"] == deadline.milestone for e in events)
    assert _sent_to("13900000004", "sla.breached") + _sent_to("13900000004", "sla.escalated") == 0
    assert not Notification.objects.filter(recipient="13900000005").exists()


@override_settings(ESCALATE_AFTER_S=AFTER)
def test_a_clock_met_after_its_breach_goes_no_further(
    incident: Incident, supervisors: dict[str, User]
) -> None:
    deadline, breached = _breach_first(incident)
    deadline_meet(incident=incident, milestone=deadline.milestone, at=breached)

    assert escalations_advance(now=breached + timedelta(hours=2)) == 0
    assert list(Escalation.objects.filter(deadline=deadline).values_list("level", flat=True)) == [1]


def test_a_station_without_supervisors_has_its_breach_heard_one_unit_up(
    incident: Incident, units: dict[str, OrgUnit]
) -> None:
    make_user("sup-co", Role.SUPERVISOR, units["gx-city"], "13900000002")
    make_user("sup-gone", Role.SUPERVISOR, incident.station, "13900000009")
    User.objects.filter(username="sup-gone").update(is_active=False)  # left the company

    deadline, _now = _breach_first(incident)

    escalation = Escalation.objects.get(deadline=deadline)
    assert (escalation.level, escalation.unit) == (1, incident.station)
    assert escalation.recipients == ["sup-co"]
    assert _sent_to("13900000002", "sla.breached") == 1
    assert _sent_to("13900000009", "sla.breached") == 0


@override_settings(ESCALATE_AFTER_S=AFTER)
def test_the_beat_tasks_go_by_the_wall_clock(units: dict[str, OrgUnit]) -> None:
    premise = Premise.objects.order_by("asset_id").first()
    assert premise is not None
    taker = make_user("disp", Role.DISPATCHER, units["gx-city"])
    an_hour_ago = timezone.now() - timedelta(hours=1)
    call = call_receive(
        data=CallInput(category="leak_outdoor", premise_id=premise.pk),
        taker=taker,
        received_at=an_hour_ago,
    )
    incident = call_open_incident(call_id=call.pk, actor=taker)
    make_user("sup-co", Role.SUPERVISOR, units["gx-city"], "13900000002")
    first = incident.deadlines.order_by("due_at").first()
    assert first is not None
    deadlines_breach_due(now=first.due_at + timedelta(seconds=1))  # long enough ago

    assert sla_escalate_task() >= 1
    assert Escalation.objects.filter(deadline=first, level=2).exists()
    assert sla_escalate_task() == 0  # run twice: nothing more
