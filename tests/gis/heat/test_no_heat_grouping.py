"""No-heat calls grouped onto their substation or primary main, against a plain reference."""

import itertools
from collections.abc import Hashable
from dataclasses import dataclass

import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st

from gis.heat.grouping import no_heat_groups, substation_feeding
from gis.heat.network import PRIMARY, SECONDARY, HeatNetwork
from gis.topology import NetworkGraph
from tests.gis.heat.reference import Level

PIPE, VALVE, PLANT, SUBSTATION = 1000, 5000, 9000, 9500


@dataclass
class Radial:
    """A radial primary network: a tree from the plant at node 0, substations hanging off it
    by a service pipe each (and one perhaps off the network), valves at some junctions."""

    nodes: int
    edges: list[tuple[int, int]]
    valves: set[int]
    plants: list[int]
    substations: list[int]
    calls: list[tuple[Hashable, int | None]]  # (call key, substation node or None)

    def network(self) -> HeatNetwork:
        stations = {PLANT + n: n for n in self.plants} | {
            SUBSTATION + n: n for n in self.substations
        }
        graph = NetworkGraph.from_edges(
            node_count=self.nodes,
            edges=[(u, v, PIPE + i) for i, (u, v) in enumerate(self.edges)],
            valves={VALVE + n: n for n in self.valves},
            sources=stations,
        )
        empty = NetworkGraph.from_edges(node_count=0, edges=[], valves={}, sources={})
        return HeatNetwork.from_circuits(
            circuits={"supply": graph, "return": empty},
            levels={PIPE + i: PRIMARY for i in range(len(self.edges))},
            substations=frozenset(SUBSTATION + n for n in self.substations),
            heat_sources=frozenset(PLANT + n for n in self.plants),
        )


@st.composite
def radials(draw: st.DrawFn) -> Radial:
    n = draw(st.integers(2, 14))
    edges = [(i, draw(st.integers(0, i - 1))) for i in range(1, n)]
    plants = [0] + ([draw(st.integers(1, n - 1))] if draw(st.booleans()) else [])
    junctions = [j for j in range(n) if j not in plants]
    valves = {j for j in junctions if draw(st.integers(0, 9)) < 8}
    count = draw(st.integers(1, 6))
    substations = list(range(n, n + count))
    for s in substations[: count - 1] if draw(st.booleans()) else substations:
        edges.append((draw(st.integers(0, n - 1)), s))  # the last may stay off the network
    calls = draw(
        st.lists(st.one_of(st.none(), st.sampled_from(substations)), min_size=1, max_size=12)
    )
    return Radial(n + count, edges, valves, plants, substations, list(enumerate(calls)))


def reference(net: Radial) -> set[tuple[frozenset[Hashable], str, int | None]]:
    """Groups as (call keys, cause, cause id), worked out plainly with networkx."""
    level = Level(
        edges={PIPE + i: e for i, e in enumerate(net.edges)},
        feeds=set(net.plants),
        closable=set(net.valves),
        closed=set(),
    )
    tree = nx.Graph()
    tree.add_nodes_from(range(net.nodes))
    tree.add_edges_from((u, v, {"pipe": PIPE + i}) for i, (u, v) in enumerate(net.edges))
    groups: set[tuple[frozenset[Hashable], str, int | None]] = set()
    by_station: dict[int, list[Hashable]] = {}
    for key, station in net.calls:
        if station is None:
            groups.add((frozenset([key]), "unknown", None))
        else:
            by_station.setdefault(station, []).append(key)

    def dark_after_isolating(pipe: int) -> set[int]:
        close, shut = level.trace(pipe)
        before = level.fed_pipes(level.feeds, set())
        lost = before - level.fed_pipes(level.feeds - shut, close)
        return {
            s
            for s in net.substations
            if s in shut
            or (
                (fed := {p for p, e in level.edges.items() if s in e and p in before})
                and fed <= lost
            )
        }

    on_network = [s for s in by_station if tree.degree(s)]
    for s in by_station:
        if not tree.degree(s):
            groups.add((frozenset(by_station[s]), "substation", SUBSTATION + s))
    parts: dict[int, list[int]] = {}
    for s in on_network:
        parts.setdefault(min(nx.node_connected_component(tree, s)), []).append(s)
    for stations in parts.values():
        keys = frozenset(k for s in stations for k in by_station[s])
        if len(stations) == 1:
            groups.add((keys, "substation", SUBSTATION + stations[0]))
            continue
        paths = [nx.shortest_path(tree, s, 0) for s in stations]
        on_every = [set(itertools.pairwise(p)) | set(itertools.pairwise(p[::-1])) for p in paths]
        common = [
            (u, v)
            for u, v in zip(paths[0], paths[0][1:], strict=False)
            if all((u, v) in hops for hops in on_every)
        ]  # from the substations up towards the plant
        main = next(
            (
                tree.edges[u, v]["pipe"]
                for u, v in common
                if set(stations) <= dark_after_isolating(tree.edges[u, v]["pipe"])
            ),
            None,
        )
        if main is not None:
            groups.add((keys, "main", main))
        elif len(net.plants) == 1:
            groups.add((keys, "heat_source", PLANT + net.plants[0]))
        else:
            groups.add((keys, "unknown", None))
    return groups


@settings(deadline=None)
@given(radials())
def test_no_heat_calls_are_grouped_as_the_reference(net: Radial) -> None:
    calls = [(k, None if s is None else SUBSTATION + s) for k, s in net.calls]
    groups = no_heat_groups(net.network(), calls)
    got = {(frozenset(g.call_keys), g.cause, g.cause_id) for g in groups}
    assert got == reference(net)
    assert sorted(str(k) for g in groups for k in g.call_keys) == sorted(
        str(k) for k, _s in net.calls
    )


def test_a_point_is_put_on_the_substation_feeding_its_nearest_secondary_pipe() -> None:
    # Two substations (nodes 0 and 5) each feeding a secondary line; a pipe is fed by the
    # nearer, in pipes, of the substations it can reach.
    edges = [(0, 1), (1, 2), (2, 3), (3, 4), (4, 5)]
    graph = NetworkGraph.from_edges(
        node_count=6,
        edges=[(u, v, PIPE + i) for i, (u, v) in enumerate(edges)],
        valves={},
        sources={SUBSTATION: 0, SUBSTATION + 5: 5},
    )
    empty = NetworkGraph.from_edges(node_count=0, edges=[], valves={}, sources={})
    network = HeatNetwork.from_circuits(
        circuits={"supply": graph, "return": empty},
        levels={PIPE + i: SECONDARY for i in range(len(edges))},
        substations=frozenset({SUBSTATION, SUBSTATION + 5}),
        heat_sources=frozenset(),
    )
    assert [substation_feeding(network, PIPE + i) for i in range(5)] == [
        SUBSTATION,
        SUBSTATION,
        SUBSTATION,  # (2, 3): both two pipes away from the ends; node 2 is searched first
        SUBSTATION + 5,
        SUBSTATION + 5,
    ]
