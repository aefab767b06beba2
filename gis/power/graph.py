"""The power distribution network as a graph, rooted at its substations.

The lines are the edges of a gis.topology.NetworkGraph, built the way the gas graph is: line
ends within SNAP_TOLERANCE_M are one node; devices are attached to the nearest node within
DEVICE_TOLERANCE_M (they take the valves' place), substations to the nearest node within
SUBSTATION_TOLERANCE_M (the sources' place). A normally-open device splits its node as a
closed gas valve does: the feeders it ties stay apart.

A feeder is radial in operation, so the graph is turned into a supply tree: a breadth-first
search from every substation at once gives each node its parent toward a substation (nodes in
order of their number, so the tree is the same on every run). A meshed feeder (a loop with no
normally-open point) gets a tree all the same, one of its lines left out of it; check_network
reports it (gis.power.check).

A device at a node covers that node and everything beneath it in the tree: so a power GIS
that draws a fuse between two spans (a node of its own, one line toward the substation, one
away) protects exactly the line and the customers behind it.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import breadth_first_order
from scipy.spatial import cKDTree

from gis.models import PowerDevice
from gis.topology import (
    NetworkGraph,
    cached_by_revision,
    ends_join,
    network_revision,
    points_attach,
    rows_fetch,
)

DEVICE_TOLERANCE_M = 1.0  # a device further than this from any line end is off the network
SUBSTATION_TOLERANCE_M = 5.0  # a substation's point is often its fence, not its bus
PROTECTIVE = frozenset(str(k) for k in PowerDevice.PROTECTIVE)
TRANSFORMER = str(PowerDevice.Kind.TRANSFORMER)
# Protective devices at one node nest in this order: the breaker upstream of the recloser
# upstream of the fuse (a drawing that puts two at one point means a chain of them).
_RANK = {"breaker": 0, "recloser": 1, "fuse": 2}
UNFED = -2  # parent of a node no substation reaches
ROOT = -1  # parent of a substation's node


@dataclass
class PowerNetwork:
    """The graph, the devices on it, and the supply tree."""

    graph: NetworkGraph  # lines as edges, devices as valves, substations as sources
    device_kind: dict[int, str]  # every device id (on the network or not) -> kind
    normally_open: frozenset[int]
    srid: int = 3857  # the metric projection node_xy is in
    revision: tuple[int, object] = (0, None)
    parent: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    order: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    # Per node: the protective device covering it from nearest (the lowest of a chain at the
    # node itself, else its parent's), -1 for none.
    guard: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    # Per protective device: the protective device directly upstream of it (None at the top).
    guard_above: dict[int, int | None] = field(default_factory=dict)
    node_devices: dict[int, list[int]] = field(default_factory=dict)  # kept order: by id
    tree_edges: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    children: dict[int, list[int]] = field(default_factory=dict)  # node -> its tree children

    @classmethod
    def from_graph(
        cls,
        graph: NetworkGraph,
        *,
        device_kind: dict[int, str],
        normally_open: frozenset[int] = frozenset(),
        srid: int = 3857,
        revision: tuple[int, object] = (0, None),
    ) -> "PowerNetwork":
        network = cls(
            graph=graph,
            device_kind=device_kind,
            normally_open=normally_open,
            srid=srid,
            revision=revision,
        )
        network._root()
        return network

    @classmethod
    def from_edges(
        cls,
        *,
        node_count: int,
        edges: list[tuple[int, int, int]],
        devices: dict[int, tuple[int, str]],
        substations: dict[int, int],
        normally_open: frozenset[int] = frozenset(),
    ) -> "PowerNetwork":
        """A network from (u, v, line id) edges, device id -> (node, kind) and substation id
        -> node (tests, and anything that has its graph already)."""
        graph = NetworkGraph.from_edges(
            node_count=node_count,
            edges=edges,
            valves={d: node for d, (node, _kind) in devices.items()},
            sources=substations,
            closed_valves=normally_open,
        )
        kinds = {d: kind for d, (_node, kind) in devices.items()}
        return cls.from_graph(graph, device_kind=kinds, normally_open=normally_open)

    def _root(self) -> None:
        graph, n = self.graph, self.graph.node_count
        # A virtual node n joined to every substation's node: one search roots every feeder.
        roots = sorted(graph.node_sources)
        u = np.concatenate([graph.edge_u, np.full(len(roots), n)])
        v = np.concatenate([graph.edge_v, np.array(roots, dtype=np.int64)])
        matrix = coo_matrix((np.ones(2 * len(u)), (np.r_[u, v], np.r_[v, u])), shape=(n + 1,) * 2)
        order, predecessors = breadth_first_order(
            matrix.tocsr(), n, directed=False, return_predecessors=True
        )
        parent = np.full(n, UNFED, dtype=np.int64)
        reached = order[1:]
        parent[reached] = predecessors[reached]
        parent[parent == n] = ROOT
        self.parent, self.order = parent, reached
        self.tree_edges = (parent[graph.edge_u] == graph.edge_v) | (
            parent[graph.edge_v] == graph.edge_u
        )
        # Of parallel lines between the same two nodes, only one is the tree's.
        seen: set[tuple[int, int]] = set()
        for e in np.flatnonzero(self.tree_edges).tolist():
            pair = (min(graph.edge_u[e], graph.edge_v[e]), max(graph.edge_u[e], graph.edge_v[e]))
            if pair in seen:
                self.tree_edges[e] = False
            seen.add(pair)
        children: dict[int, list[int]] = defaultdict(list)
        for node in reached.tolist():
            if parent[node] >= 0:
                children[int(parent[node])].append(node)
        self.children = dict(children)
        self.node_devices = {node: sorted(ids) for node, ids in graph.node_valves.items() if ids}
        self.guard = np.full(n, -1, dtype=np.int64)
        for node in reached.tolist():
            above = int(self.guard[parent[node]]) if parent[node] >= 0 else -1
            chain = sorted(
                (d for d in self.node_devices.get(node, []) if self.device_kind[d] in PROTECTIVE),
                key=lambda d: (_RANK[self.device_kind[d]], d),
            )
            for device in chain:
                self.guard_above[device] = above if above >= 0 else None
                above = device
            self.guard[node] = above

    def device_node(self, device: int) -> int | None:
        """The node a device sits at; None for one off the network or normally open."""
        return self.graph.valve_node.get(device)

    def fed(self, node: int) -> bool:
        return bool(self.parent[node] != UNFED)

    def beneath(self, node: int) -> list[int]:
        """Every node of the subtree of `node` (itself included), in search order."""
        found, stack = [], [node]
        while stack:
            n = stack.pop()
            found.append(n)
            stack.extend(self.children.get(n, []))
        return found

    def transformers_beneath(self, device: int) -> list[int]:
        """The transformers a device covers (a transformer covers itself); none for a device
        off the network or normally open."""
        node = self.device_node(device)
        if node is None:
            return []
        if self.device_kind.get(device) == TRANSFORMER:
            return [device]
        nodes = self.beneath(node)
        if self.device_kind.get(device) in PROTECTIVE:
            # At the device's own node, only what its chain puts below it.
            return sorted(
                d
                for d in (x for n in nodes for x in self.node_devices.get(n, []))
                if self.device_kind[d] == TRANSFORMER and self._covers(device, d)
            )
        return sorted(
            d
            for n in nodes
            for d in self.node_devices.get(n, [])
            if self.device_kind[d] == TRANSFORMER
        )

    def _covers(self, guard: int, transformer: int) -> bool:
        node = self.device_node(transformer)
        above: int | None = int(self.guard[node]) if node is not None else -1
        while above is not None and above >= 0:
            if above == guard:
                return True
            above = self.guard_above.get(above)
        return False


def power_network() -> PowerNetwork:
    """The in-service power network: built once per process per network revision."""
    revision = network_revision()
    return cached_by_revision(
        "network:power", revision, lambda: power_network_build(revision=revision)
    )


def power_network_build(*, revision: tuple[int, object] = (0, None)) -> PowerNetwork:
    """Read the in-service lines, the devices and the substations from PostGIS."""
    rows = rows_fetch("SELECT _ST_BestSRID(ST_Extent(geom)::geometry) FROM network_powerline", [])
    srid = rows[0][0] or 3857
    kinds = {r[0]: r[1] for r in rows_fetch("SELECT id, kind FROM network_powerdevice", [])}
    normally_open = frozenset(
        r[0] for r in rows_fetch("SELECT id FROM network_powerdevice WHERE normally_open", [])
    )
    lines = rows_fetch(
        """SELECT id, ST_X(a), ST_Y(a), ST_X(b), ST_Y(b) FROM (
             SELECT id, ST_Transform(ST_StartPoint(geom), %s) a,
                    ST_Transform(ST_EndPoint(geom), %s) b
             FROM network_powerline WHERE status = 'in_service') q ORDER BY id""",
        [srid, srid],
    )
    if not lines:
        graph = NetworkGraph.from_edges(
            node_count=0, edges=[], valves={}, sources={}, revision=revision
        )
        graph.valves_off_network = sorted(kinds)
        return PowerNetwork.from_graph(
            graph, device_kind=kinds, normally_open=normally_open, srid=srid, revision=revision
        )
    node_count, edges, node_xy, _ends, _pairs = ends_join(lines)
    nodes = cKDTree(node_xy)
    devices, devices_off = points_attach(
        nodes, "network_powerdevice", srid, DEVICE_TOLERANCE_M, "TRUE", ()
    )
    substations, substations_off = points_attach(
        nodes, "network_powersubstation", srid, SUBSTATION_TOLERANCE_M, "TRUE", ()
    )
    graph = NetworkGraph.from_edges(
        node_count=node_count,
        edges=edges,
        valves=devices,
        sources=substations,
        revision=revision,
        node_xy=node_xy,
        closed_valves=normally_open,
    )
    graph.valves_off_network, graph.sources_off_network = devices_off, substations_off
    return PowerNetwork.from_graph(
        graph, device_kind=kinds, normally_open=normally_open, srid=srid, revision=revision
    )


def nodes_nearest(network: PowerNetwork, xy: Any) -> tuple[np.ndarray, np.ndarray]:
    """Distance and node of the node nearest each (x, y) in the network's projection."""
    if network.graph.node_count == 0:
        return np.full(len(xy), np.inf), np.full(len(xy), -1)
    distance, index = cKDTree(network.graph.node_xy).query(np.asarray(xy, dtype=float))
    return distance, index
