"""A wntr water network written to a GeoPackage as a district-heating utility's GIS would be.

wntr ships EPANET models of real water networks (ky10.inp: a Kentucky utility's, 1,043 pipes,
13 pumps, 5 valves, 2 reservoirs, 13 tanks). Water mains stand in for heat mains here: the
topology (loops, trees, long transmission mains) is a utility's, which no generator gives.

Coordinates: an .inp file's are in whatever unit its author drew in (ky10's look like US
state-plane feet). They are scaled so that a pipe's drawn length matches, at the median, the
length the model gives it (metres, wntr converts), then shifted so the network's south-west
corner lies at 510 000 E, 4 325 000 N of WGS 84 / UTM zone 50N (EPSG:32650): the east of
Tianjin. The file declares that CRS; the import turns it into WGS 84.

What the file holds (read by gis/mappings/wntr_heat.toml):

- `pipes`: every pipe as a primary supply pipe (ky10 draws its pumps and valves with both
  ends on one point: they are contracted to one node, where a valve pair marks each valve),
  and beside each its return twin, the whole network shifted by RETURN_OFFSET (1 m), so the
  return circuit joins where the supply does. Into a station the return comes within a
  quarter metre of the supply (a station drawn further than SNAP_TOLERANCE_M from a pipe's
  end would cut the pipe there). Most supply pipes name their twin; about one in ten leaves
  it blank (gis.heat finds the pipe alongside).
- `stations`: the reservoirs and tanks as heat sources (plants); SUBSTATIONS junctions of one
  or two pipes as substations, each with a small secondary network: a pipe away from the
  junction to a courtyard node and three pipes from there to buildings, on both circuits.
- `valves`: a valve pair (one per circuit) at about half the junctions of three or more pipes,
  at the start of each of wntr's valves, and at every other courtyard; a few seized on one
  circuit, a few pairs normally closed (boundaries between zones).
- `buildings`: three per substation, each naming its substation and its secondary pipe.

The returned HeatModel says the same in plain node names, for the test's reference.
"""

import itertools
import math
import random
from dataclasses import dataclass, field
from pathlib import Path
from statistics import median
from typing import Any

import numpy as np
import pyogrio
import shapely
import wntr

NETWORKS = Path(wntr.__file__).parent / "library" / "networks"
CRS = "EPSG:32650"
ORIGIN = (510_000.0, 4_325_000.0)
RETURN_OFFSET = (0.8, 0.6)  # metres: the return pipe 1 m from the supply
SUBSTATIONS = 24
COURTYARD_M, BUILDING_M = 40.0, 20.0


@dataclass
class HeatModel:
    """The network as written, in wntr's node names (a secondary node: '<substation>:K')."""

    pipes: dict[str, tuple[str, str, str, bool]] = field(default_factory=dict)  # asset ->
    # (circuit, start node, end node, primary)
    twins: dict[str, str] = field(default_factory=dict)  # supply asset -> return asset
    valves: dict[str, tuple[str, str, bool, bool]] = field(default_factory=dict)  # asset ->
    # (circuit, node, operable, normally open)
    stations: dict[str, tuple[str, str]] = field(default_factory=dict)  # asset -> (node, kind)
    buildings: dict[str, tuple[str, str]] = field(default_factory=dict)  # asset -> (station,
    # service pipe)
    xy: dict[str, tuple[float, float]] = field(default_factory=dict)  # supply node positions


def _write(
    path: Path, layer: str, kind: str, geoms: list[Any], fields: dict[str, list[Any]]
) -> None:
    pyogrio.raw.write(
        path,
        np.array(shapely.to_wkb(geoms), dtype=object),
        [np.array(values, dtype=object) for values in fields.values()],
        list(fields),
        layer=layer,
        driver="GPKG",
        geometry_type=kind,
        crs=CRS,
        append=path.exists(),
    )


def heat_gpkg(path: Path, network: str = "ky10.inp", seed: int = 23) -> HeatModel:
    """Write the heat network made from one of wntr's models; return what was written."""
    wn = wntr.network.WaterNetworkModel(str(NETWORKS / network))
    rng = random.Random(seed)
    # Pumps and valves are drawn with no length: contract each to its start node.
    merged: dict[str, str] = {}

    def node_of(name: str) -> str:
        while name in merged:
            name = merged[name]
        return name

    for _name, link in [*wn.pumps(), *wn.valves()]:
        if node_of(link.end_node_name) != node_of(link.start_node_name):
            merged[node_of(link.end_node_name)] = node_of(link.start_node_name)
    raw = {name: node.coordinates for name, node in wn.nodes() if name not in merged}
    links = [
        (name, node_of(link.start_node_name), node_of(link.end_node_name), link)
        for name, link in wn.pipes()
    ]

    def drawn(a: str, b: str, link: Any) -> list[tuple[float, float]]:
        return [raw[a], *link.vertices, raw[b]]

    ratios = []
    for _name, a, b, link in links:
        line = drawn(a, b, link)
        metres = sum(math.dist(p, q) for p, q in itertools.pairwise(line))
        if getattr(link, "length", 0) and metres > 0:
            ratios.append(link.length / metres)
    scale = median(ratios)
    x0 = min(x for x, _y in raw.values())
    y0 = min(y for _x, y in raw.values())

    def place(p: tuple[float, float]) -> tuple[float, float]:
        return ORIGIN[0] + (p[0] - x0) * scale, ORIGIN[1] + (p[1] - y0) * scale

    model = HeatModel(xy={n: place(p) for n, p in raw.items()})
    degree = {n: 0 for n in raw}
    for _name, a, b, _link in links:
        degree[a] += 1
        degree[b] += 1

    # Stations: plants at reservoirs and tanks, substations at junctions of one or two pipes.
    for name in [*wn.reservoir_name_list, *wn.tank_name_list]:
        model.stations[f"HS-{name}"] = (node_of(name), "plant")
    quiet = sorted(n for n in wn.junction_name_list if degree.get(n) in (1, 2))
    substations = rng.sample(quiet, SUBSTATIONS)
    for name in substations:
        model.stations[f"SS-{name}"] = (name, "substation")
    station_nodes = {node for node, _kind in model.stations.values()}

    # Primary pipes on both circuits.
    lines: dict[str, list[tuple[float, float]]] = {}
    for name, a, b, link in links:
        supply, back = f"S-{name}", f"R-{name}"
        model.pipes[supply] = ("supply", a, b, True)
        model.pipes[back] = ("return", a, b, True)
        model.twins[supply] = back
        lines[supply] = [place(p) for p in drawn(a, b, link)]

    # Secondary networks: junction -> courtyard -> three buildings.
    courtyards = []
    for n, station in enumerate(substations):
        sx, sy = model.xy[station]
        angle = rng.uniform(0, 2 * math.pi)
        k = f"{station}:K"
        model.xy[k] = (sx + COURTYARD_M * math.cos(angle), sy + COURTYARD_M * math.sin(angle))
        pipes = [(f"{station}-0", station, k)]
        for i in range(3):
            b = f"{station}:B{i}"
            turn = angle + (i - 1) * math.pi / 3
            kx, ky = model.xy[k]
            model.xy[b] = (kx + BUILDING_M * math.cos(turn), ky + BUILDING_M * math.sin(turn))
            pipes.append((f"{station}-{i + 1}", k, b))
            model.buildings[f"B-{station}-{i}"] = (f"SS-{station}", f"S2-{station}-{i + 1}")
        for pipe, a, b in pipes:
            model.pipes[f"S2-{pipe}"] = ("supply", a, b, False)
            model.pipes[f"R2-{pipe}"] = ("return", a, b, False)
            model.twins[f"S2-{pipe}"] = f"R2-{pipe}"
            lines[f"S2-{pipe}"] = [model.xy[a], model.xy[b]]
        if n % 2 == 0:
            courtyards.append(k)

    # Valve pairs: half the junctions of three or more pipes, wntr's valves, some courtyards.
    busy = sorted(n for n, d in degree.items() if d >= 3 and n not in station_nodes)
    at = set(rng.sample(busy, len(busy) // 2))
    at |= {node_of(link.start_node_name) for _n, link in wn.valves()} - station_nodes
    at |= set(courtyards)
    for node in sorted(at):
        closed = rng.random() < 0.03
        for circuit in ("supply", "return"):
            seized = rng.random() < 0.05
            model.valves[f"V{circuit[0].upper()}-{node}"] = (circuit, node, not seized, not closed)

    _check_spacing(model)
    path.unlink(missing_ok=True)
    _write_layers(path, model, lines, rng)
    return model


def _check_spacing(model: HeatModel) -> None:
    """Distinct nodes must stay apart, or the graph would join them (0.5 m) and a valve
    could attach to the wrong one (each is drawn on its own node). ky10 has junctions 1 m
    apart."""
    names = sorted(model.xy)
    points = np.array([model.xy[n] for n in names])
    tree = shapely.STRtree(shapely.points(points))
    close = tree.query(shapely.points(points), predicate="dwithin", distance=0.6)
    pairs = [(names[a], names[b]) for a, b in close.T if a < b]
    assert not pairs, f"nodes closer than 0.6 m: {pairs[:5]}"


def _shift(points: list[tuple[float, float]], share: float = 1.0) -> list[tuple[float, float]]:
    return [(x + share * RETURN_OFFSET[0], y + share * RETURN_OFFSET[1]) for x, y in points]


def _write_layers(
    path: Path, model: HeatModel, lines: dict[str, list[tuple[float, float]]], rng: random.Random
) -> None:
    geoms: list[Any] = []
    fields: dict[str, list[Any]] = {
        k: [] for k in ("name", "circuit", "level", "twin", "diameter", "material", "year")
    }
    blank_twins = {s for s in sorted(model.twins) if rng.random() < 0.1}
    back_of = {v: k for k, v in model.twins.items()}
    stations = {node for node, _kind in model.stations.values()}
    for asset, (circuit, _a, _b, primary) in model.pipes.items():
        supply = asset if circuit == "supply" else back_of[asset]
        line = lines[supply] if circuit == "supply" else _shift(lines[supply])
        if circuit == "return":  # into a station, the return comes close to the supply
            _a, start, end, _p = model.pipes[asset]
            if start in stations:
                line[0] = _shift(lines[supply][:1], 0.25)[0]
            if end in stations:
                line[-1] = _shift(lines[supply][-1:], 0.25)[0]
        geoms.append(shapely.linestrings(line))
        fields["name"].append(asset)
        fields["circuit"].append(circuit)
        fields["level"].append("primary" if primary else "secondary")
        named = circuit == "supply" and asset not in blank_twins
        fields["twin"].append(model.twins[asset] if named else "")
        fields["diameter"].append(300 if primary else 100)
        fields["material"].append("steel")  # pre-insulated steel, as heat mains are laid
        fields["year"].append(1985 + sum(map(ord, supply)) % 35)
    _write(path, "pipes", "LineString", geoms, fields)

    def at(node: str, circuit: str) -> Any:
        x, y = model.xy[node]
        return shapely.points(_shift([(x, y)])[0] if circuit == "return" else (x, y))

    geoms, fields = [], {k: [] for k in ("name", "circuit", "state", "seized")}
    for asset, (circuit, node, operable, normally_open) in model.valves.items():
        geoms.append(at(node, circuit))
        fields["name"].append(asset)
        fields["circuit"].append(circuit)
        fields["state"].append("open" if normally_open else "closed")
        fields["seized"].append("no" if operable else "yes")
    _write(path, "valves", "Point", geoms, fields)

    geoms, fields = [], {k: [] for k in ("name", "title", "kind", "level")}
    for asset, (node, kind) in model.stations.items():
        # Drawn between the two circuits' ends, an eighth of a metre from each: on both, as
        # a station is, and nearer than SNAP_TOLERANCE_M to them, so no pipe is cut there.
        x, y = model.xy[node]
        geoms.append(shapely.points(_shift([(x, y)], 0.125)[0]))
        fields["name"].append(asset)
        fields["title"].append(f"{'热源' if kind == 'plant' else '换热站'} {node}")
        fields["kind"].append(kind)
        fields["level"].append("primary" if kind == "plant" else "secondary")
    _write(path, "stations", "Point", geoms, fields)

    geoms, fields = [], {k: [] for k in ("name", "address", "substation", "service")}
    for asset, (station, service) in model.buildings.items():
        node = f"{station.removeprefix('SS-')}:B{asset.rsplit('-', 1)[1]}"
        x, y = model.xy[node]
        geoms.append(shapely.points(x + 4.0, y - 3.0))
        fields["name"].append(asset)
        fields["address"].append(f"天津市河东区热力小区 {asset}")
        fields["substation"].append(station)
        fields["service"].append(service)
    _write(path, "buildings", "Point", geoms, fields)
