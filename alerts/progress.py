"""Progress back to the callers: a message at each step of their incident, once per step.

Listeners on the timeline (dispatch.services.listeners), so the message is queued in the
transaction of the change itself. The idempotency key is the incident, the step and the
recipient: a status that flaps (en route, rejected, assigned again) or a replayed tablet
action never tells anyone the same step twice, and two calls from one number get one message.
"""

import logging
from typing import Any

from django.utils import timezone, translation
from django.utils.translation import gettext_lazy

from alerts.models import Channel, NotificationTemplate
from alerts.services.notifications import notification_queue
from alerts.services.status_links import status_link_for, status_url
from dispatch.choices import Language
from dispatch.models import Call, CategoryRule, Incident, IncidentEvent, WorkOrder
from dispatch.services.listeners import event_listen

log = logging.getLogger(__name__)

STEPS = {
    "incident.opened": "received",
    "call.joined": "received",
    "work_order.assigned": "dispatched",
    "work_order.on_site": "arrived",
    "work_order.made_safe": "made_safe",
    "work_order.completed": "completed",
}


NO_ETA = gettext_lazy("as soon as they can")  # the {eta} of "expected at {eta}"


def _eta(work_order: WorkOrder | None, language: str) -> str:
    if work_order is None or work_order.eta is None:
        with translation.override("zh-hans" if language == Language.ZH else "en"):
            return str(NO_ETA)
    return f"{timezone.localtime(work_order.eta):%H:%M}"


def _context(
    incident: Incident, work_order: WorkOrder | None, link_url: str, language: str
) -> dict[str, Any]:
    return {
        "reference": incident.reference,
        "crew": work_order.crew.name if work_order else "",
        "eta": _eta(work_order, language),
        "status_url": link_url,
    }


def caller_recipients(call: Call) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    if call.caller_phone:
        found.append((Channel.SMS, call.caller_phone))
    email = call.caller_email or (call.customer.email if call.customer else "")
    if email:
        found.append((Channel.EMAIL, email))
    return found


def incident_progress_tell(
    incident: Incident, step: str, *, work_order: WorkOrder | None = None
) -> int:
    """Queue the step's message for every caller of the incident who wants them; returns
    how many were queued (a recipient told this step before is not counted)."""
    # The case type names its message set ("progress" for emergencies, "service" for meter
    # visits and repairs); a case type with none sends no progress messages.
    message_set = (
        CategoryRule.objects.filter(category=incident.category)
        .values_list("message_set", flat=True)
        .first()
    )
    if not message_set:
        return 0
    if not NotificationTemplate.objects.filter(key=f"{message_set}.{step}").exists():
        # A set named in the admin without its templates: the shipped words, never a raw key.
        log.warning("no template %s.%s: sending progress.%s", message_set, step, step)
        message_set = "progress"
    queued = 0
    calls = incident.calls.filter(notify=True).select_related("customer").order_by("id")
    for call in calls:
        link = status_url(status_link_for(call))
        for channel, recipient in caller_recipients(call):
            if (
                notification_queue(
                    channel=channel,
                    recipient=recipient,
                    template=f"{message_set}.{step}",
                    language=call.language,
                    context=_context(incident, work_order, link, call.language),
                    idempotency_key=f"progress:{incident.pk}:{step}:{channel}:{recipient}",
                    incident=incident,
                )
                is not None
            ):
                queued += 1
    return queued


@event_listen(*STEPS)
def progress_on_event(event: IncidentEvent) -> None:
    if event.incident_id is None:
        return
    incident = Incident.objects.get(pk=event.incident_id)
    work_order = (
        WorkOrder.objects.select_related("crew").get(pk=event.work_order_id)
        if event.work_order_id
        else None
    )
    incident_progress_tell(incident, STEPS[event.kind], work_order=work_order)
