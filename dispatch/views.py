from typing import Any

from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

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
        screens.append((_("Administration"), "/admin/", _("users, organisation, network")))
    if user_may(user, Capability.CONSOLE):
        screens.append(
            (_("Call console"), "/console/", _("take calls, open incidents, dispatch crews"))
        )
    if user_may(user, Capability.WALL):
        screens.append((_("Map wall"), "/wall/", _("every open incident, SLA clock and van, live")))
        screens.append(
            (
                _("Dispatch queue"),
                "/dispatch/",
                _("waiting incidents: send, add, reassign or call off crews, end cases"),
            )
        )
    if user_may(user, Capability.INCIDENT_MAP):
        screens.append(
            (_("Incidents"), "/incidents/", _("recent incidents: their maps and timelines"))
        )
    if user_may(user, Capability.NETWORK_MAP):
        screens.append(
            (_("Network map"), "/network/", _("mains, valves and premises, with attributes"))
        )
    if user_may(user, Capability.DESK):
        screens.append(
            (
                _("Service desk"),
                "/desk/",
                _("complaints, reports, account services, second-tier consultations"),
            )
        )
    if user_may(user, Capability.CALL_BACKS):
        screens.append(
            (_("Call-backs"), "/callbacks/", _("customers to call back: attempts and scores"))
        )
    if user_may(user, Capability.APPOINTMENTS):
        screens.append(
            (_("Appointments"), "/appointments/", _("inspection, meter and survey visits"))
        )
    if user_may(user, Capability.KNOWLEDGE):
        screens.append(
            (_("Knowledge base"), "/knowledge/", _("what to tell callers: policies, procedures"))
        )
    if user_may(user, Capability.REPORTS):
        screens.append(
            (
                pgettext("screen", "Reports"),
                "/reports/",
                _("figures, charts and late arrivals by date and unit, to each incident"),
            )
        )
    if user_may(user, Capability.PHONE_BOARD):
        screens.append(
            (
                _("Phone board"),
                "/telephony/board/",
                _("every agent's state and every queue's callers waiting, live"),
            )
        )
    if user_may(user, Capability.TABLET):
        screens.append(
            (_("Crew tablet"), "/tablet/", _("your crew's jobs, status, findings, photos"))
        )
    screens += [
        (_("API documentation"), "/api/docs/", _("the tablet and linked-system API (OpenAPI)")),
        (_("System health"), "/healthz", _("database, Redis, broker, worker, beat and tracker")),
    ]
    return render(request, "home.html", {"screens": screens})


class SignInView(LoginView):
    """The sign-in page, with a per-address limit on its POSTs beside the account lockout."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return sign_ins_throttled(request) or super().post(request, *args, **kwargs)
