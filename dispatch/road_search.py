"""The road search: Dijkstra from one point to many targets, stopping as soon as it can.

A target (a van) stands on a stretch of road; it hangs off both ends of that stretch. When
the search settles a node it offers each target hanging there its time through that node,
and a target is done when it leaves the queue: its time is final then. The search stops when
`want` targets are done (and any tied with the last of them), when the next time is past
`limit_s`, or when nothing is left. So a recommendation's search covers only the area inside
its fifth crew's time, however far that is, and a single van's ETA stops once the van is
reached.

Compiled with numba: scipy's `dijkstra` sets up a Fibonacci-heap node for every node of the
graph on every call and cannot stop at targets. This one uses an indexed binary heap
(decrease-key, so each node is in it once) and workspace arrays that it puts back as it found
them, entry by entry, before it returns: a search costs what it reaches. Targets are read
through an index (`which`) into the caller's arrays, so the crew board passes its own arrays
and its candidates' slots without copying either.
"""

from dataclasses import dataclass

import numba
import numpy as np

NOT_REACHED = -2  # `end` of a target the search did not reach
DIRECT = -1  # `end` of a target reached along the origin's own stretch, through neither end

Floats = np.ndarray  # float64
Ints = np.ndarray  # int32 for graph nodes and heap entries; halves what a search touches


@numba.njit(inline="always")
def _place(heap_s: Floats, heap_n: Ints, pos: Ints, i: int, s: float, who: int) -> None:
    heap_s[i] = s
    heap_n[i] = who
    pos[who] = i


@numba.njit(inline="always")
def _sift_up(heap_s: Floats, heap_n: Ints, pos: Ints, i: int, s: float, who: int) -> None:
    while i > 0:
        parent = (i - 1) >> 1
        if heap_s[parent] <= s:
            break
        _place(heap_s, heap_n, pos, i, heap_s[parent], heap_n[parent])
        i = parent
    _place(heap_s, heap_n, pos, i, s, who)


@numba.njit(cache=True, nogil=True)
def _search(
    graph: tuple[Ints, Ints, Floats, Floats, Ints, Ints, Floats, Floats, Ints, float],
    origin_edge: int,
    origin_along: float,
    origin_leg_m: float,
    t_edge: Ints,
    t_along: Floats,
    t_leg_m: Floats,
    which: Ints,
    want: int,
    limit_s: float,
    workspace: tuple[Floats, Ints, Ints, Floats, Ints, Ints],
    pred: Ints,
    out_s: Floats,
    out_m: Floats,
    out_end: Ints,
    out_reachable: np.ndarray,
) -> int:
    """Fill the out_ arrays for target k = the one at which[k]; return the nodes settled.

    Graph nodes and targets share the heap and `pos` (heap index; -1: not reached, -2: done):
    target k is n + k there. One array for both rather than two makes the search half again
    as fast (no branch in the heap's moves).
    """
    indptr, indices, data_s, data_m, edge_u, edge_v, edge_s, edge_m, part, access_mps = graph
    dist, pos, first, heap_s, heap_n, touched = workspace
    n = len(indptr) - 1
    targets = len(which)
    e0, a0 = origin_edge, origin_along
    o_leg_s = origin_leg_m / access_mps
    seed_node = (edge_u[e0], edge_v[e0])
    seed_s = (o_leg_s + a0 * edge_s[e0], o_leg_s + (1 - a0) * edge_s[e0])
    seed_m = (origin_leg_m + a0 * edge_m[e0], origin_leg_m + (1 - a0) * edge_m[e0])
    size = 0
    # Each target hangs off both ends of its stretch; one on the origin's own stretch may
    # also be reached along it, through neither end.
    t_next = np.empty(2 * targets, dtype=np.int32)
    for k in range(targets):
        slot = which[k]
        te = t_edge[slot]
        for side in range(2):
            node = edge_u[te] if side == 0 else edge_v[te]
            t_next[2 * k + side] = first[node]
            first[node] = 2 * k + side
        out_reachable[k] = part[edge_u[te]] == part[edge_u[e0]]
        if te == e0:
            gap = abs(t_along[slot] - a0)
            out_s[k] = o_leg_s + (t_leg_m[slot] / access_mps + gap * edge_s[e0])
            out_m[k] = origin_leg_m + (t_leg_m[slot] + gap * edge_m[e0])
            out_end[k] = DIRECT
            _sift_up(heap_s, heap_n, pos, size, out_s[k], n + k)
            size += 1
    reached = 0
    for q in range(2):
        node, s = seed_node[q], seed_s[q]
        if s < dist[node]:
            if pos[node] == -1:
                touched[reached] = node
                reached += 1
                i = size
                size += 1
            else:
                i = pos[node]
            dist[node] = s
            pred[node] = n
            _sift_up(heap_s, heap_n, pos, i, s, node)
    done = 0
    last_s = np.inf
    settled = 0
    while size > 0:
        s, who = heap_s[0], heap_n[0]
        if s > limit_s or (done >= want and s > last_s):
            break
        # Pop: the last entry sifts down from the top.
        size -= 1
        if size > 0:
            end_s, end_who = heap_s[size], heap_n[size]
            i = 0
            while True:
                child = 2 * i + 1
                if child >= size:
                    break
                if child + 1 < size and heap_s[child + 1] < heap_s[child]:
                    child += 1
                if heap_s[child] >= end_s:
                    break
                _place(heap_s, heap_n, pos, i, heap_s[child], heap_n[child])
                i = child
            _place(heap_s, heap_n, pos, i, end_s, end_who)
        pos[who] = -2
        if who >= n:  # a target: its time is final
            done += 1
            if done == want:
                last_s = s
            continue
        settled += 1
        j = first[who]
        while j >= 0:  # targets hanging here
            k = j >> 1
            if pos[n + k] != -2:
                slot = which[k]
                te = t_edge[slot]
                along = t_along[slot] if who == edge_u[te] else 1 - t_along[slot]
                t = s + (t_leg_m[slot] / access_mps + along * edge_s[te])
                if t < out_s[k]:
                    out_s[k] = t
                    out_end[k] = who
                    i = pos[n + k]
                    if i == -1:
                        i = size
                        size += 1
                    _sift_up(heap_s, heap_n, pos, i, t, n + k)
            j = t_next[j]
        for e in range(indptr[who], indptr[who + 1]):
            to = indices[e]
            if pos[to] == -2:
                continue
            t = s + data_s[e]
            if t < dist[to]:
                if pos[to] == -1:
                    touched[reached] = to
                    reached += 1
                    i = size
                    size += 1
                else:
                    i = pos[to]
                dist[to] = t
                pred[to] = who
                _sift_up(heap_s, heap_n, pos, i, t, to)
    for k in range(targets):
        slot = which[k]
        te = t_edge[slot]
        if pos[n + k] != -2:  # still queued, or never: its time is not final
            out_s[k] = np.inf
            out_m[k] = np.nan
            out_end[k] = NOT_REACHED
        elif out_end[k] >= 0:
            # The route's metres, walked back from where it leaves the road graph: kept out
            # of the search itself, where one more array to write per node costs more.
            node = out_end[k]
            along = t_along[slot] if node == edge_u[te] else 1 - t_along[slot]
            metres = t_leg_m[slot] + along * edge_m[te]
            while pred[node] != n:
                prev = pred[node]
                for e in range(indptr[prev], indptr[prev + 1]):
                    if indices[e] == node:
                        metres += data_m[e]
                        break
                node = prev
            out_m[k] = metres + (seed_m[0] if node == seed_node[0] else seed_m[1])
        pos[n + k] = -1
        first[edge_u[te]] = first[edge_v[te]] = -1
    for k in range(reached):
        node = touched[k]
        dist[node] = np.inf
        pos[node] = -1
    return settled


@dataclass(frozen=True, slots=True)
class Found:
    """What one search found, per target (see RoadSearch.run)."""

    seconds: np.ndarray  # inf: not done (past the limit, beyond `want`, or unreachable)
    metres: np.ndarray  # route length, legs off the road included; NaN where not done
    end: np.ndarray  # the node the route reaches the target from (or DIRECT, NOT_REACHED)
    reachable: np.ndarray  # on the same connected part of the roads as the origin
    pred: np.ndarray  # each settled node's predecessor; `node_count` before the first
    settled: int  # graph nodes settled: what the search cost


class RoadSearch:
    """Searches over one road graph; callers hold a lock around `run`, which shares one
    workspace."""

    def __init__(
        self,
        *,
        indptr: np.ndarray,
        indices: np.ndarray,
        seconds: np.ndarray,
        metres: np.ndarray,
        edge_u: np.ndarray,
        edge_v: np.ndarray,
        edge_s: np.ndarray,
        edge_m: np.ndarray,
        part: np.ndarray,
        access_mps: float,
    ) -> None:
        self.graph = (
            indptr.astype(np.int32),
            indices.astype(np.int32),
            seconds.astype(np.float64),
            metres.astype(np.float64),
            edge_u.astype(np.int32),
            edge_v.astype(np.int32),
            edge_s.astype(np.float64),
            edge_m.astype(np.float64),
            part.astype(np.int32),
            float(access_mps),
        )
        self.node_count = n = len(indptr) - 1
        self._dist = np.full(n, np.inf)
        self._first = np.full(n, -1, dtype=np.int32)
        self._touched = np.empty(n, dtype=np.int32)
        self._targets = -1  # how many targets the arrays below have room for
        self._pos = self._heap_s = self._heap_n = np.empty(0)

    def run(
        self,
        *,
        origin_edge: int,
        origin_along: float,
        origin_leg_m: float,
        edge: np.ndarray,
        along: np.ndarray,
        leg_m: np.ndarray,
        which: np.ndarray,
        want: int,
        limit_s: float,
    ) -> Found:
        """Times and routes from a point on the roads to the targets at `which` in the
        edge/along/leg_m arrays (int64, float64, float64), fastest `want` first (all there
        are, if fewer), none past `limit_s`."""
        count = len(which)
        if count > self._targets:  # every node and target is queued once at most
            self._targets = max(count, 2 * self._targets, 64)
            size = self.node_count + self._targets
            self._pos = np.full(size, -1, dtype=np.int32)
            self._heap_s = np.empty(size)
            self._heap_n = np.empty(size, dtype=np.int32)
        pred = np.empty(self.node_count, dtype=np.int32)
        seconds = np.full(count, np.inf)
        metres = np.full(count, np.nan)
        end = np.full(count, NOT_REACHED, dtype=np.int32)
        reachable = np.zeros(count, dtype=np.bool_)
        settled = _search(
            self.graph,
            int(origin_edge),
            float(origin_along),
            float(origin_leg_m),
            edge,
            along,
            leg_m,
            which,
            int(want),
            float(limit_s),
            (self._dist, self._pos, self._first, self._heap_s, self._heap_n, self._touched),
            pred,
            seconds,
            metres,
            end,
            reachable,
        )
        return Found(seconds, metres, end, reachable, pred, int(settled))
