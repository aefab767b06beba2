"""A real distribution grid: pandapower's mv_oberrhein (a 20 kV network in Baden, with its
switches and MV/LV stations), written to a GeoPackage, imported with `import_network` and
gis/mappings/pandapower_power.toml, and analysed on random calls against the reference built
straight from pandapower's own tables (not from what was imported)."""

import io
import random
import time
from pathlib import Path
from typing import Any

import pandapower.networks as pn
import pytest
from django.core.management import call_command

from gis.models import PowerDevice, PowerLine, PowerSubstation, Premise
from gis.power import TroubleCall, power_network_check, trouble_calls_analyse
from gis.services import network_revision_bump
from tests.gis.power.pandapower_gpkg import network_gpkg
from tests.gis.power.reference import Outcome, reference_analysis

MAPPING = Path(__file__).resolve().parents[3] / "gis" / "mappings" / "pandapower_power.toml"
KINDS = {"CB": "breaker", "LBS": "switch", "LS": "switch", "DS": "switch"}

pytestmark = pytest.mark.django_db


class Reference:
    """mv_oberrhein as reference.py takes it, by asset id, from pandapower's tables alone:
    buses are nodes; a switch is a node of its own between its bus and its line."""

    def __init__(self, net: Any) -> None:
        self.devices: dict[str, tuple[int, str]] = {}
        self.cut: set[int] = set()
        self.edges: list[tuple[int, int]] = []
        node_of_switch: dict[tuple[int, int], int] = {}
        next_node = int(net.bus.index.max()) + 1
        for index, sw in net.switch.iterrows():
            node = node_of_switch.setdefault((int(sw["element"]), int(sw["bus"])), next_node)
            if node == next_node:
                next_node += 1
                self.edges.append((int(sw["bus"]), node))
            if sw["closed"]:
                self.devices[f"switch-{index}"] = (node, KINDS[str(sw["type"])])
            else:
                self.cut.add(node)
        for index, line in net.line.iterrows():
            if line["in_service"]:
                ends = [
                    node_of_switch.get((int(index), int(line[end])), int(line[end]))
                    for end in ("from_bus", "to_bus")
                ]
                self.edges.append((ends[0], ends[1]))
        for index, load in net.load.iterrows():
            self.devices[f"load-{index}"] = (int(load["bus"]), "transformer")
        grid = {int(b) for b in net.ext_grid["bus"]}
        self.roots = {int(t["lv_bus"]) for _i, t in net.trafo.iterrows() if t["hv_bus"] in grid}

    def outcomes(
        self, calls: list[tuple[int, str]], rollup_min: int, kinds: dict[str, str]
    ) -> set[Outcome]:
        """The predictions for calls (call id, the caller's transformer) with device kinds
        overridden by `kinds`, keyed by asset id (Outcome.key: the device's position in
        `names`)."""
        names = sorted(self.devices)
        number = {name: i for i, name in enumerate(names)}
        devices = {
            number[name]: (node, kinds.get(name, kind))
            for name, (node, kind) in self.devices.items()
        }
        found, unfed = reference_analysis(
            edges=self.edges,
            devices=devices,
            cut_nodes=self.cut,
            substation_nodes=self.roots,
            calls=[(c, devices[number[t]][0], number[t]) for c, t in calls],
            rollup_min=rollup_min,
        )
        assert not unfed
        return {
            Outcome(
                o.kind,
                hash(names[o.key]),
                o.calls,
                frozenset(hash(names[t]) for t in o.reporting),
                frozenset(hash(names[t]) for t in o.transformers_out),
            )
            for o in found
        }


def _ours(
    calls: list[tuple[int, str]], rollup_min: int
) -> tuple[set[Outcome], tuple[float, float], int]:
    """Our predictions; the seconds the analysis took with the graph to build (the network
    changed) and built; the customers out."""
    premises = dict(Premise.objects.values_list("asset_id", "pk"))
    asset = dict(PowerDevice.objects.values_list("pk", "asset_id"))
    trouble = [TroubleCall(c, premise_id=premises[p]) for c, p in calls]
    started = time.perf_counter()
    trouble_calls_analyse(calls=trouble, rollup_min=rollup_min)
    cold = time.perf_counter() - started
    started = time.perf_counter()
    analysis = trouble_calls_analyse(calls=trouble, rollup_min=rollup_min)
    seconds = (cold, time.perf_counter() - started)
    assert analysis.unplaced == []
    out = len(analysis.premises_out)
    return (
        {
            Outcome(
                p.kind,
                hash(asset[p.device]) if p.device is not None else -1,
                frozenset(p.calls),
                frozenset(hash(asset[t]) for t in p.transformers_reporting),
                frozenset(hash(asset[t]) for t in p.transformers_out),
            )
            for p in analysis.predictions
        },
        seconds,
        out,
    )


@pytest.fixture(scope="module")
def oberrhein() -> Any:
    return pn.mv_oberrhein()


def test_mv_oberrhein_imports_and_its_analysis_matches_the_reference(
    oberrhein: Any, tmp_path: Path
) -> None:
    counts = network_gpkg(oberrhein, tmp_path / "oberrhein.gpkg")
    printed = io.StringIO()
    started = time.perf_counter()
    call_command(
        "import_network",
        str(tmp_path / "oberrhein.gpkg"),
        "--mapping",
        str(MAPPING),
        "--no-progress",
        stdout=printed,
    )
    imported = time.perf_counter() - started
    assert PowerLine.objects.count() == counts["lines"]
    assert PowerDevice.objects.count() == counts["switches"] + counts["transformers"]
    assert PowerDevice.objects.filter(kind="breaker").count() == 4
    assert PowerDevice.objects.filter(normally_open=True).count() == 6
    assert PowerSubstation.objects.count() == counts["substations"] == 2
    assert Premise.objects.count() == counts["premises"]
    # Every customer is behind the transformer the exporter named (cust-<load>-<k>).
    linked = Premise.objects.values_list("asset_id", "transformer__asset_id")
    assert all(t == f"load-{p.split('-')[1]}" for p, t in linked)

    check = power_network_check()
    assert check.lines_unfed == []
    assert check.meshed_lines == []  # radial in operation, as pandapower's topology says
    assert check.devices_off_network == []
    assert check.substations_off_network == []
    assert check.premises_without_transformer == 0

    reference = Reference(oberrhein)
    customers = sorted(Premise.objects.values_list("asset_id", flat=True))
    transformer_of = dict(Premise.objects.values_list("asset_id", "transformer__asset_id"))
    switches = sorted(n for n, (_node, kind) in reference.devices.items() if kind == "switch")
    timings: list[tuple[float, float]] = []
    kinds_predicted: set[str] = set()
    for round_ in range(40):
        rng = random.Random(round_)
        # From round 10 on, a protection scheme of our own on the real topology: some of the
        # load-break switches made fuses and reclosers (pandapower models neither).
        kinds = (
            {s: rng.choice(["fuse", "fuse", "recloser", "switch"]) for s in switches}
            if round_ >= 10
            else {}
        )
        for kind in ("fuse", "recloser", "switch"):
            PowerDevice.objects.filter(
                asset_id__in=[s for s in switches if kinds.get(s, "switch") == kind]
            ).update(kind=kind)
        network_revision_bump()
        callers = rng.sample(customers, rng.randint(1, 60))
        calls = [(n, premise) for n, premise in enumerate(callers)]
        rollup_min = rng.choice([1, 2, 2, 3])
        ours, seconds, out = _ours(calls, rollup_min)
        timings.append(seconds)
        expected = reference.outcomes([(c, transformer_of[p]) for c, p in calls], rollup_min, kinds)
        assert ours == expected, f"round {round_}"
        kinds_predicted |= {o.kind for o in ours}
        assert out >= len(callers)
    assert kinds_predicted == {"breaker", "recloser", "fuse", "transformer"}
    cold, warm = (sorted(t[i] for t in timings) for i in (0, 1))
    print(
        f"\nmv_oberrhein: {counts} imported in {imported:.2f} s; 40 analyses of 1-60 calls, "
        f"median (max): {cold[20] * 1000:.0f} ({cold[-1] * 1000:.0f}) ms building the graph, "
        f"{warm[20] * 1000:.0f} ({warm[-1] * 1000:.0f}) ms with it built"
    )
