"""Who may read and change what: written down once, here.

Every page, API view and service that asks "may this role do X?" asks this table, and
tests/dispatch/test_access_rules.py walks it against the real endpoints. A role is necessary,
not always sufficient: the organisational unit (a user sees their unit and what lies beneath
it) and the crew (a crew member sees their own crew's jobs) narrow it further where they apply.
"""

from enum import StrEnum
from typing import Any

from django.utils.translation import gettext as _
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from dispatch.errors import ForbiddenError
from dispatch.models import User
from dispatch.roles import CONTROL_ROOM, DESK, Role


class Capability(StrEnum):
    # Any customer's name, account, phones, premises and "vulnerable" flag, found by phone
    # number: only for those who answer the phone.
    CUSTOMER_DATA = "customer_data"
    CALL_INTAKE = "call_intake"  # store calls, open or join incidents, answer calls
    CONSOLE = "console"  # the call console page
    # The incident API (list, detail, timeline) the console and reviews read; callers'
    # numbers in it only with CUSTOMER_DATA.
    INCIDENTS = "incidents"
    DISPATCH = "dispatch"  # crews recommended, crews sent, any work order changed, traces
    WALL = "wall"  # the map wall and its live feed: every van and incident
    INCIDENT_MAP = "incident_map"  # the incident list and each incident's map
    TIMELINE = "timeline"  # timeline replay and its exports (CSV, JSON, PDF)
    NETWORK_MAP = "network_map"  # mains, valves and premises, with their attributes
    TABLET = "tablet"  # the crew tablet API: the own crew's jobs only
    ADMIN = "admin"  # the Django admin: users, organisation, network, lockouts
    # The service desk (desk/): office cases, their replies and routing. Who reads a
    # confidential case's complainant is narrowed further by unit (desk/access.py).
    DESK = "desk"
    CALL_BACKS = "call_backs"  # the call-back work list: attempts, outcomes, scores
    APPOINTMENTS = "appointments"  # book, move and cancel appointments; slots seen
    KNOWLEDGE = "knowledge"  # read the knowledge base (the console suggests from it)
    KNOWLEDGE_EDIT = "knowledge_edit"  # write, review and publish articles
    # The reports (reports/): figures, dashboards, exports and the monthly analysis, of the
    # user's own unit and what lies beneath it.
    REPORTS = "reports"
    # The phone board (telephony/): every agent's state and every queue's callers waiting.
    PHONE_BOARD = "phone_board"
    # Listening to calls' recordings (from the call leg, the timeline, the case).
    RECORDINGS = "recordings"
    # Reviewing a recording's quality: a score and comments (004: listening and inspection).
    QUALITY_REVIEW = "quality_review"


_REVIEWERS = frozenset({Role.DISPATCHER, Role.SUPERVISOR, Role.SAFETY_MANAGER, Role.ADMINISTRATOR})

# Safety managers review incidents after the fact and do not take calls (README, "Roles"), so
# they read incidents, timelines and exports but cannot look a customer up by phone number.
ACCESS: dict[Capability, frozenset[Role]] = {
    Capability.CUSTOMER_DATA: DESK,
    Capability.CALL_INTAKE: CONTROL_ROOM,
    Capability.CONSOLE: CONTROL_ROOM,
    Capability.INCIDENTS: CONTROL_ROOM | {Role.SAFETY_MANAGER},
    Capability.DISPATCH: frozenset({Role.DISPATCHER, Role.SUPERVISOR, Role.ADMINISTRATOR}),
    Capability.WALL: CONTROL_ROOM,
    Capability.INCIDENT_MAP: CONTROL_ROOM | {Role.SAFETY_MANAGER},
    Capability.TIMELINE: _REVIEWERS,
    Capability.NETWORK_MAP: _REVIEWERS,
    Capability.TABLET: frozenset({Role.CREW_MEMBER}),
    # Supervisors: the crews, vans and people of their own stations (dispatch/admin_access.py).
    Capability.ADMIN: frozenset({Role.SUPERVISOR, Role.ADMINISTRATOR}),
    Capability.DESK: DESK,
    Capability.CALL_BACKS: DESK,
    Capability.APPOINTMENTS: DESK,
    Capability.KNOWLEDGE: DESK | {Role.SAFETY_MANAGER},
    Capability.KNOWLEDGE_EDIT: frozenset({Role.SUPERVISOR, Role.ADMINISTRATOR}),
    Capability.REPORTS: frozenset({Role.SUPERVISOR, Role.SAFETY_MANAGER, Role.ADMINISTRATOR}),
    Capability.PHONE_BOARD: frozenset({Role.SUPERVISOR, Role.ADMINISTRATOR}),
    Capability.RECORDINGS: frozenset({Role.SUPERVISOR, Role.SAFETY_MANAGER, Role.ADMINISTRATOR}),
    Capability.QUALITY_REVIEW: frozenset({Role.SUPERVISOR, Role.ADMINISTRATOR}),
}


def roles_for(capability: Capability) -> frozenset[Role]:
    return ACCESS[capability]


def user_may(user: Any, capability: Capability) -> bool:
    """True for a signed-in, active user whose role the table allows."""
    return isinstance(user, User) and user.is_active and user.role in ACCESS[capability]


def _role_names(roles: frozenset[Role]) -> str:
    return ", ".join(sorted(str(Role(r).label).lower() for r in roles))


class _CapabilityPermission(BasePermission):
    capability: Capability

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False  # DRF answers "not authenticated" itself
        if not user_may(user, self.capability):
            # Raised (not returned) so the refusal goes through config/api_errors.py with
            # words that say who it is for: logged and counted like every other refusal.
            raise ForbiddenError(
                _("this is for %(roles)s only") % {"roles": _role_names(ACCESS[self.capability])}
            )
        return True


def permission_for(capability: Capability) -> type[BasePermission]:
    """A DRF permission class for `@permission_classes([...])`: the role must have it."""
    return type(
        f"May{capability.title().replace('_', '')}",
        (_CapabilityPermission,),
        {"capability": capability},
    )
