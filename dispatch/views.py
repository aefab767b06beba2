from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from dispatch.models import User
from dispatch.roles import CONTROL_ROOM, Role
from maps.access import INCIDENT_MAP, NETWORK_MAP, WALL


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The start page: who you are and the screens your role opens."""
    user = request.user
    assert isinstance(user, User)
    screens = []
    if user.has_role(Role.ADMINISTRATOR):
        screens.append(("Administration", "/admin/", "users, organisation, network"))
    if user.has_role(*CONTROL_ROOM):
        screens.append(("Call console", "/console/", "take calls, open incidents, dispatch crews"))
    if user.has_role(*WALL):
        screens.append(("Map wall", "/wall/", "every open incident, SLA clock and van, live"))
    if user.has_role(*INCIDENT_MAP):
        screens.append(("Incidents", "/incidents/", "recent incidents: their maps and timelines"))
    if user.has_role(*NETWORK_MAP):
        screens.append(("Network map", "/network/", "mains, valves and premises, with attributes"))
    if user.has_role(Role.CREW_MEMBER):
        screens.append(("Crew tablet", "/tablet/", "your crew's jobs, status, findings, photos"))
    screens += [
        ("API documentation", "/api/docs/", "the tablet and linked-system API (OpenAPI)"),
        ("System health", "/healthz", "database, Redis, broker, worker, beat and tracker"),
    ]
    return render(request, "home.html", {"screens": screens})
