"""Choosing crews for an incident, and recording on the timeline who was offered and why."""

from dataclasses import asdict
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from dispatch.models import Incident, User, WorkOrder
from dispatch.services.timeline import event_record
from dispatch.services.work_orders import work_order_dispatch


def incident_crews_recommend(
    *, incident: Incident, actor: User | None, at: datetime | None = None, limit: int = 5
) -> list[dict[str, Any]]:
    """Recommended crews, best first, written to the timeline with their reasons."""
    from dispatch.recommend import crew_recommend

    at = at or timezone.now()
    passed_over = list(
        incident.work_orders.filter(
            status__in=[WorkOrder.Status.REJECTED, WorkOrder.Status.CANCELLED]
        ).values_list("crew_id", flat=True)
    )
    busy_here = list(
        incident.work_orders.filter(status__in=WorkOrder.ACTIVE_STATUSES).values_list(
            "crew_id", flat=True
        )
    )
    found = [
        asdict(r)
        for r in crew_recommend(
            point=incident.point,
            category=incident.category,
            priority=incident.priority,
            now=at,
            limit=limit,
            exclude_crew_ids=[*passed_over, *busy_here],
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
    """Send the best crew not yet tried (auto-dispatch, or after a reject or no answer)."""
    incident = Incident.objects.select_for_update().filter(pk=incident_id).first()
    if incident is None or incident.status not in Incident.OPEN_STATUSES:
        return None
    if incident.work_orders.filter(status__in=WorkOrder.ACTIVE_STATUSES).exists():
        return None  # someone is already on it: nothing to do (a task ran twice)
    found = incident_crews_recommend(incident=incident, actor=None)
    if not found:
        event_record(kind="crews.none_available", incident=incident, data={"why": why})
        return None
    top = found[0]
    return work_order_dispatch(
        incident_id=incident.id,
        crew_id=top["crew_id"],
        actor=None,
        recommendation={**top, "why": why},
    )
