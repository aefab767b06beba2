"""The heat trace against a plain reference, on generated supply/return twin networks."""

from collections.abc import Hashable
from dataclasses import dataclass
from typing import cast

from hypothesis import given, settings
from hypothesis import strategies as st

from gis.heat.network import PRIMARY, SECONDARY, HeatNetwork
from gis.heat.trace import heat_isolation_trace
from gis.topology import NetworkGraph
from tests.gis.heat.reference import Expected, Level, heat_reference

CIRCUITS = ("supply", "return")
FIRST_PIPE = {"supply": 1000, "return": 3000}
FIRST_VALVE = {"supply": 5000, "return": 7000}
PLANT, SUBSTATION = 9000, 9500  # station ids: PLANT + node, SUBSTATION + node


@dataclass
class TwinNet:
    nodes: int
    edges: list[tuple[int, int]]  # the supply pipe i and its return twin i share their nodes
    primary: list[bool]  # per edge
    valves: dict[str, list[str]]  # circuit -> per node: pipe | valve | seized | closed
    stations: list[str]  # per node: - | plant | substation (on both circuits)
    damaged: int
    circuit: str  # of the damaged pipe
    twinned: bool

    def pipe(self, circuit: str, i: int) -> int:
        return FIRST_PIPE[circuit] + i

    def network(self) -> HeatNetwork:
        circuits = {}
        for c in CIRCUITS:
            roles = self.valves[c]
            circuits[c] = NetworkGraph.from_edges(
                node_count=self.nodes,
                edges=[(u, v, self.pipe(c, i)) for i, (u, v) in enumerate(self.edges)],
                valves={FIRST_VALVE[c] + n: n for n, r in enumerate(roles) if r != "pipe"},
                sources={
                    (PLANT if s == "plant" else SUBSTATION) + n: n
                    for n, s in enumerate(self.stations)
                    if s != "-"
                },
                closed_valves=frozenset(
                    FIRST_VALVE[c] + n for n, r in enumerate(roles) if r == "closed"
                ),
            )
        return HeatNetwork.from_circuits(
            circuits=circuits,
            levels={
                self.pipe(c, i): PRIMARY if p else SECONDARY
                for c in CIRCUITS
                for i, p in enumerate(self.primary)
            },
            substations=frozenset(
                SUBSTATION + n for n, s in enumerate(self.stations) if s == "substation"
            ),
            heat_sources=frozenset(PLANT + n for n, s in enumerate(self.stations) if s == "plant"),
        )

    def seized(self) -> frozenset[int]:
        return frozenset(
            FIRST_VALVE[c] + n
            for c in CIRCUITS
            for n, r in enumerate(self.valves[c])
            if r == "seized"
        )

    def level(self, c: str, primary: bool) -> Level:
        roles = self.valves[c]
        want = "plant" if primary else "substation"
        return Level(
            edges={
                self.pipe(c, i): e
                for i, e in enumerate(self.edges)
                if self.primary[i] == primary and e[0] != e[1]
            },
            feeds={n for n, s in enumerate(self.stations) if s == want},
            closable={n for n, r in enumerate(roles) if r == "valve"},
            closed={n for n, r in enumerate(roles) if r == "closed"},
        )


@st.composite
def twin_networks(draw: st.DrawFn) -> TwinNet:
    n = draw(st.integers(2, 16))
    edges: list[tuple[int, int]] = []
    if draw(st.booleans()):
        edges += [(i, draw(st.integers(0, i - 1))) for i in range(1, n)]
    pairs = st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)).filter(lambda p: p[0] != p[1])
    edges += draw(st.lists(pairs, min_size=0 if edges else 1, max_size=2 * n))
    primary = draw(st.lists(st.booleans(), min_size=len(edges), max_size=len(edges)))
    stations = draw(
        st.lists(
            st.sampled_from(["-", "-", "-", "plant", "substation", "substation"]),
            min_size=n,
            max_size=n,
        )
    )
    # Valves come in pairs (the same node on both circuits), now and then one alone; one of
    # a pair may be seized. A station's node carries no valve: its valves sit on its pipes.
    supply = draw(
        st.lists(
            st.sampled_from(["pipe", "pipe", "valve", "valve", "seized", "closed"]),
            min_size=n,
            max_size=n,
        )
    )
    back = [draw(st.sampled_from([r, r, r, "pipe", "valve", "seized"])) for r in supply]
    supply = [r if s == "-" else "pipe" for r, s in zip(supply, stations, strict=True)]
    back = [r if s == "-" else "pipe" for r, s in zip(back, stations, strict=True)]
    return TwinNet(
        nodes=n,
        edges=edges,
        primary=primary,
        valves={"supply": supply, "return": back},
        stations=stations,
        damaged=draw(st.integers(0, len(edges) - 1)),
        circuit=draw(st.sampled_from(CIRCUITS)),
        twinned=draw(st.booleans()),
    )


def reference(net: TwinNet) -> Expected | None:
    """What the trace must answer, worked out plainly (tests/gis/heat/reference.py)."""
    i = net.damaged
    if net.edges[i][0] == net.edges[i][1]:
        return None  # a pipe drawn with both ends on one node is no part of the graph
    primary = net.primary[i]
    traced = {net.circuit: (primary, net.pipe(net.circuit, i))}
    if net.twinned:
        other = next(c for c in CIRCUITS if c != net.circuit)
        traced[other] = (primary, net.pipe(other, i))
    return heat_reference(
        {(c, p): net.level(c, p) for c in CIRCUITS for p in (True, False)},
        plants={n for n, s in enumerate(net.stations) if s == "plant"},
        substations={n for n, s in enumerate(net.stations) if s == "substation"},
        traced=traced,
    )


def _ids(first: int, nodes: set[Hashable]) -> set[int]:
    return {first + cast(int, n) for n in nodes}


@settings(deadline=None)
@given(twin_networks())
def test_heat_trace_equals_the_reference(net: TwinNet) -> None:
    expected = reference(net)
    if expected is None:
        return
    i = net.damaged
    other = next(c for c in CIRCUITS if c != net.circuit)
    result = heat_isolation_trace(
        net.network(),
        segment_id=net.pipe(net.circuit, i),
        twin_id=net.pipe(other, i) if net.twinned else None,
        seized_valves=net.seized(),
    )
    for c in CIRCUITS:
        on = result.circuit(c)
        assert set(on.valves_to_close) == _ids(FIRST_VALVE[c], expected.close[c]), c
        assert len(on.valves_to_close) == len(set(on.valves_to_close))
        assert set(on.isolated_segment_ids) == expected.lost[c], c
        assert not set(on.valves_to_close) & net.seized()
    plants = {n for n, s in enumerate(net.stations) if s == "plant"}
    assert set(result.stations_to_shut) == _ids(PLANT, expected.shut & plants) | _ids(
        SUBSTATION, expected.shut - plants
    )
    assert set(result.substations_without_heat) == _ids(SUBSTATION, expected.dark)
    assert result.level == (PRIMARY if net.primary[i] else SECONDARY)
