"""Call-backs owed: closing the loop with the people who called.

When an incident is resolved (or closed) each caller with a phone number is owed a call-back
within one working day: a CallBack per caller number and the incident's call_back SLA clock (the
shipped policy "call_back within 1 working day", dispatch.defaults), which escalates like any
other clock once breached. When a desk case is replied to and its case type is called back
(DeskRule.call_back), its caller is owed one too. Each is tried until reached, declined or
given up after the retry window (alerts.callback_attempts). A complaint's reply is the desk's
(desk.services.cases.case_reply).
"""

from datetime import datetime, timedelta

from django.conf import settings

# Imported for its Celery task (the worker knows the modules AlertsConfig.ready imports).
from alerts import callback_tasks  # noqa: F401
from alerts.models import CallBack
from desk.models import Case
from desk.services.cases import desk_rule_for
from dispatch.models import (
    Call,
    Incident,
    IncidentDeadline,
    IncidentEvent,
    Milestone,
)
from dispatch.services.listeners import event_listen
from dispatch.services.sla import sla_policies_for
from dispatch.services.timeline import event_record
from dispatch.working_days import working_days_add

CALL_BACK_WORKING_DAYS = 1  # without a call_back policy: the hotline standard
ENDS = (Incident.Status.RESOLVED, Incident.Status.CLOSED)


def retry_working_days() -> int:
    """How long a caller is tried after the call-back fell due (the issue: 3 working days)."""
    return int(getattr(settings, "CALLBACK_RETRY_WORKING_DAYS", 3))


def _call_back_due(incident: Incident, at: datetime) -> datetime:
    """The call_back policy's due time from `at`, or one working day."""
    policy = sla_policies_for(incident).get(Milestone.CALL_BACK)
    if policy is not None and policy.minutes is not None:
        return at + timedelta(minutes=policy.minutes)
    days = policy.working_days if policy is not None else None
    return working_days_add(at, days if days is not None else CALL_BACK_WORKING_DAYS)


def _new(*, call: Call, due: datetime, at: datetime, **owner: Incident | Case) -> CallBack:
    """A pending call-back, to be tried from now until the retry window after `due` closes."""
    owned_by = owner.get("incident") or owner["case"]
    unit_id = owned_by.station_id if isinstance(owned_by, Incident) else owned_by.unit_id
    return CallBack.objects.create(
        call=call,
        unit_id=unit_id,
        due_at=due,
        next_attempt_at=at,
        retry_until=working_days_add(due, retry_working_days()),
        **owner,
    )


def callbacks_schedule(*, incident: Incident, at: datetime) -> list[CallBack]:
    """A call-back per caller number of the incident (two calls from one number are one
    person, called once), and the call_back clock; returns those made now (none if the
    incident had them already, as when it is closed after being resolved)."""
    if CallBack.objects.filter(incident=incident).exists():
        return []
    calls = incident.calls.exclude(caller_phone="").order_by("received_at", "id")
    first_per_phone: dict[str, Call] = {}
    for call in calls:
        first_per_phone.setdefault(call.caller_phone, call)
    if not first_per_phone:
        return []
    due = _call_back_due(incident, at)
    made = [_new(call=call, due=due, at=at, incident=incident) for call in first_per_phone.values()]
    IncidentDeadline.objects.get_or_create(
        incident=incident, milestone=Milestone.CALL_BACK, defaults={"due_at": due}
    )
    event_record(
        kind="callback.scheduled",
        incident=incident,
        at=at,
        data={"callbacks": [c.pk for c in made], "due_at": due.isoformat()},
    )
    return made


@event_listen("incident.status")
def callbacks_on_status(event: IncidentEvent) -> None:
    if event.incident_id is None or event.data.get("to") not in ENDS:
        return
    incident = Incident.objects.get(pk=event.incident_id)
    callbacks_schedule(incident=incident, at=event.at)


def callback_schedule_for_case(*, case: Case, at: datetime) -> CallBack | None:
    """The call-back owed after a case's reply, due within one working day, when its case type
    is called back and its caller left a number; None otherwise or when it has one already."""
    if not desk_rule_for(case.category).call_back or not case.call.caller_phone:
        return None
    if CallBack.objects.filter(case=case).exists():
        return None  # the event replayed, or the case replied to again
    due = working_days_add(at, CALL_BACK_WORKING_DAYS)
    callback = _new(call=case.call, due=due, at=at, case=case)
    event_record(
        kind="callback.scheduled",
        call=case.call,
        at=at,
        data={
            "case": case.reference,
            "case_id": case.pk,
            "callbacks": [callback.pk],
            "due_at": due.isoformat(),
        },
    )
    return callback


@event_listen("case.replied")
def callbacks_on_case_replied(event: IncidentEvent) -> None:
    case = Case.objects.select_related("call").filter(pk=event.data.get("case_id")).first()
    if case is not None:
        callback_schedule_for_case(case=case, at=event.at)
