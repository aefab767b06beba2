"""The valve isolation trace: which valves to close to cut a damaged main off from every source.

1. From the damaged segment, search outwards through pipes and through valves that cannot be
   closed (reported seized), stopping at operable valves: the first ring of valves around it.
2. Take the region inside the ring away; a ring valve must be closed only if its far side still
   reaches a source. Valves whose far side is fed only through the damage stay open: what lies
   behind them loses gas anyway. A source inside the region must be shut at the station.
3. With those valves closed, every segment that was fed before and is fed by no source now is
   isolated; the premises it serves lose supply.
"""

from collections import deque
from dataclasses import dataclass, field

import numpy as np
from scipy.sparse import csr_matrix

from gis.topology import NetworkGraph, fed_nodes


@dataclass(frozen=True)
class Isolation:
    segment_id: int
    valves_to_close: list[int]  # valve ids, nearest to the damaged main first (closing order)
    sources_to_shut: list[int]  # stations inside the ring: no valve can cut them off
    isolated_segment_ids: list[int]  # every segment that loses supply, the damaged one too
    seized_valves_passed: list[int]  # inoperable valves the trace had to look beyond
    ring_valves_left_open: list[int]  # ring valves whose far side loses supply anyway
    # Straight-line metres from the damaged main to each valve to close, in the same order
    # (empty when the graph has no positions: then the search's own order stands).
    valve_distances_m: list[float] = field(default_factory=list)

    @property
    def isolable_by_valves(self) -> bool:
        return not self.sources_to_shut


class UnknownSegmentError(LookupError):
    """The segment is not part of the in-service network graph."""


def isolation_trace(
    graph: NetworkGraph, *, segment_id: int, seized_valves: frozenset[int] = frozenset()
) -> Isolation:
    """Trace the isolation of one damaged segment; `seized_valves` cannot be closed."""
    edge = graph.segment_edge.get(segment_id)
    if edge is None:
        raise UnknownSegmentError(f"segment {segment_id} is not an in-service main of the network")
    ring, region_edges, shut, passed = _ring_search(graph, edge, seized_valves)
    # Only the connected part holding the damage can change: work on it alone.
    part = graph.part(int(graph.part_of_node[graph.edge_u[edge]]))
    local = graph.local_index
    # Its connectivity with the region's pipes and every ring valve taken out.
    cut = sorted({*region_edges, *(e for node in ring for _n, e in graph.adjacency[node])})
    data = part.matrix.data.copy()
    np.subtract.at(data, part.edge_pos[graph.edge_local_index[cut]].ravel(), 1.0)
    fed = fed_nodes(
        _without_zeros(part.matrix, data), [int(local[n]) for n in part.sources if n not in shut]
    )
    # A ring valve must close when gas reaches it from outside without passing another ring
    # valve. Every other path to the damage runs through one of those, so this set is both
    # enough and the smallest; and with it closed, what is fed is exactly what `fed` says.
    region, ring_nodes = set(region_edges), set(ring)
    close = [
        node
        for node in ring
        if any(
            fed[local[n]]
            for n, e in graph.adjacency[node]
            if e not in region and n not in ring_nodes
        )
    ]
    lost = part.was_fed & ~(fed[part.eu] | fed[part.ev])
    away = _metres_from_edge(graph, edge, close)
    if away:  # nearest first: a crew closes them in the order it reaches them
        close.sort(key=lambda node: (away[node], node))
    closing = [(v, node) for node in close for v in _operable(graph, node, seized_valves)]
    return Isolation(
        segment_id=segment_id,
        valves_to_close=[v for v, _node in closing],
        valve_distances_m=[round(away[node], 1) for _v, node in closing] if away else [],
        sources_to_shut=sorted(s for node in shut for s in graph.node_sources[node]),
        isolated_segment_ids=sorted(graph.edge_segment[part.edges[lost]].tolist()),
        seized_valves_passed=sorted(passed),
        ring_valves_left_open=[
            v for node in ring if node not in close for v in _operable(graph, node, seized_valves)
        ],
    )


def _metres_from_edge(graph: NetworkGraph, edge: int, nodes: list[int]) -> dict[int, float]:
    """Each node's straight-line distance from the damaged main (its chord between its two
    ends); empty when the graph carries no positions."""
    if len(graph.node_xy) != graph.node_count or not nodes:
        return {}
    a = graph.node_xy[int(graph.edge_u[edge])]
    b = graph.node_xy[int(graph.edge_v[edge])]
    points = graph.node_xy[nodes]
    ab = b - a
    length2 = float(ab @ ab)
    t = np.clip(((points - a) @ ab) / length2, 0.0, 1.0) if length2 > 0 else np.zeros(len(nodes))
    nearest = a + t[:, None] * ab
    return dict(zip(nodes, np.hypot(*(points - nearest).T).tolist(), strict=True))


def _without_zeros(matrix: csr_matrix, data: np.ndarray) -> csr_matrix:
    """`matrix` with these edge counts, the pipes counted zero taken out.

    scipy's traversals read only the sparsity structure (a stored zero is still an edge), so
    the zeros are removed, from copies: the cached graph's own arrays must never change.
    """
    result = csr_matrix((data, matrix.indices.copy(), matrix.indptr.copy()), shape=matrix.shape)
    result.eliminate_zeros()
    return result


def _operable(graph: NetworkGraph, node: int, seized: frozenset[int]) -> list[int]:
    return [v for v in graph.node_valves.get(node, ()) if v not in seized]


def _ring_search(
    graph: NetworkGraph, edge: int, seized: frozenset[int]
) -> tuple[list[int], list[int], list[int], list[int]]:
    """Breadth-first from the damaged edge; returns ring nodes (in order), region edges,
    source nodes inside the region and the seized valves passed."""
    ring: list[int] = []
    region_edges = {edge}
    shut: list[int] = []
    passed: list[int] = []
    seen: set[int] = set()
    queue = deque([int(graph.edge_u[edge]), int(graph.edge_v[edge])])
    while queue:
        node = queue.popleft()
        if node in seen:
            continue
        seen.add(node)
        valves = graph.node_valves.get(node, ())
        if any(v not in seized for v in valves):
            ring.append(node)  # an operable valve: the search stops here
            continue
        passed.extend(valves)
        if node in graph.node_sources:
            shut.append(node)
        for neighbour, e in graph.adjacency[node]:
            region_edges.add(e)
            if neighbour not in seen:
                queue.append(neighbour)
    return ring, sorted(region_edges), shut, passed
