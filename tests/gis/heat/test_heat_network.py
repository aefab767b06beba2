"""Hand-drawn heat networks in the database: the trace with its twin (named or alongside),
the buildings without heat, the commands, and gas left alone by heat pipes."""

import math
from io import StringIO
from pathlib import Path

import pyogrio
import pytest
from django.contrib.gis.geos import LineString, Point
from django.core.management import call_command

from gis.heat.check import heat_network_check
from gis.heat.grouping import no_heat_groups_for_calls
from gis.heat.network import heat_network
from gis.heat.trace import heat_isolation_for_segment
from gis.models import PipeSegment, Premise, Source, Valve
from gis.nearest_main import MainFinder
from gis.network_split import mains_split_at_points
from gis.selectors import isolation_for_segment, segment_nearest
from gis.services import network_revision_bump

pytestmark = pytest.mark.django_db

LON, LAT = 117.2, 39.1
M_LAT = 111_320.0
M_LON = M_LAT * math.cos(math.radians(LAT))
BACK = (0.8, 0.6)  # the return 1 m from the supply


def _at(x: float, y: float) -> Point:
    return Point(LON + x / M_LON, LAT + y / M_LAT, srid=4326)


def _pipe(asset: str, circuit: str, level: str, *xy: tuple[float, float], twin: str = "") -> int:
    shift = BACK if circuit == "return" else (0.0, 0.0)
    line = LineString([_at(x + shift[0], y + shift[1]) for x, y in xy], srid=4326)
    return PipeSegment.objects.create(
        asset_id=asset,
        geom=line,
        utility="heat",
        circuit=circuit,
        twin=twin,
        pressure_class="high" if level == "primary" else "low",
        material="steel",
    ).pk


def _twins(name: str, level: str, *xy: tuple[float, float], named: bool = True) -> tuple[int, int]:
    back = _pipe(f"R-{name}", "return", level, *xy)
    return _pipe(f"S-{name}", "supply", level, *xy, twin=f"R-{name}" if named else ""), back


def _valves(name: str, x: float, y: float, *, seized: str = "") -> dict[str, int]:
    made = {}
    for circuit, shift in (("supply", (0.0, 0.0)), ("return", BACK)):
        made[circuit] = Valve.objects.create(
            asset_id=f"V{circuit[0].upper()}-{name}",
            geom=_at(x + shift[0], y + shift[1]),
            utility="heat",
            circuit=circuit,
            operable=circuit != seized,
        ).pk
    return made


def _station(asset: str, kind: str, x: float, y: float) -> Source:
    return Source.objects.create(
        asset_id=asset,
        name=asset,
        utility="heat",
        kind=kind,
        geom=_at(x + BACK[0] / 2, y + BACK[1] / 2),
        pressure_class="high" if kind == "heat_source" else "low",
    )


def _premise(asset: str, x: float, y: float, **links: object) -> Premise:
    return Premise.objects.create(
        asset_id=asset, geom=_at(x, y), full_text=asset, search_key=asset, **links
    )


@pytest.fixture
def town() -> dict[str, object]:
    """Plant at 0 m; primary main east to A (100 m, valves), B (200 m, valves), substation S1
    at 300 m; a branch from B north to substation S2 (B, 100 m); S1 feeds a secondary line
    east to a courtyard K (valves) and a building; a gas main runs along the primary."""
    plant = _station("PLANT", "heat_source", 0, 0)
    s1 = _station("S1", "substation", 300, 0)
    s2 = _station("S2", "substation", 200, 100)
    pipes = {
        "PA": _twins("PA", "primary", (0, 0), (100, 0)),
        "AB": _twins("AB", "primary", (100, 0), (200, 0)),
        "B1": _twins("B1", "primary", (200, 0), (300, 0), named=False),
        "B2": _twins("B2", "primary", (200, 0), (200, 100)),
        "1K": _twins("1K", "secondary", (300, 0), (340, 0)),
        "KH": _twins("KH", "secondary", (340, 0), (360, 0)),
    }
    valves = {"A": _valves("A", 100, 0), "B": _valves("B", 200, 0), "K": _valves("K", 340, 0)}
    gas = PipeSegment.objects.create(
        asset_id="GAS-1",
        geom=LineString([_at(0, 3), _at(400, 3)], srid=4326),
        pressure_class="medium",
    )
    Source.objects.create(
        asset_id="GAS-RS", name="RS", geom=_at(0, 3), pressure_class="medium", kind="regulator"
    )
    heated = _premise("FLAT-S1", 310, 20, heat_station=s1)
    courtyard = _premise("FLAT-KH", 362, 4, service_segment_id=pipes["KH"][0])
    other = _premise("FLAT-S2", 210, 120, heat_station=s2)
    network_revision_bump()  # as an import does: the graphs are built afresh
    return {
        "plant": plant,
        "s1": s1,
        "s2": s2,
        "pipes": pipes,
        "valves": valves,
        "gas": gas,
        "premises": (heated, courtyard, other),
    }


def test_a_primary_main_closes_on_both_circuits_and_the_substations_behind_lose_heat(
    town: dict,
) -> None:
    supply, back = town["pipes"]["B1"]
    result = heat_isolation_for_segment(segment_id=supply)
    # B1's twin is not named: the return pipe alongside (1 m) is traced with it.
    assert (result.supply.traced_segment_id, result.back.traced_segment_id) == (supply, back)
    assert result.supply.valves_to_close == [town["valves"]["B"]["supply"]]
    assert result.back.valves_to_close == [town["valves"]["B"]["return"]]
    # A valve sits at a junction and closes all of it (as in gas): B's branch to S2 is shut
    # too, so both substations and every building lose heat.
    assert result.substations_without_heat == sorted([town["s1"].pk, town["s2"].pk])
    pipes = town["pipes"]
    lost = ("B1", "B2", "1K", "KH")
    assert set(result.supply.isolated_segment_ids) == {pipes[p][0] for p in lost}
    assert set(result.back.isolated_segment_ids) == {pipes[p][1] for p in lost}
    assert result.premise_ids_without_heat == sorted(p.pk for p in town["premises"])
    assert result.stations_to_shut == []


def test_valves_close_nearest_first_and_a_seized_one_widens_only_its_circuit(town: dict) -> None:
    supply, _back = town["pipes"]["AB"]
    result = heat_isolation_for_segment(segment_id=supply)
    valves = town["valves"]
    assert result.supply.valves_to_close == [valves["A"]["supply"]]  # B: behind it, all lost
    assert result.substations_without_heat == sorted([town["s1"].pk, town["s2"].pk])
    Valve.objects.filter(pk=valves["A"]["return"]).update(operable=False)  # read per trace
    seized = heat_isolation_for_segment(segment_id=supply)
    assert seized.supply.valves_to_close == [valves["A"]["supply"]]
    assert seized.back.valves_to_close == []  # up to the plant: shut it
    assert seized.back.seized_valves_passed == [valves["A"]["return"]]
    assert seized.stations_to_shut == [town["plant"].pk]
    assert len(seized.premise_ids_without_heat) == 3


def test_a_primary_trace_does_not_run_through_a_substation_into_the_secondary(
    town: dict,
) -> None:
    # Without valves at A and B the trace of PA reaches S1; it stops there: the secondary
    # network loses heat with S1, yet is no part of the ring and its valve K is not closed.
    Valve.objects.filter(asset_id__in=["VS-A", "VR-A", "VS-B", "VR-B"]).delete()
    network_revision_bump()
    result = heat_isolation_for_segment(segment_id=town["pipes"]["PA"][0])
    assert result.supply.valves_to_close == []
    assert result.stations_to_shut == [town["plant"].pk]
    assert town["valves"]["K"]["supply"] not in result.supply.valves_to_close
    assert town["pipes"]["KH"][0] in result.supply.isolated_segment_ids


def test_a_secondary_pipe_closes_its_courtyard_valve_and_the_substation_keeps_heat(
    town: dict,
) -> None:
    supply, back = town["pipes"]["KH"]
    result = heat_isolation_for_segment(segment_id=supply)
    assert result.level == "secondary"
    assert result.supply.valves_to_close == [town["valves"]["K"]["supply"]]
    assert result.back.valves_to_close == [town["valves"]["K"]["return"]]
    assert result.substations_without_heat == []
    assert result.supply.isolated_segment_ids == [supply]
    assert result.back.isolated_segment_ids == [back]
    assert result.premise_ids_without_heat == [town["premises"][1].pk]


def test_gas_is_not_disturbed_by_heat_pipes(town: dict) -> None:
    # The caller's point is 1 m from a heat pipe and 2 m from the gas main: gas answers.
    snap = segment_nearest(_at(150, 1))
    assert snap is not None
    assert snap.segment.asset_id == "GAS-1"
    heat = segment_nearest(_at(150, 1), utility="heat", circuit="supply")
    assert heat is not None
    assert heat.segment.asset_id == "S-AB"
    assert segment_nearest(_at(150, 1), utility="heat", circuit="supply", primary=False) is not None
    gas = isolation_for_segment(segment_id=town["gas"].pk)
    assert gas.isolated_segment_ids == [town["gas"].pk]
    finder = MainFinder.build()
    assert finder is not None
    assert finder.main_ids.tolist() == [town["gas"].pk]


def test_each_network_is_split_only_at_its_own_valves_and_stations(town: dict) -> None:
    # A gas valve on the gas main, a supply valve half way along PA: each cuts its own pipe.
    Valve.objects.create(asset_id="GV-1", geom=_at(50, 3))
    Valve.objects.create(asset_id="VS-M", geom=_at(50, 0), utility="heat", circuit="supply")
    # A gas regulator nearer the heat pipes (0.4 m, 1 m) than its gas main (2 m) cuts the gas
    # main; a substation drawn between the supply and the return cuts both.
    Source.objects.create(asset_id="GAS-RS2", name="RS2", geom=_at(150, 1), pressure_class="medium")
    _station("S3", "substation", 150, 0)
    mains_split_at_points()
    network_revision_bump()
    assert sorted(
        PipeSegment.objects.filter(split_from__gt="").values_list("asset_id", flat=True)
    ) == ["GAS-1", "GAS-1#2", "GAS-1#3", "R-AB", "R-AB#2", "S-AB", "S-AB#2", "S-PA", "S-PA#2"]
    # The part beyond the cut names no twin; the return beside it is found all the same.
    part = PipeSegment.objects.get(asset_id="S-PA#2")
    assert part.twin == ""
    result = heat_isolation_for_segment(segment_id=part.pk)
    assert result.back.traced_segment_id == town["pipes"]["PA"][1]


def test_no_heat_calls_group_on_the_substation_then_the_main(town: dict) -> None:
    heated, courtyard, other = town["premises"]
    one = no_heat_groups_for_calls([("a", heated.pk, None), ("b", courtyard.pk, None)])
    assert [(g.call_keys, g.cause, g.cause_id) for g in one] == [
        (["a", "b"], "substation", town["s1"].pk)  # the courtyard's pipe is fed by S1
    ]
    both = no_heat_groups_for_calls(
        [("a", heated.pk, None), ("c", other.pk, None), ("d", None, _at(345, 5))]
    )
    assert [(sorted(map(str, g.call_keys)), g.cause, g.cause_id) for g in both] == [
        (["a", "c", "d"], "main", town["pipes"]["AB"][0])
    ]
    far = no_heat_groups_for_calls([("e", None, _at(5000, 5000))])
    assert [(g.cause, g.cause_id) for g in far] == [("unknown", None)]


def test_trace_and_check_commands_speak_heat(town: dict) -> None:
    out = StringIO()
    call_command("trace_isolation", "S-B1", stdout=out)
    text = out.getvalue()
    for name in ("S-B1", "VS-B", "VR-B", "R-B1"):
        assert name in text
    assert "2 substations and 3 buildings without heat" in text
    out = StringIO()
    call_command("check_network", stdout=out)
    text = out.getvalue()
    assert "District heating:" in text
    assert "heat: supply pipes without a return twin" in text


@pytest.mark.django_db(transaction=True)  # ogr2ogr reads through its own connection
def test_export_writes_utility_circuit_twin_and_substation(town: dict, tmp_path: Path) -> None:
    path = tmp_path / "out.gpkg"
    call_command("export_network", str(path), stdout=StringIO())
    assert {"utility", "circuit", "twin"} <= _columns(path, "pipes")
    _meta, _f, _g, values = pyogrio.raw.read(path, layer="pipes", columns=["asset_id", "twin"])
    twins = dict(zip(values[0].tolist(), values[1].tolist(), strict=True))
    assert twins["S-AB"] == "R-AB"
    assert twins["GAS-1"] == ""
    _meta, _f, _g, values = pyogrio.raw.read(
        path, layer="premises", columns=["asset_id", "heat_station"]
    )
    assert dict(zip(values[0].tolist(), values[1].tolist(), strict=True))["FLAT-S1"] == "S1"
    for layer, wanted in (("valves", {"utility", "circuit"}), ("sources", {"utility"})):
        assert wanted <= _columns(path, layer)


def _columns(path: Path, layer: str) -> set[str]:
    return set(pyogrio.read_info(path, layer=layer)["fields"])


def test_the_heat_network_is_cut_by_level(town: dict) -> None:
    network = heat_network()
    assert network.segment_network[town["pipes"]["1K"][0]] == ("supply", "secondary")
    assert network.segment_network[town["pipes"]["PA"][1]] == ("return", "primary")


def test_a_substation_drawn_between_its_primary_and_secondary_ends_feeds_both(
    town: dict,
) -> None:
    # S4's primary pipes end at (100, -100), its secondary pipes leave 3 m east of it: the
    # station (drawn at the primary end) feeds the secondary all the same.
    _twins("A4", "primary", (100, 0), (100, -10))
    _valves("4", 100, -10)
    branch = _twins("44", "primary", (100, -10), (100, -100))
    yard = _twins("4Y", "secondary", (103, -100), (140, -100))
    s4 = _station("S4", "substation", 100, -100)
    flat = _premise("FLAT-S4", 142, -96, service_segment_id=yard[0])
    network_revision_bump()
    unfed = [f for f in heat_network_check(heat_network()) if "fed by no substation" in f.title]
    assert [f.count for f in unfed] == [0, 0]
    result = heat_isolation_for_segment(segment_id=branch[0])
    assert result.substations_without_heat == [s4.pk]
    assert yard[0] in result.supply.isolated_segment_ids
    assert yard[1] in result.back.isolated_segment_ids
    assert flat.pk in result.premise_ids_without_heat
