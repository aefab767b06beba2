"""The dispatch queue's JSON API: what the wall's side panel and the dispatch screen show.

GET /api/dispatch-queue/?station=<unit id>: the queue of the user's unit (or one unit within
it). GET /api/dispatch-queue/<incident id>/: one incident as the queue shows it, with its
newest timeline lines. For everyone who reads incidents; the callers' names and numbers only
for those who take calls (dispatch.redaction). The actions are the dispatch API's own.
"""

from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.decorators import api_view, permission_classes
from rest_framework.request import Request
from rest_framework.response import Response

from config.openapi import answer
from dispatch.access import Capability, permission_for, user_may
from dispatch.api.console import deadlines_out, request_user
from dispatch.categories import category_names
from dispatch.errors import DispatchError, ForbiddenError, NotFoundError
from dispatch.models import Incident, User
from dispatch.redaction import customer_data_redact
from dispatch.selectors import user_covers_station
from maps.queue import (
    QueueEntry,
    Sla,
    dispatch_queue_entry,
    dispatch_queue_list,
    incident_events_recent,
    queue_alarms,
)
from maps.schemas import DispatchQueueOut, QueueIncidentOut
from maps.scope import BadParameterError, stations_for
from maps.timeline_words import EventNames, actor_text, event_summary, kind_label

_ID_MAX = 2**63 - 1


def _point(incident: Incident) -> dict[str, float]:
    return {"lon": round(incident.point.x, 7), "lat": round(incident.point.y, 7)}


def _item(entry: QueueEntry, names: dict[str, str], user: User) -> dict[str, Any]:
    incident = entry.incident
    return {
        "id": incident.pk,
        "reference": incident.reference,
        "priority": incident.priority,
        "category": incident.category,
        "category_name": names.get(incident.category, incident.category),
        "status": incident.status,
        "created_at": incident.created_at,
        "waiting_seconds": entry.waiting_s,
        "waiting_for_crew": entry.waiting_for_crew,
        "sla": entry.sla,
        "next_deadline": deadlines_out([entry.next_deadline])[0] if entry.next_deadline else None,
        "deadlines": deadlines_out(incident.deadlines.all()),
        "address": incident.address_text,
        "station": incident.station.code,
        "station_name": incident.station.name,
        "point": _point(incident),
        "report_count": incident.report_count,
        "hazards": list(incident.hazards),
        # The caller's account is the operational record, like the address; who called is
        # for those who call back (dispatch.redaction).
        "callers": [
            customer_data_redact(
                {
                    "id": c.pk,
                    "received_at": c.received_at,
                    "description": c.description,
                    "caller_name": c.caller_name,
                    "caller_phone": c.caller_phone,
                },
                user=user,
            )
            for c in entry.calls
        ],
        "work_orders": [
            {
                "id": w.pk,
                "crew_id": w.crew_id,
                "crew_name": w.crew.name,
                "status": w.status,
                "created_at": w.created_at,
                "eta": w.eta,
            }
            for w in entry.work_orders
        ],
        "alarm": entry.alarm,
        "alarm_at": entry.alarm_at,
        "alarm_sound": entry.alarm_sound,
    }


def _counts(entries: list[QueueEntry]) -> dict[str, int]:
    live = [e for e in entries if e.incident.status in Incident.OPEN_STATUSES]
    return {
        "open": len(live),
        "waiting": sum(e.waiting_for_crew for e in live),
        "at_risk": sum(e.sla == Sla.AT_RISK for e in live),
        "breached": sum(e.sla == Sla.BREACHED for e in live),
        "alarms": sum(e.alarm for e in live),
    }


@extend_schema(
    operation_id="dispatch_queue",
    summary="The dispatch queue: open incidents to act on, most urgent first",
    request=None,
    parameters=[
        OpenApiParameter(
            "station", int, required=False, description="one unit within yours (default: all)"
        )
    ],
    responses={200: DispatchQueueOut},
)
@api_view(["GET"])
@permission_classes([permission_for(Capability.INCIDENTS)])
def dispatch_queue(request: Request) -> Response:
    """Open incidents of the user's stations: waiting for a crew, at risk, breached, with
    crews, or resolved and still to close; priority first, then the one waiting longest."""
    user = request_user(request)
    try:
        chosen, station_ids = stations_for(user, request.query_params.get("station"))
    except BadParameterError as error:
        raise DispatchError(str(error), field="station") from error
    except PermissionError as error:
        raise ForbiddenError(str(error), field="station") from error
    now = timezone.now()
    entries, more = dispatch_queue_list(station_ids=station_ids, now=now)
    names = category_names()
    return answer(
        DispatchQueueOut,
        {
            "server_time": now,
            "station": chosen.pk if chosen else None,
            "may_dispatch": user_may(user, Capability.DISPATCH),
            "more": more,
            "counts": _counts(entries),
            "alarm_rules": [
                {"priority": a.priority, "after_seconds": a.after_seconds, "sound": a.sound}
                for a in queue_alarms().values()
            ],
            "items": [_item(e, names, user) for e in entries],
        },
    )


def _event(event: Any, user: User, names: EventNames) -> dict[str, Any]:
    # Station codes and triage reasons are named in the reader's language by timeline_words.
    data = customer_data_redact(event.data or {}, user=user)
    crew = event.work_order.crew.name if event.work_order else ""
    return {
        "id": event.pk,
        "at": event.at,
        "kind": event.kind,
        "title": str(kind_label(event.kind)),
        "text": event_summary(
            event.kind, data, crew, actor=actor_text(event.actor_label, event.actor), names=names
        ),
        "actor": event.actor_label,
    }


@extend_schema(
    operation_id="dispatch_queue_incident",
    summary="One incident as the dispatch queue shows it, with its newest timeline lines",
    request=None,
    parameters=None,
    responses={200: QueueIncidentOut},
)
@api_view(["GET"])
@permission_classes([permission_for(Capability.INCIDENTS)])
def dispatch_queue_incident(request: Request, incident_id: int) -> Response:
    user = request_user(request)
    now: datetime = timezone.now()
    entry = (
        dispatch_queue_entry(incident_id=incident_id, now=now) if incident_id <= _ID_MAX else None
    )
    if entry is None:
        raise NotFoundError(_("no incident %(id)s") % {"id": incident_id})
    incident = entry.incident
    if not user_covers_station(user, incident.station_id):
        raise ForbiddenError(
            _("%(reference)s is outside your organisation") % {"reference": incident.reference}
        )
    body = _item(entry, category_names(), user)
    merged = incident.merged_into
    names = EventNames()  # stations and case types, read once for the events below
    body |= {
        "may_dispatch": user_may(user, Capability.DISPATCH),
        "end_reason": incident.end_reason,
        "end_note": incident.end_note,
        "merged_into_reference": merged.reference if merged else None,
        "referred_to": incident.referred_to,
        "timeline": [_event(e, user, names) for e in incident_events_recent(incident)],
    }
    return answer(QueueIncidentOut, body)
