import json
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.gis.geos import LineString, Point
from django.core.management import CommandError, call_command

from demo.city.layout import city_generate, city_premises
from dispatch.models import Customer
from gis.models import OrgUnit, PipeSegment, Premise, Source, Valve
from gis.network_check import network_check
from gis.selectors import (
    isolation_for_segment,
    isolation_geojson,
    org_unit_station_for_point,
    premise_ids_cut_off,
    segment_nearest,
)
from gis.services import network_revision_bump, premise_connect_services
from gis.topology import network_graph

pytestmark = pytest.mark.django_db


def _main_whose_trace(*, cuts_premises: bool) -> PipeSegment:
    """The first main whose isolation closes valves (and cuts premises off, if asked)."""
    for segment in PipeSegment.objects.filter(utility="gas").order_by("asset_id"):
        result = isolation_for_segment(segment_id=segment.id)
        if result.valves_to_close and (premise_ids_cut_off(result) or not cuts_premises):
            return segment
    raise AssertionError("the demo city has no such main")


def _city(premises: int = 2000) -> None:
    call_command("make_demo_city", "--premises", str(premises), "--no-progress", stdout=StringIO())


def test_the_same_seed_builds_the_same_city() -> None:
    first, second = city_generate(seed=7, premises=1500), city_generate(seed=7, premises=1500)
    assert first.segments == second.segments
    assert first.valves == second.valves
    assert list(city_premises(first)) == list(city_premises(second))
    assert city_generate(seed=8, premises=1500).valves != first.valves


def test_demo_city_loads_premises_customers_and_station_territories() -> None:
    _city(2000)
    assert Premise.objects.count() == Customer.objects.count() == 2000
    assert not Premise.objects.filter(service_segment__isnull=True).exists()
    flat = Premise.objects.exclude(room="").first()
    assert flat is not None
    assert flat.full_text.endswith(f"{flat.building}号楼{flat.unit}单元{flat.room}")
    assert flat.full_text_en.startswith(f"Room {flat.room}, Unit {flat.unit}, ")
    customer = Customer.objects.get(premises=flat)
    assert customer.phones[0].startswith("13")
    assert len(customer.phones[0]) == 11
    # Every premise lies in exactly one station's territory.
    station = org_unit_station_for_point(flat.geom)
    assert station is not None
    assert station.tier == OrgUnit.Tier.STATION
    assert Source.objects.filter(kind=Source.Kind.GATE_STATION).count() == 1


def test_make_demo_city_will_not_overwrite_a_network_without_replace() -> None:
    _city(500)
    with pytest.raises(CommandError, match="Use --replace"):
        _city(500)
    out = StringIO()
    call_command("make_demo_city", "--if-empty", stdout=out)
    assert "left as it is" in out.getvalue()
    call_command(
        "make_demo_city", "--premises", "600", "--replace", "--no-progress", stdout=StringIO()
    )
    assert Premise.objects.count() == Customer.objects.count() == 600


def test_demo_network_graph_is_whole_and_fed() -> None:
    _city(2000)
    graph = network_graph()
    # The gas graph: the heat pipes laid beside the mains have graphs of their own.
    assert len(graph.edge_u) == PipeSegment.objects.filter(utility="gas").count()
    assert len(graph.valve_node) == Valve.objects.filter(utility="gas").count()
    assert len(graph.source_node) == Source.objects.filter(utility="gas").count()
    assert graph.base_supplied is not None
    assert graph.base_supplied.all()
    assert [f.count for f in network_check(graph) if f.problem] == [0, 0, 0, 0, 0, 0]


def test_check_network_reports_what_is_wrong() -> None:
    _city(500)
    valve = Valve.objects.order_by("id").first()
    assert valve is not None
    valve.geom = Point(valve.geom.x + 0.001, valve.geom.y, srid=4326)  # about 90 m east
    valve.save()
    PipeSegment.objects.create(
        asset_id="ORPHAN",
        pressure_class="low",
        geom=LineString((117.0, 39.0), (117.001, 39.0), srid=4326),
    )
    # A second orphan whose end stops about 0.2 m short of the first's: joined, and said so.
    PipeSegment.objects.create(
        asset_id="ORPHAN-2",
        pressure_class="low",
        geom=LineString((117.001002, 39.0), (117.002, 39.0), srid=4326),
    )
    first_three = list(Premise.objects.order_by("id").values_list("pk", flat=True)[:3])
    Premise.objects.filter(pk__in=first_three).update(service_segment=None)
    network_revision_bump()
    findings = {f.title.split(" (")[0]: f for f in network_check()}
    [off] = findings["valves off the network"].examples
    assert off.startswith(f"{valve.asset_id} (")
    assert " m from " in off
    assert findings["disconnected parts with no station feeding them"].examples == [
        "ORPHAN",
        "ORPHAN-2",
    ]
    [joined] = findings["ends of two mains within 0.5 m joined as one junction"].examples
    assert joined.startswith("ORPHAN / ORPHAN-2 (0.1") or joined.startswith(
        "ORPHAN-2 / ORPHAN (0.1"
    )
    assert findings["premises without a service connection"].count == 3
    out = StringIO()
    with pytest.raises(CommandError, match="6 problems"):
        call_command("check_network", "--strict", stdout=out)
    assert f"e.g. {valve.asset_id}" in out.getvalue()


def test_snap_finds_the_nearest_main_and_its_distance_in_metres() -> None:
    PipeSegment.objects.create(
        asset_id="A",
        pressure_class="low",
        geom=LineString((117.20, 39.10), (117.21, 39.10), srid=4326),
    )
    PipeSegment.objects.create(
        asset_id="B",
        pressure_class="low",
        geom=LineString((117.20, 39.1005), (117.21, 39.1005), srid=4326),
    )
    # 0.0001 degrees of latitude is 11.1 m: nearer to A than to B (44 m away).
    snap = segment_nearest(Point(117.205, 39.0999, srid=4326))
    assert snap is not None
    assert snap.segment.asset_id == "A"
    assert snap.distance_m == pytest.approx(11.1, abs=0.2)
    assert segment_nearest(Point(117.205, 39.0999, srid=4326), max_distance_m=5) is None


def test_a_valve_marked_inoperable_in_the_register_widens_the_trace() -> None:
    _city(2000)
    segment = _main_whose_trace(cuts_premises=False)
    first = isolation_for_segment(segment_id=segment.id)
    assert first.valves_to_close
    Valve.objects.filter(pk=first.valves_to_close[0]).update(operable=False)
    widened = isolation_for_segment(segment_id=segment.id)
    assert first.valves_to_close[0] not in widened.valves_to_close
    assert widened.seized_valves_passed == [first.valves_to_close[0]]
    assert set(first.isolated_segment_ids) < set(widened.isolated_segment_ids)


def test_a_valve_marked_normally_closed_in_the_register_is_closed_already() -> None:
    """A boundary valve drawn closed: the trace neither passes it nor asks to close it, and
    the valves come nearest to the damaged main first, with their distances."""
    _city(2000)
    segment = _main_whose_trace(cuts_premises=False)
    first = isolation_for_segment(segment_id=segment.id)
    assert first.valve_distances_m == sorted(first.valve_distances_m)
    assert len(first.valve_distances_m) == len(first.valves_to_close)
    boundary = first.valves_to_close[0]
    Valve.objects.filter(pk=boundary).update(normally_open=False)
    network_revision_bump()
    closed = isolation_for_segment(segment_id=segment.id)
    assert boundary not in closed.valves_to_close
    assert boundary not in closed.ring_valves_left_open
    assert set(closed.valves_to_close) < set(first.valves_to_close) or not closed.valves_to_close
    out = StringIO()
    call_command("trace_isolation", segment.asset_id, stdout=out)
    assert " m from the main)" in out.getvalue() or not closed.valves_to_close


def test_graph_is_rebuilt_after_the_network_changes() -> None:
    _city(500)
    before = network_graph()
    assert network_graph() is before  # cached while nothing changes
    PipeSegment.objects.create(
        asset_id="NEW",
        pressure_class="low",
        geom=LineString((117.0, 39.0), (117.001, 39.0), srid=4326),
    )
    network_revision_bump()
    after = network_graph()
    assert after.revision > before.revision
    assert len(after.edge_u) == len(before.edge_u) + 1


def test_trace_reports_valves_in_closing_order_and_premises_cut_off(tmp_path: Path) -> None:
    _city(2000)
    segment = _main_whose_trace(cuts_premises=True)
    result = isolation_for_segment(segment_id=segment.id)
    cut_off = premise_ids_cut_off(result)
    assert (
        Premise.objects.filter(
            pk__in=cut_off, service_segment_id__in=result.isolated_segment_ids
        ).count()
        == len(cut_off)
        > 0
    )
    geojson = isolation_geojson(result)
    roles = [f["properties"]["role"] for f in geojson["features"]]
    assert roles.count("valve_to_close") == len(result.valves_to_close)
    assert {"isolated_mains", "premises_cut_off", "affected_area"} <= set(roles)
    orders = [
        f["properties"]["order"]
        for f in geojson["features"]
        if f["properties"]["role"] == "valve_to_close"
    ]
    assert orders == list(range(1, len(orders) + 1))
    out = StringIO()
    target = tmp_path / "trace.geojson"
    call_command("trace_isolation", segment.asset_id, "--geojson", str(target), stdout=out)
    assert f"{len(cut_off)} premises lose gas" in out.getvalue()
    assert json.loads(target.read_text())["type"] == "FeatureCollection"
    with pytest.raises(CommandError, match="no valve with asset id V-NOPE"):
        call_command("trace_isolation", segment.asset_id, "--seized", "V-NOPE")


def test_replacing_the_network_is_refused_once_calls_exist() -> None:
    from dispatch.services.intake import CallInput, call_receive

    _city(500)
    call_receive(data=CallInput(category="consultation"), taker=None)
    with pytest.raises(CommandError, match="the database holds calls"):
        call_command(
            "make_demo_city", "--premises", "600", "--replace", "--no-progress", stdout=StringIO()
        )
    assert Premise.objects.count() == 500


def test_a_premise_is_served_by_the_main_nearest_in_metres_not_in_degrees() -> None:
    # In Tianjin a metre east is 1.16e-5 degrees and a metre north 0.90e-5: a main 10 m east is
    # farther in degrees than one 11 m north, and nearer on the ground.
    lon, lat = 117.2, 39.1
    east, north = 1 / (111_320 * 0.7760), 1 / 110_950
    near = PipeSegment.objects.create(
        asset_id="EAST-10M",
        geom=LineString((lon + 10 * east, lat - 0.001), (lon + 10 * east, lat + 0.001)),
        pressure_class="medium",
    )
    PipeSegment.objects.create(
        asset_id="NORTH-11M",
        geom=LineString((lon - 0.001, lat + 11 * north), (lon + 0.001, lat + 11 * north)),
        pressure_class="medium",
    )
    # Two mains exactly as far: the lower asset id, whatever order they were written in.
    PipeSegment.objects.create(
        asset_id="TIE-B",
        geom=LineString((lon + 1, lat - 0.001), (lon + 1, lat + 0.001)),
        pressure_class="medium",
    )
    PipeSegment.objects.create(
        asset_id="TIE-A",
        geom=LineString((lon + 1 + 20 * east, lat - 0.001), (lon + 1 + 20 * east, lat + 0.001)),
        pressure_class="medium",
    )
    premise = Premise.objects.create(asset_id="PR-1", geom=Point(lon, lat), full_text="测试路1号")
    between = Premise.objects.create(
        asset_id="PR-2", geom=Point(lon + 1 + 10 * east, lat), full_text="测试路2号"
    )
    assert premise_connect_services() == 2
    premise.refresh_from_db()
    between.refresh_from_db()
    assert premise.service_segment_id == near.pk
    assert between.service_segment is not None
    assert between.service_segment.asset_id == "TIE-A"
