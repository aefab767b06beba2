"""The people who use the system, and what each role may do."""

from django.db import models


class Role(models.TextChoices):
    CALL_TAKER = "call_taker", "Call taker"
    DISPATCHER = "dispatcher", "Dispatcher"
    CREW_MEMBER = "crew_member", "Crew member"
    SAFETY_MANAGER = "safety_manager", "Safety manager"
    SUPERVISOR = "supervisor", "Supervisor"
    ADMINISTRATOR = "administrator", "Administrator"


# Which screens a role opens from the start page; later issues add theirs here.
CONTROL_ROOM = frozenset({Role.CALL_TAKER, Role.DISPATCHER, Role.SUPERVISOR, Role.ADMINISTRATOR})
