"""Every refused request: a clear JSON error, a log line and a count."""

import logging
import math
from typing import Any

from django.utils.translation import gettext as _
from rest_framework.exceptions import APIException, Throttled, ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler

from config.counters import counter_increment
from dispatch.errors import DispatchError

log = logging.getLogger("dispatch.bad_input")


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    view = type(context.get("view")).__name__
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
            response.data = {"error": "the request has invalid fields", "fields": response.data}
    return response
