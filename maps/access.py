"""Who may open which map. A map shows every van and incident of a territory, so each page
names its roles, and a user sees only the stations within their own organisational unit."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from dispatch.access import Capability, roles_for
from dispatch.models import Incident, User
from dispatch.roles import Role
from dispatch.selectors import user_covers_station

# Who opens each map is written in the one access table (dispatch/access.py): the wall is the
# control room's, incident maps also the safety manager's, the replay and exports for those
# who review, the network map for those who plan.
WALL = roles_for(Capability.WALL)
INCIDENT_MAP = roles_for(Capability.INCIDENT_MAP)
TIMELINE = roles_for(Capability.TIMELINE)
NETWORK_MAP = roles_for(Capability.NETWORK_MAP)
DISPATCH = roles_for(Capability.DISPATCH)

View = Callable[..., HttpResponse]


def _role_names(roles: frozenset[Role]) -> str:
    names = sorted(str(Role(r).label).lower() for r in roles)
    if len(names) < 2:
        return names[0]
    first = pgettext("list separator", ", ").join(names[:-1])
    return _("%(first)s and %(last)s") % {"first": first, "last": names[-1]}


def page_for(roles: frozenset[Role], screen: str) -> Callable[[View], View]:
    """A page for `roles`; anyone else gets a 403 page saying who it is for."""

    def decorate(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            assert isinstance(user, User)  # login_required: never anonymous here
            if not user.has_role(*roles):
                context = {"screen": screen, "roles": _role_names(roles)}
                return render(request, "maps/forbidden.html", context, status=403)
            return view(request, *args, **kwargs)

        return wrapped

    return decorate


def feed_for(roles: frozenset[Role]) -> Callable[[View], View]:
    """A JSON or tile endpoint behind a page: 401/403 in JSON, never a login page."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            if not user.is_authenticated:
                return JsonResponse({"detail": "sign in first"}, status=401)
            assert isinstance(user, User)
            if not user.has_role(*roles):
                return JsonResponse({"detail": f"not for a {user.get_role_display()}"}, status=403)
            return view(request, *args, **kwargs)

        return wrapped

    return decorate


def incident_visible(user: User, incident: Incident) -> bool:
    return user_covers_station(user, incident.station_id)
