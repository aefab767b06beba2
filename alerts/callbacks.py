"""Call-backs and complaints: closing the loop with the people who called.

When an incident is resolved (or closed) each caller with a phone number is owed a call-back
within one working day: a CallBack per caller and the incident's call_back SLA clock (the
shipped policy "call_back within 1 working day", dispatch.defaults), which escalates like any
other clock once breached. A complaint's reply clock (5 days) is met by `complaint_reply_record`.
"""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from alerts.models import CallBack
from dispatch.choices import Handling
from dispatch.errors import ConflictError, DispatchError, NotFoundError
from dispatch.models import (
    Call,
    CategoryRule,
    Incident,
    IncidentDeadline,
    IncidentEvent,
    Milestone,
    User,
)
from dispatch.services.listeners import event_listen
from dispatch.services.sla import deadline_meet, sla_policies_for
from dispatch.services.timeline import event_record
from dispatch.working_days import working_days_add

CALL_BACK_WORKING_DAYS = 1  # without a call_back policy: the hotline standard
ENDS = (Incident.Status.RESOLVED, Incident.Status.CLOSED)
NOTES_MAX = 4000
REPLY_MAX = 4000


def _call_back_due(incident: Incident, at: datetime) -> datetime:
    """The call_back policy's due time from `at`, or one working day."""
    policy = sla_policies_for(incident).get(Milestone.CALL_BACK)
    if policy is not None and policy.minutes is not None:
        return at + timedelta(minutes=policy.minutes)
    days = policy.working_days if policy is not None else None
    return working_days_add(at, days if days is not None else CALL_BACK_WORKING_DAYS)


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
    made = [
        CallBack.objects.create(incident=incident, call=call, due_at=due)
        for call in first_per_phone.values()
    ]
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


def _validated(reached: object, satisfaction: object, notes: str) -> tuple[bool, int | None, str]:
    if not isinstance(reached, bool):
        raise DispatchError(
            "reached must be true or false: did the caller answer?", field="reached"
        )
    if satisfaction is not None:
        # bool is an int in Python: True must not pass for a score of 1.
        if isinstance(satisfaction, bool) or not isinstance(satisfaction, int):
            raise DispatchError("satisfaction must be a whole number 1 to 5", field="satisfaction")
        if not 1 <= satisfaction <= 5:
            raise DispatchError(
                f"satisfaction must be 1 to 5, not {satisfaction}", field="satisfaction"
            )
        if not reached:
            raise DispatchError(
                "a caller who was not reached cannot give a satisfaction score",
                field="satisfaction",
            )
    notes = (notes or "").strip()
    if len(notes) > NOTES_MAX:
        raise DispatchError(f"notes are at most {NOTES_MAX} characters", field="notes")
    return reached, satisfaction, notes


@transaction.atomic
def callback_record(
    *,
    callback_id: int,
    actor: User,
    reached: bool,
    satisfaction: int | None = None,
    notes: str = "",
    at: datetime | None = None,
) -> CallBack:
    """Record the call-back's result, once. A caller not reached still counts as called (the
    attempt is what the clock measures); the incident's clock is met when every caller has been."""
    at = at or timezone.now()
    reached, satisfaction, notes = _validated(reached, satisfaction, notes)
    callback = (
        CallBack.objects.select_for_update()
        .select_related("incident", "call")
        .filter(pk=callback_id)
        .first()
    )
    if callback is None:
        raise NotFoundError(f"no call-back {callback_id}")
    if callback.done_at is not None:
        raise ConflictError(
            f"this call-back was recorded at {timezone.localtime(callback.done_at):%Y-%m-%d %H:%M}"
        )
    callback.done_at, callback.done_by = at, actor
    callback.reached, callback.satisfaction, callback.notes = reached, satisfaction, notes
    callback.save(update_fields=["done_at", "done_by", "reached", "satisfaction", "notes"])
    event_record(
        kind="callback.recorded",
        incident=callback.incident,
        call=callback.call,
        actor=actor,
        at=at,
        data={
            "callback": callback.pk,
            "call": callback.call_id,
            "reached": reached,
            "satisfaction": satisfaction,
            "late": at > callback.due_at,
        },
    )
    if not CallBack.objects.filter(incident=callback.incident, done_at__isnull=True).exists():
        deadline_meet(incident=callback.incident, milestone=Milestone.CALL_BACK, at=at)
    return callback


@transaction.atomic
def complaint_reply_record(
    *, incident_id: int, actor: User, text: str, at: datetime | None = None
) -> IncidentEvent:
    """The reply given to a complaint: kept on the timeline; it stops the reply clock."""
    at = at or timezone.now()
    text = (text or "").strip()
    if not text:
        raise DispatchError("write what the customer was told", field="text")
    if len(text) > REPLY_MAX:
        raise DispatchError(f"a reply is at most {REPLY_MAX} characters", field="text")
    incident = Incident.objects.select_for_update().filter(pk=incident_id).first()
    if incident is None:
        raise NotFoundError(f"no incident {incident_id}")
    handling = (
        CategoryRule.objects.filter(category=incident.category)
        .values_list("handling", flat=True)
        .first()
    )
    if handling != Handling.OFFICE_CASE:  # complaints, and any office case type added later
        raise ConflictError(
            gettext("%(reference)s is not an office case (a complaint): it takes no reply")
            % {"reference": incident.reference},
            field="incident",
        )
    if incident.events.filter(kind="complaint.replied").exists():
        raise ConflictError(f"{incident.reference} has been replied to already")
    event = event_record(
        kind="complaint.replied", incident=incident, actor=actor, at=at, data={"text": text}
    )
    deadline_meet(incident=incident, milestone=Milestone.REPLY, at=at)
    return event
