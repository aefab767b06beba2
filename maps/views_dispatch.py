"""The dispatch screen (/dispatch/): the queue, and for the incident picked from it the crews
to send, add or reassign, its work orders to call off, and the case to end. One page; every
change goes through the dispatch API, so the timeline records each one."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_noop
from django.views.decorators.csrf import ensure_csrf_cookie

from dispatch.access import Capability, user_may
from dispatch.models import Crew, Incident, Milestone, User, WorkOrder
from dispatch.services.incident_end import REASONS
from dispatch.views_console import incident_asked
from gis.models import OrgUnit
from gis.selectors import org_unit_list_within
from maps.access import TIMELINE, WALL, page_for
from maps.queue_words import (
    cancel_reasons,
    label_words,
    queue_words,
    reassign_reasons,
    station_names,
)
from maps.scope import BadParameterError, stations_for

FEED_POLL_MS = 1000  # the wall's feed tells the screen an incident changed, within a second
QUEUE_EVERY_MS = 15000  # and the queue is asked again this often in any case

# The endings offered, by the API path each posts to.
ENDINGS = {
    "close": Incident.Status.CLOSED,
    "cancel": Incident.Status.CANCELLED,
    "refer": Incident.Status.REFERRED,
    "merge": Incident.Status.MERGED,
}


@page_for(WALL, gettext_noop("dispatch screen"))
@ensure_csrf_cookie  # the page's fetch() calls send it back as X-CSRFToken
def dispatch_screen(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    try:
        chosen, _ids = stations_for(user, request.GET.get("station"))
    except (BadParameterError, PermissionError) as error:
        context = {"screen": gettext_noop("dispatch screen"), "message": str(error)}
        return render(request, "maps/forbidden.html", context, status=400)
    units = org_unit_list_within(user.org_unit).filter(tier=OrgUnit.Tier.STATION)
    config: dict[str, Any] = {
        "station": chosen.pk if chosen else None,
        "feed": "/maps/feed",
        "feed_poll_ms": FEED_POLL_MS,
        "queue_every_ms": QUEUE_EVERY_MS,
        "can_dispatch": user_may(user, Capability.DISPATCH),
        "can_replay": user.has_role(*TIMELINE),
        # /dispatch/?incident=<reference or id>: opened from the wall or the incident list.
        "incident": incident_asked(request.GET.get("incident", "")),
        "endings": {path: list(REASONS[status]) for path, status in ENDINGS.items()},
        "open_statuses": list(Incident.OPEN_STATUSES),
        "labels": {
            "incident_status": label_words(Incident.Status.choices),
            "work_order_status": label_words(WorkOrder.Status.choices),
            "milestone": label_words(Milestone.choices),
            "end_reason": label_words(Incident.EndReason.choices),
            "crew_status": label_words(Crew.Status.choices),
        },
        # The crews recommended name their station by code: the screen shows its name.
        "station_names": station_names(),
        "text": queue_words(),
    }
    return render(
        request,
        "maps/dispatch.html",
        {
            "config": config,
            "units": units.order_by("name"),
            "chosen": chosen,
            "reassign_reasons": reassign_reasons(),
            "cancel_reasons": cancel_reasons(),
        },
    )
