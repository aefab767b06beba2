"""From a call to an incident: store the call first, then open, join or answer."""

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.gis.geos import Point
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from dispatch.categories import category_codes
from dispatch.choices import Channel, Hazard, Language, Utility
from dispatch.errors import ConflictError, DispatchError, ForbiddenError, NotFoundError
from dispatch.models import Call, Customer, Incident, User
from dispatch.selectors import (
    call_triage,
    category_rule_get,
    phone_normalise,
    user_covers_station,
    user_may_take_calls,
)
from dispatch.services.moments import CLOSED_FIELDS, call_closed_note, call_first_noted
from dispatch.services.regroup import supply_cause_first, supply_regroup
from dispatch.services.sla import deadlines_start
from dispatch.services.timeline import event_record
from gis.areas import area_class_at
from gis.models import Premise
from gis.selectors import (
    Snap,
    org_unit_station_for_point,
    segment_nearest,
)

FORM_OPEN_MAX_S = 4 * 3600  # longer than any call: a form left open overnight is not handling
SNAP_MAX_M = 500.0  # further from any main than this, an incident is left unsnapped


@dataclass(frozen=True)
class CallInput:
    category: str
    channel: str = Channel.PHONE
    caller_phone: str = ""
    caller_name: str = ""
    caller_email: str = ""
    language: str = Language.ZH
    notify: bool = True
    description: str = ""
    address_text: str = ""
    point: Point | None = None
    premise_id: int | None = None
    geocode_method: str = ""
    hazards: list[str] = field(default_factory=list)
    external_ref: str = ""
    # How long the call taker had this call's form open before saving it (the console counts
    # it on the agent's screen, so the agent's clock never matters): the call's handling time
    # starts that much before it was stored.
    form_open_s: float | None = None
    # The phone system's leg the call came in on (`<system id>:<leg id>`, from the screen
    # pop): recorded on the timeline, where the telephony app links its leg to this call.
    phone_leg: str = ""


def _validate(data: CallInput) -> None:
    if data.category not in category_codes():
        raise DispatchError(
            gettext(
                "unknown category %(code)r: choose one of the case types listed on the console"
                " (an administrator adds new ones in the admin)"
            )
            % {"code": data.category},
            field="category",
        )
    if data.language not in Language.values:
        raise DispatchError(f"unknown language {data.language!r}", field="language")
    if data.channel not in Channel.values:
        raise DispatchError(f"unknown channel {data.channel!r}", field="channel")
    if unknown := sorted(set(data.hazards) - set(Hazard.values)):
        raise DispatchError(f"unknown hazard {', '.join(unknown)}", field="hazards")
    if data.form_open_s is not None and not 0 <= data.form_open_s <= FORM_OPEN_MAX_S:
        raise DispatchError(
            gettext("form_open_s is the seconds the form was open: 0 to %(max)s")
            % {"max": FORM_OPEN_MAX_S},
            field="form_open_s",
        )
    if data.point is not None and not (-180 <= data.point.x <= 180 and -90 <= data.point.y <= 90):
        raise DispatchError("the point is not a longitude/latitude", field="point")


@transaction.atomic
def call_receive(
    *, data: CallInput, taker: User | None, received_at: datetime | None = None
) -> Call:
    """Store a call before anything else; it depends on nothing but the database."""
    _validate(data)
    if taker is not None and not user_may_take_calls(taker):
        raise ForbiddenError("your role does not take calls")
    premise = Premise.objects.filter(pk=data.premise_id).first() if data.premise_id else None
    if data.premise_id and premise is None:
        raise DispatchError(f"no premise {data.premise_id}", field="premise_id")
    phone = phone_normalise(data.caller_phone)
    customer = Customer.objects.filter(phones__contains=[phone]).first() if phone else None
    received_at = received_at or timezone.now()
    call = Call.objects.create(
        channel=data.channel,
        caller_phone=phone,
        caller_name=data.caller_name,
        caller_email=data.caller_email,
        language=data.language,
        notify=data.notify,
        customer=customer,
        category=data.category,
        description=data.description,
        address_text=data.address_text or (premise.full_text if premise else ""),
        point=data.point or (premise.geom if premise else None),
        geocode_method=data.geocode_method or ("premise" if premise else ""),
        premise=premise,
        hazards=list(dict.fromkeys(data.hazards)),
        taker=taker,
        unit=taker.org_unit if taker is not None else None,
        received_at=received_at,
        opened_at=(
            received_at - timedelta(seconds=data.form_open_s)
            if data.form_open_s is not None
            else None
        ),
        premise_previous_at=(
            Call.objects.filter(premise=premise, received_at__lte=received_at)
            .order_by("-received_at")
            .values_list("received_at", flat=True)
            .first()
            if premise
            else None
        ),
        external_ref=data.external_ref,
    )
    event_record(
        kind="call.received",
        call=call,
        actor=taker,
        point=call.point,
        at=call.received_at,
        data={
            "channel": call.channel,
            "category": call.category,
            "phone": call.caller_phone,
            "address": call.address_text,
            "customer": customer.account_no if customer else None,
            # What the reports measure the call by (handling time, repeat calls).
            "premise": premise.pk if premise else None,
            "opened_at": call.opened_at.isoformat() if call.opened_at else None,
            "phone_leg": data.phone_leg or None,
        },
    )
    return call


def _lock_open_call(call_id: int) -> Call:
    call = Call.objects.select_for_update().filter(pk=call_id).first()
    if call is None:
        raise NotFoundError(f"no call {call_id}")
    if call.outcome != Call.Outcome.OPEN:
        raise ConflictError(f"call {call_id} is already handled ({call.get_outcome_display()})")
    return call


@transaction.atomic
def call_open_incident(*, call_id: int, actor: User, at: datetime | None = None) -> Incident:
    """Open a new incident for a call: triaged, snapped to its main, placed in its station."""
    at = at or timezone.now()
    call = _lock_open_call(call_id)
    rule = category_rule_get(call.category)
    if rule.opens_case:
        raise DispatchError(
            gettext("%(type)s calls go to the service desk: open a desk case, not an incident")
            % {"type": rule},
            field="category",
        )
    if not rule.needs_incident:
        raise DispatchError(
            f"{rule} calls are answered, not turned into incidents", field="category"
        )
    if call.point is None:
        raise DispatchError(
            "place the call on the map (an address or a click) first", field="point"
        )
    station = org_unit_station_for_point(call.point, rule.utility)
    if station is None:
        raise DispatchError(
            gettext(
                "the point is outside every station's territory for %(utility)s: check the "
                "address, or pass the call to the neighbouring utility"
            )
            % {"utility": Utility(rule.utility).label},
            field="point",
        )
    if not user_may_take_calls(actor) or not user_covers_station(actor, station.pk):
        raise ForbiddenError(f"{station} is outside your organisation")
    triage = call_triage(category=call.category, hazards=call.hazards, point=call.point)
    snap = _snap(call, rule.utility)
    incident = Incident.objects.create(
        reference=incident_reference_next(at=at),
        category=call.category,
        priority=triage.priority,
        point=call.point,
        address_text=call.address_text,
        segment=snap.segment if snap else None,
        segment_distance_m=snap.distance_m if snap else None,
        station=station,
        hazards=triage.hazards,
        area_class=area_class_at(call.point),
        created_at=at,
        first_call_at=call.received_at,
        channel=call.channel,
    )
    if rule.groups_by_supply:
        supply_cause_first(incident, call, rule.utility)
        incident.save(update_fields=["suspected_cause", "suspected_station", "suspected_device"])
    call.incident, call.outcome = incident, Call.Outcome.NEW_INCIDENT
    call_closed_note(call, at, station.pk)
    call.save(update_fields=["incident", "outcome", *CLOSED_FIELDS])
    event_record(
        kind="incident.opened",
        incident=incident,
        call=call,
        actor=actor,
        at=at,
        point=incident.point,
        data={
            "reference": incident.reference,
            "priority": incident.priority,
            "triage": triage.reasons,
            "station": station.code,
            "segment": snap.segment.asset_id if snap else None,
            "segment_distance_m": snap.distance_m if snap else None,
        },
    )
    deadlines_start(incident=incident, at=call.received_at, recorded_at=at)
    if incident.priority == 1 and rule.auto_dispatch:
        transaction.on_commit(lambda: _auto_dispatch(incident.pk))
    return incident


def _auto_dispatch(incident_id: int) -> None:
    from dispatch.tasks import incident_auto_dispatch_task

    try:
        incident_auto_dispatch_task.delay(incident_id)
    except Exception:  # without the broker, the dispatcher dispatches by hand
        logging.getLogger(__name__).exception("could not queue P1 auto-dispatch")


def _snap(call: Call, utility: str = Utility.GAS) -> Snap | None:
    """The main the incident is on: the premise's own service main when the caller is at a
    known premise (gas reaches it through that one), else the nearest main; for heat the
    nearest supply pipe (its twin is found by the trace); power has no pipe."""
    if utility == Utility.POWER:
        return None
    if utility == Utility.HEAT:
        if call.point is None:
            return None
        return segment_nearest(
            call.point, max_distance_m=SNAP_MAX_M, utility=Utility.HEAT, circuit="supply"
        )
    if call.premise and call.premise.service_segment:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT ST_Distance(s.geom::geography, ST_GeomFromEWKT(%s)::geography) "
                "FROM network_pipesegment s WHERE s.id = %s",
                [
                    call.point.ewkt if call.point else call.premise.geom.ewkt,
                    call.premise.service_segment_id,
                ],
            )
            (metres,) = cursor.fetchone()
        return Snap(segment=call.premise.service_segment, distance_m=round(metres, 2))
    return segment_nearest(call.point, max_distance_m=SNAP_MAX_M) if call.point else None


@transaction.atomic
def call_join_incident(
    *, call_id: int, incident_id: int, actor: User, at: datetime | None = None
) -> Incident:
    """Add a call to an open incident as one more report of it."""
    at = at or timezone.now()
    call = _lock_open_call(call_id)
    incident = Incident.objects.select_for_update().filter(pk=incident_id).first()
    if incident is None:
        raise NotFoundError(f"no incident {incident_id}")
    if incident.status not in Incident.OPEN_STATUSES:
        raise ConflictError(f"{incident.reference} is {incident.get_status_display().lower()}")
    rule = category_rule_get(call.category)
    if incident.category not in rule.merges_with:
        raise DispatchError(
            f"a {rule} call cannot join a {incident.category_label} incident",
            field="incident_id",
        )
    if not user_may_take_calls(actor) or not user_covers_station(actor, incident.station_id):
        raise ForbiddenError(f"{incident.reference} is outside your organisation")
    priority_before = incident.priority
    repeated = _repeat_of(call, incident)
    incident.report_count += 1
    if repeated is None:
        incident.independent_report_count += 1
    call.incident, call.outcome = incident, Call.Outcome.JOINED
    call.repeat_of = repeated[0] if repeated else None
    call_closed_note(call, at, incident.station_id)
    call.save(update_fields=["incident", "outcome", "repeat_of", *CLOSED_FIELDS])
    call_first_noted(incident_id=incident.pk, call=call)
    event_record(
        kind="call.joined",
        incident=incident,
        call=call,
        actor=actor,
        at=at,
        point=call.point,
        data=_joined_data(incident, repeated),
    )
    if repeated is None:  # a repeat adds no witness, so it cannot reach the threshold
        _raise_for_reports(incident, rule.raise_after_reports, actor, at)
    _raise_for_hazards(incident, call, actor, at)
    if rule.groups_by_supply:
        supply_regroup(incident, call, rule.utility, actor, at)
    incident.save(
        update_fields=[
            "report_count",
            "independent_report_count",
            "priority",
            "suspected_cause",
            "suspected_station",
            "suspected_device",
            "hazards",
            "updated_at",
        ]
    )
    if incident.priority != priority_before:  # the clocks of the new priority, from the 1st call
        first = incident.calls.order_by("received_at").values_list("received_at", flat=True)[0]
        deadlines_start(incident=incident, at=first, recorded_at=at)
    return incident


def _same_source(call: Call) -> Q | None:
    """Other calls from whoever stands behind `call`, or None when nobody can be recognised
    (a call taker's own call with no number: each such call is a caller of its own).

    An Open311 key acts through a service account of its own (alerts/open311/keys.py), the
    call's taker; on that channel the key is the source whatever phone a POST claims, since
    the key is all that is vouched for. A number or an address also matches across channels:
    a caller who rang us and the city's 12345 hotline is one witness."""
    same = Q()
    if call.channel == Channel.OPEN311 and call.taker_id is not None:
        same |= Q(channel=Channel.OPEN311, taker_id=call.taker_id)
    if call.caller_phone:
        same |= Q(caller_phone=call.caller_phone)
    if call.caller_email:
        same |= Q(caller_email__iexact=call.caller_email)
    return same or None


def _repeat_of(call: Call, incident: Incident) -> tuple[Call, str] | None:
    """The counted report of `incident` that `call` repeats, and what they share: the same
    source within REPORT_REPEAT_WINDOW_MIN of it, either way (a call may be joined late)."""
    window = timedelta(minutes=settings.REPORT_REPEAT_WINDOW_MIN)
    same = _same_source(call)
    if not window or same is None:
        return None
    counted = (
        incident.calls.filter(same, repeat_of__isnull=True)
        .filter(received_at__range=(call.received_at - window, call.received_at + window))
        .exclude(pk=call.pk)
    )
    nearest = min(counted, key=lambda c: abs(c.received_at - call.received_at), default=None)
    if nearest is None:
        return None
    if call.channel == nearest.channel == Channel.OPEN311 and call.taker_id == nearest.taker_id:
        return nearest, "key"
    same_phone = bool(call.caller_phone) and call.caller_phone == nearest.caller_phone
    return nearest, "phone" if same_phone else "email"


def _joined_data(incident: Incident, repeated: tuple[Call, str] | None) -> dict[str, Any]:
    """What the timeline says of a joining call: always a report, maybe not a counted one."""
    data: dict[str, Any] = {
        "reports": incident.report_count,
        "independent_reports": incident.independent_report_count,
        "counted": repeated is None,
    }
    if repeated is not None:
        data |= {
            "repeat_of": repeated[0].pk,
            "same": repeated[1],
            "window_min": settings.REPORT_REPEAT_WINDOW_MIN,
        }
    return data


def _raise_for_reports(incident: Incident, after: int, actor: User, at: datetime) -> None:
    if after and incident.independent_report_count == after and incident.priority > 1:
        incident.priority -= 1
        event_record(
            kind="incident.priority_raised",
            incident=incident,
            actor=actor,
            at=at,
            data={
                "priority": incident.priority,
                "reason": f"{incident.independent_report_count} independent reports",
            },
        )


def _raise_for_hazards(incident: Incident, call: Call, actor: User, at: datetime) -> None:
    triage = call_triage(category=call.category, hazards=call.hazards, point=call.point)
    incident.hazards = list(dict.fromkeys([*incident.hazards, *triage.hazards]))
    if triage.priority < incident.priority:
        incident.priority = triage.priority
        event_record(
            kind="incident.priority_raised",
            incident=incident,
            call=call,
            actor=actor,
            at=at,
            data={"priority": incident.priority, "reason": triage.reasons},
        )


@transaction.atomic
def call_answer(*, call_id: int, actor: User, note: str = "", at: datetime | None = None) -> Call:
    """Close a consultation or billing call on the phone, without an incident."""
    call = _lock_open_call(call_id)
    rule = category_rule_get(call.category)
    if rule.needs_incident:
        raise DispatchError(f"{rule} calls need an incident", field="category")
    if rule.opens_case:
        raise DispatchError(
            gettext("%(type)s calls go to the service desk: open a desk case") % {"type": rule},
            field="category",
        )
    call.outcome = Call.Outcome.ANSWERED
    call_closed_note(call, at or timezone.now())
    call.save(update_fields=["outcome", *CLOSED_FIELDS])
    event_record(kind="call.answered", call=call, actor=actor, at=at, data={"note": note})
    return call


def incident_reference_next(*, at: datetime) -> str:
    """GX-20261122-0042: the day's next number, counted atomically in the database."""
    from django.conf import settings
    from django.db import connection

    day = timezone.localdate(at)
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO dispatch_referencecounter (day, last) VALUES (%s, 1)
               ON CONFLICT (day) DO UPDATE SET last = dispatch_referencecounter.last + 1
               RETURNING last""",
            [day],
        )
        (number,) = cursor.fetchone()
    return f"{settings.INCIDENT_REFERENCE_PREFIX}-{day:%Y%m%d}-{number:04d}"
