"""Writes to the network app."""

from django.contrib.gis.geos import GEOSGeometry, MultiPolygon, Polygon
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.db.models.functions import Now

from gis.models import NetworkRevision, OrgUnit

# Mains the index hands over per premise, nearest in degrees, to be ranked in metres.
NEAREST_IN_DEGREES = 4


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


def premise_connect_services(*, max_distance_m: float = 150.0) -> int:
    """Give every premise without a service connection the nearest in-service main.

    One set-based statement. The GiST index finds the few mains nearest in degrees (`<->`);
    they are ranked again by metres on the sphere, because a degree of longitude is shorter
    than one of latitude (0.78 of it in Tianjin) and the nearest in degrees can be the wrong
    main. Equal distances (to the millimetre) go to the lower asset id, so the same files
    connect the same way on every run.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE network_premise AS p SET service_segment_id = nearest.id
            FROM network_premise AS q
            CROSS JOIN LATERAL (
                SELECT c.id, c.metres FROM (
                    SELECT s.id, s.asset_id,
                           ST_Distance(s.geom::geography, q.geom::geography, false) AS metres
                    FROM network_pipesegment AS s
                    WHERE s.status = 'in_service'
                    ORDER BY s.geom <-> q.geom LIMIT %s
                ) AS c
                ORDER BY round(c.metres::numeric, 3), c.asset_id LIMIT 1
            ) AS nearest
            WHERE p.id = q.id AND p.service_segment_id IS NULL AND nearest.metres <= %s
            """,
            [NEAREST_IN_DEGREES, max_distance_m],
        )
        return cursor.rowcount
