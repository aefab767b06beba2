"""A real network from a registry package: wntr's ky10 water network standing in for heat
mains, written to a GeoPackage, imported through `import_network` with
gis/mappings/wntr_heat.toml, traced on random pipes and checked against the plain reference
built from what the exporter wrote (not from the database)."""

import random
from io import StringIO
from pathlib import Path
from time import perf_counter

import pytest
from django.core.management import call_command

from gis.heat.check import heat_network_check
from gis.heat.network import heat_network
from gis.heat.trace import heat_isolation_for_segment
from gis.models import PipeSegment, Premise, Source, Valve
from tests.gis.heat.reference import Level, heat_reference
from tests.gis.heat.wntr_gpkg import HeatModel, heat_gpkg

pytestmark = pytest.mark.django_db

MAPPING = Path(__file__).resolve().parents[3] / "gis" / "mappings" / "wntr_heat.toml"
TRACES = 60


def _levels(model: HeatModel) -> dict[tuple[str, bool], Level]:
    plants = {n for n, kind in model.stations.values() if kind == "plant"}
    substations = {n for n, kind in model.stations.values() if kind == "substation"}
    levels = {}
    for circuit in ("supply", "return"):
        valves = [v for v in model.valves.values() if v[0] == circuit]
        for primary in (True, False):
            levels[(circuit, primary)] = Level(
                edges={
                    asset: (a, b)
                    for asset, (c, a, b, p) in model.pipes.items()
                    if c == circuit and p == primary and a != b
                },
                feeds=set(plants if primary else substations),
                closable={n for _c, n, operable, open_ in valves if operable and open_},
                closed={n for _c, n, _operable, open_ in valves if not open_},
            )
    return levels


def _import(path: Path) -> float:
    started = perf_counter()
    call_command(
        "import_network", str(path), "--mapping", str(MAPPING), "--no-progress", stdout=StringIO()
    )
    return perf_counter() - started


def test_wntr_ky10_as_heat_mains_traces_as_the_reference(tmp_path: Path) -> None:
    model = heat_gpkg(tmp_path / "ky10_heat.gpkg")
    seconds = _import(tmp_path / "ky10_heat.gpkg")
    # Everything arrived, nothing was cut: valves and stations sit on pipe ends.
    assert PipeSegment.objects.filter(utility="heat").count() == len(model.pipes)
    assert Valve.objects.filter(utility="heat").count() == len(model.valves)
    assert Source.objects.filter(utility="heat").count() == len(model.stations)
    assert Premise.objects.exclude(heat_station=None).count() == len(model.buildings)

    pipe_id = dict(PipeSegment.objects.values_list("asset_id", "id"))
    pipe_asset = {v: k for k, v in pipe_id.items()}
    valve_at = {
        pk: (model.valves[asset][0], model.valves[asset][1])
        for pk, asset in Valve.objects.values_list("id", "asset_id")
    }
    station_node = {
        pk: model.stations[asset][0] for pk, asset in Source.objects.values_list("id", "asset_id")
    }
    premise_asset = dict(Premise.objects.values_list("id", "asset_id"))
    twin_of = {**model.twins, **{r: s for s, r in model.twins.items()}}
    levels = _levels(model)
    plants = {n for n, kind in model.stations.values() if kind == "plant"}
    substations = {n for n, kind in model.stations.values() if kind == "substation"}

    started = perf_counter()
    heat_network()  # the four graphs, built once for the revision the import left
    built = perf_counter() - started
    rng = random.Random(23)
    primary = sorted(a for a, p in model.pipes.items() if p[3] and p[1] != p[2])
    secondary = sorted(a for a, p in model.pipes.items() if not p[3])
    damaged = rng.sample(primary, TRACES - 12) + rng.sample(secondary, 12)
    started = perf_counter()
    dark_seen = 0
    for asset in damaged:
        circuit, _a, _b, is_primary = model.pipes[asset]
        twin = twin_of[asset]
        result = heat_isolation_for_segment(segment_id=pipe_id[asset])
        expected = heat_reference(
            levels,
            plants=plants,
            substations=substations,
            traced={circuit: (is_primary, asset), model.pipes[twin][0]: (is_primary, twin)},
        )
        for c in ("supply", "return"):
            on = result.circuit(c)
            assert pipe_asset[on.traced_segment_id or 0] == (asset if c == circuit else twin)
            assert {valve_at[v] for v in on.valves_to_close} == {
                (c, n) for n in expected.close[c]
            }, (asset, c)
            assert on.valve_distances_m == sorted(on.valve_distances_m)
            assert {pipe_asset[p] for p in on.isolated_segment_ids} == expected.lost[c], (asset, c)
        assert {station_node[s] for s in result.stations_to_shut} == expected.shut
        assert {station_node[s] for s in result.substations_without_heat} == expected.dark
        lost = expected.lost["supply"] | expected.lost["return"]
        assert {premise_asset[p] for p in result.premise_ids_without_heat} == {
            building
            for building, (station, service) in model.buildings.items()
            if model.stations[station][0] in expected.dark or service in lost
        }
        dark_seen += bool(expected.dark)
    traced = perf_counter() - started
    print(
        f"\nky10 as heat: {len(model.pipes)} pipes, {len(model.valves)} valves, "
        f"{len(model.stations)} stations, {len(model.buildings)} buildings; "
        f"import {seconds:.1f} s, "
        f"graphs {built:.2f} s, {TRACES} traces {traced:.2f} s "
        f"({1000 * traced / TRACES:.0f} ms each, premises included); "
        f"{dark_seen} left substations without heat"
    )
    assert dark_seen  # the sample reached substations, or it proved little


def test_wntr_heat_network_checks_clean_and_finds_a_missing_twin(tmp_path: Path) -> None:
    model = heat_gpkg(tmp_path / "ky10_heat.gpkg")
    _import(tmp_path / "ky10_heat.gpkg")
    levels = _levels(model)
    unfed = {
        (c, p): {a for a in level.edges if a not in level.fed_pipes(level.feeds, level.closed)}
        for (c, p), level in levels.items()
    }
    findings = {f.title: f for f in heat_network_check(heat_network())}
    counts = [f.count for f in findings.values()]
    assert counts == [
        len(unfed[("supply", True)]),
        len(unfed[("supply", False)]),
        0,
        len(unfed[("return", True)]),
        len(unfed[("return", False)]),
        0,
        0,  # supply pipes without a twin: named, or the return 1 m beside
        0,
        0,
        0,
    ]
    # A return pipe taken out of service: its supply pipe has no twin left, by name or
    # alongside.
    gone = sorted(a for a in model.twins.values() if a.startswith("R2-"))[0]
    PipeSegment.objects.filter(asset_id=gone).update(status=PipeSegment.Status.ABANDONED)
    supply = next(s for s, r in model.twins.items() if r == gone)
    untwinned = [f for f in heat_network_check(heat_network()) if "twin" in f.title]
    assert [(f.count, f.examples) for f in untwinned] == [(1, [supply])]
