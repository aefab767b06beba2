"""The call-taker and dispatcher API: validate, call one service, serialise."""

from collections.abc import Iterable
from typing import Any

from django.contrib.gis.geos import Point
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.request import Request
from rest_framework.response import Response

from config.openapi import answer
from dispatch.access import Capability, permission_for, user_may
from dispatch.api.schemas import (
    CallClosedOut,
    CallCreatedOut,
    IncidentDetailOut,
    IncidentOut,
    RecommendationOut,
    ScreenPopOut,
    TimelineEventOut,
    WorkOrderOut,
)
from dispatch.categories import category_codes, category_names
from dispatch.choices import Channel, Hazard
from dispatch.errors import ConflictError, ForbiddenError
from dispatch.models import Incident, IncidentDeadline, IncidentEvent, User, WorkOrder
from dispatch.redaction import customer_data_redact
from dispatch.selectors import (
    call_triage,
    customer_screen_pop,
    incident_duplicates,
    incidents_open,
    user_covers_station,
    user_may_dispatch,
)
from dispatch.services.assign import incident_crews_recommend
from dispatch.services.intake import (
    FORM_OPEN_MAX_S,
    CallInput,
    call_answer,
    call_join_incident,
    call_open_incident,
    call_receive,
)
from dispatch.services.notes import incident_notes_list
from dispatch.services.work_orders import work_order_dispatch, work_order_transition


class IdField(serializers.IntegerField):
    """A database id: a number PostgreSQL's bigint can hold (else a 400, not a 500)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(min_value=1, max_value=2**63 - 1, **kwargs)


class CallIn(serializers.Serializer):
    # A code of a case type row (dispatch.categories): intake refuses an unknown one in words.
    category = serializers.CharField(max_length=32)
    channel = serializers.ChoiceField(choices=Channel.choices, default=Channel.PHONE)
    caller_phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
    caller_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True)
    address_text = serializers.CharField(max_length=300, required=False, allow_blank=True)
    lon = serializers.FloatField(required=False, min_value=-180, max_value=180)
    lat = serializers.FloatField(required=False, min_value=-90, max_value=90)
    premise_id = IdField(required=False)
    geocode_method = serializers.CharField(max_length=16, required=False, allow_blank=True)
    hazards = serializers.ListField(
        child=serializers.ChoiceField(choices=Hazard.choices), required=False, default=list
    )
    external_ref = serializers.CharField(max_length=64, required=False, allow_blank=True)
    form_open_s = serializers.FloatField(
        required=False,
        min_value=0,
        max_value=FORM_OPEN_MAX_S,
        help_text="seconds the call taker had the call's form open before saving it: the "
        "call's handling time starts then",
    )
    phone_leg = serializers.RegexField(
        r"^[0-9]{1,18}:[^\s]{1,80}$",
        required=False,
        allow_blank=True,
        help_text="the phone system's leg this call came in on, as the screen pop gave it "
        "(`<phone system id>:<leg id>`): links the phone call and its moments to this record",
    )

    def validate_category(self, value: str) -> str:
        if value not in category_codes():
            raise serializers.ValidationError(
                gettext(
                    "%(code)r is not a case type: choose one listed on the console"
                    " (an administrator adds new ones in the admin)"
                )
                % {"code": value}
            )
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("lon" in attrs) != ("lat" in attrs):
            raise serializers.ValidationError(gettext("give both lon and lat, or neither"))
        return attrs

    def to_input(self) -> CallInput:
        data = dict(self.validated_data)
        lon, lat = data.pop("lon", None), data.pop("lat", None)
        point = Point(lon, lat, srid=4326) if lon is not None else None
        return CallInput(point=point, **data)


def _note(request: Request) -> str:
    data = request.data if isinstance(request.data, dict) else {}
    return str(data.get("note", ""))[:1000]


def request_user(request: Request) -> User:
    """The signed-in user (IsAuthenticated, the default permission, has let only them in);
    every API module asks here."""
    user = request.user
    if not isinstance(user, User):
        raise ForbiddenError(gettext("sign in first"))
    return user


def _point(point: Point | None) -> dict[str, float] | None:
    return {"lon": round(point.x, 7), "lat": round(point.y, 7)} if point else None


def incident_json(incident: Incident, names: dict[str, str] | None = None) -> dict[str, Any]:
    """`names`: the case types' names, read once for a list (dispatch.categories)."""
    return {
        "id": incident.id,
        "reference": incident.reference,
        "category": incident.category,
        "category_label": (
            names.get(incident.category, incident.category)
            if names is not None
            else incident.category_label
        ),
        "priority": incident.priority,
        "status": incident.status,
        "point": _point(incident.point),
        "address": incident.address_text,
        "station": incident.station.code,
        "segment_id": incident.segment_id,
        "segment_asset_id": incident.segment.asset_id if incident.segment else None,
        "segment_distance_m": incident.segment_distance_m,
        "suspected_cause_id": incident.suspected_cause_id,
        "suspected_station_id": incident.suspected_station_id,
        "suspected_device_id": incident.suspected_device_id,
        "area_class": incident.area_class,
        "hazards": incident.hazards,
        "report_count": incident.report_count,
        "created_at": incident.created_at,
        "deadlines": deadlines_out(incident.deadlines.all()),
    }


def work_order_json(work_order: WorkOrder) -> dict[str, Any]:
    return {
        "id": work_order.id,
        "incident": work_order.incident_id,
        "crew": work_order.crew_id,
        "crew_name": work_order.crew.name,
        "status": work_order.status,
        "eta": work_order.eta,
        "distance_m": work_order.distance_m,
        "findings": work_order.findings,
    }


@extend_schema(
    operation_id="screen_pop",
    summary="Who is calling: screen pop",
    request=None,
    parameters=[OpenApiParameter("phone", str, description="caller number, any format")],
    responses={200: ScreenPopOut},
)
@api_view(["GET"])
@permission_classes([permission_for(Capability.CUSTOMER_DATA)])
def screen_pop(request: Request) -> Response:
    """Who is calling: accounts with this number, premises, open incidents, recent calls."""
    pop = customer_screen_pop(phone=request.query_params.get("phone", ""))
    return answer(
        ScreenPopOut,
        {
            "phone": pop.phone,
            "customers": [
                {
                    "account_no": c.account_no,
                    "name": c.name,
                    "phones": c.phones,
                    "vulnerable": c.vulnerable,
                    "premises": [
                        {
                            "id": p.id,
                            "address": p.full_text,
                            "address_en": p.full_text_en,
                            "point": _point(p.geom),
                        }
                        for p in c.premises.all()
                    ],
                }
                for c in pop.customers
            ],
            "open_incidents": [
                {"id": i.id, "reference": i.reference, "status": i.status, "category": i.category}
                for i in pop.open_incidents
            ],
            "recent_calls": [
                {
                    "id": c.id,
                    "received_at": c.received_at,
                    "category": c.category,
                    "outcome": c.outcome,
                }
                for c in pop.recent_calls
            ],
        },
    )


@extend_schema(
    operation_id="calls_create",
    summary="Store a call, triage it, find duplicates",
    request=CallIn,
    parameters=None,
    responses={201: CallCreatedOut},
)
@api_view(["POST"])
@permission_classes([permission_for(Capability.CALL_INTAKE)])
def calls_create(request: Request) -> Response:
    """Store a call at once, then triage it and look for incidents it may belong to."""
    payload = CallIn(data=request.data)
    payload.is_valid(raise_exception=True)
    call = call_receive(data=payload.to_input(), taker=request_user(request))
    triage = call_triage(category=call.category, hazards=call.hazards, point=call.point)
    segment_id = call.premise.service_segment_id if call.premise else None
    duplicates = incident_duplicates(
        category=call.category,
        point=call.point,
        at=call.received_at,
        segment_id=segment_id,
        premise_id=call.premise_id,
    )
    return answer(
        CallCreatedOut,
        {
            "call": {
                "id": call.id,
                "received_at": call.received_at,
                "point": _point(call.point),
                "customer": call.customer.account_no if call.customer else None,
            },
            "triage": {
                "priority": triage.priority,
                "reasons": triage.reasons,  # in the user's language (selectors)
                "hazards": triage.hazards,
                "advice": triage.advice,
                "needs_incident": triage.rule.needs_incident,
            },
            "duplicates": [
                {
                    "incident": d.incident.id,
                    "reference": d.incident.reference,
                    "category": d.incident.category,
                    "distance_m": d.distance_m,
                    "minutes_ago": d.minutes_ago,
                    "reports": d.incident.report_count,
                    "reason": d.reason,
                }
                for d in duplicates
            ],
        },
        status=status.HTTP_201_CREATED,
    )


@extend_schema(
    operation_id="call_open",
    summary="Open an incident for a call",
    request=None,
    parameters=None,
    responses={201: IncidentOut},
)
@api_view(["POST"])
@permission_classes([permission_for(Capability.CALL_INTAKE)])
def call_open(request: Request, call_id: int) -> Response:
    incident = call_open_incident(call_id=call_id, actor=request_user(request))
    return answer(IncidentOut, incident_json(incident), status=status.HTTP_201_CREATED)


class JoinIn(serializers.Serializer):
    incident_id = IdField()


@extend_schema(
    operation_id="call_join",
    summary="Add a call to an open incident",
    request=JoinIn,
    parameters=None,
    responses={200: IncidentOut},
)
@api_view(["POST"])
@permission_classes([permission_for(Capability.CALL_INTAKE)])
def call_join(request: Request, call_id: int) -> Response:
    payload = JoinIn(data=request.data)
    payload.is_valid(raise_exception=True)
    incident = call_join_incident(
        call_id=call_id,
        actor=request_user(request),
        incident_id=payload.validated_data["incident_id"],
    )
    return answer(IncidentOut, incident_json(incident))


@extend_schema(
    operation_id="call_close",
    summary="Answer and close a call without an incident",
    request=OpenApiTypes.OBJECT,
    parameters=None,
    responses={200: CallClosedOut},
)
@api_view(["POST"])
@permission_classes([permission_for(Capability.CALL_INTAKE)])
def call_close(request: Request, call_id: int) -> Response:
    call = call_answer(call_id=call_id, actor=request_user(request), note=_note(request))
    return answer(CallClosedOut, {"id": call.id, "outcome": call.outcome})


@extend_schema(
    operation_id="incidents_list",
    summary="Open incidents of my organisation",
    request=None,
    parameters=None,
    responses={200: IncidentOut(many=True)},
)
@api_view(["GET"])
@permission_classes([permission_for(Capability.INCIDENTS)])
def incidents_list(request: Request) -> Response:
    """Open incidents in the user's organisation, most urgent first."""
    incidents = (
        incidents_open(within=request_user(request).org_unit)
        .select_related("station", "segment")
        .prefetch_related("deadlines")[:500]
    )
    names = category_names()
    return answer(IncidentOut, [incident_json(i, names) for i in incidents], many=True)


def _incident_for(request: Request, incident_id: int) -> Incident:
    """The incident, if it belongs to a station within the user's organisation."""
    incident = get_object_or_404(
        Incident.objects.select_related("station", "segment"), pk=incident_id
    )
    if not user_covers_station(request_user(request), incident.station_id):
        raise ForbiddenError(
            gettext("%(reference)s is outside your organisation")
            % {"reference": incident.reference}
        )
    return incident


@extend_schema(
    operation_id="incident_detail",
    summary="One incident with its calls and work orders",
    request=None,
    parameters=None,
    responses={200: IncidentDetailOut},
)
@api_view(["GET"])
@permission_classes([permission_for(Capability.INCIDENTS)])
def incident_detail(request: Request, incident_id: int) -> Response:
    incident = _incident_for(request, incident_id)
    body = incident_json(incident)
    body["work_orders"] = [work_order_json(w) for w in incident.work_orders.select_related("crew")]
    # A safety manager reviews the incident, but a caller's number is for those who call back.
    contacts = user_may(request.user, Capability.CUSTOMER_DATA)
    body["calls"] = [
        {
            "id": c.id,
            "received_at": c.received_at,
            "category": c.category,
            "caller_phone": c.caller_phone if contacts else "",
            "address": c.address_text,
            "point": _point(c.point),
            # The caller's account of the fault, shown to every role that reads the incident:
            # it is the operational record, like the address, not a contact detail.
            "description": c.description,
        }
        for c in incident.calls.order_by("received_at")
    ]
    body["notes"] = [
        {"id": n.id, "at": n.at, "actor": n.actor, "text": n.text}
        for n in incident_notes_list(incident.pk)
    ]
    return answer(IncidentDetailOut, body)


@extend_schema(
    operation_id="incident_recommendations",
    summary="Recommended crews, best first",
    request=None,
    parameters=None,
    responses={200: RecommendationOut(many=True)},
)
@api_view(["GET"])
@permission_classes([permission_for(Capability.DISPATCH)])
def incident_recommendations(request: Request, incident_id: int) -> Response:
    """Crews for this incident, best first, each with its ETA and the reason for its rank."""
    incident = _incident_for(request, incident_id)
    if not user_may_dispatch(request_user(request), incident.station):
        raise ForbiddenError(gettext("only dispatchers of this station's organisation see crews"))
    found = incident_crews_recommend(incident=incident, actor=request_user(request))
    return answer(RecommendationOut, found, many=True)


class RecommendationIn(serializers.Serializer):
    """The recommendation the dispatcher acted on, kept on the timeline; numbers checked."""

    crew_id = IdField(required=False)
    crew_name = serializers.CharField(required=False, max_length=100)
    station_code = serializers.CharField(required=False, max_length=32)
    rank = serializers.IntegerField(required=False, min_value=1)
    eta_seconds = serializers.FloatField(required=False, min_value=0, allow_null=True)
    distance_m = serializers.FloatField(required=False, min_value=0, allow_null=True)
    method = serializers.CharField(required=False, max_length=20)
    reason = serializers.CharField(required=False, max_length=500, allow_blank=True)
    preempts_work_order_id = IdField(required=False, allow_null=True)


class DispatchIn(serializers.Serializer):
    crew_id = IdField()
    recommendation = RecommendationIn(required=False)
    first_responder = serializers.BooleanField(
        default=False,
        help_text="send a crew that lacks a skill the category needs, to make it safe",
    )
    preempt = serializers.BooleanField(
        default=False, help_text="take the crew off its less urgent job elsewhere"
    )


@extend_schema(
    operation_id="incident_dispatch",
    summary="Send a crew",
    request=DispatchIn,
    parameters=None,
    responses={201: WorkOrderOut},
)
@api_view(["POST"])
@permission_classes([permission_for(Capability.DISPATCH)])
def incident_dispatch(request: Request, incident_id: int) -> Response:
    payload = DispatchIn(data=request.data)
    payload.is_valid(raise_exception=True)
    work_order = work_order_dispatch(
        incident_id=incident_id,
        actor=request_user(request),
        crew_id=payload.validated_data["crew_id"],
        recommendation=payload.validated_data.get("recommendation"),
        first_responder=payload.validated_data["first_responder"],
        preempt=payload.validated_data["preempt"],
    )
    return answer(WorkOrderOut, work_order_json(work_order), status=status.HTTP_201_CREATED)


@extend_schema(
    operation_id="incident_timeline",
    summary="The incident's timeline, in order",
    request=None,
    parameters=None,
    responses={200: TimelineEventOut(many=True)},
)
@api_view(["GET"])
@permission_classes([permission_for(Capability.INCIDENTS)])
def incident_timeline(request: Request, incident_id: int) -> Response:
    """Every event of the incident and its calls and work orders, in order, to the second;
    callers' details only for roles that take calls."""
    incident = _incident_for(request, incident_id)
    # The incident's own events, and those of its calls from before it existed.
    events = IncidentEvent.objects.filter(
        Q(incident=incident) | Q(call__incident=incident, incident__isnull=True)
    ).order_by("at", "id")
    return answer(
        TimelineEventOut,
        [
            {
                "id": e.id,
                "at": e.at,
                "kind": e.kind,
                "actor": e.actor_label,
                "device_time": e.device_time,
                "data": customer_data_redact(e.data, user=request.user),
                "point": _point(e.point),
                "call": e.call_id,
                "work_order": e.work_order_id,
            }
            for e in events
        ],
        many=True,
    )


class TransitionIn(serializers.Serializer):
    to = serializers.ChoiceField(choices=WorkOrder.Status.choices)
    client_event_id = serializers.CharField(max_length=64, required=False)
    device_time = serializers.DateTimeField(required=False)
    lon = serializers.FloatField(required=False, min_value=-180, max_value=180)
    lat = serializers.FloatField(required=False, min_value=-90, max_value=90)
    details = serializers.DictField(required=False, help_text="findings, or why it was rejected")


@extend_schema(
    operation_id="work_order_change",
    summary="Change a work order's status",
    request=TransitionIn,
    parameters=None,
    responses={200: WorkOrderOut},
)
@api_view(["POST"])
def work_order_change(request: Request, work_order_id: int) -> Response:
    payload = TransitionIn(data=request.data)
    payload.is_valid(raise_exception=True)
    data = payload.validated_data
    work_order = get_object_or_404(
        WorkOrder.objects.select_related("incident__station"), pk=work_order_id
    )
    if (
        not user_may_dispatch(request_user(request), work_order.incident.station)
        and not work_order.crew.members.filter(pk=request_user(request).pk).exists()
    ):
        raise ForbiddenError(gettext("only the crew or its dispatchers change this work order"))
    if data["to"] == WorkOrder.Status.CANCELLED:
        # One door for calling a crew off: dispatchers only, with a reason (crew_moves). A
        # crew that cannot take the job rejects it, and the next crew is offered.
        raise ConflictError(
            gettext(
                "a work order is called off with POST /api/work-orders/<id>/cancel/ (dispatchers,"
                " with a reason); a crew that cannot go rejects the job"
            ),
            field="to",
        )
    point = Point(data["lon"], data["lat"], srid=4326) if "lon" in data and "lat" in data else None
    work_order = work_order_transition(
        work_order_id=work_order_id,
        to=data["to"],
        actor=request_user(request),
        device_time=data.get("device_time"),
        client_event_id=data.get("client_event_id"),
        point=point,
        data=data.get("details"),
    )
    return answer(WorkOrderOut, work_order_json(work_order))


def deadlines_out(deadlines: Iterable[IncidentDeadline]) -> list[dict[str, Any]]:
    """An incident's SLA clocks as every console answer gives them (DeadlineOut)."""
    return [
        {
            "milestone": d.milestone,
            "due_at": d.due_at,
            "met_at": d.met_at,
            "breached_at": d.breached_at,
            "not_applicable_at": d.not_applicable_at,
        }
        for d in deadlines
    ]
