"""The demo organisation and one login per role, loaded by `make run`."""

from dataclasses import dataclass

from django.db import transaction

from dispatch.models import User
from dispatch.roles import Role
from dispatch.services import user_create
from gis.models import OrgUnit

DEMO_PASSWORD = "demo"  # noqa: S105 - local demo logins, printed by `make run`


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: Role
    unit_code: str
    first_name: str
    last_name: str


DEMO_LOGINS = [
    DemoLogin("calltaker", Role.CALL_TAKER, "gx-city", "Fang", "Wang"),
    DemoLogin("dispatcher", Role.DISPATCHER, "gx-city", "Wei", "Zhang"),
    DemoLogin("crew", Role.CREW_MEMBER, "st-central", "Yang", "Liu"),
    DemoLogin("safety", Role.SAFETY_MANAGER, "gx-city", "Jing", "Chen"),
    DemoLogin("supervisor", Role.SUPERVISOR, "st-central", "Lei", "Zhao"),
    DemoLogin("admin", Role.ADMINISTRATOR, "gx-group", "Min", "Sun"),
]


@transaction.atomic
def demo_users_load(units: dict[str, OrgUnit]) -> list[DemoLogin]:
    """One login per role; existing users are left as they are."""
    existing = set(
        User.objects.filter(username__in=[d.username for d in DEMO_LOGINS]).values_list(
            "username", flat=True
        )
    )
    for login in DEMO_LOGINS:
        if login.username not in existing:
            user_create(
                username=login.username,
                password=DEMO_PASSWORD,
                role=login.role,
                org_unit=units[login.unit_code],
                first_name=login.first_name,
                last_name=login.last_name,
            )
    return DEMO_LOGINS
