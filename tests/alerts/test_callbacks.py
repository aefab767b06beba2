"""Call-backs after an incident is resolved (one per caller, due the next working day, with
its SLA clock that escalates when overdue), their attempts and retries. (Complaints are desk
cases now: their call-backs are in test_callbacks_desk.py.)"""

from datetime import datetime, timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from alerts.callback_attempts import AttemptInput, callback_attempt_record, callbacks_give_up_due
from alerts.callback_selectors import callback_scores
from alerts.callback_tasks import callbacks_give_up_task
from alerts.callbacks import callbacks_schedule
from alerts.escalation import escalations_advance
from alerts.models import CallBack, CallBackAttempt, CallBackStatus, Escalation, Notification
from demo.crews import demo_crews_load
from demo.org import demo_organisation_load
from dispatch.errors import ConflictError, DispatchError, NotFoundError
from dispatch.models import (
    CalendarDay,
    Crew,
    Incident,
    IncidentDeadline,
    IncidentEvent,
    Milestone,
    User,
)
from dispatch.roles import Role
from dispatch.services import user_create
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


def _calendar(friday: datetime) -> None:
    """The company's calendar around the test week, whatever the country's says: the weekend
    off, the Tuesday after a (local) holiday, the other days worked."""
    offs = {1, 2, 4}  # Saturday, Sunday, the Tuesday
    for ahead in range(0, 12):
        CalendarDay.objects.update_or_create(
            day=(friday + timedelta(days=ahead)).date(),
            defaults={"working": ahead not in offs, "note": "test week"},
        )


def _attempt(callback: CallBack, actor: User, at: datetime, outcome: str, **more: Any) -> CallBack:
    data = AttemptInput(outcome=outcome, **more)
    return callback_attempt_record(callback_id=callback.pk, actor=actor, data=data, at=at)


def test_resolving_schedules_one_call_back_per_caller_number_due_the_next_working_day(
    resolved: Incident,
) -> None:
    callbacks = list(CallBack.objects.filter(incident=resolved).select_related("call"))
    assert sorted(c.call.caller_phone for c in callbacks) == ["13811110001", "13811110002"]
    friday = _next_friday_afternoon()
    monday = friday + timedelta(days=3)
    assert all(c.due_at == monday for c in callbacks)  # the weekend does not count
    assert all(c.status == CallBackStatus.PENDING and c.attempts == 0 for c in callbacks)
    clock = IncidentDeadline.objects.get(incident=resolved, milestone=Milestone.CALL_BACK)
    assert clock.due_at == monday
    event = IncidentEvent.objects.get(incident=resolved, kind="callback.scheduled")
    assert sorted(event.data["callbacks"]) == sorted(c.pk for c in callbacks)

    # Closed after resolved (or the event replayed): nothing more is scheduled.
    assert callbacks_schedule(incident=resolved, at=friday + timedelta(hours=1)) == []
    assert CallBack.objects.filter(incident=resolved).count() == 2


def test_attempts_are_logged_retried_on_working_days_and_given_up_after_three(
    dispatcher: User, premise: Premise
) -> None:
    friday = _next_friday_afternoon()
    _calendar(friday)
    monday, tuesday = friday + timedelta(days=3), friday + timedelta(days=4)
    incident = call_open_incident(
        call_id=_report(dispatcher, premise, "13811110001"), actor=dispatcher
    )
    call_join_incident(
        call_id=_report(dispatcher, premise, "13811110002"),
        incident_id=incident.pk,
        actor=dispatcher,
    )
    _resolve(incident, dispatcher, friday)
    first, second = CallBack.objects.filter(incident=incident).order_by("call__received_at")
    assert first.due_at == monday  # 1 working day
    assert first.retry_until == friday + timedelta(days=7)  # 3 more; the Tuesday is off

    bad: list[tuple[str, object]] = [
        ("no_answer", 3),  # not reached: nobody gave a score
        ("reached", None),  # reached: a score, or "refused"
        ("reached", 6),
        ("reached", True),  # a bool is an int in Python; not a score
        ("hung_up", None),
    ]
    for outcome, score in bad:
        with pytest.raises(DispatchError):
            _attempt(first, dispatcher, friday, outcome, score=score)
    with pytest.raises(DispatchError):
        _attempt(first, dispatcher, friday, "no_answer", reason="x" * 1001)
    with pytest.raises(NotFoundError):
        callback_attempt_record(
            callback_id=first.pk + 1000,
            actor=dispatcher,
            data=AttemptInput("no_answer"),
            at=friday,
        )
    assert not CallBackAttempt.objects.exists()  # bad input changed nothing

    # Friday evening: the retry goes over the weekend to Monday morning.
    done = _attempt(
        first, dispatcher, friday + timedelta(minutes=30), "no_answer", reason=" rang 10 times "
    )
    assert (done.status, done.attempts) == (CallBackStatus.PENDING, 1)
    assert done.next_attempt_at == monday.replace(hour=9, minute=0)
    logged = CallBackAttempt.objects.get(callback=first)
    assert (logged.at, logged.by, logged.outcome, logged.reason, logged.score) == (
        friday + timedelta(minutes=30),
        dispatcher,
        "no_answer",
        "rang 10 times",
        None,
    )
    event = IncidentEvent.objects.get(incident=incident, kind="callback.attempted")
    assert (event.call_id, event.actor, event.data["outcome"]) == (
        first.call_id,
        dispatcher,
        "no_answer",
    )

    # Monday morning, busy: tried again the same day; the second failure sends the SMS link.
    done = _attempt(first, dispatcher, monday.replace(hour=10, minute=0), "busy")
    assert done.next_attempt_at == monday.replace(hour=12, minute=0)
    assert done.link_token is not None
    assert len(done.link_token) >= 32
    message = Notification.objects.get(template="callback.link")
    assert message.recipient == "13811110001"
    assert f"/callback/{done.link_token}/" in message.body
    assert list(done.attempt_log.values_list("outcome", "by")) == [
        ("no_answer", dispatcher.pk),
        ("busy", dispatcher.pk),
        ("sms_link_sent", None),
    ]

    # Monday after five: the next working day is Wednesday (Tuesday is a holiday).
    done = _attempt(first, dispatcher, monday.replace(hour=17, minute=0), "left_message")
    assert done.next_attempt_at == (tuesday + timedelta(days=1)).replace(hour=9, minute=0)

    # The other caller is reached and scores 5; the clock waits for the first caller.
    _attempt(second, dispatcher, monday.replace(hour=11), "reached", score=5, comment="quick")
    clock = IncidentDeadline.objects.get(incident=incident, milestone=Milestone.CALL_BACK)
    assert clock.met_at is None

    # Three working days after it fell due the first caller is given up: not reached, finished.
    assert callbacks_give_up_due(now=first.retry_until - timedelta(seconds=1)) == 0
    end = first.retry_until + timedelta(seconds=1)
    assert callbacks_give_up_due(now=end) == 1
    assert callbacks_give_up_due(now=end) == 0  # once
    assert callbacks_give_up_task() == 0  # the beat's task: nothing else is past its window
    first.refresh_from_db()
    assert (first.status, first.reached, first.satisfaction) == (
        CallBackStatus.NOT_REACHED,
        False,
        None,
    )
    assert IncidentEvent.objects.filter(incident=incident, kind="callback.given_up").count() == 1
    clock.refresh_from_db()
    assert clock.met_at == end  # every caller tried: the attempt is what is measured
    with pytest.raises(ConflictError):
        _attempt(first, dispatcher, end, "reached", score=5)

    # Not reached is never satisfied: the score is the one caller reached, not (5 + 0) / 2.
    [row] = callback_scores(OrgUnit.objects.all(), monday.date(), monday.date())
    assert (row.unit, row.due, row.attempted, row.on_time) == (incident.station.name, 2, 2, 2)
    assert (row.reached, row.not_reached, row.open, row.average_score) == (1, 1, 0, 5.0)


def test_a_retry_past_the_window_or_a_wrong_number_ends_the_call_back_at_once(
    resolved: Incident, dispatcher: User
) -> None:
    first, second = CallBack.objects.filter(incident=resolved).order_by("call__received_at")
    last_try = first.retry_until - timedelta(minutes=30)  # its retry would fall after the window
    assert _attempt(first, dispatcher, last_try, "no_answer").status == CallBackStatus.NOT_REACHED
    done = _attempt(second, dispatcher, first.due_at, "wrong_number", reason="a shop")
    assert (done.status, done.attempts) == (CallBackStatus.NOT_REACHED, 1)
    clock = IncidentDeadline.objects.get(incident=resolved, milestone=Milestone.CALL_BACK)
    assert clock.met_at == first.due_at


@override_settings(ESCALATE_AFTER_S=AFTER)
def test_an_overdue_call_back_escalates_until_its_callers_are_reached_or_decline(
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

    first, second = CallBack.objects.filter(incident=resolved).order_by("call__received_at")
    reached = _attempt(first, dispatcher, late, "reached", score=4, comment=" polite crew ")
    assert (reached.status, reached.satisfaction, reached.notes) == ("reached", 4, "polite crew")
    declined = _attempt(second, dispatcher, late, "refused", reason="no time for surveys")
    assert (declined.status, declined.satisfaction) == (CallBackStatus.DECLINED, None)
    event = IncidentEvent.objects.get(incident=resolved, kind="callback.attempted", call=first.call)
    assert (event.data["late"], event.data["score"]) == (True, 4)
    assert escalations_advance(now=late + timedelta(seconds=3 * AFTER)) == 0
