"""Results pushed back to the linked hotlines (12345, 110/119) that asked for them: when a
request they posted changes (its incident is dispatched, reached, made safe, completed,
closed; its desk case replied to or closed), its Open311 record, as GET requests/<id>.json
would give it, goes into the outbox for their status URL. The outbox retries until their
server takes it; each post is signed with their secret and carries an idempotency key, so a
retry is recognisable as one (alerts.channels.webhook_send)."""

import json
import logging

from alerts.models import ApiKey, Channel
from alerts.open311.intake import call_request_id
from alerts.open311.selectors import service_request_get
from alerts.services.notifications import notification_queue
from dispatch.choices import Channel as CallChannel
from dispatch.models import Call, IncidentEvent
from dispatch.services.listeners import event_listen

log = logging.getLogger(__name__)
KEY_ACCOUNT = "open311-"  # api_key_actor's usernames: open311-<key prefix>
PUSHED = (
    "work_order.assigned",
    "work_order.on_site",
    "work_order.made_safe",
    "work_order.completed",
    "incident.status",
    "case.replied",
    "case.closed",
)


def _linked_calls(event: IncidentEvent) -> list[Call]:
    calls = Call.objects.filter(channel=CallChannel.OPEN311).select_related("taker")
    if event.incident_id is not None:
        return list(calls.filter(incident_id=event.incident_id))
    if event.call_id is not None:
        return list(calls.filter(pk=event.call_id))
    return []


@event_listen(*PUSHED)
def status_push_on_event(event: IncidentEvent) -> None:
    for call in _linked_calls(event):
        username = call.taker.username if call.taker else ""
        if not username.startswith(KEY_ACCOUNT):
            continue
        key = ApiKey.objects.filter(prefix=username[len(KEY_ACCOUNT) :], active=True).first()
        if key is None or not key.status_url:
            continue  # this system polls
        token = call.incident.reference if call.incident else call_request_id(call)
        record = service_request_get(token)
        if record is None:
            continue
        body = json.dumps(
            {"service_request": record, "event": event.kind, "external_id": call.external_ref},
            ensure_ascii=False,
        )
        notification_queue(
            channel=Channel.WEBHOOK,
            recipient=key.status_url,
            template="open311.status_push",
            language=call.language,
            context={"request": token},
            idempotency_key=f"open311-push:{key.pk}:{call.pk}:{event.pk}",
            incident=call.incident,
            body=body,
        )
