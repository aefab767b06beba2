"""/incidents/: the way into an incident's map and timeline, for those who review them."""

from datetime import timedelta

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_noop

from dispatch.access import Capability, user_may
from dispatch.categories import category_labels_fill
from dispatch.models import Incident, User
from gis.selectors import org_unit_list_within
from maps.access import INCIDENT_MAP, TIMELINE, page_for
from maps.timeline_words import clock

LIST_MAX = 200
RECENT_DAYS = 30


@page_for(INCIDENT_MAP, gettext_noop("incident list"))
def incident_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    show = request.GET.get("show", "open")
    query = request.GET.get("q", "").strip()
    incidents = Incident.objects.filter(
        station__in=org_unit_list_within(user.org_unit)
    ).select_related("station")
    if query:  # a reference read out by someone, in part or in full
        incidents = incidents.filter(reference__icontains=query)
    elif show == "open":
        incidents = incidents.filter(status__in=Incident.OPEN_STATUSES)
    else:
        show = "recent"
        incidents = incidents.filter(created_at__gte=timezone.now() - timedelta(days=RECENT_DAYS))
    rows = list(incidents.order_by("-created_at")[: LIST_MAX + 1])
    category_labels_fill(rows)
    return render(
        request,
        "maps/incident_list.html",
        {
            "incidents": [(i, clock(i.created_at)) for i in rows[:LIST_MAX]],
            "more": len(rows) > LIST_MAX,
            "show": show,
            "q": query,
            "recent_days": RECENT_DAYS,
            "can_replay": user.has_role(*TIMELINE),
            "can_dispatch": user_may(user, Capability.DISPATCH),  # "Open in console"
        },
    )
