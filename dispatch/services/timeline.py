"""The timeline: every change to a call, incident or work order writes one event."""

from datetime import datetime
from typing import Any

from django.contrib.gis.geos import Point
from django.utils import timezone

from dispatch.models import Call, Incident, IncidentEvent, User, WorkOrder
from dispatch.services.listeners import event_dispatch


def event_record(
    *,
    kind: str,
    incident: Incident | None = None,
    call: Call | None = None,
    work_order: WorkOrder | None = None,
    actor: User | None = None,
    actor_label: str = "",
    data: dict[str, Any] | None = None,
    point: Point | None = None,
    device_time: datetime | None = None,
    client_event_id: str | None = None,
    at: datetime | None = None,
) -> IncidentEvent:
    """Append one event; callers are inside the transaction of the change it records.
    Listeners (dispatch.services.listeners) run on it in that transaction too."""
    event = IncidentEvent.objects.create(
        kind=kind,
        incident=incident,
        call=call,
        work_order=work_order,
        actor=actor,
        actor_label=actor_label or (actor.get_username() if actor else "system"),
        data=data or {},
        point=point,
        device_time=device_time,
        client_event_id=client_event_id,
        at=at or timezone.now(),
    )
    event_dispatch(event)
    return event
