"""The demo organisation and one login per role (a supervisor per station and one for the
company), loaded by `make run`."""

from dataclasses import dataclass

from django.db import transaction

from dispatch.models import Crew, User
from dispatch.roles import Role
from dispatch.services import user_create
from gis.models import OrgUnit

DEMO_PASSWORD = "demo"  # noqa: S105 - local demo logins, printed by `make run`
DEMO_CREW_LOGIN = "crew"
# The heat and power companies' crew logins, put on a crew of their stations like "crew".
DEMO_CREW_LOGINS = (DEMO_CREW_LOGIN, "crew_heat", "crew_power")


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: Role
    unit_code: str
    first_name: str
    last_name: str
    # Where SLA escalations reach a supervisor (alerts.escalation): numbers and addresses
    # reserved for examples, so the demo's outbox never reaches a real person.
    phone: str = ""
    email: str = ""


DEMO_LOGINS = [
    DemoLogin("calltaker", Role.CALL_TAKER, "gx-city", "芳", "王"),
    DemoLogin("dispatcher", Role.DISPATCHER, "gx-city", "伟", "张"),
    DemoLogin(DEMO_CREW_LOGIN, Role.CREW_MEMBER, "st-central", "洋", "刘"),
    DemoLogin("safety", Role.SAFETY_MANAGER, "gx-city", "静", "陈"),
    # One supervisor per station, so a breach anywhere reaches someone (level 1), and one for
    # the company, reached when a clock is still breached ESCALATE_AFTER_S later (level 2).
    DemoLogin(
        "supervisor",
        Role.SUPERVISOR,
        "st-central",
        "磊",
        "赵",
        phone="13800000000",
        email="supervisor@example.com",
    ),
    DemoLogin(
        "sup_west",
        Role.SUPERVISOR,
        "st-west",
        "辉",
        "吴",
        phone="13800000001",
        email="supervisor.west@example.com",
    ),
    DemoLogin(
        "sup_east",
        Role.SUPERVISOR,
        "st-east",
        "强",
        "周",
        phone="13800000002",
        email="supervisor.east@example.com",
    ),
    DemoLogin(
        "sup_city",
        Role.SUPERVISOR,
        "gx-city",
        "娜",
        "黄",
        phone="13800000003",
        email="supervisor.city@example.com",
    ),
    DemoLogin("admin", Role.ADMINISTRATOR, "gx-group", "敏", "孙"),
    # The group centre's first tier takes calls for gas, heat and power; the heat and power
    # companies dispatch their own crews, whose tablets these crew logins open.
    DemoLogin("taker_group", Role.CALL_TAKER, "gx-group", "倩", "林"),
    DemoLogin("dispatch_heat", Role.DISPATCHER, "rl-city", "军", "高"),
    DemoLogin("dispatch_power", Role.DISPATCHER, "dl-city", "勇", "罗"),
    DemoLogin("crew_heat", Role.CREW_MEMBER, "rl-north", "涛", "梁"),
    DemoLogin("crew_power", Role.CREW_MEMBER, "dl-west", "斌", "宋"),
    # The service desk: the group centre's first tier, the company's desk (complaints, account
    # services, the second tier for consultations) and its discipline office (举报).
    DemoLogin("desk_group", Role.DESK_AGENT, "gx-group", "丽", "杨", phone="13800000004"),
    DemoLogin("desk", Role.DESK_AGENT, "gx-city", "平", "何", phone="13800000005"),
    DemoLogin("discipline", Role.DESK_AGENT, "gx-city", "刚", "郑", phone="13800000006"),
]


@transaction.atomic
def demo_users_load(units: dict[str, OrgUnit]) -> list[DemoLogin]:
    """One login per role; existing users are left as they are, but for contact details a
    demo from before lacked, and the crew login is put on a crew once crews exist."""
    existing = {
        user.username: user
        for user in User.objects.filter(username__in=[d.username for d in DEMO_LOGINS])
    }
    for login in DEMO_LOGINS:
        user = existing.get(login.username)
        if user is None:
            user = user_create(
                username=login.username,
                password=DEMO_PASSWORD,
                role=login.role,
                org_unit=units[login.unit_code],
                first_name=login.first_name,
                last_name=login.last_name,
                email=login.email,
            )
        _contacts_fill(user, login)
    demo_crew_login_place()
    return DEMO_LOGINS


def _contacts_fill(user: User, login: DemoLogin) -> None:
    changed = []
    if login.phone and not user.phone:
        user.phone = login.phone
        changed.append("phone")
    if login.email and not user.email:
        user.email = login.email
        changed.append("email")
    if changed:
        user.save(update_fields=changed)


def demo_crew_login_place() -> Crew | None:
    """Put each demo crew login on the first crew with a van at its station, so the tablet
    works out of the box; a login already on a crew stays there. Returns the gas login's
    crew: None when no crew fits (no crews loaded yet: make_demo_crews calls this again)."""
    placed = [_crew_login_place(username) for username in DEMO_CREW_LOGINS]
    return placed[0]


def _crew_login_place(username: str) -> Crew | None:
    user = User.objects.filter(username=username, role=Role.CREW_MEMBER).first()
    if user is None or user.org_unit_id is None:
        return None
    current = user.crews.order_by("id").first()
    if current is not None:
        return current
    crew = (
        Crew.objects.filter(station=user.org_unit_id, vehicle__isnull=False)
        .order_by("name")
        .first()
    )
    if crew is not None:
        crew.members.add(user)
    return crew
