"""The road search: Dijkstra from one point to many targets, stopping as soon as it can.

A target (a van) stands on a stretch of road and hangs off both ends of it, in lists kept per
node. When the search settles a node it offers each target hanging there, if it is one asked
about, its time through that node; a target is done when it leaves the queue, its time final.
The search stops when `want` targets are done (and any tied with the last of them), when the
next time is past `limit_s`, or when nothing is left. So a recommendation's search covers only
the area inside its fifth crew's time, and a single van's ETA stops once the van is reached.

What a search costs is what it reaches, not the size of the city or the fleet:
- an indexed binary heap (decrease-key: each node and target is queued once), and workspace
  arrays put back as they were, entry by entry, before the search returns;
- the crew board keeps its vans hung off the nodes between searches (`hang`, as they move)
  and its candidates as a slot -> target-number array, so a search never walks the fleet.

Compiled with numba: scipy's `dijkstra` sets up a Fibonacci-heap node for every node of the
graph on every call, and cannot stop at targets.
"""

from dataclasses import dataclass

import numba
import numpy as np

NOT_REACHED = -2  # `end` of a target the search did not reach
DIRECT = -1  # `end` of a target reached along the origin's own stretch, through neither end

Floats = np.ndarray  # float64
Ints = np.ndarray  # int32 where the search owns them (halves what it reads); int64 from callers

Graph = tuple[Ints, Ints, Floats, Floats, Ints, Ints, Floats, Floats, float]
Targets = tuple[Ints, Floats, Floats, Ints, Ints, Ints]
Workspace = tuple[Floats, Ints, Floats, Ints, Ints, Ints, Floats]


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
def hang(
    first: Ints,
    nxt: Ints,
    prv: Ints,
    node_of: Ints,
    slots: Ints,
    edge: Ints,
    edge_u: Ints,
    edge_v: Ints,
) -> None:
    """Hang each slot's two entries (2 slot, 2 slot + 1) off the ends of its edge, taking
    them off where they hung before; an edge of -1 hangs them nowhere. Lists are doubly
    linked (prv of a list's head: -1) so that a van moves in constant time."""
    for slot in slots:
        for j in (2 * slot, 2 * slot + 1):
            node = node_of[j]
            if node >= 0:  # take it off
                if prv[j] >= 0:
                    nxt[prv[j]] = nxt[j]
                else:
                    first[node] = nxt[j]
                if nxt[j] >= 0:
                    prv[nxt[j]] = prv[j]
                node_of[j] = -1
            e = edge[slot]
            if e >= 0:
                node = edge_u[e] if j == 2 * slot else edge_v[e]
                nxt[j] = first[node]
                prv[j] = -1
                if first[node] >= 0:
                    prv[first[node]] = j
                first[node] = j
                node_of[j] = node


@numba.njit(cache=True, nogil=True)
def _search(
    graph: Graph,
    origin: tuple[int, float, float],
    targets: Targets,
    want: int,
    limit_s: float,
    workspace: Workspace,
    pred: Ints,
    done_k: Ints,
    done_s: Floats,
    done_m: Floats,
    done_end: Ints,
) -> tuple[int, int]:
    """Fill done_* for the targets done, in order of time; return (how many, nodes settled).

    Slot `slot` is target k = k_of_slot[slot] (-1: not asked about). Graph nodes and targets
    share the heap and `pos` (heap index; -1: not queued, -2: done): target k is n + k there.
    One array for both rather than two makes the search about 1.7x as fast.
    """
    indptr, indices, data_s, data_m, edge_u, edge_v, edge_s, edge_m, access_mps = graph
    t_edge, t_along, t_leg_m, first, nxt, k_of_slot = targets
    dist, pos, heap_s, heap_n, touched, t_end, t_direct_m = workspace
    e0, a0, o_leg_m = origin
    n = len(indptr) - 1
    o_leg_s = o_leg_m / access_mps
    seed_node = (edge_u[e0], edge_v[e0])
    seed_s = (o_leg_s + a0 * edge_s[e0], o_leg_s + (1 - a0) * edge_s[e0])
    seed_m = (o_leg_m + a0 * edge_m[e0], o_leg_m + (1 - a0) * edge_m[e0])
    size = 0
    reached = 0
    # Targets on the origin's own stretch may be reached along it, through neither end: each
    # hangs off the stretch's u end by its entry 2 slot.
    j = first[seed_node[0]]
    while j >= 0:
        slot = j >> 1
        k = k_of_slot[slot] if slot < len(k_of_slot) else -1
        if j & 1 == 0 and k >= 0 and t_edge[slot] == e0:
            gap = abs(t_along[slot] - a0)
            t = o_leg_s + (t_leg_m[slot] / access_mps + gap * edge_s[e0])
            t_direct_m[k] = o_leg_m + (t_leg_m[slot] + gap * edge_m[e0])
            t_end[k] = DIRECT
            touched[reached] = n + k
            reached += 1
            _sift_up(heap_s, heap_n, pos, size, t, n + k)
            size += 1
        j = nxt[j]
    for q in range(2):
        node, s = seed_node[q], seed_s[q]
        touched[reached] = node
        reached += 1
        dist[node] = s
        pred[node] = n
        _sift_up(heap_s, heap_n, pos, size, s, node)
        size += 1
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
            done_k[done] = who - n
            done_s[done] = s
            done_end[done] = t_end[who - n]
            done += 1
            if done == want:
                last_s = s
            continue
        settled += 1
        j = first[who]
        while j >= 0:  # targets hanging here
            slot = j >> 1
            k = k_of_slot[slot] if slot < len(k_of_slot) else -1
            if k >= 0 and pos[n + k] != -2:
                te = t_edge[slot]
                along = t_along[slot] if j & 1 == 0 else 1 - t_along[slot]
                t = s + (t_leg_m[slot] / access_mps + along * edge_s[te])
                i = pos[n + k]
                if i == -1:
                    touched[reached] = n + k
                    reached += 1
                    t_end[k] = who
                    _sift_up(heap_s, heap_n, pos, size, t, n + k)
                    size += 1
                elif t < heap_s[i]:
                    t_end[k] = who
                    _sift_up(heap_s, heap_n, pos, i, t, n + k)
            j = nxt[j]
        for e in range(indptr[who], indptr[who + 1]):
            to = indices[e]
            if pos[to] == -2:
                continue
            t = s + data_s[e]
            if pos[to] == -1:
                touched[reached] = to
                reached += 1
                dist[to] = t
                pred[to] = who
                _sift_up(heap_s, heap_n, pos, size, t, to)
                size += 1
            elif t < dist[to]:
                dist[to] = t
                pred[to] = who
                _sift_up(heap_s, heap_n, pos, pos[to], t, to)
    for d in range(done):
        k, node = done_k[d], done_end[d]
        if node == DIRECT:
            done_m[d] = t_direct_m[k]
            continue
        # The route's metres, walked back from where it leaves the road graph: kept out of
        # the search itself, where one more array to write per node costs more.
        slot = -1
        j = first[node]
        while j >= 0:  # the target's own entry at that node gives its side of the stretch
            if j >> 1 < len(k_of_slot) and k_of_slot[j >> 1] == k:
                slot = j >> 1
                break
            j = nxt[j]
        te = t_edge[slot]
        along = t_along[slot] if j & 1 == 0 else 1 - t_along[slot]
        metres = t_leg_m[slot] + along * edge_m[te]
        while pred[node] != n:
            prev = pred[node]
            for e in range(indptr[prev], indptr[prev + 1]):
                if indices[e] == node:
                    metres += data_m[e]
                    break
            node = prev
        done_m[d] = metres + (seed_m[0] if node == seed_node[0] else seed_m[1])
    for r in range(reached):
        who = touched[r]
        if who < n:
            dist[who] = np.inf
        pos[who] = -1
    return done, settled


@dataclass(frozen=True, slots=True)
class Done:
    """The targets a search finished, fastest first."""

    k: np.ndarray  # target numbers
    seconds: np.ndarray
    metres: np.ndarray  # route length, legs off the road included
    end: np.ndarray  # the node each route reaches its target from (or DIRECT)
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
        access_mps: float,
    ) -> None:
        self.graph: Graph = (
            indptr.astype(np.int32),
            indices.astype(np.int32),
            seconds.astype(np.float64),
            metres.astype(np.float64),
            edge_u.astype(np.int32),
            edge_v.astype(np.int32),
            edge_s.astype(np.float64),
            edge_m.astype(np.float64),
            float(access_mps),
        )
        self.node_count = n = len(indptr) - 1
        self._dist = np.full(n, np.inf)
        self._room = -1  # how many targets the workspace has room for
        self._grow(64)

    def _grow(self, targets: int) -> None:
        self._room = targets
        size = self.node_count + targets
        self._pos = np.full(size, -1, dtype=np.int32)
        self._heap_s = np.empty(size)
        self._heap_n = np.empty(size, dtype=np.int32)
        self._touched = np.empty(size, dtype=np.int32)
        self._t_end = np.empty(targets, dtype=np.int32)
        self._t_direct_m = np.empty(targets)

    def run(
        self,
        *,
        origin: tuple[int, float, float],
        targets: Targets,
        count: int,
        want: int,
        limit_s: float,
    ) -> Done:
        """The search from `origin` (edge, along, leg_m) to `count` targets: `targets` is
        (edge, along, leg_m, first, nxt, k_of_slot) by slot, hung with `hang`."""
        if count > self._room:
            self._grow(max(count, 2 * self._room))
        pred = np.empty(self.node_count, dtype=np.int32)
        done_k = np.empty(count, dtype=np.int32)
        done_s = np.empty(count)
        done_m = np.empty(count)
        done_end = np.empty(count, dtype=np.int32)
        done, settled = _search(
            self.graph,
            origin,
            targets,
            int(want),
            float(limit_s),
            (
                self._dist,
                self._pos,
                self._heap_s,
                self._heap_n,
                self._touched,
                self._t_end,
                self._t_direct_m,
            ),
            pred,
            done_k,
            done_s,
            done_m,
            done_end,
        )
        return Done(
            done_k[:done], done_s[:done], done_m[:done], done_end[:done], pred, int(settled)
        )


def warm_up() -> None:
    """Compile both functions (about 2 s; numba keeps them in its cache, and a process then
    loads them in about 0.2 s), so the first recommendation does not wait for it. Needs no
    database: `python -c "from dispatch.road_search import warm_up; warm_up()"`."""
    # Two nodes, one stretch of 10 s and 100 m between them; one van half way along.
    edge_u, edge_v = np.array([0], dtype=np.int32), np.array([1], dtype=np.int32)
    search = RoadSearch(
        indptr=np.array([0, 1, 2]),
        indices=np.array([1, 0]),
        seconds=np.array([10.0, 10.0]),
        metres=np.array([100.0, 100.0]),
        edge_u=edge_u,
        edge_v=edge_v,
        edge_s=np.array([10.0]),
        edge_m=np.array([100.0]),
        access_mps=1.0,
    )
    first = np.full(2, -1, dtype=np.int32)
    nxt, prv, node_of = (np.full(2, -1, dtype=np.int32) for _ in range(3))
    slots, edge = np.array([0]), np.array([0])
    hang(first, nxt, prv, node_of, slots, edge, edge_u, edge_v)
    done = search.run(
        origin=(0, 0.0, 0.0),
        targets=(edge, np.array([0.5]), np.array([0.0]), first, nxt, np.zeros(1, dtype=np.int32)),
        count=1,
        want=1,
        limit_s=np.inf,
    )
    assert done.seconds.tolist() == [5.0], done
