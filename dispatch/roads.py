"""Roads as a graph of driving times, kept in memory and rebuilt when the network changes.

Nodes are where roads cross, join or end: crossings are found with shapely in a UTM projection
PostGIS picks for the roads (`_ST_BestSRID`), and points closer than SNAP_TOLERANCE_M are one
node. An edge is the stretch of one road between two nodes, weighted by its length over the
road's speed. A point (a van, an incident) joins the graph on its nearest stretch of road: a
straight leg at ACCESS_SPEED_KMH to the road, then along the stretch to either of its ends.

The matrix holds one extra node, the origin, whose two out-edges are rewritten for each search,
so one single-source Dijkstra from it gives the time from the incident to every node. The graph
is undirected (both directions are stored), so that is also every van's time to the incident.
"""

import math
import threading
from dataclasses import dataclass, field

import numpy as np
import shapely
import shapely.ops
from django.db import connection
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import connected_components, dijkstra
from scipy.spatial import cKDTree

from gis.topology import cached_by_revision, cached_get

SNAP_TOLERANCE_M = 1.0  # road ends or crossings closer than this are one junction
# Off the road (a van in a yard, a flat 40 m back from the street) a crew moves at about this.
# It must stay below street speeds, or legs cut across blocks would beat driving round them.
ACCESS_SPEED_KMH = 15.0
MIN_SPEED_KMH = 5.0  # a road recorded at 0 km/h is slow, not impassable
_ACCESS_MPS = ACCESS_SPEED_KMH / 3.6
_EPSILON_S = 1e-6  # an explicit 0 is an edge to Dijkstra, but any sparse op would drop it

Revision = tuple[int, object]


@dataclass(frozen=True)
class Snap:
    """Points placed on their nearest stretch of road."""

    edge: np.ndarray  # edge index
    along: np.ndarray  # fraction of the edge from its u end
    leg_m: np.ndarray  # straight distance from the point to the road

    def take(self, which: slice) -> "Snap":
        return Snap(self.edge[which], self.along[which], self.leg_m[which])


@dataclass
class RoadGraph:
    revision: Revision  # what the cache is keyed on
    srid: int  # the projection every coordinate here is in (metres)
    node_count: int
    edge_u: np.ndarray
    edge_v: np.ndarray
    edge_m: np.ndarray  # length in metres
    edge_s: np.ndarray  # driving time in seconds
    lines: np.ndarray  # shapely LineString of each edge, from its u end to its v end
    top_speed_mps: float  # the fastest road or leg: what straight-line bounds divide by
    matrix: csr_matrix = field(default_factory=lambda: csr_matrix((1, 1)))
    entry_m: np.ndarray = field(default_factory=lambda: np.zeros(0))  # metres of matrix.data
    entry_key: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # sorted
    part: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    _tree: shapely.STRtree | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def empty(self) -> bool:
        return len(self.edge_u) == 0

    @property
    def origin(self) -> int:
        return self.node_count  # the extra node searches start from

    def snap(self, xy: np.ndarray) -> Snap:
        """Each (x, y) on its nearest edge (the graph must not be empty)."""
        assert self._tree is not None
        points = shapely.points(xy)
        found, leg_m = self._tree.query_nearest(points, all_matches=False, return_distance=True)
        edge = np.empty(len(xy), dtype=np.int64)
        edge[found[0]] = found[1]
        distance = np.empty(len(xy))
        distance[found[0]] = leg_m
        return Snap(
            edge=edge,
            along=shapely.line_locate_point(self.lines[edge], points, normalized=True),
            leg_m=distance,
        )

    def least_seconds(self, *, leg_m: float, metres: float) -> float:
        """A floor on the time from a point `leg_m` off the road to anywhere `metres` away.

        Every route starts with that leg, at ACCESS_SPEED_KMH; the rest of the straight-line
        distance is covered no faster than the fastest road.
        """
        if not math.isfinite(metres):
            return math.inf
        return leg_m / _ACCESS_MPS + max(metres - leg_m, 0.0) / self.top_speed_mps

    def reach_m(self, *, leg_m: float, seconds: float) -> float:
        """The inverse of `least_seconds`: no point further than this in a straight line can
        be reached within `seconds` from a point `leg_m` off the road (-inf: none can)."""
        if seconds < leg_m / _ACCESS_MPS:
            return -math.inf
        return leg_m + (seconds - leg_m / _ACCESS_MPS) * self.top_speed_mps

    def travel(
        self, *, origin_xy: tuple[float, float], targets_xy: np.ndarray, within_m: float = np.inf
    ) -> "Travel":
        """Driving times from one point to many.

        A time is exact when it is at most `limit_s` of the result: the least time to
        anywhere `within_m` metres or more away in a straight line. The search stops there,
        and later times are inf (nothing beyond could beat what lies within).
        """
        snapped = self.snap(np.concatenate([np.array([origin_xy]), targets_xy.reshape(-1, 2)]))
        origin, targets = snapped.take(slice(0, 1)), snapped.take(slice(1, None))
        limit_s = self.least_seconds(leg_m=float(origin.leg_m[0]), metres=within_m)
        return self.travel_snapped(origin=origin, targets=targets, limit_s=limit_s)

    def travel_snapped(self, *, origin: Snap, targets: Snap, limit_s: float) -> "Travel":
        """Driving times from one snapped point to many, searching no further than `limit_s`
        (times beyond it are inf): for callers that keep their targets' snaps."""
        e = int(origin.edge[0])
        leg_s = origin.leg_m[0] / _ACCESS_MPS
        with self._lock:  # the origin's two entries are shared by every search of this graph
            self.matrix.indices[-2:] = (self.edge_u[e], self.edge_v[e])
            self.matrix.data[-2:] = (
                max(leg_s + origin.along[0] * self.edge_s[e], _EPSILON_S),
                max(leg_s + (1 - origin.along[0]) * self.edge_s[e], _EPSILON_S),
            )
            dist, pred = dijkstra(
                self.matrix, indices=self.origin, limit=limit_s, return_predecessors=True
            )
        te = targets.edge
        to_road = targets.leg_m / _ACCESS_MPS
        via_u = dist[self.edge_u[te]] + to_road + targets.along * self.edge_s[te]
        via_v = dist[self.edge_v[te]] + to_road + (1 - targets.along) * self.edge_s[te]
        seconds = np.minimum(via_u, via_v)
        end = np.where(via_u <= via_v, self.edge_u[te], self.edge_v[te])
        # On the incident's own stretch of road the way may not pass through either end.
        direct = leg_s + to_road + np.abs(targets.along - origin.along[0]) * self.edge_s[e]
        shortcut = (te == e) & (direct < seconds)
        seconds = np.where(shortcut, direct, seconds)
        end = np.where(shortcut, -1, end)
        # Past the limit a node's time is unknown, so a time through it is only an upper bound.
        seconds[seconds > limit_s] = np.inf
        reachable = self.part[self.edge_u[te]] == self.part[self.edge_u[e]]
        return Travel(self, origin, targets, seconds, limit_s, reachable, end, pred)


@dataclass(frozen=True)
class Travel:
    """Times from one origin to each target; `metres` walks one route back for its length."""

    graph: RoadGraph
    origin: Snap
    targets: Snap
    seconds: np.ndarray  # inf: past the search limit, or on a part of the roads not connected
    limit_s: float  # where the search stopped
    reachable: np.ndarray  # on the same connected part of the roads as the origin
    end: np.ndarray  # the node the route leaves the target's stretch by (-1: along it only)
    pred: np.ndarray

    def metres(self, i: int) -> float:
        """Length of the fastest route to target `i` (legs off the road included)."""
        return self.metres_many([i])[0]

    def metres_many(self, targets: list[int]) -> list[float]:
        """`metres` of several targets, their hops looked up in one search."""
        g, o, t = self.graph, self.origin, self.targets
        e = int(o.edge[0])
        pred, origin, width = self.pred.data, g.origin, g.node_count + 1  # a memoryview: ints
        ends: list[float] = []
        hops: list[int] = []
        counts: list[int] = []
        for i in targets:
            te = int(t.edge[i])
            if self.end[i] < 0:  # along the incident's own stretch only
                ends.append(
                    float(o.leg_m[0] + t.leg_m[i] + abs(t.along[i] - o.along[0]) * g.edge_m[e])
                )
                counts.append(0)
                continue
            node = int(self.end[i])
            along = t.along[i] if node == g.edge_u[te] else 1 - t.along[i]
            metres = t.leg_m[i] + along * g.edge_m[te]
            start = len(hops)
            while (prev := pred[node]) != origin:
                hops.append(prev * width + node)
                node = prev
            along = o.along[0] if node == g.edge_u[e] else 1 - o.along[0]
            ends.append(float(metres + o.leg_m[0] + along * g.edge_m[e]))
            counts.append(len(hops) - start)
        if not hops:
            return ends
        # One sum per target; a trailing 0 keeps every start a valid index for reduceat.
        lengths = np.append(g.entry_m[np.searchsorted(g.entry_key, hops)], 0.0)
        sums = np.add.reduceat(lengths, np.cumsum([0, *counts[:-1]]))
        return [end + (float(sums[k]) if counts[k] else 0.0) for k, end in enumerate(ends)]


def road_graph_from_lines(
    *, lines: np.ndarray, speeds_kmh: np.ndarray, srid: int, revision: Revision = (0, None)
) -> RoadGraph:
    """A graph from projected road LineStrings (metres) and their speeds."""
    if len(lines) == 0:
        none = np.zeros(0, dtype=np.int64)
        return RoadGraph(
            revision=revision,
            srid=srid,
            node_count=0,
            edge_u=none,
            edge_v=none,
            edge_m=none.astype(float),
            edge_s=none.astype(float),
            lines=np.empty(0, dtype=object),
            top_speed_mps=_ACCESS_MPS,
        )
    points, cut_road, cut_point, cut_along = _cuts(lines)
    node_of_point = _merge(points)
    # Consecutive cuts along one road bound one stretch of it: an edge.
    order = np.lexsort((cut_along, cut_road))
    road, point, along = cut_road[order], cut_point[order], cut_along[order]
    same_road = road[:-1] == road[1:]
    a, b = np.flatnonzero(same_road), np.flatnonzero(same_road) + 1
    u, v = node_of_point[point[a]], node_of_point[point[b]]
    keep = u != v
    a, b, u, v = a[keep], b[keep], u[keep], v[keep]
    length = (along[b] - along[a]) * shapely.length(lines[road[a]])
    speed = np.maximum(speeds_kmh[road[a]].astype(float), MIN_SPEED_KMH) / 3.6
    graph = RoadGraph(
        revision=revision,
        srid=srid,
        node_count=int(node_of_point.max()) + 1,
        edge_u=u,
        edge_v=v,
        edge_m=length,
        edge_s=length / speed,
        lines=_edge_lines(lines, road[a], along[a], along[b], points[point[a]], points[point[b]]),
        top_speed_mps=max(float(speed.max(initial=0.0)), _ACCESS_MPS),
    )
    _index(graph)
    return graph


def _cuts(lines: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every road's ends and crossings: points, and (road, point, fraction along) per cut."""
    n = len(lines)
    starts = shapely.get_coordinates(shapely.get_point(lines, 0))
    ends = shapely.get_coordinates(shapely.get_point(lines, -1))
    tree = shapely.STRtree(lines)
    first, second = tree.query(lines, predicate="intersects")
    pair = first < second
    first, second = first[pair], second[pair]
    # A crossing is a point; roads that overlap share a line, whose vertices all become cuts.
    crossing, which = shapely.get_coordinates(
        shapely.intersection(lines[first], lines[second]), return_index=True
    )
    points = np.concatenate([starts, ends, crossing])
    ids = np.arange(len(crossing)) + 2 * n
    cut_road = np.concatenate([np.arange(n), np.arange(n), first[which], second[which]])
    cut_point = np.concatenate([np.arange(n), np.arange(n) + n, ids, ids])
    cut_along = np.concatenate(
        [
            np.zeros(n),
            np.ones(n),
            shapely.line_locate_point(
                lines[cut_road[2 * n :]],
                shapely.points(points[cut_point[2 * n :]]),
                normalized=True,
            ),
        ]
    )
    return points, cut_road, cut_point, cut_along


def _merge(points: np.ndarray) -> np.ndarray:
    """Node number of each point: points within SNAP_TOLERANCE_M of each other are one."""
    pairs = cKDTree(points).query_pairs(SNAP_TOLERANCE_M, output_type="ndarray")
    links = coo_matrix(
        (np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(len(points), len(points))
    )
    _count, labels = connected_components(links, directed=False)
    return labels.astype(np.int64)


def _edge_lines(
    lines: np.ndarray,
    road: np.ndarray,
    start: np.ndarray,
    stop: np.ndarray,
    a_xy: np.ndarray,
    b_xy: np.ndarray,
) -> np.ndarray:
    """Each stretch's own line: a chord on a straight road, the road's shape on a curved one."""
    edges = shapely.linestrings(np.stack([a_xy, b_xy], axis=1))
    curved = np.flatnonzero(shapely.get_num_coordinates(lines[road]) > 2)
    for i in curved.tolist():
        edges[i] = shapely.ops.substring(lines[road[i]], start[i], stop[i], normalized=True)
    return edges


def _index(graph: RoadGraph) -> None:
    """The CSR matrix (both directions, fastest of parallel stretches, plus the origin row)."""
    n, u, v = graph.node_count, graph.edge_u, graph.edge_v
    rows = np.concatenate([u, v])
    cols = np.concatenate([v, u])
    secs = np.concatenate([graph.edge_s, graph.edge_s])
    metres = np.concatenate([graph.edge_m, graph.edge_m])
    order = np.lexsort((secs, cols, rows))  # per (row, col) the fastest first
    rows, cols, secs, metres = rows[order], cols[order], secs[order], metres[order]
    first = np.ones(len(rows), dtype=bool)
    first[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
    rows, cols, secs, metres = rows[first], cols[first], secs[first], metres[first]
    # The origin row, last of all: two entries, rewritten by each search.
    rows = np.concatenate([rows, [n, n]])
    cols = np.concatenate([cols, [0, min(1, n - 1)]])
    secs = np.concatenate([np.maximum(secs, _EPSILON_S), [1.0, 1.0]])
    indptr = np.searchsorted(rows, np.arange(n + 2)).astype(np.int32)
    graph.matrix = csr_matrix((secs, cols.astype(np.int32), indptr), shape=(n + 1, n + 1))
    graph.entry_m = np.concatenate([metres, [0.0, 0.0]])
    graph.entry_key = rows[:-2] * (n + 1) + cols[:-2]  # (row, col) -> entry, for route lengths
    _count, part = connected_components(graph.matrix[:n, :n], directed=False)
    graph.part = part
    graph._tree = shapely.STRtree(graph.lines)


def road_graph_cached() -> RoadGraph | None:
    """The graph built last in this process, without asking whether the roads changed since."""
    return cached_get("roads")


# The revision as text: the recommender reads it inside its own query, where a timestamp
# would cost a Python datetime parse per row.
REVISION_SQL = "SELECT revision, changed_at::text FROM network_networkrevision WHERE id = 1"


def road_revision() -> Revision:
    """The network's revision and when it changed (a rolled-back change can hand the same
    number out again for a different network, so the time is part of it)."""
    with connection.cursor() as cursor:
        cursor.execute(REVISION_SQL)
        row = cursor.fetchone()
    return (row[0], row[1]) if row else (0, None)


def road_graph(*, revision: Revision | None = None) -> RoadGraph:
    """The graph of the current roads: built once per process per network revision.

    A caller that has just read the revision (in its own query) passes it to save a query.
    """
    wanted = road_revision() if revision is None else revision
    return cached_by_revision("roads", wanted, lambda: road_graph_build(revision=wanted))


def road_graph_build(*, revision: Revision) -> RoadGraph:
    """Read the roads from PostGIS, projected to metres, and build their graph."""
    with connection.cursor() as cursor:
        # Metres in a projection fit for the roads or, with none loaded, for the territories
        # the crews work in (straight lines are measured in it then).
        cursor.execute(
            "SELECT coalesce((SELECT _ST_BestSRID(ST_Extent(geom)::geometry) FROM network_road),"
            " (SELECT _ST_BestSRID(ST_Extent(territory)::geometry) FROM network_orgunit))"
        )
        srid = cursor.fetchone()[0] or 3857
        cursor.execute(
            "SELECT speed_kmh, ST_AsBinary(ST_Transform(geom, %s)) FROM network_road "
            "WHERE NOT ST_IsEmpty(geom) ORDER BY id",
            [srid],
        )
        rows = cursor.fetchall()
    return road_graph_from_lines(
        lines=shapely.from_wkb([bytes(r[1]) for r in rows]),
        speeds_kmh=np.array([r[0] for r in rows], dtype=float),
        srid=srid,
        revision=revision,
    )
