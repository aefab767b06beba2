"""The call-back work list's API: `GET /api/callbacks/`, `POST /api/callbacks/<id>/attempts/`."""

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.request import Request
from rest_framework.response import Response

from alerts.callback_attempts import AttemptInput, callback_attempt_record
from alerts.callback_selectors import callbacks_for
from alerts.models import AttemptOutcome, CallBack, CallBackAttempt, CallBackStatus
from config.openapi import InstantField, answer
from dispatch.access import Capability, permission_for
from dispatch.errors import ForbiddenError
from dispatch.models import User


class CallBackAttemptOut(serializers.Serializer):
    at = InstantField()
    by = serializers.CharField(allow_blank=True, help_text="who called; blank: the customer")
    outcome = serializers.ChoiceField(choices=AttemptOutcome.choices)
    reason = serializers.CharField(allow_blank=True)
    score = serializers.IntegerField(allow_null=True, min_value=1, max_value=5)
    comment = serializers.CharField(allow_blank=True)
    via_link = serializers.BooleanField(help_text="the customer answered through the SMS link")


class CallBackOut(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=CallBackStatus.choices)
    kind = serializers.ChoiceField(choices=["incident", "case"])
    reference = serializers.CharField(help_text="the incident's or the case's reference")
    case_type = serializers.CharField(help_text="what the call was about, in the user's language")
    unit = serializers.CharField(help_text="the station (incident) or desk unit (case)")
    phone = serializers.CharField(help_text="the number to call")
    caller_name = serializers.CharField(allow_blank=True)
    due_at = InstantField()
    overdue = serializers.BooleanField()
    next_attempt_at = InstantField()
    retry_until = InstantField(help_text="after this the caller counts as not reached")
    attempts = serializers.IntegerField()
    satisfaction = serializers.IntegerField(allow_null=True)
    history = CallBackAttemptOut(many=True, help_text="every attempt, oldest first")


class AttemptIn(serializers.Serializer):
    # The service judges the combination (a score only when reached, lengths after trimming)
    # so the refusal reads the same from the page and the API.
    outcome = serializers.CharField(help_text=f"one of {', '.join(AttemptOutcome.values)}")
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    score = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="1-5, only when reached"
    )
    comment = serializers.CharField(required=False, allow_blank=True, default="")


def _attempt(a: CallBackAttempt) -> dict[str, Any]:
    return {
        "at": a.at,
        "by": a.by.get_username() if a.by else "",
        "outcome": a.outcome,
        "reason": a.reason,
        "score": a.score,
        "comment": a.comment,
        "via_link": a.via_link,
    }


def callback_body(c: CallBack, now: Any) -> dict[str, Any]:
    owner = c.incident or c.case
    assert owner is not None  # the check constraint: one of them
    unit = c.incident.station if c.incident else c.case.unit  # type: ignore[union-attr]
    return {
        "id": c.pk,
        "status": c.status,
        "kind": "incident" if c.incident else "case",
        "reference": owner.reference,
        "case_type": owner.category_label,
        "unit": unit.name if unit else "",
        "phone": c.call.caller_phone,
        "caller_name": c.call.caller_name,
        "due_at": c.due_at,
        "overdue": not c.is_finished and c.due_at < now,
        "next_attempt_at": c.next_attempt_at,
        "retry_until": c.retry_until,
        "attempts": c.attempts,
        "satisfaction": c.satisfaction,
        "history": [_attempt(a) for a in c.attempt_log.all()],
    }


def _user(request: Request) -> User:
    if not isinstance(request.user, User):
        raise ForbiddenError(gettext("sign in first"))
    return request.user


@extend_schema(
    operation_id="callbacks_list",
    summary="The call-backs of the user's units: open ones, due and overdue first",
    parameters=[
        OpenApiParameter("show", str, enum=["open", "done"], description="done: last 7 days")
    ],
    responses={200: CallBackOut(many=True)},
)
@api_view(["GET"])
@permission_classes([permission_for(Capability.CALL_BACKS)])
def callbacks_list_view(request: Request) -> Response:
    now = timezone.now()
    show = "done" if request.query_params.get("show") == "done" else "open"
    rows = callbacks_for(_user(request), show=show, now=now)
    return answer(CallBackOut, [callback_body(c, now) for c in rows], many=True)


@extend_schema(
    operation_id="callback_attempt_create",
    summary="Log one attempt at a call-back",
    request=AttemptIn,
    responses={201: CallBackOut},
)
@api_view(["POST"])
@permission_classes([permission_for(Capability.CALL_BACKS)])
def callback_attempt_view(request: Request, callback_id: int) -> Response:
    """400 for a bad outcome or score, 403 outside the user's units, 409 once finished."""
    user = _user(request)
    payload = AttemptIn(data=request.data)
    payload.is_valid(raise_exception=True)
    callback_attempt_record(
        callback_id=callback_id, actor=user, data=AttemptInput(**payload.validated_data)
    )
    callback = (
        CallBack.objects.select_related("incident__station", "case__unit", "call")
        .prefetch_related("attempt_log__by")
        .get(pk=callback_id)
    )
    return answer(
        CallBackOut, callback_body(callback, timezone.now()), status=status.HTTP_201_CREATED
    )
