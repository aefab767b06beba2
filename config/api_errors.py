"""Every refused request: a clear JSON error, a log line and a count.

The error is one shape whatever refused the request, declared once (ErrorOut): the handler
writes its bodies through it, and config.openapi puts it in the document for every refusal.
"""

import logging
import math
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers
from rest_framework.exceptions import (
    APIException,
    NotFound,
    PermissionDenied,
    Throttled,
    ValidationError,
)
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler

from config.counters import counter_increment
from config.errors import ServiceError
from config.throttles import client_address

log = logging.getLogger("dispatch.bad_input")


@extend_schema_serializer(component_name="Error")
class ErrorOut(serializers.Serializer):
    """A refusal: what was wrong, and the field it concerns when one does."""

    error = serializers.CharField(help_text="what was wrong and what to do")
    field = serializers.CharField(
        allow_null=True, required=False, help_text="the input it concerns, if one"
    )
    # DRF's metaclass takes declared fields off the class, so this `fields` does not hide
    # Serializer.fields at run time; only the type checker sees the clash.
    fields = serializers.DictField(  # type: ignore[assignment]
        required=False,
        help_text="invalid input only: per field, DRF's messages (a list of words, or for a"
        " nested object its own fields' messages)",
    )
    detail = serializers.CharField(
        required=False, help_text="DRF's own message, when DRF refused (not signed in...)"
    )


def _refused(body: dict[str, Any]) -> Any:
    return ErrorOut(body).data


def _who(context: dict[str, Any]) -> str:
    """Who was refused, for the log line: the user (or anonymous) and the client address."""
    request = context.get("request")
    if request is None:
        return "?"
    try:
        user = request.user
        name = user.get_username() if user.is_authenticated else "anonymous"
    except Exception:  # the refusal may be the credentials themselves: never fail the log line
        name = "unknown"
    return f"{name} from {client_address(request)}"


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    view = f"{type(context.get('view')).__name__} ({_who(context)})"
    if isinstance(exc, ServiceError):
        log.warning("%s refused (%s): %s", view, exc.status, exc.message)
        counter_increment(f"api.refused.{exc.status}")
        refused = Response(_refused({"error": exc.message, "field": exc.field}), exc.status)
        retry_after = getattr(exc, "retry_after", None)
        if retry_after:  # a locked sign-in says when to come back, as a 429 should
            refused["Retry-After"] = str(retry_after)
        return refused
    # Django's own (get_object_or_404...), as DRF's handler turns them, so they get our shape too.
    if isinstance(exc, Http404):
        exc = NotFound(*exc.args)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = PermissionDenied(*exc.args)
    response = exception_handler(exc, context)
    if response is not None and isinstance(exc, APIException):
        log.warning("%s refused (%s): %s", view, response.status_code, exc.detail)
        counter_increment(f"api.refused.{response.status_code}")
        if isinstance(exc, Throttled):
            # DRF has set Retry-After; the body says the same in words, in our shape.
            wait = getattr(exc, "wait", None)
            seconds = math.ceil(wait) if wait is not None else None
            message = (
                _("too many requests: try again in %(seconds)d seconds") % {"seconds": seconds}
                if seconds is not None
                else _("too many requests: try again later")
            )
            response.data = _refused({"error": message, "field": None})
        elif isinstance(exc, ValidationError):
            fields = response.data
            if not isinstance(fields, dict):  # raised with a list, outside any serializer
                fields = {api_settings.NON_FIELD_ERRORS_KEY: fields}
            invalid = _("the request has invalid fields")
            response.data = _refused({"error": invalid, "fields": fields})
        else:  # DRF's own (not signed in, no permission, bad JSON...): our shape, `detail` kept
            detail = response.data.get("detail", "") if isinstance(response.data, dict) else ""
            response.data = _refused({"error": str(detail), "field": None, "detail": detail})
    return response
