"""Call-backs after an incident is resolved (one per caller, due the next working day, with
its SLA clock that escalates when overdue) and the complaint reply that stops its clock."""

from datetime import datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from alerts.callbacks import callback_record, callbacks_schedule, complaint_reply_record
from alerts.escalation import escalations_advance
from alerts.models import CallBack, Escalation
from demo.crews import demo_crews_load
from demo.org import demo_organisation_load
from dispatch.errors import ConflictError, DispatchError, NotFoundError
from dispatch.models import Crew, Incident, IncidentDeadline, IncidentEvent, Milestone, User
from dispatch.roles import Role
from dispatch.services import user_create
from dispatch.services.incident_end import incident_close
from dispatch.services.intake import (
    CallInput,
    call_join_incident,
    call_open_incident,
    call_receive,
)
from dispatch.services.sla import deadlines_breach_due
from dispatch.services.work_orders import work_order_dispatch, work_order_transition
from gis.models import OrgUnit, Premise

pytestmark = pytest.mark.django_db
AFTER = 900


def _next_friday_afternoon() -> datetime:
    today = timezone.localtime()
    friday = today + timedelta(days=(4 - today.weekday()) % 7 or 7)
    return friday.replace(hour=16, minute=0, second=0, microsecond=0)


@pytest.fixture
def units(db: None) -> dict[str, OrgUnit]:
    call_command("make_demo_city", "--premises", "300", "--no-progress", stdout=StringIO())
    demo_crews_load(count=1, seed=3)
    return demo_organisation_load()


@pytest.fixture
def dispatcher(units: dict[str, OrgUnit]) -> User:
    return user_create(
        username="disp", password="pw", role=Role.DISPATCHER, org_unit=units["gx-city"]
    )


@pytest.fixture
def premise(units: dict[str, OrgUnit]) -> Premise:
    found = Premise.objects.filter(service_segment__isnull=False).order_by("asset_id").first()
    assert found is not None
    return found


def _report(dispatcher: User, premise: Premise, phone: str, category: str = "leak_outdoor") -> int:
    data = CallInput(category=category, premise_id=premise.pk, caller_phone=phone)
    return call_receive(data=data, taker=dispatcher).pk


def _resolve(incident: Incident, dispatcher: User, at: datetime) -> None:
    """A crew goes, arrives and completes: the incident is resolved at `at`."""
    crew = Crew.objects.get()  # the one demo crew is a meter specialist: a first responder
    work_order = work_order_dispatch(
        incident_id=incident.pk,
        crew_id=crew.pk,
        actor=dispatcher,
        at=at - timedelta(hours=2),
        first_responder=True,
    )
    steps = [("accepted", 110), ("en_route", 100), ("on_site", 60), ("completed", 0)]
    for to, minutes_before in steps:
        work_order_transition(
            work_order_id=work_order.pk,
            to=to,
            actor=None,
            actor_label="tablet",
            at=at - timedelta(minutes=minutes_before),
        )


@pytest.fixture
def resolved(dispatcher: User, premise: Premise) -> Incident:
    """Four calls: two from one number, one without a number, one from another number;
    resolved on a Friday afternoon."""
    incident = call_open_incident(
        call_id=_report(dispatcher, premise, "13811110001"), actor=dispatcher
    )
    for phone in ("13811110001", "", "13811110002"):
        call_join_incident(
            call_id=_report(dispatcher, premise, phone), incident_id=incident.pk, actor=dispatcher
        )
    _resolve(incident, dispatcher, _next_friday_afternoon())
    incident.refresh_from_db()
    assert incident.status == Incident.Status.RESOLVED
    return incident


def test_resolving_schedules_one_call_back_per_caller_number_due_the_next_working_day(
    resolved: Incident,
) -> None:
    callbacks = list(CallBack.objects.filter(incident=resolved).select_related("call"))
    assert sorted(c.call.caller_phone for c in callbacks) == ["13811110001", "13811110002"]
    friday = _next_friday_afternoon()
    monday = friday + timedelta(days=3)
    assert all(c.due_at == monday for c in callbacks)  # the weekend does not count
    clock = IncidentDeadline.objects.get(incident=resolved, milestone=Milestone.CALL_BACK)
    assert clock.due_at == monday
    event = IncidentEvent.objects.get(incident=resolved, kind="callback.scheduled")
    assert sorted(event.data["callbacks"]) == sorted(c.pk for c in callbacks)

    # Closed after resolved (or the event replayed): nothing more is scheduled.
    assert callbacks_schedule(incident=resolved, at=friday + timedelta(hours=1)) == []
    assert CallBack.objects.filter(incident=resolved).count() == 2


def test_a_call_back_result_is_validated_recorded_once_and_meets_the_clock(
    resolved: Incident, dispatcher: User
) -> None:
    first, second = CallBack.objects.filter(incident=resolved).order_by("call__received_at")
    bad: list[tuple[object, object]] = [
        (True, 0),
        (True, 6),
        (True, True),  # a bool is an int in Python; not a score
        (True, "5"),
        (False, 3),  # not reached: nobody gave a score
        ("y", 3),
    ]
    for reached, score in bad:
        with pytest.raises(DispatchError):
            callback_record(
                callback_id=first.pk,
                actor=dispatcher,
                reached=reached,  # type: ignore[arg-type]
                satisfaction=score,  # type: ignore[arg-type]
            )
    with pytest.raises(NotFoundError):
        callback_record(callback_id=first.pk + 1000, actor=dispatcher, reached=True)
    first.refresh_from_db()
    assert first.done_at is None  # bad input changed nothing
    assert not IncidentEvent.objects.filter(incident=resolved, kind="callback.recorded").exists()

    done = callback_record(
        callback_id=first.pk, actor=dispatcher, reached=True, satisfaction=4, notes="  polite crew "
    )
    assert (done.reached, done.satisfaction, done.notes, done.done_by) == (
        True,
        4,
        "polite crew",
        dispatcher,
    )
    event = IncidentEvent.objects.get(incident=resolved, kind="callback.recorded")
    assert event.data["satisfaction"] == 4
    assert event.call_id == first.call_id
    assert event.actor == dispatcher
    with pytest.raises(ConflictError):
        callback_record(callback_id=first.pk, actor=dispatcher, reached=True, satisfaction=5)

    clock = IncidentDeadline.objects.get(incident=resolved, milestone=Milestone.CALL_BACK)
    assert clock.met_at is None  # one caller is still to be called
    callback_record(callback_id=second.pk, actor=dispatcher, reached=False)  # no answer
    clock.refresh_from_db()
    assert clock.met_at is not None


@override_settings(ESCALATE_AFTER_S=AFTER)
def test_an_overdue_call_back_escalates_like_any_clock(
    resolved: Incident, dispatcher: User, units: dict[str, OrgUnit]
) -> None:
    station_sup = user_create(
        username="sup-st",
        password="pw",
        role=Role.SUPERVISOR,
        org_unit=resolved.station,
        email="s@x.cn",
    )
    user_create(
        username="sup-co",
        password="pw",
        role=Role.SUPERVISOR,
        org_unit=units["gx-city"],
        email="c@x.cn",
    )
    clock = IncidentDeadline.objects.get(incident=resolved, milestone=Milestone.CALL_BACK)

    assert deadlines_breach_due(now=clock.due_at - timedelta(seconds=1)) == 0
    late = clock.due_at + timedelta(seconds=1)
    assert deadlines_breach_due(now=late) == 1
    assert deadlines_breach_due(now=late) == 0  # once
    breach = IncidentEvent.objects.get(incident=resolved, kind="sla.breached")
    assert breach.data["milestone"] == Milestone.CALL_BACK
    assert Escalation.objects.get(deadline=clock).recipients == [station_sup.username]

    assert escalations_advance(now=late + timedelta(seconds=AFTER)) == 1
    assert Escalation.objects.get(deadline=clock, level=2).recipients == ["sup-co"]

    for callback in CallBack.objects.filter(incident=resolved):
        callback_record(callback_id=callback.pk, actor=dispatcher, reached=True, at=late)
    assert escalations_advance(now=late + timedelta(seconds=3 * AFTER)) == 0


def test_a_complaint_reply_stops_its_clock_even_after_the_incident_is_closed(
    dispatcher: User, premise: Premise, units: dict[str, OrgUnit]
) -> None:
    # By letter, no number: no call-back, so the reply is the only clock left running.
    complaint = call_open_incident(
        call_id=_report(dispatcher, premise, "", "complaint"), actor=dispatcher
    )
    # A complaint is the desk's: no crew goes, it is closed once handled.
    incident_close(
        incident_id=complaint.pk,
        actor=dispatcher,
        reason="resolved_on_phone",
        note="the visit was rebooked",
    )
    reply = IncidentDeadline.objects.get(incident=complaint, milestone=Milestone.REPLY)
    user_create(username="sup-st", password="pw", role=Role.SUPERVISOR, org_unit=complaint.station)

    # The case is closed, but the customer is still owed a reply: the clock runs on.
    assert deadlines_breach_due(now=reply.due_at + timedelta(seconds=1)) == 1
    assert Escalation.objects.get(deadline=reply).level == 1

    for bad in ("", "   ", "x" * 4001):
        with pytest.raises(DispatchError):
            complaint_reply_record(incident_id=complaint.pk, actor=dispatcher, text=bad)
    leak = call_open_incident(call_id=_report(dispatcher, premise, "13811110004"), actor=dispatcher)
    with pytest.raises(ConflictError):
        complaint_reply_record(incident_id=leak.pk, actor=dispatcher, text="sorry")
    reply.refresh_from_db()
    assert reply.met_at is None

    event = complaint_reply_record(
        incident_id=complaint.pk, actor=dispatcher, text="We apologised and refunded the visit."
    )
    assert event.kind == "complaint.replied"
    reply.refresh_from_db()
    assert reply.met_at == event.at
    with pytest.raises(ConflictError):
        complaint_reply_record(incident_id=complaint.pk, actor=dispatcher, text="again")
    assert escalations_advance(now=reply.due_at + timedelta(days=1)) == 0
