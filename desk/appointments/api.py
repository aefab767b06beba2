"""The appointments API: free slots, and book, move, cancel (the console's widget uses it)."""

import re
from datetime import date, timedelta

from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.request import Request
from rest_framework.response import Response

from config.openapi import InstantField, answer
from desk.appointments.models import Appointment, WorkType
from desk.appointments.selectors import day_start, slot_list, stations_for
from desk.appointments.services import (
    BookingInput,
    appointment_book,
    appointment_cancel,
    appointment_move,
)
from dispatch.access import Capability, permission_for
from dispatch.choices import Channel, Language
from dispatch.errors import DispatchError, ForbiddenError
from dispatch.models import User
from dispatch.selectors import user_covers_station
from gis.models import Premise
from gis.selectors import org_unit_station_for_point

MAX_DAYS = 31  # one query never lists more than a month of slots
MAX_ID = 2**63 - 1  # a bigger number is no row of ours (and PostgreSQL's bigint refuses it)
ID = re.compile(r"[0-9]{1,18}")


def _id(raw: str) -> int | None:
    return int(raw) if ID.fullmatch(raw) else None


class SlotOut(serializers.Serializer):
    id = serializers.IntegerField()
    station = serializers.IntegerField(source="station_id")
    work_type = serializers.ChoiceField(choices=WorkType.choices)
    starts_at = InstantField()
    ends_at = InstantField()
    capacity = serializers.IntegerField()
    free = serializers.IntegerField()


class StationOut(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    serves_premise = serializers.BooleanField(
        help_text="its territory holds the premise asked about (`premise`)"
    )


@extend_schema_field({"type": "string", "enum": list(Appointment.Status.values)})
class AppointmentStatusField(serializers.CharField):
    """Inline in the document: "status" names other enums there already."""


class AppointmentOut(serializers.Serializer):
    reference = serializers.CharField()
    status = AppointmentStatusField()
    slot = SlotOut()
    name = serializers.CharField()
    phone = serializers.CharField()
    address_text = serializers.CharField()
    language = serializers.ChoiceField(choices=Language.choices)
    call_id = serializers.IntegerField(allow_null=True)
    customer_id = serializers.IntegerField(allow_null=True)
    premise_id = serializers.IntegerField(allow_null=True)


class BookIn(serializers.Serializer):
    slot = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    name = serializers.CharField(max_length=100)
    phone = serializers.CharField(max_length=32)
    address_text = serializers.CharField(
        max_length=300, required=False, allow_blank=True, default=""
    )
    premise_id = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=1, max_value=MAX_ID
    )
    customer_id = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=1, max_value=MAX_ID
    )
    call_id = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=1, max_value=MAX_ID
    )
    language = serializers.ChoiceField(choices=Language.choices, default=Language.ZH)


class MoveIn(serializers.Serializer):
    slot = serializers.IntegerField(min_value=1, max_value=MAX_ID)


class CancelIn(serializers.Serializer):
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


def _user(request: Request) -> User:
    user = request.user
    if not isinstance(user, User):
        raise ForbiddenError(_("sign in first"))
    return user


def _day(request: Request, name: str, default: date) -> date:
    raw = request.query_params.get(name)
    if not raw:
        return default
    day = parse_date(raw)
    if day is None:
        raise DispatchError(_("%(name)s is a date like 2026-12-07") % {"name": name}, field=name)
    return day


@extend_schema(
    operation_id="appointment_stations",
    summary="The stations the user books in",
    request=None,
    parameters=[OpenApiParameter("premise", int, description="mark the station serving it")],
    responses={200: StationOut(many=True)},
)
@api_view(["GET"])
@permission_classes([permission_for(Capability.APPOINTMENTS)])
def stations(request: Request) -> Response:
    """The console's widget starts at the station whose territory holds the caller's premise."""
    user = _user(request)
    premise_id = _id(request.query_params.get("premise", ""))
    premise = Premise.objects.filter(pk=premise_id).first() if premise_id else None
    serving = org_unit_station_for_point(premise.geom) if premise else None
    rows = [
        {"id": s.pk, "code": s.code, "name": s.name, "serves_premise": s == serving}
        for s in stations_for(user)
    ]
    return answer(StationOut, rows, many=True)


@extend_schema(
    operation_id="appointment_slots",
    summary="Slots of a station and work type, with their free places",
    request=None,
    parameters=[
        OpenApiParameter("station", int, required=True, description="the station's id"),
        OpenApiParameter("work_type", str, required=True, enum=WorkType.values),
        OpenApiParameter("from", str, description="first day (YYYY-MM-DD), default today"),
        OpenApiParameter("to", str, description="last day (YYYY-MM-DD), default a week on"),
    ],
    responses={200: SlotOut(many=True)},
)
@api_view(["GET"])
@permission_classes([permission_for(Capability.APPOINTMENTS)])
def slots(request: Request) -> Response:
    """Free places per slot; 403 for a station outside the user's organisation."""
    user = _user(request)
    station_id = _id(request.query_params.get("station", ""))
    if station_id is None:
        raise DispatchError(_("station is the station's id"), field="station")
    work_type = request.query_params.get("work_type", "")
    if work_type not in WorkType.values:
        raise DispatchError(
            _("work_type is one of %(types)s") % {"types": ", ".join(WorkType.values)},
            field="work_type",
        )
    if not user_covers_station(user, station_id):
        raise ForbiddenError(_("this station is outside your organisation"))
    first = _day(request, "from", timezone.localdate())
    last = _day(request, "to", first + timedelta(days=6))
    if not 0 <= (last - first).days < MAX_DAYS:
        raise DispatchError(
            _("from comes before to, at most %(days)s days apart") % {"days": MAX_DAYS},
            field="to",
        )
    found = slot_list(
        station_id=station_id,
        work_type=work_type,
        start=day_start(first),
        end=day_start(last + timedelta(days=1)),
    )
    return answer(SlotOut, found, many=True)


@extend_schema(
    operation_id="appointment_book",
    summary="Book a visit in a slot",
    request=BookIn,
    responses={201: AppointmentOut},
)
@api_view(["POST"])
@permission_classes([permission_for(Capability.APPOINTMENTS)])
def book(request: Request) -> Response:
    """201 with the appointment; 409 when the slot is full (with the soonest free ones)."""
    user = _user(request)
    payload = BookIn(data=request.data)
    payload.is_valid(raise_exception=True)
    data = payload.validated_data
    appointment = appointment_book(
        data=BookingInput(
            slot_id=data["slot"],
            name=data["name"],
            phone=data["phone"],
            address_text=data["address_text"],
            premise_id=data["premise_id"],
            customer_id=data["customer_id"],
            call_id=data["call_id"],
            language=data["language"],
            channel=Channel.PHONE,
        ),
        actor=user,
    )
    return answer(AppointmentOut, appointment, status=status.HTTP_201_CREATED)


@extend_schema(
    operation_id="appointment_move",
    summary="Move a visit to another slot of the same station and work type",
    request=MoveIn,
    responses={200: AppointmentOut},
)
@api_view(["POST"])
@permission_classes([permission_for(Capability.APPOINTMENTS)])
def move(request: Request, reference: str) -> Response:
    user = _user(request)
    payload = MoveIn(data=request.data)
    payload.is_valid(raise_exception=True)
    appointment = appointment_move(
        reference=reference, slot_id=payload.validated_data["slot"], actor=user
    )
    return answer(AppointmentOut, appointment)


@extend_schema(
    operation_id="appointment_cancel",
    summary="Cancel a visit; its place is free again",
    request=CancelIn,
    responses={200: AppointmentOut},
)
@api_view(["POST"])
@permission_classes([permission_for(Capability.APPOINTMENTS)])
def cancel(request: Request, reference: str) -> Response:
    user = _user(request)
    payload = CancelIn(data=request.data)
    payload.is_valid(raise_exception=True)
    appointment = appointment_cancel(
        reference=reference, actor=user, reason=payload.validated_data["reason"]
    )
    return answer(AppointmentOut, appointment)
