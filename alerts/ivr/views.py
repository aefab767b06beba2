"""/api/ivr/: the hotline's phone system asks, the answer is text for its text-to-speech.

The IVR is a linked system: it signs every request with an API key issued by
`manage.py open311_key create` (the one kind of machine key the product has), sent as
`Authorization: Bearer <key>` or `X-Api-Key: <key>`, and acts through that key's service
account (a call-back is taken by it, as Open311 requests are). Limited per key (scope `ivr`).
"""

import logging
import re
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.authentication import BaseAuthentication
from rest_framework.decorators import (
    api_view,
    authentication_classes,
    permission_classes,
    throttle_classes,
)
from rest_framework.exceptions import AuthenticationFailed, NotAuthenticated
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from alerts.ivr.answers import Answer, announcement, premise_status, report_status
from alerts.ivr.services import NOTE_MAX, callback_answer
from alerts.models import ApiKey
from alerts.open311.errors import Open311Error
from alerts.open311.keys import api_key_actor, api_key_authenticate
from config.openapi import answer
from config.throttles import ScopeRateThrottle
from dispatch.choices import Language
from dispatch.errors import DispatchError
from dispatch.models import User

log = logging.getLogger(__name__)
DEFAULT_RATE = "600/minute"  # when config/settings/security.py names no rate for `ivr`
QUERY_MAX = 64  # longer than any reference, account or number: the rest is not read
PRINTABLE = re.compile(r"[^\x00-\x1f\x7f]*")


class IvrKeyAuthentication(BaseAuthentication):
    """A linked system's API key (alerts.open311.keys), as a bearer token or X-Api-Key."""

    def authenticate(self, request: Request) -> tuple[User, ApiKey] | None:
        header = request.headers.get("Authorization", "")
        raw = header[7:].strip() if header[:7].lower() == "bearer " else ""
        raw = raw or request.headers.get("X-Api-Key", "").strip()
        if not raw:
            return None
        try:
            key = api_key_authenticate(raw)
            return api_key_actor(key), key
        except Open311Error as error:
            raise AuthenticationFailed(_("invalid or revoked API key")) from error

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="ivr"'


class IvrKeyScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    target_class = "alerts.ivr.views.IvrKeyAuthentication"
    name = "ivrApiKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer", "description": "a linked system's API key"}


class IvrKeyThrottle(ScopeRateThrottle):
    """Requests per API key: one IVR serves many callers from one address."""

    scope = "ivr"

    def get_rate(self) -> str | None:
        return super().get_rate() or DEFAULT_RATE

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        key = request.auth
        if not isinstance(key, ApiKey):
            return None
        return self.cache_format % {"scope": self.scope, "ident": key.pk}


class IvrAnswerOut(serializers.Serializer):
    text = serializers.CharField(help_text="to read to the caller (text-to-speech)")
    found = serializers.BooleanField(
        help_text="the reference, account or announcement asked about exists"
    )
    language = serializers.ChoiceField(choices=Language.choices)


class ReportStatusOut(IvrAnswerOut):
    reference = serializers.CharField(help_text="the reference as understood")
    status = serializers.CharField(allow_blank=True, help_text="the incident's or case's status")


class PremiseStatusOut(IvrAnswerOut):
    interrupted = serializers.BooleanField(help_text="an interruption is in force there now")
    planned = serializers.BooleanField(help_text="published planned works there, not yet over")


class AnnouncementOut(IvrAnswerOut):
    count = serializers.IntegerField(help_text="how many announcements the text reads")


class CallbackIn(serializers.Serializer):
    phone = serializers.CharField(max_length=32, help_text="the number to call back")
    account = serializers.CharField(max_length=32, required=False, allow_blank=True)
    lang = serializers.CharField(max_length=16, required=False, allow_blank=True)
    note = serializers.CharField(max_length=NOTE_MAX, required=False, allow_blank=True)


class CallbackOut(ReportStatusOut):
    created = serializers.BooleanField(
        help_text="false: this number's earlier request is still waiting, and stands"
    )


def _query(request: Request, name: str) -> str:
    value = request.query_params.get(name, "")
    if len(value) > QUERY_MAX or not PRINTABLE.fullmatch(value):
        raise DispatchError(_("%(name)s is not a value the IVR sends") % {"name": name}, field=name)
    return value


def _body(found: Answer, **more: Any) -> dict[str, Any]:
    return {"text": found.text, "found": found.found, "language": found.language, **more}


LANG = OpenApiParameter(
    "lang", str, enum=["zh", "en"], description="the caller's language (default: theirs)"
)


def _ivr(view: Any) -> Any:
    """Signed by an API key, limited per key."""
    view = throttle_classes([IvrKeyThrottle])(view)
    view = permission_classes([IsAuthenticated])(view)
    return authentication_classes([IvrKeyAuthentication])(view)


@extend_schema(
    operation_id="ivr_report_status",
    summary="The status of a report, by its reference",
    parameters=[
        OpenApiParameter(
            "ref", str, required=True, description="GX-20261122-0042, or its 12 digits"
        ),
        LANG,
    ],
    responses={200: ReportStatusOut},
    request=None,
)
@api_view(["GET"])
@_ivr
def report_status_view(request: Request) -> Response:
    ref = _query(request, "ref")
    if not ref.strip():
        raise DispatchError(_("ref is required: the report's reference"), field="ref")
    found = report_status(ref=ref, lang=_query(request, "lang"))
    return answer(ReportStatusOut, _body(found, reference=found.reference, status=found.status))


@extend_schema(
    operation_id="ivr_premise_status",
    summary="Is the gas off, or will it be, at the caller's premises?",
    parameters=[
        OpenApiParameter("account", str, description="the account number (or phone)"),
        OpenApiParameter("phone", str, description="the caller's number (or account)"),
        LANG,
    ],
    responses={200: PremiseStatusOut},
    request=None,
)
@api_view(["GET"])
@_ivr
def premise_status_view(request: Request) -> Response:
    found = premise_status(
        account=_query(request, "account"),
        phone=_query(request, "phone"),
        lang=_query(request, "lang"),
    )
    return answer(
        PremiseStatusOut, _body(found, interrupted=found.interrupted, planned=found.planned)
    )


@extend_schema(
    operation_id="ivr_announcement",
    summary="The announcement of area-wide faults (for the caller's area when known)",
    parameters=[
        OpenApiParameter("account", str, description="the caller's account, if known"),
        OpenApiParameter("phone", str, description="the caller's number, if known"),
        LANG,
    ],
    responses={200: AnnouncementOut},
    request=None,
)
@api_view(["GET"])
@_ivr
def announcement_view(request: Request) -> Response:
    found = announcement(
        account=_query(request, "account"),
        phone=_query(request, "phone"),
        lang=_query(request, "lang"),
    )
    return answer(AnnouncementOut, _body(found, count=found.count))


@extend_schema(
    operation_id="ivr_callback",
    summary="Leave a request to be called back (a desk case)",
    request=CallbackIn,
    responses={200: CallbackOut},
)
@api_view(["POST"])
@_ivr
def callback_view(request: Request) -> Response:
    actor = request.user
    if not isinstance(actor, User):  # IvrKeyAuthentication gives the key's account or nothing
        raise NotAuthenticated()
    data = CallbackIn(data=request.data)
    data.is_valid(raise_exception=True)
    found, created = callback_answer(
        phone=data.validated_data["phone"],
        account=data.validated_data.get("account", ""),
        lang=data.validated_data.get("lang", ""),
        note=data.validated_data.get("note", ""),
        actor=actor,
    )
    log.info("ivr call-back %s (%s)", found.reference, "new" if created else "already waiting")
    return answer(
        CallbackOut,
        _body(found, reference=found.reference, status=found.status, created=created),
    )
