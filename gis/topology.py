"""The pipeline network as a graph, kept in memory and rebuilt when the network changes.

Nodes are segment endpoints merged within SNAP_TOLERANCE_M (measured in metres, in a UTM
projection PostGIS picks for the network). Valves and sources are attached to the nearest node
within their own tolerance; a valve closed removes its node from the graph. Adjacency is held
twice: as Python lists for the small local searches of a trace, and as a scipy CSR matrix for
whole-network connectivity.
"""

import threading
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

import numpy as np
from django.db import connection
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from gis.models import NetworkRevision

T = TypeVar("T")

SNAP_TOLERANCE_M = 0.5  # segment ends closer than this are one junction
NEAR_END_M = 0.001  # ends further apart than this, yet joined, were drawn apart
VALVE_TOLERANCE_M = 1.0  # a valve further than this from any node is "off the network"
SOURCE_TOLERANCE_M = 5.0  # station coordinates are often taken at the fence, not the pipe


def _empty() -> np.ndarray:
    return np.zeros(0, dtype=np.int64)


@dataclass
class NetworkGraph:
    revision: tuple[int, object]  # (number, time of change): what the cache is keyed on
    node_count: int
    edge_u: np.ndarray
    edge_v: np.ndarray
    edge_segment: np.ndarray  # segment primary key of each edge
    node_valves: dict[int, list[int]]  # node -> valve ids there
    node_sources: dict[int, list[int]]  # node -> source ids there
    valve_node: dict[int, int] = field(default_factory=dict)
    source_node: dict[int, int] = field(default_factory=dict)
    segment_edge: dict[int, int] = field(default_factory=dict)
    adjacency: list[list[tuple[int, int]]] = field(default_factory=list)  # node -> (nbr, edge)
    # Filled by _index() from the edges above:
    matrix: csr_matrix = field(default_factory=lambda: csr_matrix((0, 0)))
    base_supplied: np.ndarray = field(default_factory=_empty)  # fed with every valve open
    part_of_node: np.ndarray = field(default_factory=_empty)  # connected part of each node
    local_index: np.ndarray = field(default_factory=_empty)  # node's number within its part
    edge_local_index: np.ndarray = field(default_factory=_empty)  # edge's number in its part
    _parts: dict[int, "Part"] = field(default_factory=dict)
    _node_order: np.ndarray = field(default_factory=_empty)
    _node_start: np.ndarray = field(default_factory=_empty)
    _edge_order: np.ndarray = field(default_factory=_empty)
    _edge_start: np.ndarray = field(default_factory=_empty)
    loops: list[int] = field(default_factory=list)  # segments whose two ends are one node
    valves_off_network: list[int] = field(default_factory=list)
    sources_off_network: list[int] = field(default_factory=list)
    # Each node's position in metres (the network's own projection): the trace lists valves
    # by distance from the damage. Empty for a graph built without positions.
    node_xy: np.ndarray = field(default_factory=_empty)
    # Ends of two mains that were apart but within SNAP_TOLERANCE_M, joined as one junction:
    # (segment, segment, metres apart), for check_network to show (a drawing slip, or two
    # parallel mains that should not meet).
    near_ends: list[tuple[int, int, float]] = field(default_factory=list)

    @classmethod
    def from_edges(
        cls,
        *,
        node_count: int,
        edges: list[tuple[int, int, int]],
        valves: dict[int, int],
        sources: dict[int, int],
        revision: tuple[int, object] = (0, None),
        node_xy: np.ndarray | None = None,
        closed_valves: frozenset[int] = frozenset(),
    ) -> "NetworkGraph":
        """A graph from (u, v, segment id) edges and valve/source id -> node maps.

        `closed_valves` are normally closed: no gas passes where one sits, so each main that
        meets there is given an end of its own (the node is split), and the valve is no
        valve to close: it is closed already."""
        loops = [s for u, v, s in edges if u == v]
        kept = [(u, v, s) for u, v, s in edges if u != v]
        shut = {valves[v] for v in closed_valves if v in valves}
        if shut:
            kept, node_count, node_xy = _split_at(kept, shut, node_count, node_xy)
            valves = {v: n for v, n in valves.items() if n not in shut}
        arr = np.array([(u, v, s) for u, v, s in kept], dtype=np.int64).reshape(-1, 3)
        node_valves: dict[int, list[int]] = defaultdict(list)
        node_sources: dict[int, list[int]] = defaultdict(list)
        for valve, node in valves.items():
            node_valves[node].append(valve)
        for source, node in sources.items():
            node_sources[node].append(source)
        graph = cls(
            revision=revision,
            node_count=node_count,
            edge_u=arr[:, 0],
            edge_v=arr[:, 1],
            edge_segment=arr[:, 2],
            node_valves=dict(node_valves),
            node_sources=dict(node_sources),
            valve_node=dict(valves),
            source_node=dict(sources),
            loops=loops,
            node_xy=node_xy if node_xy is not None else _empty(),
        )
        graph._index()
        return graph

    def _index(self) -> None:
        n, m = self.node_count, len(self.edge_u)
        self.segment_edge = {int(s): e for e, s in enumerate(self.edge_segment)}
        self.adjacency = [[] for _ in range(n)]
        for e, (u, v) in enumerate(zip(self.edge_u.tolist(), self.edge_v.tolist(), strict=True)):
            self.adjacency[u].append((v, e))
            self.adjacency[v].append((u, e))
        self.matrix = _adjacency_matrix(self.edge_u, self.edge_v, n)
        _count, self.part_of_node = connected_components(self.matrix, directed=False)
        # Group nodes and edges by connected part, and number each within its part, so a part
        # can be cut out as its own small graph when a trace needs it.
        self._node_order, self._node_start, self.local_index = _group(self.part_of_node, _count)
        edge_part = self.part_of_node[self.edge_u] if m else np.zeros(0, dtype=np.int64)
        self._edge_order, self._edge_start, self.edge_local_index = _group(edge_part, _count)
        fed = np.zeros(n, dtype=bool)
        if self.node_sources:
            fed = np.isin(self.part_of_node, self.part_of_node[list(self.node_sources)])
        self.base_supplied = fed

    def part(self, label: int) -> "Part":
        """The connected part `label` as its own graph (built on first use, then kept)."""
        cached = self._parts.get(label)
        if cached is not None:
            return cached
        nodes = self._node_order[self._node_start[label] : self._node_start[label + 1]]
        edges = self._edge_order[self._edge_start[label] : self._edge_start[label + 1]]
        eu, ev = self.local_index[self.edge_u[edges]], self.local_index[self.edge_v[edges]]
        matrix = _adjacency_matrix(eu, ev, len(nodes))
        part = Part(
            nodes=nodes,
            edges=edges,
            eu=eu,
            ev=ev,
            matrix=matrix,
            edge_pos=_positions(matrix, eu, ev),
            sources=[node for node in self.node_sources if self.part_of_node[node] == label],
            was_fed=self.base_supplied[self.edge_u[edges]],
        )
        self._parts[label] = part
        return part


@dataclass(frozen=True)
class Part:
    """One connected part of the network (the MP grid, one LP zone), numbered locally."""

    nodes: np.ndarray  # global node ids
    edges: np.ndarray  # global edge ids
    eu: np.ndarray  # local end nodes of each edge
    ev: np.ndarray
    matrix: csr_matrix  # local adjacency; an entry counts the parallel mains it stands for
    edge_pos: np.ndarray  # (edges, 2): where u->v and v->u of each edge sit in matrix.data
    sources: list[int]  # global nodes of the stations in this part
    was_fed: np.ndarray  # per edge: fed with every valve open


def _split_at(
    edges: list[tuple[int, int, int]],
    shut: set[int],
    node_count: int,
    node_xy: np.ndarray | None,
) -> tuple[list[tuple[int, int, int]], int, np.ndarray | None]:
    """Every end of a main at a shut node moved to a node of its own (at the same place)."""
    fresh: list[int] = []

    def apart(node: int) -> int:
        if node not in shut:
            return node
        fresh.append(node)
        return node_count + len(fresh) - 1

    split = [(apart(u), apart(v), s) for u, v, s in edges]
    if node_xy is not None and len(node_xy) == node_count and fresh:
        node_xy = np.concatenate([node_xy, node_xy[fresh]])
    return split, node_count + len(fresh), node_xy


def _adjacency_matrix(u: np.ndarray, v: np.ndarray, n: int) -> csr_matrix:
    # Parallel mains between the same two nodes sum into one entry holding their count.
    ones = np.ones(2 * len(u))
    matrix = coo_matrix((ones, (np.concatenate([u, v]), np.concatenate([v, u]))), shape=(n, n))
    matrix = matrix.tocsr()
    matrix.sum_duplicates()
    return matrix


def _positions(matrix: csr_matrix, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    n = matrix.shape[0]
    keys = np.repeat(np.arange(n, dtype=np.int64), np.diff(matrix.indptr)) * n + matrix.indices
    return np.stack([np.searchsorted(keys, u * n + v), np.searchsorted(keys, v * n + u)], axis=1)


def _group(labels: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Items ordered by label, where each label's run starts, and each item's rank in it."""
    order = np.argsort(labels, kind="stable")
    start = np.searchsorted(labels[order], np.arange(count + 1))
    rank = np.empty(len(labels), dtype=np.int64)
    rank[order] = np.arange(len(labels)) - start[labels[order]]
    return order, start, rank


def fed_nodes(matrix: csr_matrix, sources: list[int]) -> np.ndarray:
    """Boolean per node of `matrix`: connected to one of `sources` (local node numbers)."""
    _count, labels = connected_components(matrix, directed=False)
    if not sources:
        return np.zeros(matrix.shape[0], dtype=bool)
    return np.isin(labels, labels[np.array(sources)])


_cache: dict[str, Any] = {}
_lock = threading.Lock()


def cached_by_revision(name: str, revision: object, build: Callable[[], T]) -> T:
    """The object cached under `name`, built again when the network's revision has moved.

    One thread builds while the others wait and take its result. Every cached object carries
    the `revision` it was built from.
    """
    cached = _cache.get(name)
    if cached is not None and cached.revision == revision:
        return cast(T, cached)
    with _lock:
        cached = _cache.get(name)
        if cached is None or cached.revision != revision:
            cached = build()
            _cache[name] = cached
        return cast(T, cached)


def cached_get(name: str) -> Any:
    """What is cached under `name`, however old (None if nothing is)."""
    return _cache.get(name)


def network_revision() -> tuple[int, object]:
    """The network's revision and when it changed (the time too: a rolled-back change can
    hand the same number out again for a different network)."""
    row = NetworkRevision.objects.filter(pk=1).values_list("revision", "changed_at").first()
    return row or (0, None)


GAS = ("gas", "")  # (utility, circuit): the gas network; heat has a supply and a return


def network_graph(network: tuple[str, str] = GAS) -> NetworkGraph:
    """The graph of one network (gas; heat's supply or return): built once per process per
    network revision."""
    revision = network_revision()
    name = "network" if network == GAS else f"network:{network[0]}:{network[1]}"
    return cached_by_revision(
        name, revision, lambda: network_graph_build(revision=revision, network=network)
    )


def rows_fetch(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def network_graph_build(
    *, revision: tuple[int, object], network: tuple[str, str] = GAS
) -> NetworkGraph:
    """Read one in-service network from PostGIS and build its graph: its pipes and valves,
    and the sources of its utility (a heat station sits on both circuits)."""
    utility, circuit = network
    rows = rows_fetch(
        "SELECT _ST_BestSRID(ST_Extent(geom)::geometry) FROM network_pipesegment "
        "WHERE utility = %s AND circuit = %s",
        [utility, circuit],
    )
    srid = rows[0][0] or 3857
    segments = rows_fetch(
        """SELECT id, ST_X(a), ST_Y(a), ST_X(b), ST_Y(b) FROM (
             SELECT id, ST_Transform(ST_StartPoint(geom), %s) a,
                    ST_Transform(ST_EndPoint(geom), %s) b
             FROM network_pipesegment WHERE status = 'in_service'
             AND utility = %s AND circuit = %s) q ORDER BY id""",
        [srid, srid, utility, circuit],
    )
    if not segments:
        return NetworkGraph.from_edges(
            node_count=0, edges=[], valves={}, sources={}, revision=revision
        )
    joined = ends_join(segments)
    node_count, edges, node_xy, ends, pairs = joined
    nodes = cKDTree(node_xy)
    valves, valves_off = points_attach(
        nodes, "network_valve", srid, VALVE_TOLERANCE_M, "utility = %s AND circuit = %s", network
    )
    sources, sources_off = points_attach(
        nodes, "network_source", srid, SOURCE_TOLERANCE_M, "utility = %s", (utility,)
    )
    closed = frozenset(
        r[0]
        for r in rows_fetch(
            "SELECT id FROM network_valve WHERE NOT normally_open "
            "AND utility = %s AND circuit = %s",
            [utility, circuit],
        )
    )
    graph = NetworkGraph.from_edges(
        node_count=node_count,
        edges=edges,
        valves=valves,
        sources=sources,
        revision=revision,
        node_xy=node_xy,
        closed_valves=closed,
    )
    graph.valves_off_network, graph.sources_off_network = valves_off, sources_off
    apart = np.hypot(*(ends[pairs[:, 0]] - ends[pairs[:, 1]]).T) if len(pairs) else np.zeros(0)
    seg = [r[0] for r in segments] * 2  # end i belongs to segment i % half
    graph.near_ends = [
        (int(seg[a]), int(seg[b]), float(d))
        for (a, b), d in zip(pairs.tolist(), apart.tolist(), strict=True)
        if d > NEAR_END_M and seg[a] != seg[b]
    ]
    return graph


Joined = tuple[int, list[tuple[int, int, int]], np.ndarray, np.ndarray, np.ndarray]


def ends_join(rows: list[tuple[Any, ...]]) -> Joined:
    """Lines as (id, x1, y1, x2, y2) rows, their ends within SNAP_TOLERANCE_M made one node:
    the node count, the (u, v, id) edges, each node's position (any end of its cluster), and
    the ends and the pairs of them joined (for near_ends). Gas, heat and power alike."""
    ends = np.array([(r[1], r[2]) for r in rows] + [(r[3], r[4]) for r in rows])
    pairs = cKDTree(ends).query_pairs(SNAP_TOLERANCE_M, output_type="ndarray")
    links = coo_matrix(
        (np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(len(ends), len(ends))
    )
    node_count, labels = connected_components(links, directed=False)
    half = len(rows)
    edges = [(int(labels[i]), int(labels[half + i]), r[0]) for i, r in enumerate(rows)]
    node_xy = np.zeros((node_count, 2))
    node_xy[labels] = ends
    return node_count, edges, node_xy, ends, pairs


def points_attach(
    nodes: cKDTree,
    table: str,
    srid: int,
    tolerance: float,
    where: str,
    params: tuple[str, ...],
) -> tuple[dict[int, int], list[int]]:
    rows = rows_fetch(
        "SELECT id, ST_X(p), ST_Y(p) FROM (SELECT id, ST_Transform(geom, %s) p "  # noqa: S608 - table and where are constants
        f"FROM {table} WHERE {where}) q",
        [srid, *params],
    )
    if not rows:
        return {}, []
    distance, index = nodes.query(
        np.array([(r[1], r[2]) for r in rows]), distance_upper_bound=tolerance
    )
    attached = {
        r[0]: int(i) for r, d, i in zip(rows, distance, index, strict=True) if np.isfinite(d)
    }
    return attached, [r[0] for r, d in zip(rows, distance, strict=True) if not np.isfinite(d)]
