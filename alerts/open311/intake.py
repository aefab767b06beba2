"""An Open311 request becomes a call through the console's own intake: stored, triaged, then
joined to an open incident it duplicates or made an incident of its own."""

import logging
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction

from alerts.models import ApiKey
from alerts.open311.forms import RequestIn
from alerts.open311.location import Place
from alerts.open311.wording import notice_for
from config.counters import counter_increment
from desk.services.cases import case_open
from dispatch.choices import Channel
from dispatch.errors import DispatchError
from dispatch.models import Call, CategoryRule, Incident, User
from dispatch.selectors import category_rule_get, incident_duplicates
from dispatch.services.intake import (
    CallInput,
    call_join_incident,
    call_open_incident,
    call_receive,
)
from dispatch.services.timeline import event_record

log = logging.getLogger(__name__)

EVENT_KIND = "call.open311"  # what the linked system sent beyond the call's own fields
CALL_ID_PREFIX = "CALL-"


def call_request_id(call: Call) -> str:
    """The id of a request that has no incident, and the token of every request."""
    return f"{CALL_ID_PREFIX}{call.pk}"


@dataclass(frozen=True)
class Receipt:
    call: Call
    incident: Incident | None
    service_notice: str
    replayed: bool = False

    @property
    def service_request_id(self) -> str:
        return self.incident.reference if self.incident else call_request_id(self.call)


def _replay(actor: User, external_id: str) -> Receipt | None:
    """The request this linked system already sent with this ticket number, if any."""
    # Serialises two copies of one POST arriving together; held to the end of the transaction.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
            [f"open311:{actor.pk}:{external_id}"],
        )
    call = (
        Call.objects.select_related("incident")
        .filter(channel=Channel.OPEN311, taker=actor, external_ref=external_id)
        .first()
    )
    if call is None:
        return None
    sent = call.events.filter(kind=EVENT_KIND).values_list("data", flat=True).first() or {}
    return Receipt(call, call.incident, sent.get("service_notice", ""), replayed=True)


def _route(call: Call, rule: CategoryRule, actor: User) -> tuple[Incident | None, bool]:
    """Join the nearest open compatible incident, else open one; (incident, joined). An office
    case type (a complaint) opens a desk case instead, found again through its call."""
    if rule.opens_case:
        case_open(call_id=call.pk, actor=actor)
        return None, False
    if not rule.needs_incident:
        return None, False
    segment_id = call.premise.service_segment_id if call.premise else None
    duplicates = incident_duplicates(
        category=call.category,
        point=call.point,
        at=call.received_at,
        segment_id=segment_id,
        premise_id=call.premise_id,
    )
    for duplicate in duplicates:
        try:
            with transaction.atomic():  # a savepoint: one that closed meanwhile is skipped
                incident = call_join_incident(
                    call_id=call.pk, incident_id=duplicate.incident.pk, actor=actor
                )
            return incident, True
        except DispatchError as error:
            log.info("open311 call %s could not join %s: %s", call.pk, duplicate.incident, error)
    return call_open_incident(call_id=call.pk, actor=actor), False


def _sent(data: RequestIn, key: ApiKey, notice: str) -> dict[str, Any]:
    return {
        "api_key": key.prefix,
        "service_code": data.service_code,
        "address_id": data.address_id,
        "media_url": data.media_url,
        "device_id": data.device_id,
        "account_id": data.account_id,
        "service_notice": notice,
    }


@transaction.atomic
def open311_request_create(*, key: ApiKey, actor: User, data: RequestIn, place: Place) -> Receipt:
    """Store the request as a call, then join or open an incident. A call that cannot be
    routed (an incident closed meanwhile, a rule changed) stays stored and open for a call
    taker: a report once accepted is never dropped."""
    if data.external_id and (done := _replay(actor, data.external_id)):
        return done
    call = call_receive(
        data=CallInput(
            category=data.service_code,
            channel=Channel.OPEN311,
            caller_phone=data.phone,
            caller_name=data.caller_name,
            caller_email=data.email,
            language=data.language,
            description=data.description,
            address_text=place.address_text,
            point=place.point,
            premise_id=place.premise.pk if place.premise else None,
            geocode_method=place.geocode_method,
            external_ref=data.external_id,
        ),
        taker=actor,
    )
    rule = category_rule_get(call.category)
    try:
        with transaction.atomic():
            incident, joined = _route(call, rule, actor)
    except DispatchError as error:
        log.warning("open311 call %s left for a call taker: %s", call.pk, error)
        incident, joined = None, False
    except Exception:  # a fault in routing (or a listener on it) must not lose the report
        log.exception("open311 call %s could not be routed; left for a call taker", call.pk)
        counter_increment("open311.route_failed")
        incident, joined = None, False
    notice = notice_for(rule=rule, incident=incident, joined=joined, language=call.language)
    event_record(
        kind=EVENT_KIND, call=call, incident=incident, actor=actor, data=_sent(data, key, notice)
    )
    return Receipt(call, incident, notice)
