import pytest
from django.contrib.gis.geos import Point, Polygon
from django.core.exceptions import ValidationError

from demo.org import demo_organisation_load
from gis.models import OrgUnit
from gis.selectors import org_unit_list_within, org_unit_station_for_point
from gis.services import org_unit_create

pytestmark = pytest.mark.django_db


def test_point_is_placed_in_the_station_whose_territory_holds_it() -> None:
    demo_organisation_load()
    # Hexi district, Youyi Road area: inside the central strip (117.19 .. 117.24).
    station = org_unit_station_for_point(Point(117.2105, 39.0952, srid=4326))
    assert station is not None
    assert station.code == "st-central"
    west = org_unit_station_for_point(Point(117.16, 39.09, srid=4326))
    assert west is not None
    assert west.code == "st-west"


def test_point_outside_every_territory_has_no_station() -> None:
    demo_organisation_load()
    assert org_unit_station_for_point(Point(116.40, 39.90, srid=4326)) is None  # Beijing


def test_territory_given_in_another_crs_is_stored_in_wgs84() -> None:
    group = org_unit_create(code="g", name="Group", tier=OrgUnit.Tier.GROUP)
    metres = Polygon.from_bbox((13_046_000, 4_733_000, 13_050_000, 4_737_000))
    metres.srid = 3857
    company = org_unit_create(
        code="c", name="Company", tier=OrgUnit.Tier.COMPANY, parent=group, territory=metres
    )
    company.refresh_from_db()
    assert company.territory is not None
    assert company.territory.srid == 4326
    west, south, east, north = company.territory.extent
    assert 117.1 < west < east < 117.3
    assert 39.0 < south < north < 39.2


def test_station_must_sit_directly_under_a_company() -> None:
    group = org_unit_create(code="g", name="Group", tier=OrgUnit.Tier.GROUP)
    with pytest.raises(ValidationError, match="Operating company"):
        org_unit_create(code="s", name="Station", tier=OrgUnit.Tier.STATION, parent=group)
    assert not OrgUnit.objects.filter(code="s").exists()


def test_self_intersecting_territory_is_refused_with_its_reason() -> None:
    group = org_unit_create(code="g", name="Group", tier=OrgUnit.Tier.GROUP)
    bowtie = Polygon(((117.1, 39.0), (117.2, 39.1), (117.2, 39.0), (117.1, 39.1), (117.1, 39.0)))
    with pytest.raises(ValidationError, match="Self-intersection"):
        org_unit_create(
            code="c", name="Company", tier=OrgUnit.Tier.COMPANY, parent=group, territory=bowtie
        )
    assert not OrgUnit.objects.filter(code="c").exists()


def test_a_unit_sees_itself_and_everything_beneath_it(django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    units = demo_organisation_load()
    with django_assert_num_queries(1):
        group_view = {u.code for u in org_unit_list_within(units["gx-group"])}
    assert group_view == {"gx-group", "gx-city", "st-west", "st-central", "st-east"}
    assert {u.code for u in org_unit_list_within(units["gx-city"])} == group_view - {"gx-group"}
    assert {u.code for u in org_unit_list_within(units["st-east"])} == {"st-east"}
    assert not org_unit_list_within(None).exists()
