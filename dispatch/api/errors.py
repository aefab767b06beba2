"""Every refused request: a clear JSON error, a log line and a count."""

import logging
import math
from typing import Any

from django.utils.translation import gettext as _
from rest_framework.exceptions import APIException, Throttled, ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler

from config.counters import counter_increment
from dispatch.api.throttles import client_address
from dispatch.errors import DispatchError

log = logging.getLogger("dispatch.bad_input")


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
    if isinstance(exc, DispatchError):
        log.warning("%s refused (%s): %s", view, exc.status, exc.message)
        counter_increment(f"api.refused.{exc.status}")
        refused = Response({"error": exc.message, "field": exc.field}, status=exc.status)
        retry_after = getattr(exc, "retry_after", None)
        if retry_after:  # a locked sign-in says when to come back, as a 429 should
            refused["Retry-After"] = str(retry_after)
        return refused
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
            response.data = {"error": message, "field": None}
        elif isinstance(exc, ValidationError):
            response.data = {"error": _("the request has invalid fields"), "fields": response.data}
        else:  # DRF's own (not signed in, no permission, bad JSON...): our shape, `detail` kept
            detail = response.data.get("detail", "") if isinstance(response.data, dict) else ""
            response.data = {"error": str(detail), "field": None, "detail": detail}
    return response
