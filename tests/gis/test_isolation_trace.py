"""The isolation trace against a plain reference search, on generated networks."""

import math
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gis.topology import NetworkGraph
from gis.trace import UnknownSegmentError, isolation_trace

VALVE_ID, SOURCE_ID, SEGMENT_ID = 5000, 9000, 1000


@dataclass
class Net:
    nodes: int
    edges: list[tuple[int, int]]
    # per node: pipe, valve, seized (a valve that will not turn), closed (a normally closed
    # valve) or source
    roles: list[str]
    damaged: int  # index into edges

    def graph(self, node_xy: np.ndarray | None = None) -> NetworkGraph:
        return NetworkGraph.from_edges(
            node_xy=node_xy,
            node_count=self.nodes,
            edges=[(u, v, SEGMENT_ID + i) for i, (u, v) in enumerate(self.edges)],
            valves={
                VALVE_ID + n: n
                for n, r in enumerate(self.roles)
                if r in ("valve", "seized", "closed")
            },
            sources={SOURCE_ID + n: n for n, r in enumerate(self.roles) if r == "source"},
            closed_valves=frozenset(
                VALVE_ID + n for n, r in enumerate(self.roles) if r == "closed"
            ),
        )

    def seized(self) -> frozenset[int]:
        return frozenset(VALVE_ID + n for n, r in enumerate(self.roles) if r == "seized")


@st.composite
def networks(draw: st.DrawFn) -> Net:
    n = draw(st.integers(2, 24))
    edges: list[tuple[int, int]] = []
    if draw(st.booleans()):  # often connected: a random tree first, loops added below
        edges += [(i, draw(st.integers(0, i - 1))) for i in range(1, n)]
    pairs = st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)).filter(lambda p: p[0] != p[1])
    edges += draw(st.lists(pairs, min_size=0 if edges else 1, max_size=2 * n))
    roles = draw(
        st.lists(
            st.sampled_from(
                ["pipe", "pipe", "pipe", "valve", "valve", "seized", "closed", "source"]
            ),
            min_size=n,
            max_size=n,
        )
    )
    return Net(n, edges, roles, draw(st.integers(0, len(edges) - 1)))


def reference_isolation(net: Net) -> tuple[set[int], set[int], set[int]]:
    """Valves to close, sources to shut, segments losing gas: by plain graph search."""
    adjacency: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for seg, (u, v) in enumerate(net.edges):
        adjacency[u].append((v, seg))
        adjacency[v].append((u, seg))
    closable = {n for n, r in enumerate(net.roles) if r == "valve"}
    sources = {n for n, r in enumerate(net.roles) if r == "source"}
    closed = {n for n, r in enumerate(net.roles) if r == "closed"}  # gas never passes them

    inside, ring, inside_segments = set(), set(), {net.damaged}
    stack = list(net.edges[net.damaged])
    while stack:
        node = stack.pop()
        if node in inside or node in ring or node in closed:
            continue
        if node in closable:
            ring.add(node)
            continue
        inside.add(node)
        for other, seg in adjacency[node]:
            inside_segments.add(seg)
            stack.append(other)
    shut = inside & sources

    def reaches_source(start: int) -> bool:
        """Gas reaches this ring valve from outside without passing another ring valve."""
        seen, stack = {start}, [start]
        while stack:
            node = stack.pop()
            if node in sources - shut:
                return True
            for other, seg in adjacency[node]:
                if seg in inside_segments or other in seen or other in ring or other in closed:
                    continue
                seen.add(other)
                stack.append(other)
        return False

    close = {node for node in ring if reaches_source(node)}

    def fed(feeds: set[int], blocked: set[int]) -> set[int]:
        seen, stack = set(feeds - blocked), list(feeds - blocked)
        while stack:
            node = stack.pop()
            for other, _seg in adjacency[node]:
                if other not in seen and other not in blocked:
                    seen.add(other)
                    stack.append(other)
        return seen

    before, after = fed(sources, closed), fed(sources - shut, close | closed)
    lost = {
        seg
        for seg, (u, v) in enumerate(net.edges)
        if (u in before or v in before) and not (u in after or v in after)
    }
    return close, shut, lost


@settings(deadline=None)
@given(networks())
def test_trace_equals_the_reference_search(net: Net) -> None:
    result = isolation_trace(
        net.graph(), segment_id=SEGMENT_ID + net.damaged, seized_valves=net.seized()
    )
    close, shut, lost = reference_isolation(net)
    assert set(result.valves_to_close) == {VALVE_ID + n for n in close}
    assert len(result.valves_to_close) == len(close)
    assert set(result.sources_to_shut) == {SOURCE_ID + n for n in shut}
    assert set(result.isolated_segment_ids) == {SEGMENT_ID + s for s in lost}
    assert not set(result.valves_to_close) & net.seized()


@settings(deadline=None)
@given(networks())
def test_closing_the_valves_cuts_the_damage_off_and_none_is_superfluous(net: Net) -> None:
    graph = net.graph()
    result = isolation_trace(graph, segment_id=SEGMENT_ID + net.damaged, seized_valves=net.seized())
    closed = {graph.valve_node[v] for v in result.valves_to_close}
    shut = {graph.source_node[s] for s in result.sources_to_shut}
    live = {graph.source_node[s] for s in graph.source_node} - shut
    u, v = net.edges[net.damaged]

    def connected(a: int, blocked: set[int]) -> bool:
        seen, stack = {a}, [a]
        while stack:
            node = stack.pop()
            if node in live:
                return True
            for other, _e in graph.adjacency[node]:
                if other not in seen and other not in blocked:
                    seen.add(other)
                    stack.append(other)
        return False

    ends = [e for e in (u, v) if e not in closed]
    assert not any(connected(e, closed) for e in ends)
    for valve_node in closed:  # reopen any one valve and gas reaches the damage again
        assert any(connected(e, closed - {valve_node}) for e in [*ends, valve_node])


def test_line_closes_only_the_valve_towards_the_source() -> None:
    # source 0 - 1 - valve 2 - 3 -[damaged]- 4 - valve 5 - 6 - 7 (dead end)
    net = Net(
        8,
        [(0, 1), (1, 2), (2, 3), (3, 4), (4, 5), (5, 6), (6, 7)],
        ["source", "pipe", "valve", "pipe", "pipe", "valve", "pipe", "pipe"],
        damaged=3,
    )
    result = isolation_trace(net.graph(), segment_id=SEGMENT_ID + 3)
    assert result.valves_to_close == [VALVE_ID + 2]
    assert result.ring_valves_left_open == [VALVE_ID + 5]
    assert result.isolated_segment_ids == [SEGMENT_ID + s for s in (2, 3, 4, 5, 6)]
    assert result.isolable_by_valves


def test_a_seized_valve_widens_the_trace_to_the_next_ring() -> None:
    # source 0 - valve 1 - 2 - valve 3 -[damaged]- 4 - valve 5 - source 6
    net = Net(
        7,
        [(0, 1), (1, 2), (2, 3), (3, 4), (4, 5), (5, 6)],
        ["source", "valve", "pipe", "valve", "pipe", "valve", "source"],
        damaged=3,
    )
    first = isolation_trace(net.graph(), segment_id=SEGMENT_ID + 3)
    assert first.valves_to_close == [VALVE_ID + 3, VALVE_ID + 5]
    widened = isolation_trace(
        net.graph(), segment_id=SEGMENT_ID + 3, seized_valves=frozenset({VALVE_ID + 3})
    )
    assert widened.valves_to_close == [VALVE_ID + 5, VALVE_ID + 1]  # nearest first
    assert widened.seized_valves_passed == [VALVE_ID + 3]
    assert widened.isolated_segment_ids == [SEGMENT_ID + s for s in (1, 2, 3, 4)]


def test_a_source_inside_the_ring_must_be_shut_at_the_station() -> None:
    net = Net(4, [(0, 1), (1, 2), (2, 3)], ["source", "pipe", "pipe", "valve"], damaged=1)
    result = isolation_trace(net.graph(), segment_id=SEGMENT_ID + 1)
    assert result.sources_to_shut == [SOURCE_ID + 0]
    assert not result.isolable_by_valves


def test_a_segment_outside_the_graph_is_refused() -> None:
    net = Net(2, [(0, 1)], ["source", "pipe"], damaged=0)
    with pytest.raises(UnknownSegmentError, match="segment 42 is not an in-service main"):
        isolation_trace(net.graph(), segment_id=42)


@settings(deadline=None)
@given(networks(), st.data())
def test_valves_to_close_are_listed_nearest_to_the_damaged_main_first(
    net: Net, data: st.DataObject
) -> None:
    """The same valves as without positions, in order of straight-line distance from the
    damaged main, each with that distance (checked against a plain computation)."""
    xy = data.draw(
        st.lists(
            st.tuples(st.integers(0, 5000), st.integers(0, 5000)),
            min_size=net.nodes,
            max_size=net.nodes,
        )
    )
    plain, placed = net.graph(), net.graph(np.array(xy, dtype=float))
    segment = SEGMENT_ID + net.damaged
    if segment not in plain.segment_edge:
        return  # a loop (both ends one node): not in the graph
    unordered = isolation_trace(plain, segment_id=segment, seized_valves=net.seized())
    ordered = isolation_trace(placed, segment_id=segment, seized_valves=net.seized())
    assert sorted(ordered.valves_to_close) == sorted(unordered.valves_to_close)
    assert unordered.valve_distances_m == []
    (ax, ay), (bx, by) = (xy[n] for n in net.edges[net.damaged])

    def from_main(valve: int) -> float:
        px, py = xy[placed.valve_node[valve]]
        dx, dy = bx - ax, by - ay
        length2 = dx * dx + dy * dy
        t = 0.0 if length2 == 0 else max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / length2))
        return math.hypot(px - (ax + t * dx), py - (ay + t * dy))

    expected = [round(from_main(v), 1) for v in ordered.valves_to_close]
    assert ordered.valve_distances_m == pytest.approx(expected, abs=0.11)
    assert ordered.valve_distances_m == sorted(ordered.valve_distances_m)
