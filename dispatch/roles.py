"""The people who use the system, and what each role may do."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CALL_TAKER = "call_taker", _("Call taker")
    # The service desk: office cases, call-backs, appointments (issue 20).
    DESK_AGENT = "desk_agent", _("Service desk agent")
    DISPATCHER = "dispatcher", _("Dispatcher")
    CREW_MEMBER = "crew_member", _("Crew member")
    SAFETY_MANAGER = "safety_manager", _("Safety manager")
    SUPERVISOR = "supervisor", _("Supervisor")
    ADMINISTRATOR = "administrator", _("Administrator")


# Which screens a role opens from the start page; later issues add theirs here.
CONTROL_ROOM = frozenset({Role.CALL_TAKER, Role.DISPATCHER, Role.SUPERVISOR, Role.ADMINISTRATOR})

# The customer-service desk: office cases, call-backs, appointments; the control room's call
# takers and supervisors work there too.
DESK = frozenset(
    {Role.DESK_AGENT, Role.CALL_TAKER, Role.DISPATCHER, Role.SUPERVISOR, Role.ADMINISTRATOR}
)
