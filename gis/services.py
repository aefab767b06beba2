"""Writes to the network app."""

from django.contrib.gis.geos import GEOSGeometry, MultiPolygon, Polygon
from django.core.exceptions import ValidationError
from django.db import transaction

from gis.models import OrgUnit


def _as_territory(geometry: GEOSGeometry | None) -> MultiPolygon | None:
    if geometry is None:
        return None
    if geometry.srid not in (None, 4326):
        geometry = geometry.transform(4326, clone=True)
    if isinstance(geometry, Polygon):
        geometry = MultiPolygon(geometry, srid=4326)
    if not isinstance(geometry, MultiPolygon):
        raise ValidationError({"territory": f"must be a polygon, got {geometry.geom_type}"})
    if not geometry.valid:
        raise ValidationError({"territory": f"invalid polygon: {geometry.valid_reason}"})
    geometry.srid = 4326
    return geometry


@transaction.atomic
def org_unit_create(
    *,
    code: str,
    name: str,
    tier: OrgUnit.Tier,
    parent: OrgUnit | None = None,
    territory: GEOSGeometry | None = None,
    phone: str = "",
) -> OrgUnit:
    """Create a unit one tier below its parent (the group centre has none)."""
    expected_parent_tier = tier - 1 if tier > OrgUnit.Tier.GROUP else None
    if (parent.tier if parent else None) != expected_parent_tier:
        above = OrgUnit.Tier(expected_parent_tier).label if expected_parent_tier else "nothing"
        raise ValidationError(
            {"parent": f"a {OrgUnit.Tier(tier).label} must sit directly under a {above}"}
        )
    unit = OrgUnit(
        code=code,
        name=name,
        tier=tier,
        parent=parent,
        territory=_as_territory(territory),
        phone=phone,
    )
    unit.full_clean()
    unit.save()
    return unit
