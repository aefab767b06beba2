"""The demo city's district heating, laid out in metres over the gas city's streets
(demo.city.layout): twin pipes, supply and return side by side, with valve pairs.

The primary network (pressure class high) runs under the arterials, fed by a heat plant at
the west edge; each superblock with streets inside it has a substation (换热站) at the corner
of its first street, joined to the primary main on the arterial beside it by a short branch
with an inlet valve; the secondary network (low) runs under the superblock's local streets
from the substation. A supply pipe and its return twin have the same cuts, 1.5 m apart, so
each pipe names its twin. Premises are heated by the substation of the secondary network
nearest to them (demo.city.utilities_writer)."""

import itertools
import random
from dataclasses import dataclass, field
from typing import NamedTuple

from demo.city.layout import BLOCK_M, LP_SETBACK_M, City, arterial_lines

# Where each circuit runs beside the street's centre line (the gas main is on it).
OFFSET_M = {"supply": 4.0, "return": 5.5}
ARTERIAL_VALVE_M = 10.0  # a valve pair on each leg of a primary junction
LOCAL_VALVE_M = 12.0
PLANT_X = -150.0


class HeatPipeRow(NamedTuple):
    asset_id: str
    circuit: str
    twin: str
    pressure_class: str  # high: primary, low: secondary
    zone: str
    diameter_mm: int
    x1: float
    y1: float
    x2: float
    y2: float


class HeatValveRow(NamedTuple):
    asset_id: str
    circuit: str
    x: float
    y: float
    operable: bool


class HeatStationRow(NamedTuple):
    asset_id: str
    name: str
    kind: str  # heat_source or substation
    pressure_class: str
    zone: str
    x: float
    y: float


@dataclass
class Run:
    """One pipe run along a street, in the street's own coordinates: `fixed` is the y of a
    horizontal run (x of a vertical one); the circuit's offset is added when it is cut."""

    horizontal: bool
    fixed: float
    start: float
    end: float
    level: str
    zone: str
    diameter_mm: int
    # Positions along the run where it meets another run: offset like `fixed` (the crossing
    # run's own offset line), so the supply pipes of two crossing streets share their node.
    crossings: set[float] = field(default_factory=set)
    valves: set[float] = field(default_factory=set)  # on a leg: in the run's own coordinates

    def point(self, along: float, offset: float) -> tuple[float, float]:
        fixed = self.fixed + offset
        return (along, fixed) if self.horizontal else (fixed, along)


@dataclass
class HeatNetwork:
    pipes: list[HeatPipeRow] = field(default_factory=list)
    valves: list[HeatValveRow] = field(default_factory=list)
    stations: list[HeatStationRow] = field(default_factory=list)


def heat_generate(city: City) -> HeatNetwork:
    """The heat network of `city`, the same for a city (its own seeded generator)."""
    rng = random.Random(city.seed * 7919 + 1)
    runs: list[Run] = []
    arterials = arterial_lines(city.blocks)
    coords = [k * BLOCK_M for k in arterials]
    primary: dict[tuple[bool, float], Run] = {}
    for horizontal in (True, False):
        for at in coords:
            run = Run(horizontal, at, 0.0, city.size_m, "high", "HP", 300)
            run.crossings.update(coords)
            for c in coords:
                run.valves.update(
                    p for p in (c - ARTERIAL_VALVE_M, c + ARTERIAL_VALVE_M) if 0 < p < city.size_m
                )
            primary[(horizontal, at)] = run
            runs.append(run)
    middle = coords[len(coords) // 2]
    plant = Run(True, middle, PLANT_X, 0.0, "high", "HP", 400, {PLANT_X, 0.0}, {PLANT_X + 50})
    runs.append(plant)
    network = HeatNetwork()
    between = (OFFSET_M["supply"] + OFFSET_M["return"]) / 2
    network.stations.append(
        HeatStationRow(
            "H-PLANT-1", "Heat plant 1", "heat_source", "high", "HP", PLANT_X, middle + between
        )
    )
    for (ax0, ax1), (ay0, ay1) in itertools.product(
        itertools.pairwise(arterials), itertools.pairwise(arterials)
    ):
        rows, cols = range(ay0 + 1, ay1), range(ax0 + 1, ax1)
        if not rows or not cols:
            continue  # a thin strip without a grid of its own: heated from a neighbour's
        zone = f"HZ-{ax0:03d}-{ay0:03d}"
        x0, x1 = ax0 * BLOCK_M + LP_SETBACK_M, ax1 * BLOCK_M - LP_SETBACK_M
        y0, y1 = ay0 * BLOCK_M + LP_SETBACK_M, ay1 * BLOCK_M - LP_SETBACK_M
        for k in rows:
            run = Run(True, k * BLOCK_M, x0, x1, "low", zone, 150)
            run.crossings.update({x0, x1, *(c * BLOCK_M for c in cols)})
            run.valves.update(_some_legs(rng, [c * BLOCK_M for c in cols]))
            runs.append(run)
        for c in cols:
            run = Run(False, c * BLOCK_M, y0, y1, "low", zone, 150)
            run.crossings.update({y0, y1, *(k * BLOCK_M for k in rows)})
            run.valves.update(_some_legs(rng, [k * BLOCK_M for k in rows]))
            runs.append(run)
        # The substation at the start of the first street, its branch from the arterial.
        first = rows[0] * BLOCK_M
        feeder = primary[(False, ax0 * BLOCK_M)]
        feeder.crossings.add(first)  # the branch leaves the arterial here
        branch = Run(True, first, ax0 * BLOCK_M, x0, "high", zone, 100)
        branch.crossings.update({ax0 * BLOCK_M, x0})
        branch.valves.add(ax0 * BLOCK_M + 10.0)  # the substation's inlet valve
        runs.append(branch)
        network.stations.append(
            HeatStationRow(
                f"H-SS-{zone[3:]}",
                f"Substation {zone[3:]}",
                "substation",
                "low",
                zone,
                x0,
                first + between,
            )
        )
    _cut(network, runs, rng)
    return network


def _some_legs(rng: random.Random, crossings: list[float]) -> set[float]:
    """About half the legs of the secondary junctions carry a valve pair."""
    return {
        leg
        for c in crossings
        for leg in (c - LOCAL_VALVE_M, c + LOCAL_VALVE_M)
        if rng.random() < 0.5
    }


def _cut(network: HeatNetwork, runs: list[Run], rng: random.Random) -> None:
    """Cut each run, on both circuits, at its crossings and valves: the two circuits get the
    same cuts in the same order, so the n-th supply pipe's twin is the n-th return pipe."""
    count = {"supply": 0, "return": 0}
    valves = {"supply": 0, "return": 0}
    for run in runs:
        for circuit, offset in OFFSET_M.items():
            cuts = sorted({_shifted(p, offset) for p in run.crossings} | run.valves)
            mine, other = ("HS", "HR") if circuit == "supply" else ("HR", "HS")
            for a, b in itertools.pairwise(cuts):
                (x1, y1), (x2, y2) = run.point(a, offset), run.point(b, offset)
                count[circuit] += 1
                n = count[circuit]
                network.pipes.append(
                    HeatPipeRow(
                        f"{mine}-{n:06d}",
                        circuit,
                        f"{other}-{n:06d}",
                        run.level,
                        run.zone,
                        run.diameter_mm,
                        x1,
                        y1,
                        x2,
                        y2,
                    )
                )
            for at in sorted(run.valves):
                x, y = run.point(at, offset)
                valves[circuit] += 1
                code = "HVS" if circuit == "supply" else "HVR"
                network.valves.append(
                    HeatValveRow(f"{code}-{valves[circuit]:06d}", circuit, x, y, True)
                )
    # A few seized valves, the same pair on both circuits, so traces have some to pass.
    seized = {v.asset_id[4:] for v in network.valves if rng.random() < 0.03}
    network.valves = [v._replace(operable=v.asset_id[4:] not in seized) for v in network.valves]


def _shifted(along: float, offset: float) -> float:
    """A crossing, or an end on a crossing street, moves with the crossing pipe's offset; an
    end short of any street (a setback, the plant) stays where it is."""
    return along + offset if along % BLOCK_M == 0 else along
