"""The timeline events that issue public alerts (run in the transaction of the change)."""

from alerts.cap.profiles import ALERT_PRIORITY
from alerts.cap.services import incident_cap_alert, incident_cap_cancel, incident_cap_zone_update
from alerts.models import CapMessage
from dispatch.models import Incident, IncidentEvent
from dispatch.services.listeners import event_listen

# Once an incident reaches one of these, the public need no longer keep away.
_OVER = {
    Incident.Status.MADE_SAFE,
    Incident.Status.RESOLVED,
    Incident.Status.CLOSED,
    Incident.Status.CANCELLED,
    Incident.Status.MERGED,  # the survivor carries the public alert on, if any
    Incident.Status.REFERRED,
}


@event_listen("incident.opened", "incident.priority_raised")
def cap_on_priority(event: IncidentEvent) -> None:
    # The event carries the new priority: a joining call raises it before the row is saved.
    if event.incident_id is not None and event.data.get("priority") == ALERT_PRIORITY:
        incident_cap_alert(incident_id=event.incident_id, priority=ALERT_PRIORITY)


@event_listen("incident.isolation_traced")
def cap_on_isolation(event: IncidentEvent) -> None:
    if event.incident_id is not None:
        incident_cap_zone_update(incident_id=event.incident_id)


@event_listen("work_order.made_safe", "incident.status")
def cap_on_safe(event: IncidentEvent) -> None:
    to = event.data.get("to") if event.kind == "incident.status" else Incident.Status.MADE_SAFE
    if event.incident_id is None or to not in _OVER:
        return
    # Most incidents never had an alert: one cheap look before taking the incident's lock.
    if CapMessage.objects.filter(incident_id=event.incident_id).exists():
        incident_cap_cancel(
            incident_id=event.incident_id, withdrawn=to == Incident.Status.CANCELLED
        )
