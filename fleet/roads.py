"""Roads as a graph of driving times, kept in memory and rebuilt when the network changes.

Nodes are where roads cross, join or end: crossings are found with shapely in a UTM projection
PostGIS picks for the roads (`_ST_BestSRID`), and points closer than SNAP_TOLERANCE_M are one
node. An edge is the stretch of one road between two nodes, weighted by its length over the
road's speed. A point (a van, an incident) joins the graph on its nearest stretch of road: a
straight leg at ACCESS_SPEED_KMH to the road, then along the stretch to either of its ends.

One search, scipy's Dijkstra, gives the time from a point (the incident) to every node within
a limit: it starts from one more node, `origin`, that stands for the point and is joined to
both ends of its stretch by the time to reach each. The graph is undirected (both directions
are stored), so a van's time to the point is the best of: through either end of its own
stretch, or along the point's stretch when both are on it. Routes are walked back through the
search's predecessors, which end at `origin`.
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

NOT_REACHED = -2  # `end` of a target the search did not reach
DIRECT = -1  # `end` of a target reached along the origin's own stretch, through neither end

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
    matrix: csr_matrix = field(default_factory=lambda: csr_matrix((1, 1)))  # seconds, n x n
    part: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    parts: int = 0  # how many parts of the roads are not connected to each other
    # `matrix` with one more row and column, `origin`: the row's two entries are set to the
    # ends of the origin's stretch for each search (under `_lock`).
    _searched: csr_matrix | None = None
    _hop_key: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    _hop_m: np.ndarray = field(default_factory=lambda: np.zeros(0))  # metres, as _hop_key
    _tree: shapely.STRtree | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def empty(self) -> bool:
        return len(self.edge_u) == 0

    @property
    def origin(self) -> int:
        return self.node_count  # the search's own node: where every route's predecessors end

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
        node_s, pred = self._search(origin, limit_s)
        e, a, leg_s = int(origin.edge[0]), float(origin.along[0]), origin.leg_m[0] / _ACCESS_MPS
        te, ta, to_road_s = targets.edge, targets.along, targets.leg_m / _ACCESS_MPS
        u, v = self.edge_u[te], self.edge_v[te]
        ways = np.stack(
            [
                node_s[u] + to_road_s + ta * self.edge_s[te],
                node_s[v] + to_road_s + (1 - ta) * self.edge_s[te],
                np.where(te == e, leg_s + to_road_s + np.abs(ta - a) * self.edge_s[e], np.inf),
            ]
        )
        way = np.argmin(ways, axis=0)
        seconds = ways[way, np.arange(len(te))]
        seconds[seconds > limit_s] = np.inf
        end = np.select([way == 0, way == 1], [u, v], DIRECT)
        end[~np.isfinite(seconds)] = NOT_REACHED
        return Travel(
            graph=self,
            origin=origin,
            targets=targets,
            seconds=seconds,
            limit_s=limit_s,
            reachable=self.part[self.edge_u[te]] == self.part[self.edge_u[e]],
            end=end,
            pred=pred,
        )

    def _search(self, origin: Snap, limit_s: float) -> tuple[np.ndarray, np.ndarray]:
        """Seconds from the origin to every node (inf past `limit_s`), and each node's
        predecessor (`origin` before the ends of the origin's stretch, -9999: not reached)."""
        assert self._searched is not None
        e, a = int(origin.edge[0]), float(origin.along[0])
        leg_s = float(origin.leg_m[0]) / _ACCESS_MPS
        with self._lock:  # the origin's row is this search's
            self._searched.indices[-2:] = (self.edge_u[e], self.edge_v[e])
            self._searched.data[-2:] = (
                leg_s + a * self.edge_s[e],
                leg_s + (1 - a) * self.edge_s[e],
            )
            seconds, pred = dijkstra(
                self._searched, indices=self.origin, return_predecessors=True, limit=limit_s
            )
        return seconds[: self.node_count], pred

    def hops_m(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Metres of the stretch each search takes from node a[i] to its neighbour b[i]."""
        return self._hop_m[np.searchsorted(self._hop_key, a * self.node_count + b)]


@dataclass(frozen=True)
class Travel:
    """Times from one origin to each target, and the routes' lengths and shapes."""

    graph: RoadGraph
    origin: Snap
    targets: Snap
    seconds: np.ndarray  # inf: past `limit_s`, or on a part of the roads not connected
    limit_s: float  # where the search stopped
    reachable: np.ndarray  # on the same connected part of the roads as the origin
    end: np.ndarray  # the node each route leaves its target's stretch by (DIRECT: along it)
    pred: np.ndarray  # each node's predecessor, back to `graph.origin`

    def metres(self, i: int) -> float:
        """Length of the fastest route to target `i`, legs off the road included (NaN: none
        within the limit), walked back through the predecessors (a step per junction)."""
        g, end = self.graph, int(self.end[i])
        if end == NOT_REACHED:
            return math.nan
        e, a = int(self.origin.edge[0]), float(self.origin.along[0])
        te, ta = int(self.targets.edge[i]), float(self.targets.along[i])
        legs = float(self.origin.leg_m[0] + self.targets.leg_m[i])
        if end == DIRECT:
            return legs + abs(ta - a) * float(g.edge_m[e])
        nodes = [end]
        while (prev := int(self.pred[nodes[-1]])) != g.origin:
            nodes.append(prev)
        path = np.array(nodes)
        on_roads = float(g.hops_m(path[1:], path[:-1]).sum())
        first = a if nodes[-1] == g.edge_u[e] else 1 - a  # along the origin's stretch
        last = ta if end == g.edge_u[te] else 1 - ta  # along the target's
        return legs + first * float(g.edge_m[e]) + on_roads + last * float(g.edge_m[te])


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
    """Node number of each point: points within SNAP_TOLERANCE_M of each other are one.

    Nodes are numbered along a Z-order curve through the city, so that nodes near each
    other are near in memory too: a search then reads fewer cache lines.
    """
    pairs = cKDTree(points).query_pairs(SNAP_TOLERANCE_M, output_type="ndarray")
    links = coo_matrix(
        (np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(len(points), len(points))
    )
    count, labels = connected_components(links, directed=False)
    where = np.zeros((count, 2))
    where[labels] = points
    renumber = np.empty(count, dtype=np.int64)
    renumber[np.argsort(_z_order(where), kind="stable")] = np.arange(count)
    return renumber[labels]


def _z_order(xy: np.ndarray) -> np.ndarray:
    """Each point's place on a Z-order (Morton) curve: x and y on 16 bits, interleaved."""
    span = float(np.ptp(xy, axis=0).max()) or 1.0
    cells = ((xy - xy.min(axis=0)) / span * 65535).astype(np.uint64)

    def spread(v: np.ndarray) -> np.ndarray:  # bit i moves to bit 2i
        for shift, mask in ((8, 0x00FF00FF), (4, 0x0F0F0F0F), (2, 0x33333333), (1, 0x55555555)):
            v = (v | (v << np.uint64(shift))) & np.uint64(mask)
        return v

    return spread(cells[:, 0]) | (spread(cells[:, 1]) << np.uint64(1))


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
    """The CSR matrix (both directions, the fastest of parallel stretches), the search's
    copy of it, and the metres of each of its entries."""
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
    indptr = np.searchsorted(rows, np.arange(n + 1)).astype(np.int32)
    secs = np.maximum(secs, _EPSILON_S)
    graph.matrix = csr_matrix((secs, cols.astype(np.int32), indptr), shape=(n, n))
    graph.parts, graph.part = connected_components(graph.matrix, directed=False)
    # The search's matrix: one more row, the origin's, with two entries set per search.
    graph._searched = csr_matrix(
        (
            np.concatenate([secs, [0.0, 0.0]]),
            np.concatenate([cols, [0, 0]]).astype(np.int32),
            np.concatenate([indptr, [indptr[-1] + 2]]).astype(np.int32),
        ),
        shape=(n + 1, n + 1),
    )
    graph._hop_key = rows * n + cols  # sorted: by row, then column
    graph._hop_m = metres
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
