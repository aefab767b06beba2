"""The call-taker and dispatcher console: one page; the work is done through the JSON API."""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import ensure_csrf_cookie

from dispatch.access import Capability, user_may
from dispatch.categories import category_names
from dispatch.choices import Hazard
from dispatch.models import CategoryRule, Incident, Milestone, User, WorkOrder
from dispatch.services.incident_end import REASONS
from dispatch.words import case_words, incident_words
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
    (Hazard.INSIDE_BUILDING, "Is the smell or leak inside a building?", "在室内吗？"),
    (Hazard.STRONG_SMELL, "Is the smell strong?", "气味很浓吗？"),
    (Hazard.HISSING, "Can you hear hissing?", "能听到嘶嘶声吗？"),
    (Hazard.SOMEONE_UNWELL, "Is anyone unwell (headache, dizziness)?", "有人头痛、头晕吗？"),
    (Hazard.IGNITION, "Flames, sparks or anyone smoking nearby?", "附近有明火、火花或吸烟吗？"),
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
    categories = [
        {
            "value": r.category,
            "label": r.label_en or r.label_zh or r.category,
            "label_zh": r.label_zh if r.label_en else "",
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
        "labels": {
            "category": category_names(),
            "hazard": dict(Hazard.choices),
            "incident_status": dict(Incident.Status.choices),
            "work_order_status": dict(WorkOrder.Status.choices),
            "milestone": dict(Milestone.choices),
            "end_reason": dict(Incident.EndReason.choices),
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
