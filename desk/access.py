"""Who may handle a desk case and who may read the caller behind it.

A case is handled by the desk that holds it (`unit`, or `return_to` while it is with the second
tier) and by anyone whose unit lies above it. A confidential case (a complaint, a 举报) shows the
caller's identity only to the handling desk itself (the desk's people at that very unit, or the
members of the department it was routed to) and the supervisors above it (seed 001: 投诉查询权限
管理与控制). Everyone else who may see the case sees "(hidden)", and asking for the identity is
refused (403), logged and counted; each read that is allowed is written on the case's timeline.
"""

from django.db.models import Q, QuerySet

from desk.models import Case
from dispatch.access import Capability, user_may
from dispatch.models import User
from dispatch.roles import Role
from gis.models import OrgUnit
from gis.selectors import org_unit_list_within


def _covers(user: User, unit_id: int | None) -> bool:
    return unit_id is not None and org_unit_list_within(user.org_unit).filter(pk=unit_id).exists()


def cases_visible(user: User) -> QuerySet[Case]:
    """The cases a desk user may list: held by, or answering back to, a unit they cover, or
    routed to a department they belong to."""
    if not user_may(user, Capability.DESK):
        return Case.objects.none()
    units = org_unit_list_within(user.org_unit)
    return Case.objects.filter(
        Q(unit__in=units) | Q(return_to__in=units) | Q(department__members=user)
    ).distinct()


def user_may_handle(user: User, case: Case) -> bool:
    """Assign, work on, reply to, close: the desk holding the case or one above it (and, while
    it is with the second tier, the desk that asked, which may read but not answer for it)."""
    if not user_may(user, Capability.DESK):
        return False
    if case.department is not None and case.department.members.filter(pk=user.pk).exists():
        return True
    return _covers(user, case.unit_id)


def user_may_see_case(user: User, case: Case) -> bool:
    return user_may_handle(user, case) or (
        user_may(user, Capability.DESK) and _covers(user, case.return_to_id)
    )


def user_may_read_identity(user: User, case: Case) -> bool:
    """The caller's name, number, account and address."""
    if not user_may(user, Capability.CUSTOMER_DATA) or not user_may_see_case(user, case):
        return False
    if not case.confidential:
        return True
    if case.department is not None:
        if case.department.members.filter(pk=user.pk).exists():
            return True
    elif user.org_unit_id == case.unit_id:
        return True  # the handling desk itself
    return user.role == Role.SUPERVISOR and _covers(user, case.unit_id)


def unit_desk_for_tier(start: OrgUnit, tier: int) -> OrgUnit:
    """The unit of `tier` at or above `start` (a unit above the tier stays where it is: the
    group's desk then passes the case down)."""
    unit = start
    while unit.tier > tier and unit.parent_id is not None:
        unit = unit.parent  # type: ignore[assignment]
    return unit
