"""The reports dashboard, /reports/: the figures of a date range and unit as tiles and charts,
each figure down to the incidents behind it, and a map of where the arrivals missed their clock.

The first view is computed here (the same figures_json the API answers), so a bookmarked or
shared address opens on its numbers; the page's scripts draw them and ask the API only for the
drill-down and the breach map. A refused scope (a range the wrong way round, a unit the user may
not see) is the API's own message, shown on the page with the API's status."""

import logging
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from config.counters import counter_increment
from dispatch.access import Capability, user_may
from dispatch.categories import category_names
from dispatch.choices import Channel, Priority
from dispatch.errors import DispatchError
from dispatch.models import User
from gis.models import OrgUnit
from gis.selectors import org_unit_bounds, org_unit_list_within
from maps.folium_kit import MapParts, map_create, map_parts
from maps.network_map import network_layer_add
from reports.api import figures_json
from reports.scope import Scope, scope_from

# The figures charted by the breakdown, in this order; the tiles show every figure.
CHARTED = (
    "incidents_opened",
    "arrival_on_clock",
    "arrival_minutes",
    "work_order_on_time",
    "dispatch_minutes",
    "made_safe_on_time",
    "calls_received",
    "callback_on_time",
)
PERIODS = ("day", "month", "year")
log = logging.getLogger("dispatch.bad_input")
FILTERS = ("from", "to", "unit", "by", "category", "priority", "channel")


def by_labels() -> dict[str, str]:
    """The breakdowns' names (a test checks every one in reports.scope.BYS has one)."""
    return {
        "station": _("station"),
        "company": _("company"),
        "crew": _("crew"),
        "taker": _("call taker"),
        "category": _("case type"),
        "priority": _("priority"),
        "channel": _("channel"),
        "day": _("day"),
        "month": _("month"),
        "year": _("year"),
    }


def _units(user: User) -> list[tuple[int, str]]:
    """The user's unit and those beneath it, each under its parent, indented by tier."""
    own = user.org_unit
    if own is None:
        return []
    units = list(org_unit_list_within(own))
    children: dict[int | None, list[OrgUnit]] = {}
    for unit in units:
        children.setdefault(unit.parent_id, []).append(unit)
    out: list[tuple[int, str]] = []

    def walk(unit: OrgUnit, depth: int) -> None:
        out.append((unit.pk, "\u00a0\u00a0\u00a0" * depth + unit.name))
        for child in sorted(children.get(unit.pk, []), key=lambda u: u.name):
            walk(child, depth + 1)

    walk(own, 0)
    return out


def _asked(request: HttpRequest, scope: Scope | None) -> dict[str, str]:
    """What the form shows: the scope as understood, else what was typed (to correct it)."""
    if scope is not None:
        return {**{name: "" for name in FILTERS}, **scope.query()}
    return {name: request.GET.get(name, "")[:40] for name in FILTERS}


def _map(scope: Scope) -> MapParts:
    fmap = map_create(org_unit_bounds(scope.unit), zoom_control="topleft")
    network_layer_add(fmap)
    return map_parts(fmap)


def _config(
    scope: Scope | None,
    data: dict[str, Any] | None,
    parts: MapParts | None,
    categories: dict[str, str],
) -> dict[str, Any]:
    query = QueryDict(mutable=True)
    if scope is not None:
        query.update(scope.query())
    return {
        "query": query.urlencode(),
        "by": scope.by if scope else "",
        "periods": list(PERIODS),
        "charted": list(CHARTED),
        "time_zone": settings.TIME_ZONE,
        "categories": categories,
        "figures": data["figures"] if data and not data["empty"] else [],
        "items_url": reverse("api-reports-items", args=["KEY"]),
        "breaches_url": reverse("api-reports-breaches"),
        "csv_url": reverse("reports-csv"),
        "map": parts.name if parts else None,
    }


@require_GET
@login_required
def dashboard_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)  # login_required: never anonymous here
    if not user_may(user, Capability.REPORTS):
        return render(request, "reports/refused.html", status=403)
    scope: Scope | None = None
    data: dict[str, Any] | None = None
    error: DispatchError | None = None
    try:
        scope = scope_from(request.GET, user)
    except DispatchError as refused:  # 400 for bad input, 403 for a unit not theirs
        error = refused
        # Logged and counted like the API's and the exports' refusals.
        log.warning("reports dashboard refused (%s) for %s: %s", refused.status, user, refused)
        counter_increment(f"reports.dashboard.refused.{refused.status}")
    parts = None
    if scope is not None:
        data = figures_json(scope)
        if not data["empty"]:
            parts = _map(scope)
    categories = category_names()
    config = _config(scope, data, parts, categories)
    context = {
        "asked": _asked(request, scope),
        "units": _units(user),
        "bys": list(by_labels().items()),
        "by_label": by_labels().get(scope.by, "") if scope else "",
        "categories": sorted(categories.items(), key=lambda kv: kv[1]),
        "priorities": [(str(value), label) for value, label in Priority.choices],
        "channels": Channel.choices,
        "scope": scope,
        "data": data,
        "error": error,
        "parts": parts,
        "config": config,
        "xlsx": f"{reverse('reports-xlsx')}?{config['query']}" if scope else "",
    }
    status = error.status if error is not None else 200
    return render(request, "reports/dashboard.html", context, status=status)
