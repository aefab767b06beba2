"""Call events over HTTP, for ACDs that speak neither AMI nor the event socket: the ACD posts
each event of a call leg, as it happens, to POST /api/telephony/webhook/<system id>/.

    Authorization: Bearer <the phone system's secret>
    {"event": "answered", "leg": "a-77", "call": "c-42", "at": "2026-12-06T09:15:02+08:00",
     "extension": "8001"}

`event` is one of telephony.events.Kind (created, queued, ringing, answered, transferred,
abandoned, ended, recording); `leg` the channel's id on the ACD, `call` the customer's call
(the caller's own leg has leg == call); `at` ISO 8601 with its offset. Optional: caller,
dialled, queue, extension, transfer_to, recording. Events are applied as the adapters' are
(telephony.services.legs): sending one again, or late, changes nothing that is already right,
so an ACD may retry until it gets its 200.

Only an active phone system of kind webhook answers, and only with its secret (compared in
constant time; a system with no secret accepts nothing). A refusal changes nothing, answers
in the API's one error shape (with `detail` saying what was wrong in words), and is logged
and counted (`telephony.webhook.refused.<reason>`). Refusals are rate-limited per address
(scope `telephony_webhook`), so guessing secrets is slow; events that are believed are not
limited: a busy hotline posts many a second from one ACD.
"""

import hmac
import logging
from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ParseError, UnsupportedMediaType
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api_errors import ErrorOut
from config.counters import counter_increment
from config.throttles import client_address
from fleet.throttles import TrackingAddressThrottle
from telephony.events import Kind, PhoneEvent
from telephony.models import CallLeg, PhoneSystem
from telephony.services.legs import phone_event_apply

log = logging.getLogger(__name__)
UID_MAX = 80  # CallLeg.leg_uid and call_uid: an id cut short would merge two legs


class WebhookAddressThrottle(TrackingAddressThrottle):
    """Refused webhook posts per address (only refusals count, as for trackers over HTTP)."""

    scope = "telephony_webhook"


class WebhookEventIn(serializers.Serializer):
    event = serializers.ChoiceField(choices=[kind.value for kind in Kind])
    leg = serializers.CharField(max_length=UID_MAX, help_text="the channel's id on the ACD")
    call = serializers.CharField(
        max_length=UID_MAX, help_text="the customer's call; the caller's own leg has leg == call"
    )
    at = serializers.CharField(help_text="when, ISO 8601 with its offset")
    caller = serializers.CharField(required=False, allow_blank=True, default="")
    dialled = serializers.CharField(required=False, allow_blank=True, default="")
    queue = serializers.CharField(required=False, allow_blank=True, default="")
    extension = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="the agent's, on an agent's leg"
    )
    transfer_to = serializers.CharField(required=False, allow_blank=True, default="")
    recording = serializers.CharField(required=False, allow_blank=True, default="")

    def validate_at(self, value: str) -> datetime:
        try:
            when = datetime.fromisoformat(value)
        except ValueError:
            raise serializers.ValidationError(
                _("not a time: write it as ISO 8601, e.g. 2026-12-06T09:15:02+08:00")
            ) from None
        if when.tzinfo is None or when.utcoffset() is None:
            raise serializers.ValidationError(
                _("the time has no offset: add one, e.g. +08:00 or Z")
            )
        return when


class WebhookLegOut(serializers.Serializer):
    leg = serializers.CharField(help_text="the leg the event was about")
    call = serializers.CharField()
    role = serializers.ChoiceField(choices=CallLeg.Role.choices)
    status = serializers.ChoiceField(choices=CallLeg.Status.choices)


class _RefusedError(Exception):
    def __init__(self, status: int, reason: str, message: str, field: str | None = None):
        super().__init__(message)
        self.status, self.reason, self.message, self.field = status, reason, message, field


def _system_verified(request: Request, system_id: int) -> PhoneSystem:
    # An id past PostgreSQL's bigint names no system: refused as one, not a database error.
    system = (
        PhoneSystem.objects.filter(pk=system_id, kind=PhoneSystem.Kind.WEBHOOK, active=True).first()
        if system_id <= 2**63 - 1
        else None
    )
    if system is None:
        raise _RefusedError(
            404, "unknown_system", _("there is no active webhook phone system with this id")
        )
    scheme, _space, token = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    given = token.strip().encode()
    # compare_digest takes as long whatever the first wrong character, so timing tells a
    # guesser nothing; an empty secret must never match an empty token.
    if (
        scheme.lower() != "bearer"
        or not system.secret
        or not hmac.compare_digest(given, system.secret.encode())
    ):
        raise _RefusedError(
            401,
            "bad_token",
            _("wrong or missing token: send 'Authorization: Bearer <the phone system's secret>'"),
        )
    return system


def _event_read(request: Request) -> PhoneEvent:
    try:
        body = request.data
    except (ParseError, UnsupportedMediaType):
        raise _RefusedError(
            400, "not_json", _("the body is not JSON: send the event as application/json")
        ) from None
    if not isinstance(body, dict):
        raise _RefusedError(400, "not_an_object", _("the body must be one JSON object"))
    given = WebhookEventIn(data=body)
    if not given.is_valid():
        field, messages = next(iter(given.errors.items()))
        words = " ".join(str(m) for m in messages) if isinstance(messages, list) else ""
        raise _RefusedError(400, f"invalid_{field}", f"{field}: {words}", field=field)
    data: dict[str, Any] = given.validated_data
    return PhoneEvent(
        kind=Kind(data["event"]),
        leg=data["leg"],
        call=data["call"],
        at=data["at"],
        **{
            name: data[name]
            for name in (
                "caller",
                "dialled",
                "queue",
                "extension",
                "transfer_to",
                "recording",
            )
        },
    )


class PhoneWebhookView(APIView):
    authentication_classes: list[Any] = []  # the phone system's secret is checked below
    permission_classes = [AllowAny]
    parser_classes = [JSONParser]
    # Before anything else: an address that has used up its refusals waits, whatever it sends.
    throttle_classes = [WebhookAddressThrottle]

    @extend_schema(
        summary="One event of a call leg from an ACD (Authorization: Bearer <the secret>)",
        request=WebhookEventIn,
        responses={200: WebhookLegOut},
    )
    def post(self, request: Request, system_id: int) -> Response:
        try:
            system = _system_verified(request, system_id)
            event = _event_read(request)
        except _RefusedError as refused:
            return self._refusal(request, system_id, refused)
        leg = phone_event_apply(system=system, event=event)
        return Response(
            WebhookLegOut(
                {"leg": leg.leg_uid, "call": leg.call_uid, "role": leg.role, "status": leg.status}
            ).data
        )

    def _refusal(self, request: Request, system_id: int, refused: _RefusedError) -> Response:
        log.warning(
            "webhook of phone system %s from %s refused (%s): %s",
            system_id,
            client_address(request),
            refused.reason,
            refused.message,
        )
        counter_increment(f"telephony.webhook.refused.{refused.reason}")
        WebhookAddressThrottle().refusal_count(request)
        body = {"error": refused.message, "field": refused.field, "detail": refused.message}
        response = Response(ErrorOut(body).data, status=refused.status)
        if refused.status == 401:
            response["WWW-Authenticate"] = 'Bearer realm="phone events"'
        return response
