"""The demo organisation: a group centre, the city company and its three stations."""

from django.contrib.gis.geos import GEOSGeometry, MultiPolygon, Polygon
from django.db import transaction

from gis.models import OrgUnit, ServiceArea
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


# Beside the gas company, a district-heating and a power company of the same group, over the
# same city: their stations split it north and south (heat), west and east (power).
UTILITY_COMPANIES = [
    ("heat", "rl-city", "市热力公司", [("rl-north", "北部供热站"), ("rl-south", "南部供热站")]),
    ("power", "dl-city", "市供电公司", [("dl-west", "西部供电所"), ("dl-east", "东部供电所")]),
]


@transaction.atomic
def demo_utility_companies_load() -> dict[str, OrgUnit]:
    """The heat and the power company with their stations, if missing; the group centre then
    takes calls for all three utilities. Territories follow the gas company's
    (demo_utility_territories_set)."""
    units = demo_organisation_load()
    group = units["gx-group"]
    for utility, company_code, company_name, stations in UTILITY_COMPANIES:
        if company_code not in units:
            units[company_code] = org_unit_create(
                code=company_code, name=company_name, tier=OrgUnit.Tier.COMPANY, parent=group
            )
        for code, name in stations:
            if code not in units:
                units[code] = org_unit_create(
                    code=code, name=name, tier=OrgUnit.Tier.STATION, parent=units[company_code]
                )
        for code in [company_code, *(c for c, _n in stations)]:
            if units[code].utilities != [utility]:
                units[code].utilities = [utility]
                units[code].save(update_fields=["utilities"])
    if set(group.utilities) != {"gas", "heat", "power"}:
        group.utilities = ["gas", "heat", "power"]
        group.save(update_fields=["utilities"])
    demo_utility_territories_set()
    return units


def demo_utility_territories_set() -> None:
    """Split the gas company's area between the heat stations (north, south) and the power
    stations (west, east); draw its eastern third as rural (the 95598 clocks of a county)."""
    units = {u.code: u for u in OrgUnit.objects.all()}
    city = units.get("gx-city")
    if city is None or city.territory is None:
        return
    west, south, east, north = city.territory.extent
    mid_x, mid_y = (west + east) / 2, (south + north) / 2
    boxes = {
        "rl-city": (west, south, east, north),
        "rl-north": (west, mid_y, east, north),
        "rl-south": (west, south, east, mid_y),
        "dl-city": (west, south, east, north),
        "dl-west": (west, south, mid_x, north),
        "dl-east": (mid_x, south, east, north),
    }
    for code, box in boxes.items():
        if code in units:
            units[code].territory = MultiPolygon(_box(*box), srid=4326)
            units[code].save(update_fields=["territory"])
    third = west + 2 * (east - west) / 3
    areas = [
        ("市区", "urban", (west, south, third, north)),
        ("东部农村", "rural", (third, south, east, north)),
    ]
    for name, area_class, box in areas:  # the demo's own areas; others are left alone
        ServiceArea.objects.update_or_create(
            name=name,
            defaults={"area_class": area_class, "geom": MultiPolygon(_box(*box), srid=4326)},
        )
