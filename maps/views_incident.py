"""The incident map page and its "Trace isolation" form."""

import re

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_GET, require_POST

from dispatch.errors import DispatchError
from dispatch.models import Incident, User
from dispatch.services.isolation import incident_isolation_trace
from maps.access import DISPATCH, INCIDENT_MAP, incident_visible, page_for
from maps.incident_map import PRIORITY_COLOURS, incident_get, incident_map_build
from maps.network_map import PRESSURE_COLOURS, PRESSURE_MAINS, pressure_label
from maps.timeline_words import clock

SEIZED_MAX = 20  # more valves than this reported seized at once is a typing slip
ASSET_ID = re.compile(r"[\w.\-/]{1,64}")


def _incident_or_404(user: User, reference: str) -> Incident:
    """The incident, if the user's unit covers its station: others do not learn it exists."""
    incident = incident_get(reference=reference)
    if incident is None or not incident_visible(user, incident):
        raise Http404(_("No incident %(reference)s in your area.") % {"reference": reference})
    return incident


def seized_parse(text: str) -> list[str]:
    """Asset ids typed as the crew read them off the valve covers, by commas or spaces."""
    ids = list(dict.fromkeys(part for part in re.split(r"[\s,;]+", text.strip()) if part))
    if len(ids) > SEIZED_MAX:
        raise ValueError(
            _("at most %(max)s valves can be reported seized at once") % {"max": SEIZED_MAX}
        )
    if bad := [i for i in ids if not ASSET_ID.fullmatch(i)]:
        raise ValueError(
            _("%(typed)s is not a valve asset id (such as V-000307)") % {"typed": repr(bad[0][:70])}
        )
    return ids


def _main_text(incident: Incident) -> str:
    """'P-000101: Polyethylene, 160 mm, low pressure'."""
    segment = incident.segment
    if segment is None:
        return ""
    return _("%(asset)s: %(material)s, %(diameter)s mm, %(pressure)s") % {
        "asset": segment.asset_id,
        "material": segment.get_material_display(),
        "diameter": segment.diameter_mm or "?",
        "pressure": pressure_label(segment.pressure_class).lower(),
    }


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
    trace, eta = built.trace, built.van.work_order.eta if built.van else None
    traced_by = trace.row.traced_by if trace else None
    context = {
        "m": built,
        "incident": incident,
        "colour": PRIORITY_COLOURS.get(incident.priority, "#9aa7b6"),
        "pressure_legend": [(PRESSURE_MAINS[c], colour) for c, colour in PRESSURE_COLOURS.items()],
        # The station is the user's (or the page would be a 404): the role decides.
        "can_trace": user.has_role(*DISPATCH),
        "error": error,
        "seized_text": seized_text,
        "config": {"map": built.parts.name},
        # Local times, with the date when not today's.
        "opened": clock(incident.created_at),
        "eta": clock(eta),
        "calls": [(call, clock(call.received_at)) for call in built.calls],
        "notes": [(note, clock(note.at)) for note in built.notes],
        "main_text": _main_text(incident),
        "traced_at": clock(trace.row.traced_at) if trace else "",
        "traced_by": (traced_by.get_full_name() or traced_by.username) if traced_by else "",
    }
    return render(request, "maps/incident_map.html", context, status=status)


@require_GET
@page_for(INCIDENT_MAP, gettext_noop("incident map"))
def incident_map(request: HttpRequest, reference: str) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    return _page(request, _incident_or_404(user, reference))


@require_POST
@page_for(DISPATCH, gettext_noop("isolation trace"))
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
