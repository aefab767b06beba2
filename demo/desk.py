"""The demo company's desk departments: who handles account services, connections and 举报."""

from datetime import time, timedelta

from django.db import transaction
from django.utils import timezone

from desk.appointments.models import Slot, WorkType
from desk.appointments.services import slots_generate
from desk.models import Department
from dispatch.models import User
from gis.models import OrgUnit

# (code, 中文, English, kind, members)
DEPARTMENTS = [
    ("city-billing", "营业收费室", "Billing office", Department.Kind.BILLING, ["desk"]),
    ("city-engineering", "工程报装室", "Connections office", Department.Kind.ENGINEERING, ["desk"]),
    (
        "city-discipline",
        "纪检监察室",
        "Discipline office",
        Department.Kind.DISCIPLINE,
        ["discipline"],
    ),
]


@transaction.atomic
def demo_departments_load(units: dict[str, OrgUnit]) -> list[Department]:
    """The city company's departments, their members the demo's desk logins (safe to rerun)."""
    made = []
    for code, zh, en, kind, members in DEPARTMENTS:
        department, _created = Department.objects.get_or_create(
            code=code,
            defaults={"name_zh": zh, "name_en": en, "kind": kind, "unit": units["gx-city"]},
        )
        department.members.add(*User.objects.filter(username__in=members))
        made.append(department)
    return made


def demo_slots_load(units: dict[str, OrgUnit], *, weeks: int = 2) -> int:
    """Appointment slots at every station for this week and the next ones (safety inspections
    and meter work, morning and afternoon), made as the demo's administrator makes them;
    slots that exist already are kept. Returns how many there are now."""
    admin = User.objects.filter(username="admin").first()
    if admin is None:
        return 0
    today = timezone.localdate()
    windows = [(time(9, 0), time(11, 0)), (time(14, 0), time(16, 0))]
    for code in ("st-west", "st-central", "st-east"):
        for work_type, capacity in ((WorkType.SAFETY_INSPECTION, 4), (WorkType.METER, 2)):
            for week in range(weeks):
                slots_generate(
                    station_id=units[code].pk,
                    work_type=work_type,
                    week_of=today + timedelta(weeks=week),
                    windows=windows,
                    capacity=capacity,
                    actor=admin,
                )
    return Slot.objects.count()
