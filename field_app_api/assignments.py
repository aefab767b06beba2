"""Work out to the tablet: each crew's current assignment, retained on its MQTT topic.

`crews/<crew id>/assignments` always holds (retained, QoS 1) the crew's current job, or the
last one with its final status (cancelled, completed, rejected) when it has none, so a tablet
that connects learns where it stands at once. A Celery task publishes it after each change
commits; the payload is read when the task runs, so a late or repeated task publishes the
state as it is, never an old one. The tablet API is the same truth, for when MQTT is down.
"""

import json
import logging
from typing import Any

from django.utils import timezone

from config.counters import counter_increment
from dispatch.models import WorkOrder
from fleet.credentials import crew_assignments_topic
from fleet.mqtt import mqtt_publish_once

log = logging.getLogger(__name__)


def assignment_payload(crew_id: int) -> dict[str, Any]:
    """The crew's most urgent live job, else its latest one, as the tablet gets it."""
    jobs = WorkOrder.objects.filter(crew_id=crew_id).select_related("incident")
    job = (
        jobs.filter(status__in=WorkOrder.ACTIVE_STATUSES)
        .order_by("incident__priority", "created_at")
        .first()
    ) or jobs.order_by("-status_changed_at", "-id").first()
    if job is None:
        return {"crew_id": crew_id, "work_order": None, "sent_at": timezone.now().isoformat()}
    incident = job.incident
    return {
        "crew_id": crew_id,
        "sent_at": timezone.now().isoformat(),
        "work_order": {
            "id": job.pk,
            "status": job.status,
            "live": job.status in WorkOrder.ACTIVE_STATUSES,
            "eta": job.eta.isoformat() if job.eta else None,
            "incident": {
                "reference": incident.reference,
                "category": incident.category,
                "priority": incident.priority,
                "address": incident.address_text,
                "lat": incident.point.y if incident.point else None,
                "lon": incident.point.x if incident.point else None,
            },
        },
    }


def assignment_publish(crew_id: int) -> None:
    """Queue the publish; called on commit. A Redis outage is logged and counted: the tablet
    still finds the job through the API, and the next change publishes the state again."""
    from field_app_api.tasks import crew_assignment_publish_task

    try:
        crew_assignment_publish_task.delay(crew_id)
    except Exception:
        counter_increment("assignment.not_queued")
        log.exception("could not queue the assignment publish for crew %s", crew_id)


def assignment_send(crew_id: int, *, timeout: float = 10.0) -> dict[str, Any]:
    """Publish the crew's assignment now (retained, QoS 1) and wait for the broker's ack."""
    payload = assignment_payload(crew_id)
    mqtt_publish_once(
        crew_assignments_topic(crew_id),
        json.dumps(payload).encode(),
        qos=1,
        retain=True,
        timeout=timeout,
    )
    return payload
