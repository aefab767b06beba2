"""Answers for paths nothing serves: JSON under /api/, as every API refusal is, a page elsewhere.

An API client (a tablet, a linked system, a generated client) must get the API's own error shape
even for a path no view matches (`/api/calls/-1/answer/`), not an HTML page it cannot read.
"""

import logging

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults

from config.counters import counter_increment

log = logging.getLogger("dispatch.bad_input")


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if not request.path.startswith("/api/"):
        return defaults.page_not_found(request, exception)
    log.warning("no API path %s %s", request.method, request.path)
    counter_increment("api.refused.404")
    message = _("no such API path: %(path)s (the API's paths are listed at /api/docs/)")
    return JsonResponse({"error": message % {"path": request.path}, "field": None}, status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    if not request.path.startswith("/api/"):
        return defaults.server_error(request)
    message = _("the server failed to answer; it has been logged: try again, or tell support")
    return JsonResponse({"error": message, "field": None}, status=500)
