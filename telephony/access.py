"""Who hears a recorded leg and who reviews it: the capability (dispatch/access.py), and
below administrator only the legs their unit covers, by its phone system's unit or by the
agent's."""

from dispatch.access import Capability, user_may
from dispatch.models import User
from dispatch.roles import Role
from dispatch.selectors import user_covers_station
from telephony.models import CallLeg


def leg_allowed(user: User, leg: CallLeg, capability: Capability) -> bool:
    if not user_may(user, capability):
        return False
    if user.has_role(Role.ADMINISTRATOR):
        return True
    units = [u for u in (leg.system.unit_id, leg.agent.org_unit_id if leg.agent else None) if u]
    return any(user_covers_station(user, unit) for unit in units)
