"""A dispatcher's crew moves from the console: take a crew off a job, give the job to another.
Each validates its input, calls one service (dispatch.services.crew_moves) and answers the
work order."""

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.request import Request
from rest_framework.response import Response

from config.openapi import answer
from dispatch.access import Capability, permission_for
from dispatch.api.console import IdField, request_user, work_order_json
from dispatch.api.schemas import WorkOrderOut
from dispatch.services.crew_moves import (
    NOTE_MAX,
    REASON_MAX,
    work_order_cancel,
    work_order_reassign,
)

_NO_REASON = _("give a reason: say why the crew is taken off the job")


def _valid(serializer: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    payload = serializer(data=request.data)
    payload.is_valid(raise_exception=True)
    return dict(payload.validated_data)


class _ReasonField(serializers.CharField):
    """Required in the document; a blank one reaches the service and is refused in words."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            max_length=REASON_MAX,
            allow_blank=True,
            error_messages={"required": _NO_REASON},
            **kwargs,
        )


class WorkOrderCancelIn(serializers.Serializer):
    reason = _ReasonField(help_text="why the crew is taken off the job (kept on the timeline)")
    note = serializers.CharField(
        max_length=NOTE_MAX, required=False, allow_blank=True, default="", help_text="more words"
    )


class WorkOrderReassignIn(serializers.Serializer):
    crew_id = IdField(help_text="the crew the job goes to")
    reason = _ReasonField(help_text="why the job moves (kept on the timeline)")
    first_responder = serializers.BooleanField(
        default=False,
        help_text="send a crew that lacks a skill the category needs, to make it safe",
    )
    preempt = serializers.BooleanField(
        default=False, help_text="take the crew off its less urgent job elsewhere"
    )


@extend_schema(
    operation_id="work_order_cancel",
    summary="Take a crew off a job, with a reason",
    request=WorkOrderCancelIn,
    responses={200: WorkOrderOut},
)
@api_view(["POST"])
@permission_classes([permission_for(Capability.DISPATCH)])
def work_order_cancel_view(request: Request, work_order_id: int) -> Response:
    """The work order is cancelled and its crew freed; an incident left with no crew goes back
    to open. Refused once the crew is on site."""
    data = _valid(WorkOrderCancelIn, request)
    work_order = work_order_cancel(work_order_id=work_order_id, actor=request_user(request), **data)
    return answer(WorkOrderOut, work_order_json(work_order))


@extend_schema(
    operation_id="work_order_reassign",
    summary="Give a job to another crew",
    request=WorkOrderReassignIn,
    responses={201: WorkOrderOut},
)
@api_view(["POST"])
@permission_classes([permission_for(Capability.DISPATCH)])
def work_order_reassign_view(request: Request, work_order_id: int) -> Response:
    """The new crew is sent and the old work order cancelled, in one step; answers the new
    work order. Refused, nothing changes."""
    data = _valid(WorkOrderReassignIn, request)
    work_order = work_order_reassign(
        work_order_id=work_order_id, actor=request_user(request), **data
    )
    return answer(WorkOrderOut, work_order_json(work_order), status=status.HTTP_201_CREATED)
