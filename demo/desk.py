"""The demo company's desk departments: who handles account services, connections and 举报."""

from django.db import transaction

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
