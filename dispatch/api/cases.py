"""Ending a case from the console or the wall: close, cancel, merge, refer. Each validates its
input, calls one service (dispatch.services.incident_end) and answers the ended incident."""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.request import Request
from rest_framework.response import Response

from config.openapi import answer
from dispatch.access import Capability, permission_for
from dispatch.api.console import deadlines_out, request_user
from dispatch.api.schemas import IncidentEndedOut
from dispatch.models import Incident
from dispatch.services.incident_end import (
    AGENCY_MAX,
    NOTE_MAX,
    REASONS,
    incident_cancel,
    incident_close,
    incident_merge,
    incident_refer,
)

# A string, optional in the document: a missing or wrong reason reaches the service and is
# refused there in words that list the reasons of that ending ("give a reason: one of ...").
# (An enum shared by four request bodies and the answer would also collide in the document's
# enum names with any other "reason" field.)
_REASON_HELP = "; ".join(
    f"to make it {to}: {', '.join(reasons)}" for to, reasons in REASONS.items()
)


class EndIn(serializers.Serializer):
    reason = serializers.CharField(
        max_length=32, required=False, allow_blank=True, default="", help_text=_REASON_HELP
    )
    note = serializers.CharField(
        max_length=NOTE_MAX,
        required=False,
        allow_blank=True,
        default="",
        help_text="what was found or said (required to close or cancel)",
    )


class MergeIn(EndIn):
    into_id = serializers.IntegerField(
        min_value=1, max_value=2**63 - 1, help_text="the open incident that takes the calls"
    )


class ReferIn(EndIn):
    agency = serializers.CharField(
        max_length=AGENCY_MAX, allow_blank=True, help_text="who it was handed to"
    )


def _ended(incident: Incident) -> Response:
    merged = incident.merged_into
    body: dict[str, Any] = {
        "id": incident.pk,
        "reference": incident.reference,
        "status": incident.status,
        "end_reason": incident.end_reason,
        "end_note": incident.end_note,
        "ended_at": incident.ended_at,
        "merged_into": merged.pk if merged else None,
        "merged_into_reference": merged.reference if merged else None,
        "referred_to": incident.referred_to,
        "report_count": incident.report_count,
        "deadlines": deadlines_out(incident.deadlines.order_by("due_at")),
    }
    return answer(IncidentEndedOut, body)


def _valid(serializer: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    payload = serializer(data=request.data)
    payload.is_valid(raise_exception=True)
    return dict(payload.validated_data)


@extend_schema(
    operation_id="incident_close",
    summary="Close an incident, with a reason",
    request=EndIn,
    responses={200: IncidentEndedOut},
)
@api_view(["POST"])
@permission_classes([permission_for(Capability.DISPATCH)])
def incident_close_view(request: Request, incident_id: int) -> Response:
    data = _valid(EndIn, request)
    return _ended(incident_close(incident_id=incident_id, actor=request_user(request), **data))


@extend_schema(
    operation_id="incident_cancel",
    summary="Cancel an incident (false alarm, hoax, opened in error)",
    request=EndIn,
    responses={200: IncidentEndedOut},
)
@api_view(["POST"])
@permission_classes([permission_for(Capability.DISPATCH)])
def incident_cancel_view(request: Request, incident_id: int) -> Response:
    data = _valid(EndIn, request)
    return _ended(incident_cancel(incident_id=incident_id, actor=request_user(request), **data))


@extend_schema(
    operation_id="incident_merge",
    summary="Merge an incident into another open one",
    request=MergeIn,
    responses={200: IncidentEndedOut},
)
@api_view(["POST"])
@permission_classes([permission_for(Capability.DISPATCH)])
def incident_merge_view(request: Request, incident_id: int) -> Response:
    data = _valid(MergeIn, request)
    return _ended(incident_merge(incident_id=incident_id, actor=request_user(request), **data))


@extend_schema(
    operation_id="incident_refer",
    summary="Refer an incident to another agency",
    request=ReferIn,
    responses={200: IncidentEndedOut},
)
@api_view(["POST"])
@permission_classes([permission_for(Capability.DISPATCH)])
def incident_refer_view(request: Request, incident_id: int) -> Response:
    data = _valid(ReferIn, request)
    return _ended(incident_refer(incident_id=incident_id, actor=request_user(request), **data))
