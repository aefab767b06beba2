"""The isolation trace of a damaged heat pipe: supply and return are closed together.

A leak on the supply pipe is repaired with its return twin emptied too (they share the trench,
and a circuit with one pipe shut does not circulate), so the gas trace (gis.trace) runs twice:
on the damaged pipe's own circuit and level, and on its twin's. Then the consequences:

1. Primary pipes that lose supply, on each circuit: those the traces cut off, and those fed
   only by a plant that had to be shut (a plant shut stops both circuits).
2. Substations without heat: those whose every primary pipe that was fed is lost, on the
   supply or on the return (without its return a substation's water does not circulate),
   and those inside a secondary trace's ring, which must be shut.
3. Secondary pipes that lose supply: those the traces cut off, and those fed only by
   substations without heat.
4. Buildings without heat (gis.heat.trace.heat_isolation_for_segment, from the database):
   those of the substations without heat, and those served from lost secondary pipes.
"""

from dataclasses import dataclass, field, replace

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from gis.heat.network import CIRCUITS, PRIMARY, SECONDARY, HeatNetwork, heat_network, twin_for
from gis.models import Premise, Valve
from gis.topology import NetworkGraph
from gis.trace import Isolation, UnknownSegmentError, isolation_trace


@dataclass(frozen=True)
class CircuitIsolation:
    circuit: str
    traced_segment_id: int | None  # the damaged pipe or its twin; None: nothing traced here
    valves_to_close: list[int]  # nearest to the traced pipe first
    valve_distances_m: list[float]
    seized_valves_passed: list[int]
    isolated_segment_ids: list[int]  # every pipe of this circuit losing supply, both levels


@dataclass(frozen=True)
class HeatIsolation:
    segment_id: int
    level: str  # primary | secondary
    twin_id: int | None  # the pipe beside it in the other circuit, traced too
    supply: CircuitIsolation
    back: CircuitIsolation  # the return circuit ("return" is a keyword)
    stations_to_shut: list[int]  # heat stations inside a ring: shut at the station
    substations_without_heat: list[int]
    premise_ids_without_heat: list[int] = field(default_factory=list)  # from the database

    def circuit(self, name: str) -> CircuitIsolation:
        return self.supply if name == "supply" else self.back

    @property
    def isolated_segment_ids(self) -> list[int]:
        return sorted({*self.supply.isolated_segment_ids, *self.back.isolated_segment_ids})


def heat_isolation_trace(
    network: HeatNetwork,
    *,
    segment_id: int,
    twin_id: int | None = None,
    seized_valves: frozenset[int] = frozenset(),
) -> HeatIsolation:
    """Trace a damaged heat pipe and its twin (None: no twin known) on their networks."""
    where = network.segment_network.get(segment_id)
    if where is None:
        raise UnknownSegmentError(f"segment {segment_id} is not an in-service heat pipe")
    circuit, level = where
    traces: dict[str, tuple[str, Isolation]] = {
        circuit: (
            level,
            isolation_trace(
                network.graphs[where], segment_id=segment_id, seized_valves=seized_valves
            ),
        )
    }
    twin_where = network.segment_network.get(twin_id) if twin_id is not None else None
    if twin_id is not None and twin_where is not None and twin_where[0] != circuit:
        traces[twin_where[0]] = (
            twin_where[1],
            isolation_trace(
                network.graphs[twin_where], segment_id=twin_id, seized_valves=seized_valves
            ),
        )
    else:
        twin_id = None
    shut = {s for _level, t in traces.values() for s in t.sources_to_shut}
    lost: dict[tuple[str, str], set[int]] = {}
    for c in CIRCUITS:
        lost[(c, PRIMARY)] = _lost(network, c, PRIMARY, traces.get(c), shut & network.heat_sources)
    dark = shut & network.substations
    for c in CIRCUITS:
        dark |= substations_cut_off(network, c, lost[(c, PRIMARY)])
    for c in CIRCUITS:
        lost[(c, SECONDARY)] = _lost(network, c, SECONDARY, traces.get(c), dark)

    def on(c: str) -> CircuitIsolation:
        level_trace = traces.get(c)
        t = level_trace[1] if level_trace else None
        return CircuitIsolation(
            circuit=c,
            traced_segment_id=t.segment_id if t else None,
            valves_to_close=list(t.valves_to_close) if t else [],
            valve_distances_m=list(t.valve_distances_m) if t else [],
            seized_valves_passed=list(t.seized_valves_passed) if t else [],
            isolated_segment_ids=sorted(lost[(c, PRIMARY)] | lost[(c, SECONDARY)]),
        )

    return HeatIsolation(
        segment_id=segment_id,
        level=level,
        twin_id=twin_id,
        supply=on("supply"),
        back=on("return"),
        stations_to_shut=sorted(shut),
        substations_without_heat=sorted(dark),
    )


def _lost(
    network: HeatNetwork,
    circuit: str,
    level: str,
    traced: tuple[str, Isolation] | None,
    removed: set[int],
) -> set[int]:
    """Pipes of one graph that lose supply: cut off by its trace (if it was traced here),
    or fed only by the `removed` stations (shut, or without heat themselves)."""
    graph = network.graphs[(circuit, level)]
    trace = traced[1] if traced and traced[0] == level else None
    lost = set(trace.isolated_segment_ids) if trace else set()
    if not removed & set(graph.source_node):
        return lost  # the trace already counted the stations it shut
    closed = {graph.valve_node[v] for v in trace.valves_to_close} if trace else set()
    return lost | _cut_off(graph, closed, removed)


def _cut_off(graph: NetworkGraph, closed: set[int], removed: set[int]) -> set[int]:
    """Pipes fed with every valve open that are fed by no station once the valves at the
    `closed` nodes are shut and the `removed` stations feed no more."""
    if not len(graph.edge_u):
        return set()
    keep = ~(np.isin(graph.edge_u, list(closed)) | np.isin(graph.edge_v, list(closed)))
    u, v = graph.edge_u[keep], graph.edge_v[keep]
    n = graph.node_count
    matrix = coo_matrix((np.ones(len(u)), (u, v)), shape=(n, n)).tocsr()
    _count, labels = connected_components(matrix, directed=False)
    feeding = [
        node
        for node, stations in graph.node_sources.items()
        if any(s not in removed for s in stations)
    ]
    fed = np.isin(labels, labels[feeding]) if feeding else np.zeros(n, dtype=bool)
    was = graph.base_supplied[graph.edge_u]
    now = fed[graph.edge_u] | fed[graph.edge_v]
    return {int(s) for s in graph.edge_segment[was & ~now]}


def substations_cut_off(network: HeatNetwork, circuit: str, lost: set[int]) -> set[int]:
    """Substations whose every primary pipe that was fed is lost (on this circuit)."""
    if not lost:
        return set()
    graph = network.graphs[(circuit, PRIMARY)]
    nodes = network.station_node.get((circuit, PRIMARY), {})
    dark = set()
    for station in network.substations:
        node = nodes.get(station)
        if node is None or node >= len(graph.adjacency):
            continue
        fed = [
            int(graph.edge_segment[e])
            for _n, e in graph.adjacency[node]
            if graph.base_supplied[graph.edge_u[e]]
        ]
        if fed and all(s in lost for s in fed):
            dark.add(station)
    return dark


def heat_isolation_for_segment(
    *, segment_id: int, seized_valve_ids: frozenset[int] = frozenset()
) -> HeatIsolation:
    """Trace a damaged heat pipe as the database has it: its twin named or found alongside,
    valves in the register as inoperable passed over, and the buildings without heat."""
    network = heat_network()
    seized = frozenset(Valve.objects.filter(operable=False).order_by().values_list("id", flat=True))
    result = heat_isolation_trace(
        network,
        segment_id=segment_id,
        twin_id=twin_for(network, segment_id),
        seized_valves=seized | seized_valve_ids,
    )
    return replace(result, premise_ids_without_heat=premise_ids_without_heat(result))


def premise_ids_without_heat(result: HeatIsolation) -> list[int]:
    """Buildings of the substations without heat, and those served from lost pipes."""
    from django.db.models import Q

    return list(
        Premise.objects.filter(
            Q(heat_station_id__in=result.substations_without_heat)
            | Q(service_segment_id__in=result.isolated_segment_ids)
        )
        .order_by("id")
        .values_list("id", flat=True)
    )
