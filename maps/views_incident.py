"""The incident map page and its "Trace isolation" form."""

import re

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from dispatch.errors import DispatchError
from dispatch.models import Incident, User
from dispatch.services.isolation import incident_isolation_trace
from maps.access import DISPATCH, INCIDENT_MAP, incident_visible, page_for
from maps.incident_map import PRIORITY_COLOURS, incident_get, incident_map_build
from maps.network_map import PRESSURE_COLOURS

SEIZED_MAX = 20  # more valves than this reported seized at once is a typing slip
ASSET_ID = re.compile(r"[\w.\-/]{1,64}")


def _incident_or_404(user: User, reference: str) -> Incident:
    """The incident, if the user's unit covers its station: others do not learn it exists."""
    incident = incident_get(reference=reference)
    if incident is None or not incident_visible(user, incident):
        raise Http404(f"no incident {reference} in your area")
    return incident


def seized_parse(text: str) -> list[str]:
    """Asset ids typed as the crew read them off the valve covers, by commas or spaces."""
    ids = list(dict.fromkeys(part for part in re.split(r"[\s,;]+", text.strip()) if part))
    if len(ids) > SEIZED_MAX:
        raise ValueError(f"at most {SEIZED_MAX} valves can be reported seized at once")
    if bad := [i for i in ids if not ASSET_ID.fullmatch(i)]:
        raise ValueError(f"{bad[0][:70]!r} is not a valve asset id (such as V-000307)")
    return ids


def _page(
    request: HttpRequest,
    incident: Incident,
    *,
    error: str = "",
    seized_text: str = "",
    status: int = 200,
) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    built = incident_map_build(incident)
    context = {
        "m": built,
        "incident": incident,
        "colour": PRIORITY_COLOURS.get(incident.priority, "#9aa7b6"),
        "pressure_legend": [(c.label, colour) for c, colour in PRESSURE_COLOURS.items()],
        # The station is the user's (or the page would be a 404): the role decides.
        "can_trace": user.has_role(*DISPATCH),
        "error": error,
        "seized_text": seized_text,
        "config": {"map": built.parts.name},
    }
    return render(request, "maps/incident_map.html", context, status=status)


@require_GET
@page_for(INCIDENT_MAP, "incident map")
def incident_map(request: HttpRequest, reference: str) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    return _page(request, _incident_or_404(user, reference))


@require_POST
@page_for(DISPATCH, "isolation trace")
def incident_trace_run(request: HttpRequest, reference: str) -> HttpResponse:
    """Run the trace (with any valves the crew found seized) and show it; refusals in words."""
    user = request.user
    assert isinstance(user, User)
    incident = _incident_or_404(user, reference)
    seized_text = request.POST.get("seized", "")[:2000]
    try:
        seized = seized_parse(seized_text)
    except ValueError as error:
        return _page(request, incident, error=str(error), seized_text=seized_text, status=400)
    try:
        incident_isolation_trace(incident_id=incident.pk, actor=user, seized_valve_asset_ids=seized)
    except DispatchError as error:
        return _page(
            request, incident, error=error.message, seized_text=seized_text, status=error.status
        )
    # After the POST, a GET of the map: a reload does not trace again.
    return redirect(reverse("incident-map", args=[incident.reference]) + "#trace")
