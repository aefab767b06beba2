"""The report files, downloaded from the dashboard's links with its query: /reports/export.csv
and /reports/export.xlsx. A bad or forbidden scope answers in words (400, 403), logged and
counted like the API's refusals; never an empty file that reads as "nothing happened"."""

import logging

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from config.counters import counter_increment
from dispatch.access import Capability, roles_for
from dispatch.errors import DispatchError
from dispatch.models import User
from maps.access import page_for
from reports.exports import XLSX_TYPE, csv_table, file_name, xlsx_workbook
from reports.scope import scope_from

log = logging.getLogger("dispatch.bad_input")


def _refused(request: HttpRequest, exc: DispatchError) -> HttpResponse:
    log.warning("report export refused (%s) for %s: %s", exc.status, request.user, exc.message)
    counter_increment(f"reports.export.refused.{exc.status}")
    return HttpResponse(exc.message, status=exc.status, content_type="text/plain; charset=utf-8")


@page_for(roles_for(Capability.REPORTS), gettext_noop("report export"))
def report_export(request: HttpRequest, fmt: str) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    figure = request.GET.get("figure", "").strip()
    items = request.GET.get("items", "").strip()
    try:
        scope = scope_from(request.GET, user)
        if items and items not in ("all", "hit", "missed"):
            raise DispatchError(_("items is all, hit or missed"), field="items")
        if fmt == "csv":
            try:
                body = csv_table(scope, figure=figure, items=items)
            except KeyError:
                raise DispatchError(
                    _("there is no figure %(key)r") % {"key": figure[:60]}, field="figure"
                ) from None
            response = HttpResponse(body, content_type="text/csv; charset=utf-8")
        else:
            response = HttpResponse(xlsx_workbook(scope), content_type=XLSX_TYPE)
    except DispatchError as exc:
        return _refused(request, exc)
    log.info("report %s exported as %s by %s", scope.query(), fmt, user.username)
    name = file_name(scope, fmt, figure)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response
