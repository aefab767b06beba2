"""Which stations a screen shows: the user's whole unit, or one unit within it they chose. The
wall, its feed and the dispatch queue ask here, so they agree."""

from django.utils.translation import gettext as _

from dispatch.models import User
from gis.models import OrgUnit
from gis.selectors import org_unit_list_within

_ID_MAX = 2**63 - 1  # PostgreSQL's bigint: a larger id names no row


class BadParameterError(ValueError):
    pass


def stations_for(user: User, raw: str | None) -> tuple[OrgUnit | None, list[int]]:
    """The unit chosen in the station filter (none: the user's whole unit) and the station
    ids it covers. A unit outside the user's own is refused, not silently widened."""
    within = org_unit_list_within(user.org_unit)
    if raw in (None, ""):
        return None, list(within.values_list("id", flat=True))
    try:
        unit_id = int(str(raw))
    except ValueError as error:
        raise BadParameterError(
            _("station must be a unit id, not %(raw)r") % {"raw": raw}
        ) from error
    unit = within.filter(pk=unit_id).first() if 0 < unit_id <= _ID_MAX else None
    if unit is None:
        raise PermissionError(_("unit %(id)s is not within your organisation") % {"id": unit_id})
    return unit, list(org_unit_list_within(unit).values_list("id", flat=True))
