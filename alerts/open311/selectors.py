"""Open311 service requests, read from the calls linked systems made.

A request is an Open311 call. When its call is on an incident, the request is the incident:
its id is the incident's reference and its status follows the incident. When several Open311
calls reported one incident, the earliest stands for it, so an incident is listed once. Calls
from other channels are never shown: this API is public, and a phone caller did not publish
their report. Callers' names, phones and e-mails are never shown either, nor the flat of an
address: reading needs no key, so an answer is as public as a CAP alert.
"""

import re
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.fields.json import KT

from alerts.cap.place import premise_public_address, public_address
from alerts.open311.filters import RequestFilter
from alerts.open311.intake import CALL_ID_PREFIX, EVENT_KIND, call_request_id
from alerts.open311.render import w3c
from alerts.open311.wording import call_note, status_note
from dispatch.choices import Channel, Language
from dispatch.models import Call, CategoryRule, Incident, IncidentEvent, WorkOrder

LIST_MAX = 1000  # the spec's cap on one answer
CALL_ID = re.compile(rf"{CALL_ID_PREFIX}(\d{{1,18}})")  # 18 digits always fit a bigint
# References and call ids look like this; anything else (a NUL byte...) matches nothing.
ID_SHAPE = re.compile(r"[\w-]{1,40}")
CLOSED_STATUSES = (
    Incident.Status.RESOLVED,
    Incident.Status.CLOSED,
    Incident.Status.CANCELLED,
    Incident.Status.MERGED,
    Incident.Status.REFERRED,
)
COORD_DECIMALS = 7


def _open311_calls() -> QuerySet[Call]:
    return Call.objects.filter(channel=Channel.OPEN311)


def _requests() -> QuerySet[Call]:
    """One row per request (the earliest Open311 call of each incident, and every Open311
    call without one), with what the answer needs, in one query."""
    earlier = _open311_calls().filter(
        Q(received_at__lt=OuterRef("received_at"))
        | Q(received_at=OuterRef("received_at"), pk__lt=OuterRef("pk")),
        incident=OuterRef("incident"),
    )
    sent = IncidentEvent.objects.filter(call=OuterRef("pk"), kind=EVENT_KIND).order_by("id")
    eta = WorkOrder.objects.filter(
        incident=OuterRef("incident"), status__in=WorkOrder.ACTIVE_STATUSES, eta__isnull=False
    ).order_by("eta")
    last_event = IncidentEvent.objects.filter(call=OuterRef("pk")).order_by("-at")
    return (
        _open311_calls()
        .filter(~Exists(earlier))
        .select_related("incident__station", "premise")
        .annotate(
            o311_media_url=Subquery(sent.annotate(v=KT("data__media_url")).values("v")[:1]),
            o311_notice=Subquery(sent.annotate(v=KT("data__service_notice")).values("v")[:1]),
            o311_eta=Subquery(eta.values("eta")[:1]),
            o311_call_updated=Subquery(last_event.values("at")[:1]),
        )
        .order_by("-received_at", "-pk")
    )


def _status_q(statuses: list[str]) -> Q:
    found = Q(pk__in=[])
    if "open" in statuses:
        found |= Q(incident__status__in=Incident.OPEN_STATUSES)
        found |= Q(incident__isnull=True, outcome=Call.Outcome.OPEN)
    if "closed" in statuses:
        found |= Q(incident__status__in=CLOSED_STATUSES)
        found |= Q(incident__isnull=True) & ~Q(outcome=Call.Outcome.OPEN)
    return found


def _ids_q(ids: list[str]) -> Q:
    ids = [i for i in ids if ID_SHAPE.fullmatch(i)]
    call_ids = [int(m.group(1)) for i in ids if (m := CALL_ID.fullmatch(i))]
    references = [i for i in ids if not CALL_ID.fullmatch(i)]
    on_incidents = _open311_calls().filter(pk__in=call_ids, incident__isnull=False)
    return (
        Q(incident__reference__in=references)
        | Q(incident__in=on_incidents.values("incident"))
        | Q(pk__in=call_ids, incident__isnull=True)
    )


def _rules() -> dict[str, CategoryRule]:
    return {r.category: r for r in CategoryRule.objects.all()}


def _public_address(call: Any, incident: Incident | None) -> str | None:
    """Where the request is, for anyone: the street, compound and district, never the flat
    (the same rule as a public CAP alert). From the matched premise's columns when there is
    one, in the reporter's language; else the typed text cut before its building."""
    if call.premise is not None:
        local, english = premise_public_address(call.premise)
        return (local if call.language == Language.ZH else english) or None
    typed = (incident.address_text if incident else "") or call.address_text
    return public_address(typed) or None


def _record(call: Any, rules: dict[str, CategoryRule]) -> dict[str, Any]:
    incident: Incident | None = call.incident
    rule = rules.get(call.category)
    zh = call.language == Language.ZH
    name = (rule.label_zh if zh else rule.label_en) or str(rule) if rule else call.category
    point = incident.point if incident else call.point
    if incident:
        status = "open" if incident.status in Incident.OPEN_STATUSES else "closed"
        note, updated = status_note(incident.status, call.language), incident.updated_at
    else:
        status = "open" if call.outcome == Call.Outcome.OPEN else "closed"
        note, updated = call_note(call.outcome, call.language), call.o311_call_updated
    return {
        "service_request_id": incident.reference if incident else call_request_id(call),
        "status": status,
        "status_notes": note or None,
        "service_name": name,
        "service_code": call.category,
        "description": call.description or None,
        "agency_responsible": incident.station.name if incident else None,
        "service_notice": call.o311_notice or None,
        "requested_datetime": w3c(call.received_at),
        "updated_datetime": w3c(updated),
        "expected_datetime": w3c(call.o311_eta) if status == "open" else None,
        "address": _public_address(call, incident),
        "address_id": call.premise.asset_id if call.premise else None,
        "zipcode": None,
        "lat": round(point.y, COORD_DECIMALS) if point else None,
        "long": round(point.x, COORD_DECIMALS) if point else None,
        "media_url": call.o311_media_url or None,
    }


def service_request_list(wanted: RequestFilter) -> list[dict[str, Any]]:
    """The requests asked for, newest first, at most LIST_MAX (two queries)."""
    rows = _requests()
    if wanted.ids:
        rows = rows.filter(_ids_q(wanted.ids))
    else:
        rows = rows.filter(
            _status_q(wanted.statuses),
            received_at__gte=wanted.start,
            received_at__lte=wanted.end,
        )
        if wanted.service_codes:
            rows = rows.filter(category__in=wanted.service_codes)
    rules = _rules()
    return [_record(call, rules) for call in rows[:LIST_MAX]]


def service_request_get(request_id: str) -> dict[str, Any] | None:
    """One request by its id (an incident reference or CALL-<n>), or None."""
    call = _requests().filter(_ids_q([request_id])).first()
    return _record(call, _rules()) if call else None


def service_request_for_token(token: str) -> str | None:
    """The request id a token (CALL-<n>, given by every POST) stands for now."""
    match = CALL_ID.fullmatch(token)  # also keeps odd text away from the database
    if match is None:
        return None
    call = _open311_calls().select_related("incident").filter(pk=int(match.group(1))).first()
    if call is None:
        return None
    return call.incident.reference if call.incident else call_request_id(call)
