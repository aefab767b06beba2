"""The tablet API: a crew member's own crew, its work orders, and what they report.

Every write carries a client event id and the tablet's time, so a tablet may replay its offline
queue, twice or out of order, and leave the same result as once in order. A crew member sees
and changes only their own crew's work orders: anything else is "not found" to them.
"""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.gis.geos import Point
from django.db.models import Case, IntegerField, Prefetch, Value, When
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.decorators import (
    api_view,
    authentication_classes,
    parser_classes,
    permission_classes,
    throttle_classes,
)
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from config.openapi import answer
from config.throttles import LoginRateThrottle
from dispatch.api.lockout import SignInLockedError, lockout_counted
from dispatch.errors import DispatchError, ForbiddenError, NotFoundError
from dispatch.models import Call, Crew, User, WorkOrder, WorkOrderFinding
from dispatch.models.crews import Duty
from dispatch.roles import Role
from dispatch.selectors import category_rule_get
from dispatch.services.field_reports import (
    crew_duty_report,
    work_order_findings_record,
    work_order_photo_record,
)
from dispatch.services.notes import incident_notes_list
from dispatch.services.work_orders import work_order_arrival_cancel, work_order_transition
from field_app_api.findings_words import CAUSES, CAUSES_BY_UTILITY
from field_app_api.photos import photo_checked
from field_app_api.schemas import (
    CrewStatusOut,
    FieldMeOut,
    PhotoOut,
    TabletWorkOrderDetailOut,
    TabletWorkOrderListOut,
    TabletWorkOrderOut,
    TokenOut,
)
from field_app_api.surroundings import work_order_surroundings
from fleet.credentials import crew_assignments_topic
from fleet.mqtt import topic
from gis.models import Utility

# What a tablet's buttons say, and the status each one sets.
ACTIONS = {
    "accept": WorkOrder.Status.ACCEPTED,
    "reject": WorkOrder.Status.REJECTED,
    "en_route": WorkOrder.Status.EN_ROUTE,
    "on_site": WorkOrder.Status.ON_SITE,
    "made_safe": WorkOrder.Status.MADE_SAFE,
    "complete": WorkOrder.Status.COMPLETED,
}
CANCEL_ARRIVAL = "cancel_arrival"
CALLERS = Prefetch("incident__calls", queryset=Call.objects.order_by("received_at", "id"))


def _crew_of(request: Request) -> tuple[User, Crew]:
    """Every tablet view starts here: the member and their crew. (The member's own language is
    already active: the middleware for a session, dispatch.language's token authentication for a
    tablet's token.)"""
    user = request.user
    if not isinstance(user, User) or user.role != Role.CREW_MEMBER:
        raise ForbiddenError(_("the tablet API is for crew members: sign in with a crew login"))
    crew = user.crews.select_related("station", "vehicle").order_by("id").first()
    if crew is None:
        raise ForbiddenError(_("you are not on a crew yet: ask your dispatcher to add you"))
    return user, crew


def _own_work_order(crew: Crew, work_order_id: int) -> WorkOrder:
    work_order = (
        WorkOrder.objects.select_related("incident", "crew")
        .prefetch_related(CALLERS)
        .filter(pk=work_order_id, crew=crew)
        .first()
    )
    if work_order is None:  # another crew's job is not theirs to see, nor to know of
        raise NotFoundError(_("your crew has no work order %(id)s") % {"id": work_order_id})
    return work_order


def _point(point: Point | None) -> dict[str, float] | None:
    return {"lon": round(point.x, 7), "lat": round(point.y, 7)} if point else None


def _contacts(work_order: WorkOrder) -> list[dict[str, str]]:
    """Who called about the job, so the crew can ring them from the door: only the crew's own
    job (the callers get here through `_own_work_order` or the crew's list), and only while
    it is live; a finished job's callers are the call centre's to call back."""
    if work_order.status not in WorkOrder.ACTIVE_STATUSES:
        return []
    seen: dict[str, dict[str, str]] = {}
    for call in work_order.incident.calls.all():  # prefetched in order by the callers
        if call.caller_phone and call.caller_phone not in seen:
            seen[call.caller_phone] = {"name": call.caller_name, "phone": call.caller_phone}
    return list(seen.values())


def work_order_tablet_json(work_order: WorkOrder) -> dict[str, Any]:
    incident = work_order.incident
    point = incident.point
    return {
        "id": work_order.pk,
        "status": work_order.status,
        "live": work_order.status in WorkOrder.ACTIVE_STATUSES,
        "created_at": work_order.created_at,
        "status_changed_at": work_order.status_changed_at,
        "eta": work_order.eta,
        "distance_m": work_order.distance_m,
        "arrived_at": work_order.arrived_at,
        "arrival_pending": work_order.arrival_pending,
        "findings": work_order.findings,
        "incident": {
            "reference": incident.reference,
            "category": incident.category,
            "category_label": incident.category_label,
            "priority": incident.priority,
            "status": incident.status,
            "address": incident.address_text,
            "hazards": incident.hazards,
            "report_count": incident.report_count,
            "point": _point(point),
        },
        "contacts": _contacts(work_order),
        "navigate_url": (
            f"https://www.openstreetmap.org/directions?to={point.y:.6f},{point.x:.6f}"
            if point
            else None
        ),
    }


class TokenIn(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, trim_whitespace=False)


@extend_schema(
    operation_id="field_token",
    summary="Sign a tablet in: a token for the member (locked after repeated wrong passwords)",
    request=TokenIn,
    responses={200: TokenOut},
)
@api_view(["POST"])
@authentication_classes([])
@permission_classes([AllowAny])
@throttle_classes([LoginRateThrottle])
@parser_classes([JSONParser, FormParser, MultiPartParser])
def token(request: Request) -> Response:
    """DRF's obtain_auth_token, with the sign-in lockout and the `login` throttle."""
    payload = TokenIn(data=request.data)
    payload.is_valid(raise_exception=True)
    # The Django request, not DRF's wrapper: axes marks a lockout on the request it is given.
    http_request = request._request
    user = authenticate(
        http_request,
        username=payload.validated_data["username"],
        password=payload.validated_data["password"],
    )
    if getattr(http_request, "axes_locked_out", False):
        lockout_counted(http_request, {"username": payload.validated_data["username"]})
        raise SignInLockedError()
    if user is None:
        raise DispatchError(_("that user name and password do not match"), field="password")
    key, _created = Token.objects.get_or_create(user=user)
    return answer(TokenOut, {"token": key.key})


@extend_schema(
    operation_id="field_me",
    summary="My crew, its van and my MQTT topics",
    responses={200: FieldMeOut},
)
@api_view(["GET"])
def me(request: Request) -> Response:
    user, crew = _crew_of(request)
    van = getattr(crew, "vehicle", None)
    return answer(
        FieldMeOut,
        {
            "user": user.get_username(),
            "crew": {
                "id": crew.pk,
                "name": crew.name,
                "station": crew.station.code,
                "station_name": crew.station.name,
                "status": crew.status,
                "duty": crew.duty,
                "skills": crew.skills,
            },
            "vehicle": {"device_id": van.device_id, "registration": van.registration}
            if van
            else None,
            "mqtt": {
                "assignments": crew_assignments_topic(crew.pk),
                "publish_positions_to": topic(f"owntracks/{van.device_id}/tablet") if van else None,
            },
            "arrival_cancel_window_s": settings.ARRIVAL_CANCEL_WINDOW_S,
        },
    )


@extend_schema(
    operation_id="field_work_orders",
    summary="My crew's work orders: live ones first, then the last finished",
    responses={200: TabletWorkOrderListOut},
)
@api_view(["GET"])
def work_orders(request: Request) -> Response:
    _user, crew = _crew_of(request)
    live = Case(
        When(status__in=WorkOrder.ACTIVE_STATUSES, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    jobs = (
        WorkOrder.objects.filter(crew=crew)
        .select_related("incident")
        .prefetch_related(CALLERS)
        .annotate(finished=live)
        .order_by("finished", "incident__priority", "-created_at")[:30]
    )
    return answer(TabletWorkOrderListOut, {"results": [work_order_tablet_json(w) for w in jobs]})


@extend_schema(
    operation_id="field_work_order",
    summary="One work order, with the mains and valves around it and the valves to close",
    responses={200: TabletWorkOrderDetailOut},
)
@api_view(["GET"])
def work_order_detail(request: Request, work_order_id: int) -> Response:
    _user, crew = _crew_of(request)
    work_order = _own_work_order(crew, work_order_id)
    return answer(
        TabletWorkOrderDetailOut,
        {
            **work_order_tablet_json(work_order),
            **work_order_surroundings(work_order.incident),
            **_words(work_order),
        },
    )


def _words(work_order: WorkOrder) -> dict[str, Any]:
    """What the callers said and what the control room noted: the crew reads the fault in the
    callers' words (which room, since when) on their own job only (`_own_work_order`)."""
    return {
        "callers_said": [
            {"received_at": c.received_at, "text": c.description}
            for c in work_order.incident.calls.all()  # prefetched in order by the callers
            if c.description.strip()
        ],
        "notes": [
            {"at": n.at, "by": n.actor, "text": n.text}
            for n in incident_notes_list(work_order.incident_id)
        ],
    }


class ActionIn(serializers.Serializer):
    action = serializers.ChoiceField(choices=[*ACTIONS, CANCEL_ARRIVAL])
    client_event_id = serializers.CharField(max_length=64, help_text="unique per tablet action")
    device_time = serializers.DateTimeField(help_text="when it was done, on the tablet's clock")
    lon = serializers.FloatField(required=False, min_value=-180, max_value=180)
    lat = serializers.FloatField(required=False, min_value=-90, max_value=90)
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True)


@extend_schema(
    operation_id="field_work_order_action",
    summary="Accept, reject, en route, on site, made safe, complete (or cancel an arrival)",
    request=ActionIn,
    responses={200: TabletWorkOrderOut},
)
@api_view(["POST"])
def work_order_action(request: Request, work_order_id: int) -> Response:
    user, crew = _crew_of(request)
    _own_work_order(crew, work_order_id)
    payload = ActionIn(data=request.data)
    payload.is_valid(raise_exception=True)
    data = payload.validated_data
    if data["action"] == CANCEL_ARRIVAL:
        work_order = work_order_arrival_cancel(
            work_order_id=work_order_id,
            actor=user,
            suppress_for=timedelta(seconds=settings.ARRIVAL_SUPPRESS_S),
            device_time=data["device_time"],
            client_event_id=data["client_event_id"],
        )
    else:
        has_point = "lon" in data and "lat" in data
        work_order = work_order_transition(
            work_order_id=work_order_id,
            to=ACTIONS[data["action"]],
            actor=user,
            device_time=data["device_time"],
            client_event_id=data["client_event_id"],
            point=Point(data["lon"], data["lat"], srid=4326) if has_point else None,
            data={"reason": data["reason"]} if data.get("reason") else None,
        )
    work_order.refresh_from_db()
    return answer(TabletWorkOrderOut, work_order_tablet_json(work_order))


class ValveOperatedIn(serializers.Serializer):
    asset_id = serializers.CharField(max_length=40)
    action = serializers.ChoiceField(choices=["closed", "opened"])
    operable = serializers.BooleanField(help_text="false: it would not turn (seized)")


class MaterialIn(serializers.Serializer):
    item = serializers.CharField(max_length=100)
    quantity = serializers.FloatField(min_value=0, max_value=1e6)
    unit = serializers.CharField(max_length=16)


class FindingsIn(serializers.Serializer):
    client_event_id = serializers.CharField(max_length=64)
    device_time = serializers.DateTimeField()
    leak_grade = serializers.ChoiceField(
        choices=WorkOrderFinding.LeakGrade.choices, required=False, allow_null=True
    )
    cause = serializers.ChoiceField(
        choices=list(CAUSES),
        required=False,
        allow_blank=True,
        help_text="one of the causes of the job's utility (field_app_api.findings_words)",
    )
    actions_taken = serializers.ListField(
        child=serializers.CharField(max_length=200), required=False, max_length=50
    )
    valves_operated = ValveOperatedIn(many=True, required=False)
    materials = MaterialIn(many=True, required=False)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=5000)


def _cause_check(work_order_id: int, cause: str) -> None:
    """A cause of the job's own utility: a power crew does not report a gas meter."""
    if not cause:
        return
    category = (
        WorkOrder.objects.filter(pk=work_order_id)
        .values_list("incident__category", flat=True)
        .first()
    )
    utility = category_rule_get(category).utility if category else Utility.GAS
    if cause not in CAUSES_BY_UTILITY.get(utility, []):
        raise serializers.ValidationError(
            {
                "cause": [
                    _("%(cause)s is not a cause of a %(utility)s job; choose one of: %(causes)s")
                    % {
                        "cause": cause,
                        "utility": Utility(utility).label,
                        "causes": ", ".join(CAUSES_BY_UTILITY.get(utility, [])),
                    }
                ]
            }
        )


@extend_schema(
    operation_id="field_work_order_findings",
    summary="Report findings: leak grade, cause, actions, valves operated, materials",
    request=FindingsIn,
    responses={200: TabletWorkOrderOut},
)
@api_view(["POST"])
def work_order_findings(request: Request, work_order_id: int) -> Response:
    user, crew = _crew_of(request)
    _own_work_order(crew, work_order_id)
    payload = FindingsIn(data=request.data)
    payload.is_valid(raise_exception=True)
    data = dict(payload.validated_data)
    _cause_check(work_order_id, data.get("cause", ""))
    client_event_id, device_time = data.pop("client_event_id"), data.pop("device_time")
    work_order_findings_record(
        work_order_id=work_order_id,
        actor=user,
        client_event_id=client_event_id,
        device_time=device_time,
        findings=data,
    )
    work_order = _own_work_order(crew, work_order_id)
    return answer(TabletWorkOrderOut, work_order_tablet_json(work_order))


class PhotoIn(serializers.Serializer):
    client_event_id = serializers.CharField(max_length=64)
    device_time = serializers.DateTimeField()
    image = serializers.FileField(help_text="JPEG, PNG or WebP")
    caption = serializers.CharField(max_length=200, required=False, allow_blank=True)


@extend_schema(
    operation_id="field_work_order_photo",
    summary="Upload a photo of the site (JPEG, PNG or WebP, size-limited)",
    request={"multipart/form-data": PhotoIn},
    responses={201: PhotoOut},
)
@api_view(["POST"])
@parser_classes([MultiPartParser, FormParser])
def work_order_photo(request: Request, work_order_id: int) -> Response:
    user, crew = _crew_of(request)
    _own_work_order(crew, work_order_id)
    payload = PhotoIn(data=request.data)
    payload.is_valid(raise_exception=True)
    data = payload.validated_data
    content, content_type, extension = photo_checked(data["image"])
    photo = work_order_photo_record(
        work_order_id=work_order_id,
        actor=user,
        client_event_id=data["client_event_id"],
        device_time=data["device_time"],
        content=content,
        content_type=content_type,
        extension=extension,
        caption=data.get("caption", ""),
    )
    return answer(
        PhotoOut,
        {"id": photo.pk, "sha256": photo.sha256, "size": photo.size, "url": photo.image.url},
        status=201,
    )


class DutyIn(serializers.Serializer):
    status = serializers.ChoiceField(choices=Duty.choices)
    client_event_id = serializers.CharField(max_length=64)
    device_time = serializers.DateTimeField()


@extend_schema(
    operation_id="field_crew_status",
    summary="My crew is on shift, on a break, or off",
    request=DutyIn,
    responses={200: CrewStatusOut},
)
@api_view(["POST"])
@parser_classes([JSONParser, FormParser])
def crew_status(request: Request) -> Response:
    user, crew = _crew_of(request)
    payload = DutyIn(data=request.data)
    payload.is_valid(raise_exception=True)
    data = payload.validated_data
    crew = crew_duty_report(
        crew_id=crew.pk,
        duty=data["status"],
        actor=user,
        client_event_id=data["client_event_id"],
        device_time=data["device_time"],
    )
    return answer(CrewStatusOut, {"crew": crew.pk, "status": crew.status, "duty": crew.duty})
