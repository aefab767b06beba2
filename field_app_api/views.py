"""The crews' tablet page: one page; the work is done through the tablet API (/api/field/)."""

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import ensure_csrf_cookie
from rest_framework import serializers

from dispatch.choices import Hazard
from dispatch.models import User, WorkOrder, WorkOrderFinding
from dispatch.models.crews import Duty
from dispatch.roles import Role
from dispatch.words import incident_words
from field_app_api.api import FindingsIn

# What a crew most often does on site; anything else goes in the notes.
ACTIONS_TAKEN = [
    "Ventilated the building",
    "Evacuated people",
    "Cordoned off the area",
    "Removed ignition sources",
    "Closed the meter valve",
    "Closed network valves",
    "Temporary repair (clamp or tape)",
    "Permanent repair",
    "Gas detector survey",
]
# Why a crew turns a job down; the dispatcher reads it on the timeline.
REJECT_REASONS = [
    "On another job",
    "Vehicle problem",
    "Lacking skill or equipment",
    "Too far away",
]


@login_required
@ensure_csrf_cookie  # the page's fetch() calls send it back as X-CSRFToken
def tablet_page(request: HttpRequest) -> HttpResponse:
    """The crew member's current work order, its map, status buttons and reports."""
    user = request.user
    assert isinstance(user, User)  # login_required: never anonymous here
    if user.role != Role.CREW_MEMBER:
        return render(request, "tablet/forbidden.html", status=403)
    causes = FindingsIn().fields["cause"]  # the API's list, so the two never drift
    assert isinstance(causes, serializers.ChoiceField)
    config: dict[str, Any] = {
        "user": user.get_username(),
        "labels": {
            "work_order_status": dict(WorkOrder.Status.choices),
            "hazard": dict(Hazard.choices),
            "duty": dict(Duty.choices),
            "text": incident_words(),
        },
        "leak_grades": [
            {"value": v, "label": label} for v, label in WorkOrderFinding.LeakGrade.choices
        ],
        "causes": [{"value": v, "label": v.replace("_", " ").capitalize()} for v in causes.choices],
        "actions_taken": ACTIONS_TAKEN,
        "reject_reasons": REJECT_REASONS,
        "photo_max_bytes": settings.PHOTO_MAX_BYTES,
    }
    return render(request, "tablet/tablet.html", {"config": config})
