"""Choosing crews for an incident, and recording on the timeline who was offered and why.

The dispatcher's list is never empty while there are crews: when fewer than `limit` could go as
the rule asks (ideal), the next best follow, each with what it lacks (dispatch.recommend_fallback).
Only an ideal crew is ever sent without a person choosing it.
"""

from dataclasses import asdict
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dispatch.errors import ConflictError
from dispatch.models import CategoryRule, Incident, IncidentEvent, User, WorkOrder
from dispatch.services.timeline import event_record
from dispatch.services.work_orders import work_order_dispatch


def incident_crews_recommend(
    *, incident: Incident, actor: User | None, at: datetime | None = None, limit: int = 5
) -> list[dict[str, Any]]:
    """Recommended crews, best first (the ideal ones, then the next best with what each
    lacks), written to the timeline with their reasons."""
    from dispatch.recommend import crew_recommend

    at = at or timezone.now()
    # Crews that turned it down or were called off it are not offered again; a crew taken
    # off it for a more urgent incident is, once free (it may well be the nearest).
    preempted = IncidentEvent.objects.filter(
        incident=incident, kind="work_order.cancelled", data__has_key="preempted_by"
    ).values("work_order_id")
    passed_over = list(
        incident.work_orders.filter(
            status__in=[WorkOrder.Status.REJECTED, WorkOrder.Status.CANCELLED]
        )
        .exclude(pk__in=preempted)
        .values_list("crew_id", flat=True)
    )
    busy_here = list(
        incident.work_orders.filter(status__in=WorkOrder.ACTIVE_STATUSES).values_list(
            "crew_id", flat=True
        )
    )
    rule = CategoryRule.objects.filter(category=incident.category).first()
    if rule is None:  # removed in the admin while the incident was open
        raise ConflictError(
            _(
                "the case type %(code)s is no longer configured: an administrator restores it in"
                " the admin (Case types)"
            )
            % {"code": incident.category},
            field="category",
        )
    if not rule.sends_crews:
        return []  # the desk's case (a complaint): no crew is offered
    found = [
        asdict(r)
        for r in crew_recommend(
            point=incident.point,
            category=incident.category,
            priority=incident.priority,
            now=at,
            limit=limit,
            exclude_crew_ids=[*passed_over, *busy_here],
            next_best=True,
        )
    ]
    with transaction.atomic():
        event_record(
            kind="crews.recommended",
            incident=incident,
            actor=actor,
            at=at,
            data={"crews": found, "passed_over": passed_over},
        )
    return found


@transaction.atomic
def incident_dispatch_next(*, incident_id: int, why: str) -> WorkOrder | None:
    """Send the best ideal crew not yet tried (auto-dispatch, or after a reject or no answer);
    with none, leave the next best on the timeline for a dispatcher to choose from."""
    incident = Incident.objects.select_for_update().filter(pk=incident_id).first()
    if incident is None or incident.status not in Incident.OPEN_STATUSES:
        return None
    if incident.work_orders.filter(status__in=WorkOrder.ACTIVE_STATUSES).exists():
        return None  # someone is already on it: nothing to do (a task ran twice)
    try:
        found = incident_crews_recommend(incident=incident, actor=None)
    except ConflictError as refused:
        event_record(kind="crews.none_available", incident=incident, data={"why": refused.message})
        return None
    ideal = [r for r in found if r["ideal"]]
    if not ideal:  # a crew that lacks a skill or the time is a person's call, never the system's
        event_record(
            kind="crews.none_available", incident=incident, data={"why": why, "crews": found}
        )
        return None
    top = ideal[0]
    try:
        with transaction.atomic():  # a savepoint: a refusal leaves the incident as it was
            return work_order_dispatch(
                incident_id=incident.id,
                crew_id=top["crew_id"],
                actor=None,
                recommendation={**top, "why": why},
            )
    except ConflictError as refused:  # the crew was taken since the list was read
        event_record(
            kind="crews.none_available",
            incident=incident,
            data={"why": f"{why}; {refused.message}", "crews": found},
        )
        return None
