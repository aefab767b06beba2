"""SLA clocks: started from the first call, met by milestones, breached by the beat."""

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from dispatch.models import Incident, IncidentDeadline, Milestone, SlaPolicy
from dispatch.services.timeline import event_record
from dispatch.working_days import working_days_add

STARTED_AT_CLOSE = {Milestone.CALL_BACK}  # this clock starts when the incident closes


def sla_policies_for(incident: Incident) -> dict[str, SlaPolicy]:
    """Per milestone, the most specific policy that holds for the incident: one naming its
    case type beats one that does not; then one naming its area class; then one naming a
    season it fell in (its first call's day); then one naming its priority."""
    started = timezone.localtime(incident.first_call_at or incident.created_at).date()
    found: dict[str, tuple[int, SlaPolicy]] = {}
    for policy in SlaPolicy.objects.filter(
        Q(priority=incident.priority) | Q(priority__isnull=True),
        Q(category=incident.category) | Q(category=""),
        Q(area_class=incident.area_class) | Q(area_class=""),
    ).select_related("season"):
        if policy.season is not None and not policy.season.holds(started):
            continue
        rank = (
            (8 if policy.category else 0)
            + (4 if policy.area_class else 0)
            + (2 if policy.season_id else 0)
            + (1 if policy.priority else 0)
        )
        if policy.milestone not in found or rank > found[policy.milestone][0]:
            found[policy.milestone] = (rank, policy)
    return {milestone: policy for milestone, (_rank, policy) in found.items()}


def _due(policy: SlaPolicy, start: datetime) -> datetime:
    if policy.minutes is not None:
        return start + timedelta(minutes=policy.minutes)
    return working_days_add(start, policy.working_days or 0)


def deadlines_start(
    *, incident: Incident, at: datetime, recorded_at: datetime | None = None
) -> list[IncidentDeadline]:
    """Start (or, after a priority change, re-aim) every clock not yet met, from `at` (the
    first call); the timeline records it at `recorded_at`, the change that started it."""
    deadlines = []
    for milestone, policy in sla_policies_for(incident).items():
        if milestone in STARTED_AT_CLOSE:
            continue
        deadline, created = IncidentDeadline.objects.get_or_create(
            incident=incident, milestone=milestone, defaults={"due_at": _due(policy, at)}
        )
        if (
            not created
            and deadline.met_at is None
            and deadline.not_applicable_at is None
            and deadline.due_at != _due(policy, at)
        ):
            deadline.due_at = _due(policy, at)
            deadline.save(update_fields=["due_at"])
        deadlines.append(deadline)
    event_record(
        kind="sla.started",
        incident=incident,
        at=recorded_at,
        data={
            "from": at.isoformat(),
            "due": {d.milestone: d.due_at.isoformat() for d in deadlines},
        },
    )
    return deadlines


def deadline_meet(*, incident: Incident, milestone: str, at: datetime) -> None:
    deadline = IncidentDeadline.objects.filter(
        incident=incident, milestone=milestone, met_at__isnull=True, not_applicable_at__isnull=True
    ).first()
    if deadline is None:
        return
    deadline.met_at = at
    deadline.save(update_fields=["met_at"])
    late = (at - deadline.due_at).total_seconds()
    event_record(
        kind="sla.met",
        incident=incident,
        at=at,
        data={"milestone": milestone, "on_time": late <= 0, "late_seconds": max(0, round(late))},
    )


# Clocks that run on after the crew is done: they breach on closed incidents too.
RUN_AFTER_CLOSE = (Milestone.CALL_BACK, Milestone.REPLY)


@transaction.atomic  # the row locks need one (beat's task runs in autocommit)
def deadlines_breach_due(*, now: datetime) -> int:
    """Mark every clock past due and not met as breached, once; returns how many. A clock
    of an open incident, or a call-back or reply clock of one closed (not cancelled); never
    one stopped as not applicable."""
    due = (
        IncidentDeadline.objects.select_for_update(of=("self",), skip_locked=True)
        .filter(
            due_at__lt=now,
            met_at__isnull=True,
            breached_at__isnull=True,
            not_applicable_at__isnull=True,
        )
        .filter(
            Q(incident__status__in=Incident.OPEN_STATUSES)
            | (Q(milestone__in=RUN_AFTER_CLOSE) & ~Q(incident__status=Incident.Status.CANCELLED))
        )
        .select_related("incident")
    )
    count = 0
    for deadline in due:
        deadline.breached_at = now
        deadline.save(update_fields=["breached_at"])
        event_record(
            kind="sla.breached",
            incident=deadline.incident,
            at=now,
            data={"milestone": deadline.milestone, "due_at": deadline.due_at.isoformat()},
        )
        count += 1
    return count


def deadlines_stop(
    *, incident: Incident, at: datetime, because: str, keep: tuple[str, ...] = ()
) -> list[str]:
    """Stop the incident's clocks not yet met (but those in `keep`) as not applicable, with
    one timeline line; returns their milestones. The caller holds the incident's lock."""
    stopped = list(
        IncidentDeadline.objects.select_for_update()
        .filter(incident=incident, met_at__isnull=True, not_applicable_at__isnull=True)
        .exclude(milestone__in=keep)
        .order_by("due_at")
    )
    if not stopped:
        return []
    IncidentDeadline.objects.filter(pk__in=[d.pk for d in stopped]).update(not_applicable_at=at)
    milestones = [d.milestone for d in stopped]
    event_record(
        kind="sla.not_applicable",
        incident=incident,
        at=at,
        data={
            "milestones": milestones,
            # A breach already recorded stays a breach in the figures: it happened.
            "breached_before": [d.milestone for d in stopped if d.breached_at is not None],
            "because": because,
        },
    )
    return milestones
