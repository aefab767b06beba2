"""The demo organisation: a group centre, the city company and its three stations."""

from django.contrib.gis.geos import GEOSGeometry, MultiPolygon, Polygon
from django.db import transaction

from gis.models import OrgUnit
from gis.services import org_unit_create

# Until a demo city is built, the territories are boxes over central Tianjin.
CITY_WEST, CITY_SOUTH, CITY_EAST, CITY_NORTH = 117.14, 39.05, 117.29, 39.13
STATIONS = [
    ("st-west", "西区维修站", 117.14, 117.19),
    ("st-central", "中心维修站", 117.19, 117.24),
    ("st-east", "东区维修站", 117.24, 117.29),
]


def _box(west: float, south: float, east: float, north: float) -> Polygon:
    return Polygon.from_bbox((west, south, east, north))


@transaction.atomic
def demo_organisation_load() -> dict[str, OrgUnit]:
    """Create the group centre, the city company and its three stations, if missing."""
    units = {u.code: u for u in OrgUnit.objects.all()}
    if "gx-group" not in units:
        units["gx-group"] = org_unit_create(
            code="gx-group", name="燃气集团客服中心", tier=OrgUnit.Tier.GROUP
        )
    if "gx-city" not in units:
        units["gx-city"] = org_unit_create(
            code="gx-city",
            name="市燃气公司",
            tier=OrgUnit.Tier.COMPANY,
            parent=units["gx-group"],
            territory=_box(CITY_WEST, CITY_SOUTH, CITY_EAST, CITY_NORTH),
        )
    for code, name, west, east in STATIONS:
        if code not in units:
            units[code] = org_unit_create(
                code=code,
                name=name,
                tier=OrgUnit.Tier.STATION,
                parent=units["gx-city"],
                territory=_box(west, CITY_SOUTH, east, CITY_NORTH),
            )
    return units


@transaction.atomic
def demo_territories_set(station_wkts: list[str]) -> None:
    """Give the three stations these territories (west to east) and the company their union."""
    strips = [GEOSGeometry(wkt, srid=4326) for wkt in station_wkts]
    units = demo_organisation_load()
    for (code, _name, _w, _e), strip in zip(STATIONS, strips, strict=True):
        units[code].territory = MultiPolygon(strip, srid=4326)
        units[code].save(update_fields=["territory"])
    # The strips are side by side: their hull is their union, and always one polygon.
    hull = strips[0].union(strips[1]).union(strips[2]).convex_hull
    units["gx-city"].territory = MultiPolygon(hull, srid=4326)
    units["gx-city"].save(update_fields=["territory"])
