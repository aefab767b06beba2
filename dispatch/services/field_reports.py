"""What crews report from their tablets besides status: findings, photos, their own duty.

Each report carries a client event id and the tablet's time. A report seen before is not
applied again, and the result never depends on the order reports arrive in (an offline queue
replays in whatever order it can): findings merge by device time, the newest duty report wins.
"""

import hashlib
from datetime import datetime
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from dispatch.errors import DispatchError, NotFoundError
from dispatch.models import Crew, User, WorkOrder, WorkOrderFinding, WorkOrderPhoto
from dispatch.models.crews import Duty
from dispatch.services.locks import work_order_locked
from dispatch.services.timeline import event_record

# What the crew's availability becomes, by what it says, when it has no job on.
STATUS_BY_DUTY = {
    Duty.ON_SHIFT: Crew.Status.AVAILABLE,
    Duty.BREAK: Crew.Status.BREAK,
    Duty.OFF: Crew.Status.OFF_SHIFT,
}
FINDING_FIELDS = ("leak_grade", "cause", "actions_taken", "valves_operated", "materials", "notes")


def crew_status_settle(crew: Crew) -> None:
    """Busy while any job is live; otherwise what its duty says (callers hold the crew)."""
    busy = crew.work_orders.filter(status__in=WorkOrder.ACTIVE_STATUSES).exists()
    status = Crew.Status.BUSY if busy else STATUS_BY_DUTY[Duty(crew.duty)]
    if status != crew.status:
        crew.status = status
        crew.save(update_fields=["status"])


@transaction.atomic
def work_order_findings_record(
    *,
    work_order_id: int,
    actor: User | None,
    client_event_id: str,
    device_time: datetime,
    findings: dict[str, Any],
) -> WorkOrderFinding:
    """Keep one findings report; the work order's findings are every report merged, later
    device times over earlier ones, field by field."""
    work_order = work_order_locked(work_order_id)
    seen = work_order.finding_reports.filter(client_event_id=client_event_id).first()
    if seen is not None:
        return seen
    report = WorkOrderFinding.objects.create(
        work_order=work_order,
        client_event_id=client_event_id,
        device_time=device_time,
        recorded_at=timezone.now(),
        recorded_by=actor,
        **{k: v for k, v in findings.items() if k in FINDING_FIELDS},
    )
    merged: dict[str, Any] = {}
    for earlier in work_order.finding_reports.order_by("device_time", "client_event_id"):
        for name in FINDING_FIELDS:
            value = getattr(earlier, name)
            if value not in (None, "", []):
                merged[name] = value
    work_order.findings = merged
    work_order.save(update_fields=["findings"])
    event_record(
        kind="work_order.findings",
        incident=work_order.incident,
        work_order=work_order,
        actor=actor,
        device_time=device_time,
        client_event_id=client_event_id,
        data={k: v for k, v in findings.items() if k in FINDING_FIELDS},
    )
    return report


@transaction.atomic
def work_order_photo_record(
    *,
    work_order_id: int,
    actor: User | None,
    client_event_id: str,
    device_time: datetime,
    content: bytes,
    content_type: str,
    extension: str,
    caption: str = "",
) -> WorkOrderPhoto:
    """Keep one photo (already checked for type and size by the caller)."""
    work_order = work_order_locked(work_order_id)
    seen = work_order.photos.filter(client_event_id=client_event_id).first()
    if seen is not None:
        return seen
    digest = hashlib.sha256(content).hexdigest()
    photo = WorkOrderPhoto(
        work_order=work_order,
        client_event_id=client_event_id,
        device_time=device_time,
        recorded_at=timezone.now(),
        recorded_by=actor,
        content_type=content_type,
        size=len(content),
        sha256=digest,
        caption=caption,
    )
    photo.image.save(f"wo{work_order.pk}-{digest[:16]}.{extension}", ContentFile(content), False)
    photo.save()
    event_record(
        kind="work_order.photo",
        incident=work_order.incident,
        work_order=work_order,
        actor=actor,
        device_time=device_time,
        client_event_id=client_event_id,
        data={"photo_id": photo.pk, "sha256": digest, "size": len(content), "caption": caption},
    )
    return photo


@transaction.atomic
def crew_duty_report(
    *, crew_id: int, duty: str, actor: User | None, client_event_id: str, device_time: datetime
) -> Crew:
    """On shift, on a break, off: the newest report by device time wins; an older one that
    arrives late is recorded, not applied."""
    crew = Crew.objects.select_for_update().filter(pk=crew_id).first()
    if crew is None:
        raise NotFoundError(f"no crew {crew_id}")
    if duty not in Duty.values:
        raise DispatchError(f"unknown duty {duty!r}: on_shift, break or off", field="status")
    from dispatch.models import IncidentEvent

    if IncidentEvent.objects.filter(
        kind__in=("crew.duty", "crew.duty_stale"),
        client_event_id=client_event_id,
        data__crew_id=crew.pk,
    ).exists():
        return crew
    applies = crew.duty_reported_at is None or device_time > crew.duty_reported_at
    event_record(
        kind="crew.duty" if applies else "crew.duty_stale",
        actor=actor,
        device_time=device_time,
        client_event_id=client_event_id,
        data={"crew_id": crew.pk, "crew": crew.name, "from": crew.duty, "reported": duty},
    )
    if applies:
        crew.duty, crew.duty_reported_at = duty, device_time
        crew.save(update_fields=["duty", "duty_reported_at"])
        crew_status_settle(crew)
    return crew
