"""Reads of the network app."""

from django.contrib.gis.geos import Point
from django.db.models import Q, QuerySet

from gis.models import OrgUnit


def org_unit_list_within(unit: OrgUnit | None) -> QuerySet[OrgUnit]:
    """The unit and every unit beneath it; None (a user with no unit) sees nothing."""
    if unit is None:
        return OrgUnit.objects.none()
    # Three fixed tiers, so two joins reach every descendant without a recursive CTE.
    return OrgUnit.objects.filter(Q(pk=unit.pk) | Q(parent=unit) | Q(parent__parent=unit))


def org_unit_station_for_point(point: Point) -> OrgUnit | None:
    """The maintenance station whose territory holds the point (GiST index, covers)."""
    return (
        OrgUnit.objects.filter(tier=OrgUnit.Tier.STATION, territory__intersects=point)
        .order_by("code")
        .first()
    )
