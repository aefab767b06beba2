"""Every refused request: a clear JSON error, a log line and a count."""

import logging
from typing import Any

from rest_framework.exceptions import APIException, ValidationError
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
        return Response({"error": exc.message, "field": exc.field}, status=exc.status)
    response = exception_handler(exc, context)
    if response is not None and isinstance(exc, APIException):
        log.warning("%s refused (%s): %s", view, response.status_code, exc.detail)
        counter_increment(f"api.refused.{response.status_code}")
        if isinstance(exc, ValidationError):
            response.data = {"error": "the request has invalid fields", "fields": response.data}
    return response
