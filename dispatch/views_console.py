"""The call-taker and dispatcher console: one page; the work is done through the JSON API."""

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import ensure_csrf_cookie

from dispatch.access import Capability, user_may
from dispatch.categories import category_names
from dispatch.choices import Hazard
from dispatch.models import Call, CategoryRule, Incident, Milestone, User, WorkOrder
from dispatch.services.incident_end import REASONS
from dispatch.words import case_words, incident_words
from gis.models import OrgUnit
from gis.selectors import org_unit_bounds

# The endings the console offers, by the API path each posts to; a merge needs a second
# incident picked and stays on the wall for now.
ENDINGS = {
    "close": Incident.Status.CLOSED,
    "cancel": Incident.Status.CANCELLED,
    "refer": Incident.Status.REFERRED,
}

# The questions read to the caller, in the order a frightened caller can answer them. The
# sensitive-site hazard is not asked: triage finds schools and hospitals on the map itself.
HAZARD_QUESTIONS = [
    (Hazard.INSIDE_BUILDING, _("Is the smell or leak inside a building?")),
    (Hazard.STRONG_SMELL, _("Is the smell strong?")),
    (Hazard.HISSING, _("Can you hear hissing?")),
    (Hazard.SOMEONE_UNWELL, _("Is anyone unwell (headache, dizziness)?")),
    (Hazard.IGNITION, _("Flames, sparks or anyone smoking nearby?")),
    (Hazard.HOT_WATER_STEAM, _("Is hot water or steam coming out?")),
    (Hazard.FLOODING, _("Is water flooding a basement, road or flat?")),
    (Hazard.VULNERABLE_COLD, _("Is anyone old, a baby or ill in the cold home?")),
    (Hazard.PERSON_CONTACT, _("Has anyone touched the line or had a shock?")),
    (Hazard.SPARKS_FIRE, _("Are there sparks, arcing or fire?")),
    (Hazard.LIFE_SUPPORT, _("Is anyone at home on life-support equipment?")),
]


@login_required
@ensure_csrf_cookie  # the page's fetch() calls send it back as X-CSRFToken
def console(request: HttpRequest) -> HttpResponse:
    """Intake and dispatch on one screen, for the control room roles only."""
    user = request.user
    assert isinstance(user, User)  # login_required: never anonymous here
    if not user_may(user, Capability.CONSOLE):
        return render(request, "console/forbidden.html", status=403)
    # The case types are rows: one added in the admin is offered here at once, with the
    # hazard questions that apply to it.
    # Each by its name in the user's language (the other language's when a row has only it);
    # on an English screen the Chinese name follows, as the callers say it.
    names = category_names()
    chinese = (get_language() or "").lower().startswith("zh")
    categories = [
        {
            "value": r.category,
            "label": names.get(r.category, r.category),
            "label_zh": r.label_zh if r.label_en and not chinese else "",
            "needs_incident": r.needs_incident,
            "hazards": r.hazards,
        }
        for r in CategoryRule.objects.order_by("base_priority", "category")
    ]
    config: dict[str, Any] = {
        "can_dispatch": user_may(user, Capability.DISPATCH),
        # /console/?incident=<id or reference>: a dispatcher picks up an incident opened by
        # someone else. Only the id is resolved here; the API decides whether it may be read.
        "incident": incident_asked(request.GET.get("incident", "")),
        "endings": {path: list(REASONS[status]) for path, status in ENDINGS.items()},
        "open_statuses": list(Incident.OPEN_STATUSES),
        "ended_statuses": list(Incident.ENDED_STATUSES),
        "bounds": org_unit_bounds(user.org_unit),
        # The scripts show the English names of roads and premises beside the Chinese ones
        # only on an English screen.
        "chinese": chinese,
        "time_zone": settings.TIME_ZONE,  # the page's clocks: the control room's time
        "labels": {
            "category": names,
            "hazard": dict(Hazard.choices),
            "incident_status": dict(Incident.Status.choices),
            "work_order_status": dict(WorkOrder.Status.choices),
            "milestone": dict(Milestone.choices),
            "end_reason": dict(Incident.EndReason.choices),
            "call_outcome": dict(Call.Outcome.choices),
            # The API names a station by its code; the page shows its name.
            "station": dict(OrgUnit.objects.values_list("code", "name")),
            "text": incident_words() | case_words(),
        },
    }
    return render(
        request,
        "console/console.html",
        {"categories": categories, "hazards": HAZARD_QUESTIONS, "config": config},
    )


def incident_asked(asked: str) -> dict[str, Any] | None:
    """The incident named in the address (?incident=), by id or reference, for the console and
    the dispatch screen; the API decides whether the user may read it. None when none asked."""
    asked = asked.strip()[:40]
    if not asked:
        return None
    if asked.isascii() and asked.isdigit():  # "²" is a digit to Python, not to int()
        found = int(asked) if 0 < int(asked) < 2**63 else None
    else:
        found = (
            Incident.objects.filter(reference__iexact=asked).values_list("pk", flat=True).first()
        )
    return {"asked": asked, "id": found}
