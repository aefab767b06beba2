from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from dispatch.roles import CONTROL_ROOM, Role


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The start page: who you are and the screens your role opens."""
    user = request.user
    screens = [
        ("API documentation", "/api/docs/", "the tablet and linked-system API (OpenAPI)"),
        ("System health", "/healthz", "database, Redis, broker, worker, beat and tracker"),
    ]
    if getattr(user, "role", None) in CONTROL_ROOM:
        screens.insert(
            0, ("Call console", "/console/", "take calls, open incidents, dispatch crews")
        )
    if getattr(user, "role", None) == Role.ADMINISTRATOR:
        screens.insert(0, ("Administration", "/admin/", "users, organisation, network"))
    return render(request, "home.html", {"screens": screens})
