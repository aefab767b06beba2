"""The supervisors' network map and the feed that says what a click fell on."""

import math

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_GET

from dispatch.models import User
from gis.selectors import org_unit_bounds
from maps.access import NETWORK_MAP, feed_for, page_for
from maps.network_map import (
    MAX_ZOOM,
    PRESSURE_COLOURS,
    PRESSURE_MAINS,
    TOLERANCE_PX,
    found_json,
    metres_per_pixel,
    network_feature_at,
    network_map_build,
    network_map_config,
    utilities_seen_by,
)

# Each parameter, its range and an example, so a refusal says how to put it right.
AT_PARAMS = {
    "lon": (-180.0, 180.0, "117.21"),
    "lat": (-90.0, 90.0, "39.09"),
    "zoom": (0.0, float(MAX_ZOOM), "16"),
}


@require_GET
@page_for(NETWORK_MAP, gettext_noop("network map"))
def network_map(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    parts = network_map_build(
        bounds=org_unit_bounds(user.org_unit), utilities=utilities_seen_by(user.org_unit)
    )
    legend = [(PRESSURE_MAINS[c], colour) for c, colour in PRESSURE_COLOURS.items()]
    context = {"parts": parts, "config": network_map_config(parts), "legend": legend}
    return render(request, "maps/network_map.html", context)


class BadParamError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


def _at_params(request: HttpRequest) -> dict[str, float]:
    values = {}
    for name, (low, high, example) in AT_PARAMS.items():
        raw = request.GET.get(name, "").strip()
        words = {"name": name, "example": example}
        if not raw:
            raise BadParamError(name, _("%(name)s is required, e.g. %(name)s=%(example)s") % words)
        try:
            value = float(raw)
        except ValueError:
            raise BadParamError(
                name, _("%(name)s must be a number, e.g. %(name)s=%(example)s") % words
            ) from None
        if not math.isfinite(value) or not low <= value <= high:
            raise BadParamError(
                name,
                _("%(name)s must be between %(low)s and %(high)s, not %(raw)s")
                % {**words, "low": f"{low:g}", "high": f"{high:g}", "raw": raw[:30]},
            )
        values[name] = value
    return values


@require_GET
@feed_for(NETWORK_MAP)
def network_at(request: HttpRequest) -> JsonResponse:
    """The main, valve, station or premise under a click at this zoom, with its attributes."""
    try:
        p = _at_params(request)
    except BadParamError as bad:
        return JsonResponse({"error": bad.message, "field": bad.field}, status=400)
    found = network_feature_at(lon=p["lon"], lat=p["lat"], zoom=p["zoom"])
    tolerance_m = TOLERANCE_PX * metres_per_pixel(lat=p["lat"], zoom=p["zoom"])
    return JsonResponse(found_json(found, tolerance_m=tolerance_m))
