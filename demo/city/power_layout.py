"""The demo city's power distribution, laid out in metres over the gas city's streets
(demo.city.layout): radial 10 kV feeders with their protective devices, and the
distribution transformers the premises are supplied from.

One substation at the west edge feeds a feeder along every arterial running east but the
last, each through its breaker next to the substation's bus, with a recloser half-way. At
every crossing street a lateral runs north towards the next arterial, protected by a fuse
where it leaves the feeder, with two transformers along it. At the east edge a tie joins each
feeder to the next through a normally-open switch, so the network is radial in operation.
Premises are supplied by their nearest transformer (demo.city.utilities_writer)."""

import itertools
import random
from dataclasses import dataclass, field
from typing import NamedTuple

from demo.city.layout import ARTERIAL_EVERY, BLOCK_M, City, arterial_lines

OFFSET_M = -4.0  # south or west of the street's centre line
BUS_X = -250.0
BREAKER_X = -240.0
FUSE_M = 10.0  # the lateral's fuse, this far from the feeder
LATERAL_SHORT_M = 30.0  # a lateral stops this short of the next arterial


class PowerLineRow(NamedTuple):
    asset_id: str
    feeder: str
    voltage_kv: float
    construction: str
    x1: float
    y1: float
    x2: float
    y2: float


class PowerDeviceRow(NamedTuple):
    asset_id: str
    name: str
    kind: str
    feeder: str
    normally_open: bool
    rating_kva: float | None
    x: float
    y: float


@dataclass
class PowerNetwork:
    substation: tuple[str, str, float, float] = ("E-SUB-1", "West substation", BUS_X, 0.0)
    lines: list[PowerLineRow] = field(default_factory=list)
    devices: list[PowerDeviceRow] = field(default_factory=list)

    def line(self, feeder: str, points: list[tuple[float, float]], cable: bool = False) -> None:
        """A run of spans through `points` (each point a node)."""
        for (x1, y1), (x2, y2) in itertools.pairwise(points):
            self.lines.append(
                PowerLineRow(
                    f"L-{len(self.lines) + 1:06d}",
                    feeder,
                    10.0,
                    "cable" if cable else "overhead",
                    x1,
                    y1,
                    x2,
                    y2,
                )
            )

    def device(
        self,
        kind: str,
        feeder: str,
        x: float,
        y: float,
        *,
        normally_open: bool = False,
        rating: float | None = None,
    ) -> None:
        n = len(self.devices) + 1
        code = {"breaker": "CB", "recloser": "RC", "fuse": "FU", "switch": "SW"}.get(kind, "TX")
        self.devices.append(
            PowerDeviceRow(
                f"E-{code}-{n:05d}", f"{code} {n}", kind, feeder, normally_open, rating, x, y
            )
        )


def power_generate(city: City) -> PowerNetwork:
    rng = random.Random(city.seed * 104729 + 3)
    arterials = arterial_lines(city.blocks)
    feeders = [k for k in arterials if k < city.blocks]
    network = PowerNetwork()
    ys = [k * BLOCK_M + OFFSET_M for k in feeders]
    bus_y = ys[len(ys) // 2]
    network.substation = ("E-SUB-1", "West substation", BUS_X, bus_y)
    network.line("BUS", [(BUS_X, y) for y in ys], cable=True)  # the substation's bus
    columns = [c * BLOCK_M + OFFSET_M for c in range(1, city.blocks)]
    for n, (k, y) in enumerate(zip(feeders, ys, strict=True), start=1):
        name = f"F{n:02d}"
        east = city.size_m + OFFSET_M
        middle = columns[len(columns) // 2] - 20.0
        stops = sorted({BUS_X, BREAKER_X, *columns, middle, east})
        network.line(name, [(x, y) for x in stops])
        network.device("breaker", name, BREAKER_X, y)
        network.device("recloser", name, middle, y)
        top = min((k + ARTERIAL_EVERY) * BLOCK_M, city.size_m) - LATERAL_SHORT_M + OFFSET_M
        for x in columns:
            length = top - y
            if length < 3 * FUSE_M:
                continue
            first, second = y + FUSE_M + length / 3, y + FUSE_M + 2 * length / 3
            network.line(name, [(x, y), (x, y + FUSE_M), (x, first), (x, second), (x, top)])
            network.device("fuse", name, x, y + FUSE_M)
            for at in (first, second):
                network.device("transformer", name, x, at, rating=rng.choice((400.0, 630.0)))
        if n < len(feeders):  # the tie to the next feeder, open at its switch
            above = ys[n]
            half = (y + above) / 2
            network.line("TIE", [(east, y), (east, half - 1.0)])
            network.line("TIE", [(east, half + 1.0), (east, above)])
            network.line("TIE", [(east, half - 1.0), (east, half + 1.0)])
            network.device("switch", "TIE", east, half - 1.0, normally_open=True)
    return network
