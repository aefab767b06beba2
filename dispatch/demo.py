"""The demo organisation and one login per role, loaded by `make run`."""

from dataclasses import dataclass

from django.contrib.gis.geos import Polygon
from django.db import transaction

from dispatch.models import User
from dispatch.roles import Role
from dispatch.services import user_create
from gis.models import OrgUnit
from gis.services import org_unit_create

DEMO_PASSWORD = "demo"  # noqa: S105 - local demo logins, printed by `make run`

# A city centred on Tianjin's Hexi district: three stations side by side, west to east.
CITY_WEST, CITY_SOUTH, CITY_EAST, CITY_NORTH = 117.14, 39.05, 117.29, 39.13
STATIONS = [
    ("st-west", "West maintenance station", 117.14, 117.19),
    ("st-central", "Central maintenance station", 117.19, 117.24),
    ("st-east", "East maintenance station", 117.24, 117.29),
]


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


def _box(west: float, south: float, east: float, north: float) -> Polygon:
    return Polygon.from_bbox((west, south, east, north))


@transaction.atomic
def demo_organisation_load() -> dict[str, OrgUnit]:
    """Create the group centre, the city company and its three stations, if missing."""
    units = {u.code: u for u in OrgUnit.objects.all()}
    if "gx-group" not in units:
        units["gx-group"] = org_unit_create(
            code="gx-group", name="Gas Group Centre", tier=OrgUnit.Tier.GROUP
        )
    if "gx-city" not in units:
        units["gx-city"] = org_unit_create(
            code="gx-city",
            name="City Gas Company",
            tier=OrgUnit.Tier.COMPANY,
            parent=units["gx-group"],
            territory=_box(CITY_WEST, CITY_SOUTH, CITY_EAST, CITY_NORTH),
        )
    for code, name, west, east in STATIONS:
        if code not in units:
            units[code] = org_unit_create(
                code=code,
                name=name,
                tier=OrgUnit.Tier.STATION,
                parent=units["gx-city"],
                territory=_box(west, CITY_SOUTH, east, CITY_NORTH),
            )
    return units


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
