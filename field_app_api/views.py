"""The crews' tablet page: one page; the work is done through the tablet API (/api/field/)."""

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.csrf import ensure_csrf_cookie

from dispatch.choices import Hazard
from dispatch.models import User, WorkOrder, WorkOrderFinding
from dispatch.models.crews import Duty
from dispatch.roles import Role
from dispatch.words import incident_words
from field_app_api.findings_words import ACTIONS_BY_UTILITY, CAUSES, actions_for, causes_for
from gis.models import PipeSegment, PowerDevice, PressureClass, Utility, Valve

# Why a crew turns a job down; the dispatcher reads it on the timeline (kept in English, as
# the actions above).
REJECT_REASONS = {
    "On another job": _("On another job"),
    "Vehicle problem": _("Vehicle problem"),
    "Lacking skill or equipment": _("Lacking skill or equipment"),
    "Too far away": _("Too far away"),
}
# The API's field names, as a refusal or a finding names them to the crew.
FIELDS = {
    "leak_grade": _("Leak grade"),
    "cause": _("Cause"),
    "actions_taken": _("Actions taken"),
    "valves_operated": _("Valves operated"),
    "materials": _("Materials used"),
    "notes": _("Notes"),
    "reason": _("Reason"),
    "image": _("Photo"),
    "caption": _("Caption"),
    "status": _("Duty"),
    "action": _("Action"),
    "device_time": _("Time on the tablet"),
    "client_event_id": _("Action id"),
    "lon": _("Longitude"),
    "lat": _("Latitude"),
}
# A material's units: the code kept, its short name shown.
UNITS = {
    "pcs": pgettext_lazy("unit", "pcs"),
    "m": pgettext_lazy("unit", "m"),
    "kg": pgettext_lazy("unit", "kg"),
    "L": pgettext_lazy("unit", "L"),
}


@login_required
@ensure_csrf_cookie  # the page's fetch() calls send it back as X-CSRFToken
def tablet_page(request: HttpRequest) -> HttpResponse:
    """The crew member's current work order, its map, status buttons and reports."""
    user = request.user
    assert isinstance(user, User)  # login_required: never anonymous here
    if user.role != Role.CREW_MEMBER:
        return render(request, "tablet/forbidden.html", status=403)
    # The findings form of the crew's utility (a gas crew grades leaks and turns valves).
    utilities = crew_utilities(user)
    actions = actions_for(utilities)
    config: dict[str, Any] = {
        "utilities": utilities,
        "user": user.get_username(),
        "labels": {
            "work_order_status": dict(WorkOrder.Status.choices),
            "hazard": dict(Hazard.choices),
            "duty": dict(Duty.choices),
            "text": incident_words(),
            "valve_type": dict(Valve.Type.choices),
            "power_device": dict(PowerDevice.Kind.choices),
            "pressure_class": dict(PressureClass.choices),
            "material": dict(PipeSegment.Material.choices),
            "cause": CAUSES,
            "action_taken": {k: v for each in ACTIONS_BY_UTILITY.values() for k, v in each.items()},
            "reject_reason": REJECT_REASONS,
            "field": FIELDS,
            "unit": UNITS,
        },
        "leak_grades": [
            {"value": v, "label": label} for v, label in WorkOrderFinding.LeakGrade.choices
        ],
        "causes": [{"value": v, "label": CAUSES[v]} for v in causes_for(utilities)],
        "actions_taken": [{"value": v, "label": label} for v, label in actions.items()],
        "reject_reasons": [{"value": v, "label": label} for v, label in REJECT_REASONS.items()],
        "units": [{"value": v, "label": label} for v, label in UNITS.items()],
        "photo_max_bytes": settings.PHOTO_MAX_BYTES,
    }
    return render(
        request,
        "tablet/tablet.html",
        {
            "config": config,
            "utilities": utilities,
            "grades_leaks": Utility.GAS in utilities,
            "turns_valves": utilities != [Utility.POWER],
        },
    )


def crew_utilities(user: User) -> list[str]:
    """The utilities of the station of the user's crew (else of the user's unit); gas when
    none is known."""
    crew = user.crews.select_related("station").order_by("id").first()
    unit = crew.station if crew is not None else user.org_unit
    return list(unit.utilities) if unit is not None and unit.utilities else [Utility.GAS]
