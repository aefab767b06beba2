"""The dispatch queue: the incidents a dispatcher must act on, most urgent first.

Every open incident of the stations shown is in it: those waiting for a crew, those whose SLA
clock is near or past its deadline, and those with crews (a crew may need adding, reassigning
or calling off), plus the resolved ones a dispatcher still has to close. Priority first, then
the one waiting longest. Each entry also says when it sets off the queue alarm (QueueAlarm): a
priority's incident that waits without a crew longer than the time a supervisor set.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Prefetch, Q

from dispatch.choices import Handling
from dispatch.models import Call, CategoryRule, Incident, IncidentDeadline, IncidentEvent, WorkOrder
from maps.models import QueueAlarm

QUEUE_MAX = 200  # a screen cannot show more; the counts say how many there are
NEAR_SHARE = 0.25  # at risk in the last quarter of a clock's allowed time, as on the wall
CALLS_SHOWN = 5  # the first callers' words; the incident's page has every call
# In the queue: what still needs a dispatcher. A resolved incident (the crew finished) waits
# for the dispatcher to close it with a reason.
QUEUE_STATUSES = (*Incident.OPEN_STATUSES, Incident.Status.RESOLVED)


class Sla:
    NONE = "none"  # no clock running
    ON_TIME = "on_time"
    AT_RISK = "at_risk"
    BREACHED = "breached"


@dataclass(frozen=True)
class QueueEntry:
    incident: Incident
    work_orders: list[WorkOrder]  # the live ones, oldest first
    calls: list[Call]  # the first few, oldest first
    waiting_s: int  # since the incident was opened
    waiting_for_crew: bool
    sla: str
    next_deadline: IncidentDeadline | None
    alarm_at: datetime | None  # when it sets off the alarm if still without a crew
    alarm_sound: bool
    alarm: bool  # set off now


def queue_alarms() -> dict[int, QueueAlarm]:
    return {a.priority: a for a in QueueAlarm.objects.all()}


def _deadlines() -> Prefetch:
    return Prefetch("deadlines", queryset=IncidentDeadline.objects.order_by("due_at"))


def _live_work_orders() -> Prefetch:
    return Prefetch(
        "work_orders",
        queryset=WorkOrder.objects.filter(status__in=WorkOrder.ACTIVE_STATUSES)
        .select_related("crew")
        .order_by("created_at", "id"),
        to_attr="live_work_orders",
    )


def _calls() -> Prefetch:
    return Prefetch(
        "calls",
        queryset=Call.objects.only(
            "id", "incident", "received_at", "description", "caller_name", "caller_phone"
        ).order_by("received_at", "id"),
        to_attr="queue_calls",
    )


def _sla(incident: Incident, now: datetime) -> tuple[str, IncidentDeadline | None]:
    """The clock that matters: the earliest deadline neither met nor stopped."""
    pending = [
        d for d in incident.deadlines.all() if d.met_at is None and d.not_applicable_at is None
    ]
    if not pending:
        return Sla.NONE, None
    first = pending[0]
    left = (first.due_at - now).total_seconds()
    allowed = (first.due_at - incident.created_at).total_seconds()
    if left < 0 or first.breached_at is not None:
        return Sla.BREACHED, first
    if left < allowed * NEAR_SHARE:
        return Sla.AT_RISK, first
    return Sla.ON_TIME, first


def _entry(
    incident: Incident, now: datetime, alarms: dict[int, QueueAlarm], desk: frozenset[str]
) -> QueueEntry:
    live: list[WorkOrder] = getattr(incident, "live_work_orders", [])
    # An office case (a complaint) waits for the desk, never for a crew: no alarm for it.
    waiting = (
        incident.status in Incident.OPEN_STATUSES and not live and incident.category not in desk
    )
    sla, deadline = _sla(incident, now)
    rule = alarms.get(incident.priority)
    alarm_at = (
        incident.created_at + timedelta(seconds=rule.after_seconds)
        if rule is not None and waiting
        else None
    )
    return QueueEntry(
        incident=incident,
        work_orders=live,
        calls=getattr(incident, "queue_calls", [])[:CALLS_SHOWN],
        waiting_s=max(0, int((now - incident.created_at).total_seconds())),
        waiting_for_crew=waiting,
        sla=sla,
        next_deadline=deadline,
        alarm_at=alarm_at,
        alarm_sound=bool(rule and rule.sound and alarm_at),
        alarm=alarm_at is not None and alarm_at <= now,
    )


def dispatch_queue_list(*, station_ids: list[int], now: datetime) -> tuple[list[QueueEntry], bool]:
    """The queue of these stations, priority first, then the one waiting longest, and whether
    more than QUEUE_MAX were left out. Six queries whatever its length."""
    incidents = list(
        Incident.objects.filter(status__in=QUEUE_STATUSES, station_id__in=station_ids)
        .select_related("station")
        .prefetch_related(_deadlines(), _live_work_orders(), _calls())
        .order_by("priority", "created_at", "id")[: QUEUE_MAX + 1]
    )
    alarms, desk = queue_alarms(), _desk_case_types()
    return [_entry(i, now, alarms, desk) for i in incidents[:QUEUE_MAX]], (
        len(incidents) > QUEUE_MAX
    )


def dispatch_queue_entry(*, incident_id: int, now: datetime) -> QueueEntry | None:
    """One incident as the queue shows it, whatever its status (an ended one too: the screen
    shows how it ended)."""
    incident = (
        Incident.objects.filter(pk=incident_id)
        .select_related("station", "merged_into")
        .prefetch_related(_deadlines(), _live_work_orders(), _calls())
        .first()
    )
    if incident is None:
        return None
    return _entry(incident, now, queue_alarms(), _desk_case_types())


def _desk_case_types() -> frozenset[str]:
    """The case types no crew is sent to (handled by the desk or on the call)."""
    return frozenset(
        CategoryRule.objects.exclude(handling=Handling.FIELD_JOB).values_list("category", flat=True)
    )


def incident_events_recent(incident: Incident, *, limit: int = 30) -> list[IncidentEvent]:
    """The incident's newest events (and its calls' from before it existed), newest first."""
    return list(
        IncidentEvent.objects.filter(
            Q(incident=incident) | Q(call__incident=incident, incident__isnull=True)
        )
        .select_related("work_order__crew", "actor")
        .order_by("-at", "-id")[:limit]
    )
