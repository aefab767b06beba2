"""The demo city's layout in metres (x east, y north, from its south-west corner).

A grid of streets, every ARTERIAL_EVERY-th one an arterial. Medium-pressure steel mains run
under the arterials, fed by gate stations at the city edge; each superblock between arterials is
a low-pressure zone of PE mains under its local streets, fed by one or two regulator stations.
Valves sit on each leg of a junction and every few hundred metres. Compounds of residential
buildings (小区) and rows of shops line the streets. Everything comes from one seeded random
generator, so a seed always gives the same city.
"""

import bisect
import itertools
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

from demo.city.names import DISTRICTS, GIVEN, SURNAMES, street_name

BLOCK_M = 200.0
ARTERIAL_EVERY = 4
LP_SETBACK_M = 15.0  # low-pressure mains stop short of the arterial (no tie to the MP main)
MP_VALVE_OFFSET_M = 10.0
LP_VALVE_OFFSET_M = 12.0
MP_INLINE_VALVE_SPAN_M = 500.0
PREMISES_PER_BLOCK = 100  # a rough capacity, used to size the grid for a premise count


class Seg(NamedTuple):
    asset_id: str
    x1: float
    y1: float
    x2: float
    y2: float
    material: str
    diameter_mm: int
    pressure_class: str
    zone: str
    install_year: int


class ValveRow(NamedTuple):
    asset_id: str
    x: float
    y: float
    valve_type: str
    diameter_mm: int
    operable: bool


class SourceRow(NamedTuple):
    asset_id: str
    name: str
    kind: str
    x: float
    y: float
    pressure_class: str
    zone: str


class RoadRow(NamedTuple):
    asset_id: str
    name: str
    name_en: str
    district: str
    road_class: str
    speed_kmh: int
    x1: float
    y1: float
    x2: float
    y2: float


class LandmarkRow(NamedTuple):
    asset_id: str
    name: str
    name_en: str
    kind: str
    x: float
    y: float


class PremiseRow(NamedTuple):
    asset_id: str
    x: float
    y: float
    district: str
    road_name: str
    house_number: str
    building: str
    unit: str
    room: str
    full_text: str
    full_text_en: str
    use: str
    meter_id: str
    segment_asset_id: str


class CustomerRow(NamedTuple):
    account_no: str
    name: str
    phones: list[str]
    premise_asset_id: str
    vulnerable: bool


@dataclass
class MainLine:
    """One main along a grid line; nodes are positions along it (junctions, valves, ends)."""

    horizontal: bool
    fixed: float  # y of a horizontal line, x of a vertical one
    start: float
    end: float
    pressure_class: str
    zone: str
    nodes: set[float] = field(default_factory=set)
    valves: set[float] = field(default_factory=set)
    cuts: list[float] = field(default_factory=list)  # sorted node positions, after finish()
    seg_ids: list[str] = field(default_factory=list)

    def point(self, along: float) -> tuple[float, float]:
        return (along, self.fixed) if self.horizontal else (self.fixed, along)

    def segment_at(self, along: float) -> str:
        index = min(max(bisect.bisect_right(self.cuts, along) - 1, 0), len(self.seg_ids) - 1)
        return self.seg_ids[index]


@dataclass
class Compound:
    district: int
    road: int  # index into City.roads
    number: int
    x: float
    y: float
    dx: float  # buildings are spread along the street
    buildings: int
    units: int
    floors: int
    rooms_per_floor: int
    shops: bool
    line: MainLine  # the main its service connections come off


@dataclass
class City:
    seed: int
    blocks: int
    size_m: float
    roads: list[RoadRow] = field(default_factory=list)
    segments: list[Seg] = field(default_factory=list)
    valves: list[ValveRow] = field(default_factory=list)
    sources: list[SourceRow] = field(default_factory=list)
    landmarks: list[LandmarkRow] = field(default_factory=list)
    compounds: list[Compound] = field(default_factory=list)
    premise_target: int = 0

    def district_of(self, x: float, y: float) -> int:
        col = min(int(3 * x / self.size_m), 2) if self.size_m else 0
        row = min(int(2 * y / self.size_m), 1) if self.size_m else 0
        return row * 3 + col

    def station_strips(self) -> list[tuple[float, float, float, float]]:
        """Three station territories side by side, west to east (metres)."""
        third = self.size_m / 3
        margin = 300.0
        return [
            (
                -margin if i == 0 else i * third,
                -margin,
                self.size_m + margin if i == 2 else (i + 1) * third,
                self.size_m + margin,
            )
            for i in range(3)
        ]


def blocks_for(premises: int) -> int:
    return max(4, math.ceil(math.sqrt(premises / PREMISES_PER_BLOCK)))


def arterial_lines(blocks: int) -> list[int]:
    return sorted({k for k in range(0, blocks + 1, ARTERIAL_EVERY)} | {blocks})


def city_generate(*, seed: int, premises: int, blocks: int | None = None) -> City:
    """Lay out a whole city for about `premises` premises (exactly that many are emitted)."""
    size = blocks or blocks_for(premises)
    while True:
        city = City(seed=seed, blocks=size, size_m=size * BLOCK_M, premise_target=premises)
        rng = random.Random(seed)
        _lay_roads(city)
        mp_lines = _lay_mp_mains(city, rng)
        lp_lines = _lay_lp_mains(city, rng)
        _cut_segments(city, [*mp_lines.values(), *lp_lines.values()], rng)
        _lay_compounds(city, rng, mp_lines, lp_lines)
        _lay_landmarks(city)
        capacity = sum(_flat_count(c) for c in city.compounds)
        if capacity >= premises:
            return city
        if blocks:
            raise ValueError(f"{blocks} blocks hold only {capacity} premises: use more blocks")
        size += 1  # the estimate fell short for this seed: one more street each way


def _flat_count(c: "Compound") -> int:
    return c.buildings * (1 if c.shops else c.units * c.floors * c.rooms_per_floor)


def _lay_roads(city: City) -> None:
    arterials = set(arterial_lines(city.blocks))
    for k in range(city.blocks + 1):
        at = k * BLOCK_M
        cls, speed = ("arterial", 50) if k in arterials else ("local", 30)
        for north_south in (False, True):
            name, name_en = street_name(k, north_south=north_south)
            x1, y1, x2, y2 = (
                (at, 0.0, at, city.size_m) if north_south else (0.0, at, city.size_m, at)
            )
            district = DISTRICTS[city.district_of((x1 + x2) / 2, (y1 + y2) / 2)][0]
            city.roads.append(
                RoadRow(
                    f"R-{'V' if north_south else 'H'}{k:04d}",
                    name,
                    name_en,
                    district,
                    cls,
                    speed,
                    x1,
                    y1,
                    x2,
                    y2,
                )
            )


def _road_index(city: City, k: int, *, north_south: bool) -> int:
    return 2 * k + (1 if north_south else 0)


def _lay_mp_mains(city: City, rng: random.Random) -> dict[tuple[bool, int], MainLine]:
    arterials = arterial_lines(city.blocks)
    coords = [k * BLOCK_M for k in arterials]
    lines: dict[tuple[bool, int], MainLine] = {}
    for horizontal in (True, False):
        for k, at in zip(arterials, coords, strict=True):
            line = MainLine(horizontal, at, 0.0, city.size_m, "medium", "MP-1")
            line.nodes.update(coords)  # junctions with the crossing arterials, and both ends
            for c in coords:  # a valve on each leg of each junction
                line.valves.update(
                    p for p in (c - MP_VALVE_OFFSET_M, c + MP_VALVE_OFFSET_M) if 0 < p < city.size_m
                )
            for a, b in itertools.pairwise(coords):
                if b - a > MP_INLINE_VALVE_SPAN_M:
                    line.valves.add((a + b) / 2)
            lines[(horizontal, k)] = line
    # Gate stations feed the MP grid from the west (and, in a big city, the east) edge.
    middle = arterials[len(arterials) // 2] * BLOCK_M
    gates = [(-150.0, -150.0, 0.0)] + (
        [(city.size_m + 150.0, city.size_m, city.size_m + 150.0)] if city.blocks >= 40 else []
    )
    for n, (gx, start, end) in enumerate(gates, start=1):
        feeder = MainLine(True, middle, min(start, end), max(start, end), "medium", "MP-1")
        feeder.nodes.update({feeder.start, feeder.end})
        feeder.valves.add(gx + (50.0 if gx < 0 else -50.0))  # the station's outlet valve
        lines[(True, -n)] = feeder
        city.sources.append(
            SourceRow(f"S-G{n}", f"Gate station {n}", "gate_station", gx, middle, "medium", "MP-1")
        )
    return lines


def _superblocks(city: City) -> Iterator[tuple[int, int, int, int]]:
    arterials = arterial_lines(city.blocks)
    for ax0, ax1 in itertools.pairwise(arterials):
        for ay0, ay1 in itertools.pairwise(arterials):
            yield ax0, ax1, ay0, ay1


def _lay_lp_mains(city: City, rng: random.Random) -> dict[tuple[bool, int, int], MainLine]:
    lines: dict[tuple[bool, int, int], MainLine] = {}
    for ax0, ax1, ay0, ay1 in _superblocks(city):
        zone = f"LP-{ax0:03d}-{ay0:03d}"
        h_lines, v_lines = range(ay0 + 1, ay1), range(ax0 + 1, ax1)
        zone_lines: list[MainLine] = []
        for horizontal, ks, crossing, (lo, hi) in (
            (True, h_lines, v_lines, (ax0, ax1)),
            (False, v_lines, h_lines, (ay0, ay1)),
        ):
            for k in ks:
                line = MainLine(
                    horizontal,
                    k * BLOCK_M,
                    lo * BLOCK_M + LP_SETBACK_M,
                    hi * BLOCK_M - LP_SETBACK_M,
                    "low",
                    zone,
                )
                line.nodes.update({line.start, line.end, *(c * BLOCK_M for c in crossing)})
                for c in crossing:  # about half the legs of a junction carry a valve
                    for leg in (c * BLOCK_M - LP_VALVE_OFFSET_M, c * BLOCK_M + LP_VALVE_OFFSET_M):
                        if rng.random() < 0.5:
                            line.valves.add(leg)
                lines[(horizontal, k, ax0 if horizontal else ay0)] = line
                zone_lines.append(line)
        if not zone_lines:
            continue
        if h_lines and v_lines:  # a grid of mains: one regulator, some zones a second
            feeds = [(zone_lines[0], True)]
            if rng.random() < 0.3:
                feeds.append((zone_lines[-1], False))
        else:  # a thin zone of parallel mains that never meet: a regulator each
            feeds = [(line, True) for line in zone_lines]
        for n, (line, at_start) in enumerate(feeds, start=1):
            end = line.start if at_start else line.end
            line.valves.add(end + (6.0 if at_start else -6.0))  # regulator outlet valve
            x, y = line.point(end)
            city.sources.append(
                SourceRow(f"S-{zone}-{n}", f"Regulator {zone}/{n}", "regulator", x, y, "low", zone)
            )
    return lines


def _cut_segments(city: City, lines: list[MainLine], rng: random.Random) -> None:
    """Cut every main at its nodes and valves into segments; emit the valves."""
    for line in lines:
        line.cuts = sorted(line.nodes | line.valves)
        medium = line.pressure_class == "medium"
        for a, b in zip(line.cuts, line.cuts[1:], strict=False):
            (x1, y1), (x2, y2) = line.point(a), line.point(b)
            asset_id = f"P-{len(city.segments) + 1:06d}"
            line.seg_ids.append(asset_id)
            city.segments.append(
                Seg(
                    asset_id,
                    x1,
                    y1,
                    x2,
                    y2,
                    "steel" if medium else "pe",
                    rng.choice((200, 300)) if medium else rng.choice((63, 90, 110, 160)),
                    line.pressure_class,
                    line.zone,
                    rng.randint(1985, 2024),
                )
            )
        for at in sorted(line.valves):
            x, y = line.point(at)
            city.valves.append(
                ValveRow(
                    f"V-{len(city.valves) + 1:06d}",
                    x,
                    y,
                    "gate" if medium else "ball",
                    300 if medium else 110,
                    rng.random() >= 0.03,  # about 3% found seized
                )
            )


def _facing_line(
    city: City,
    mp: dict[tuple[bool, int], MainLine],
    lp: dict[tuple[bool, int, int], MainLine],
    line_k: int,
    block_i: int,
) -> MainLine:
    """The main under the east-west street `line_k`, where block column `block_i` fronts it."""
    if (True, line_k) in mp:
        return mp[(True, line_k)]
    ax0 = max(a for a in arterial_lines(city.blocks) if a <= block_i)
    return lp[(True, line_k, ax0)]


def _lay_compounds(
    city: City,
    rng: random.Random,
    mp: dict[tuple[bool, int], MainLine],
    lp: dict[tuple[bool, int, int], MainLine],
) -> None:
    numbers: dict[tuple[int, int], int] = {}
    for j in range(city.blocks):
        for i in range(city.blocks):
            x = i * BLOCK_M + 30.0
            # The block's south side fronts street j (even numbers), its north side street j+1.
            for line_k, y, parity in (
                (j, j * BLOCK_M + 45.0, 2),
                (j + 1, (j + 1) * BLOCK_M - 45.0, 1),
            ):
                line = _facing_line(city, mp, lp, line_k, i)
                on_arterial = line.pressure_class == "medium"
                shops = on_arterial and rng.random() < 0.7
                count = rng.randint(3, 6) if shops else rng.randint(1, 4)
                number = numbers.get((line_k, parity), parity)
                numbers[(line_k, parity)] = number + 2 * (count if shops else 1)
                city.compounds.append(
                    Compound(
                        district=city.district_of(x, y),
                        road=_road_index(city, line_k, north_south=False),
                        number=number,
                        x=x,
                        y=y,
                        dx=140.0 / max(count - 1, 1),
                        buildings=count,
                        units=1 if shops else rng.randint(1, 3),
                        floors=1 if shops else rng.randint(3, 9),
                        rooms_per_floor=1 if shops else 2,
                        shops=shops,
                        line=line,
                    )
                )


LANDMARK_KINDS = [
    ("school", "小学", "Primary School"),
    ("hospital", "医院", "Hospital"),
    ("market", "菜市场", "Market"),
    ("park", "公园", "Park"),
    ("kindergarten", "幼儿园", "Kindergarten"),
    ("elderly_home", "养老院", "Elderly Home"),
    ("mall", "购物中心", "Shopping Centre"),
    ("station", "地铁站", "Metro Station"),
    ("government", "街道办事处", "Sub-district Office"),
]


def _lay_landmarks(city: City) -> None:
    used: set[str] = set()
    for n, (ax0, ax1, ay0, ay1) in enumerate(_superblocks(city)):
        kind, suffix, suffix_en = LANDMARK_KINDS[n % len(LANDMARK_KINDS)]
        x, y = (ax0 + ax1) / 2 * BLOCK_M + 60.0, (ay0 + ay1) / 2 * BLOCK_M + 70.0
        v_road = city.roads[_road_index(city, ax0, north_south=True)]
        h_road = city.roads[_road_index(city, ay0, north_south=False)]
        district, district_en = DISTRICTS[city.district_of(x, y)]
        options = [
            (v_road.name, v_road.name_en),
            (h_road.name, h_road.name_en),
            (district + v_road.name, f"{district_en} {v_road.name_en}"),
        ]
        name, name_en = next((o for o in options if o[0] + suffix not in used), options[-1])
        used.add(name + suffix)
        city.landmarks.append(
            LandmarkRow(f"L-{n + 1:05d}", name + suffix, f"{name_en} {suffix_en}", kind, x, y)
        )


def city_compound_order(city: City) -> list[Compound]:
    """Compounds in the (seeded) order premises are emitted, so a target cuts evenly."""
    order = list(city.compounds)
    random.Random(city.seed + 1).shuffle(order)
    return order


def city_premises(city: City) -> Iterator[tuple[PremiseRow, CustomerRow]]:
    """Exactly `premise_target` premises, each with its customer account."""
    rng = random.Random(city.seed + 2)
    index = 0
    for c in city_compound_order(city):
        road = city.roads[c.road]
        district, district_en = DISTRICTS[c.district]
        for b in range(c.buildings):
            x = c.x + c.dx * b
            segment = c.line.segment_at(x)
            for flat in _flats(c, b):
                if index >= city.premise_target:
                    return
                number, building, unit, room = flat
                if c.shops:
                    text = f"{district}{road.name}{number}号"
                    text_en = f"No. {number} {road.name_en}, {district_en}"
                else:
                    text = f"{district}{road.name}{number}号{building}号楼{unit}单元{room}"
                    text_en = (
                        f"Room {room}, Unit {unit}, Building {building}, "
                        f"No. {number} {road.name_en}, {district_en}"
                    )
                index += 1
                asset = f"PR-{index:07d}"
                yield (
                    PremiseRow(
                        asset,
                        x,
                        c.y,
                        district,
                        road.name,
                        str(number),
                        building,
                        unit,
                        room,
                        text,
                        text_en,
                        "commercial" if c.shops else "residential",
                        f"M{index:09d}",
                        segment,
                    ),
                    _customer(rng, index, asset),
                )


def _flats(c: Compound, b: int) -> Iterator[tuple[int, str, str, str]]:
    if c.shops:
        yield c.number + 2 * b, "", "", ""
        return
    for unit in range(1, c.units + 1):
        for floor in range(1, c.floors + 1):
            for r in range(1, c.rooms_per_floor + 1):
                yield c.number, str(b + 1), str(unit), f"{floor}{r:02d}"


def _customer(rng: random.Random, index: int, premise: str) -> CustomerRow:
    name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))
    # 7919 is prime and coprime to 10**9, so every index gets its own mobile number.
    phones = [f"13{(index * 7919 + 12345) % 10**9:09d}"]
    if rng.random() < 0.1:
        phones.append(f"022{(index * 104729) % 10**8:08d}")
    return CustomerRow(f"GX{index:08d}", name, phones, premise, rng.random() < 0.04)
