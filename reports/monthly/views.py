"""The monthly reports page `/reports/monthly/`: the reports of the user's unit and those
beneath it, each a PDF at `/reports/monthly/<id>.pdf`; supervisors and administrators build
one now for a month and unit they choose (in the request: a city's month takes seconds)."""

import logging
from datetime import date
from time import monotonic

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import get_language, gettext_noop
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from config.counters import counter_increment
from dispatch.access import Capability, roles_for
from dispatch.choices import Language
from dispatch.models import User
from dispatch.roles import Role
from gis.models import OrgUnit
from gis.selectors import org_unit_list_within
from maps.access import page_for
from reports.monthly.dates import month_first, month_previous
from reports.monthly.models import MonthlyReport
from reports.monthly.services import monthly_report_build
from reports.scope import FIRST_YEAR, LAST_YEAR

log = logging.getLogger(__name__)

# The forbidden page translates the screen's name when it is drawn (maps/forbidden.html).
SCREEN = gettext_noop("monthly reports")
BUILDERS = (Role.SUPERVISOR, Role.ADMINISTRATOR)
ID_MAX = 2**63 - 1
PAGE_SIZE = 120  # ten years of a company's reports in two languages


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # page_for has signed them in
    return user


def _month(raw: str) -> date | None:
    try:
        month = date.fromisoformat(f"{raw.strip()[:7]}-01")
    except ValueError:
        return None
    # A month far outside would overflow the range's instants: the same years as the dashboard.
    return month if FIRST_YEAR <= month.year <= LAST_YEAR else None


def _build(request: HttpRequest, user: User, units: list[OrgUnit]) -> tuple[int | None, str]:
    """Build the report the form asks for: its id, or None and what to change."""
    if not user.has_role(*BUILDERS):
        return None, _("Only supervisors and administrators build a report.")
    month = _month(request.POST.get("month", ""))
    this_month = month_first(timezone.localdate())
    if month is None or month > this_month:
        return None, _("Choose a month up to this one, written as 2026-11.")
    unit = next((u for u in units if str(u.pk) == request.POST.get("unit", "")), None)
    if unit is None:
        return None, _("Choose one of your units.")
    language = request.POST.get("language", "")
    if language not in Language.values:
        return None, _("Choose the report's language.")
    started = monotonic()
    report = monthly_report_build(unit=unit, month=month, language=language)
    log.info("%s built %s in %.1f s", user.get_username(), report, monotonic() - started)
    return report.pk, ""


@require_http_methods(["GET", "POST"])
@page_for(roles_for(Capability.REPORTS), SCREEN)
def monthly_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    units = list(org_unit_list_within(user.org_unit).order_by("tier", "code"))
    error = ""
    if request.method == "POST":
        built, error = _build(request, user, units)
        if built is not None:
            return redirect(f"{request.path}?built={built}")
        log.warning("refused: %s asked to build a monthly report: %s", user.get_username(), error)
        counter_increment("reports.monthly.refused.400")
    reports = (
        MonthlyReport.objects.filter(unit__in=[u.pk for u in units])
        .select_related("unit")
        .defer("pdf")[:PAGE_SIZE]
    )
    last_month = month_previous(timezone.localdate())
    context = {
        "reports": reports,
        "units": units,
        "may_build": user.has_role(*BUILDERS),
        "error": error,
        "built": request.GET.get("built", ""),
        "month": f"{last_month:%Y-%m}",
        "languages": Language.choices,
        # The page's own language first: what the user reads now.
        "language": Language.ZH if (get_language() or "").startswith("zh") else Language.EN,
    }
    return render(request, "reports/monthly/list.html", context, status=400 if error else 200)


@page_for(roles_for(Capability.REPORTS), SCREEN)
def monthly_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    if pk > ID_MAX:  # PostgreSQL would refuse the number itself: no such report
        raise Http404
    report = get_object_or_404(MonthlyReport.objects.select_related("unit"), pk=pk)
    if not org_unit_list_within(user.org_unit).filter(pk=report.unit_id).exists():
        log.warning(
            "refused: %s (%s) asked for monthly report %s of %s",
            user.get_username(),
            user.org_unit,
            report.pk,
            report.unit,
        )
        counter_increment("reports.monthly.refused.403")
        return render(request, "reports/monthly/refused.html", {"report": report}, status=403)
    response = HttpResponse(bytes(report.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{report.file_name}"'
    return response
