"""Writes to the network app."""

import numpy as np
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon, Polygon
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.db.models.functions import Now

from gis.models import NetworkRevision, OrgUnit
from gis.nearest_main import NONE, MainFinder

SERVICE_REACH_M = 150.0  # a premise farther than this from every main is left unconnected


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


def network_revision_bump() -> int:
    """Record that the network changed; in-memory graphs rebuild on their next use."""
    updated = NetworkRevision.objects.filter(pk=1).update(
        revision=F("revision") + 1, changed_at=Now()
    )
    if not updated:
        NetworkRevision.objects.get_or_create(pk=1, defaults={"revision": 1})
    return NetworkRevision.objects.values_list("revision", flat=True).get(pk=1)


def premise_connect_services(*, max_distance_m: float = SERVICE_REACH_M) -> int:
    """Give every premise without a service connection the in-service main nearest in
    metres (gis.nearest_main: ties to the lower asset id), if one is within reach."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, ST_X(geom), ST_Y(geom) FROM network_premise "
            "WHERE service_segment_id IS NULL"
        )
        premises = np.array(cursor.fetchall(), dtype=np.float64).reshape(-1, 3)
    finder = MainFinder.build() if len(premises) else None
    if finder is None:
        return 0
    mains = finder.nearest(premises[:, 1], premises[:, 2], max_distance_m=max_distance_m)
    found = mains != NONE
    with connection.cursor() as cursor:
        cursor.execute(
            """UPDATE network_premise p SET service_segment_id = u.main
               FROM unnest(%s::bigint[], %s::bigint[]) AS u(id, main)
               WHERE p.id = u.id AND p.service_segment_id IS NULL""",
            [premises[found, 0].astype(np.int64).tolist(), mains[found].tolist()],
        )
        return cursor.rowcount
