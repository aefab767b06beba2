from typing import Any

from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from dispatch.access import Capability, user_may
from dispatch.api.lockout import sign_ins_throttled
from dispatch.models import User


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The start page: who you are and the screens your role opens."""
    user = request.user
    assert isinstance(user, User)
    screens = []
    if user_may(user, Capability.ADMIN):
        screens.append(("Administration", "/admin/", "users, organisation, network"))
    if user_may(user, Capability.CONSOLE):
        screens.append(("Call console", "/console/", "take calls, open incidents, dispatch crews"))
    if user_may(user, Capability.WALL):
        screens.append(("Map wall", "/wall/", "every open incident, SLA clock and van, live"))
        screens.append(
            (
                "Dispatch queue",
                "/dispatch/",
                "waiting incidents: send, add, reassign or call off crews, end cases",
            )
        )
    if user_may(user, Capability.INCIDENT_MAP):
        screens.append(("Incidents", "/incidents/", "recent incidents: their maps and timelines"))
    if user_may(user, Capability.NETWORK_MAP):
        screens.append(("Network map", "/network/", "mains, valves and premises, with attributes"))
    if user_may(user, Capability.TABLET):
        screens.append(("Crew tablet", "/tablet/", "your crew's jobs, status, findings, photos"))
    screens += [
        ("API documentation", "/api/docs/", "the tablet and linked-system API (OpenAPI)"),
        ("System health", "/healthz", "database, Redis, broker, worker, beat and tracker"),
    ]
    return render(request, "home.html", {"screens": screens})


class SignInView(LoginView):
    """The sign-in page, with a per-address limit on its POSTs beside the account lockout."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return sign_ins_throttled(request) or super().post(request, *args, **kwargs)
