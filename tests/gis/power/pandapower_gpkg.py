"""A pandapower network written to a GeoPackage as a power utility's GIS would export it.

pandapower 3 keeps each bus's position and each line's route in a `geo` column as GeoJSON;
the networks it ships (mv_oberrhein, lv_schutterwald) are in WGS 84 lon/lat (the Oberrhein
buses lie at 7.7-8.0 E, 48.3-48.5 N: Baden, where the grid is). The layers, read by
gis/mappings/pandapower_power.toml:

- `lines`: one LineString per line, its ends put on its buses' points (a drawn route may
  end off its bus: line 165 of mv_oberrhein by 72 m). Where a switch sits on a line end, the
  line is cut a few metres (STUB_M) from that bus and the switch drawn at the cut: a device
  between two spans, as a GIS draws it, so it covers the line and what lies beyond, not its
  whole bus.
- `switches`: pandapower's line switches, `type` CB (circuit breaker), LBS (load-break
  switch), LS, DS; `position` open or closed, from `closed`.
- `transformers`: one distribution transformer per load (a load of mv_oberrhein is an
  MV/LV station), at its bus.
- `substations`: where the external grid feeds the lines: the low-voltage bus of each
  transformer whose high-voltage bus has an external grid, or the external grid's own bus
  when lines leave it.
- `premises`: the customers behind each load's transformer, CUSTOMERS_PER_MW of its power
  (at least one), placed round its bus.
"""

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pyogrio
import shapely

# Where a switch cuts its line: more than the 0.5 m snap from the bus, and 2 m further for
# each other switched line at the bus, as cables leaving a station share a trench and
# switches drawn at one point would join them.
STUB_M = 2.0
CUSTOMERS_PER_MW = 40
_M_PER_DEG = 111_320.0


def _point(geo: str) -> tuple[float, float]:
    x, y = json.loads(geo)["coordinates"]
    return float(x), float(y)


def _along(a: tuple[float, float], b: tuple[float, float], metres: float) -> tuple[float, float]:
    """The point `metres` from a toward b (lon/lat, by a local flat-earth scale)."""
    kx = _M_PER_DEG * math.cos(math.radians(a[1]))
    dx, dy = (b[0] - a[0]) * kx, (b[1] - a[1]) * _M_PER_DEG
    length = math.hypot(dx, dy)
    share = min(metres / length, 0.5) if length else 0.0
    return a[0] + (b[0] - a[0]) * share, a[1] + (b[1] - a[1]) * share


def _write(path: Path, layer: str, geometries: list[Any], fields: dict[str, list[object]]) -> None:
    pyogrio.raw.write(
        path,
        np.array(shapely.to_wkb(geometries), dtype=object),
        [np.array(values, dtype=object) for values in fields.values()],
        list(fields),
        layer=layer,
        driver="GPKG",
        geometry_type="Point" if layer != "lines" else "LineString",
        crs="EPSG:4326",
        append=path.exists(),
    )


def network_gpkg(net: Any, path: Path) -> dict[str, int]:
    """Write `net` (a pandapower net) to `path`; how many features each layer got."""
    path.unlink(missing_ok=True)
    bus_xy = {int(i): _point(g) for i, g in net.bus["geo"].items()}
    switched: dict[tuple[int, int], list[Any]] = {}  # (line, bus) -> switch rows
    for index, sw in net.switch.iterrows():
        if sw["et"] == "l":
            switched.setdefault((int(sw["element"]), int(sw["bus"])), []).append((index, sw))

    lines: dict[str, list[object]] = {"name": [], "vn_kv": [], "type": [], "in_service": []}
    line_geoms: list[Any] = []
    switches: dict[str, list[object]] = {"name": [], "type": [], "position": [], "line": []}
    switch_geoms: list[Any] = []
    taken: dict[int, int] = {}  # bus -> switched line ends drawn from it so far
    for index, line in net.line.iterrows():
        a, b = int(line["from_bus"]), int(line["to_bus"])
        coords = [tuple(c) for c in json.loads(line["geo"])["coordinates"]]
        coords[0], coords[-1] = bus_xy[a], bus_xy[b]
        pieces, cut = [coords], []
        for end, bus in ((0, a), (1, b)):
            if (int(index), bus) not in switched:
                continue
            stub = STUB_M * (1 + taken.get(bus, 0))
            taken[bus] = taken.get(bus, 0) + 1
            route = pieces.pop(0 if end == 0 else -1)
            if end == 0:
                at = _along(route[0], route[1], stub)
                pieces.insert(0, [route[0], at])
                pieces.insert(1, [at, *route[1:]])
            else:
                at = _along(route[-1], route[-2], stub)
                pieces.append([*route[:-1], at])
                pieces.append([at, route[-1]])
            cut.append((at, bus))
        for part, piece in enumerate(pieces):
            lines["name"].append(f"line-{index}" + (f"/{part}" if len(pieces) > 1 else ""))
            lines["vn_kv"].append(float(net.bus.at[a, "vn_kv"]))
            lines["type"].append(str(line["type"]))
            lines["in_service"].append("yes" if line["in_service"] else "no")
            line_geoms.append(shapely.LineString(piece))
        for at, bus in cut:
            for sw_index, sw in switched[(int(index), bus)]:
                switches["name"].append(f"switch-{sw_index}")
                switches["type"].append(str(sw["type"]))
                switches["position"].append("closed" if sw["closed"] else "open")
                switches["line"].append(f"line-{index}")
                switch_geoms.append(shapely.Point(at))

    transformers: dict[str, list[object]] = {"name": [], "title": [], "kva": []}
    transformer_geoms: list[Any] = []
    premises: dict[str, list[object]] = {"name": [], "address": [], "transformer": []}
    premise_geoms: list[Any] = []
    for index, load in net.load.iterrows():
        x, y = bus_xy[int(load["bus"])]
        transformers["name"].append(f"load-{index}")
        transformers["title"].append(str(load["name"]))
        transformers["kva"].append(float(load["p_mw"]) * 1000)
        transformer_geoms.append(shapely.Point(x, y))
        count = max(1, round(float(load["p_mw"]) * CUSTOMERS_PER_MW))
        for k in range(count):
            # On a ring 30-60 m round the station: customers live near their transformer.
            angle, metres = 2 * math.pi * k / count, 30 + 30 * (k % 2)
            dx = metres * math.cos(angle) / (_M_PER_DEG * math.cos(math.radians(y)))
            premises["name"].append(f"cust-{index}-{k}")
            premises["address"].append(f"{load['name']}, customer {k + 1}")
            premises["transformer"].append(f"load-{index}")
            premise_geoms.append(shapely.Point(x + dx, y + metres * math.sin(angle) / _M_PER_DEG))

    fed_buses = {int(b) for b in net.ext_grid["bus"]}
    line_buses = {int(b) for b in net.line["from_bus"]} | {int(b) for b in net.line["to_bus"]}
    stations: dict[str, list[object]] = {"name": [], "title": [], "kv": []}
    station_geoms: list[Any] = []
    for index, trafo in net.trafo.iterrows():
        if int(trafo["hv_bus"]) in fed_buses:
            stations["name"].append(f"trafo-{index}")
            stations["title"].append(str(trafo["name"]))
            stations["kv"].append(float(net.bus.at[int(trafo["lv_bus"]), "vn_kv"]))
            station_geoms.append(shapely.Point(bus_xy[int(trafo["lv_bus"])]))
    for index, grid in net.ext_grid.iterrows():
        if int(grid["bus"]) in line_buses:
            stations["name"].append(f"grid-{index}")
            stations["title"].append(str(grid["name"]))
            stations["kv"].append(float(net.bus.at[int(grid["bus"]), "vn_kv"]))
            station_geoms.append(shapely.Point(bus_xy[int(grid["bus"])]))

    _write(path, "lines", line_geoms, lines)
    _write(path, "switches", switch_geoms, switches)
    _write(path, "transformers", transformer_geoms, transformers)
    _write(path, "substations", station_geoms, stations)
    _write(path, "premises", premise_geoms, premises)
    return {
        "lines": len(line_geoms),
        "switches": len(switch_geoms),
        "transformers": len(transformer_geoms),
        "substations": len(station_geoms),
        "premises": len(premise_geoms),
    }
