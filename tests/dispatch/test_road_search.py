"""The compiled road search against scipy's Dijkstra, on random road networks (no database)."""

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from dispatch.road_search import DIRECT, Done, _search, warm_up
from dispatch.roads import ACCESS_SPEED_KMH, Hung, RoadGraph, Snap, road_graph_from_lines

ACCESS_MPS = ACCESS_SPEED_KMH / 3.6


class _City:
    """Random roads in a square kilometre (some crossing, some cut off from the rest), an
    incident and vans at random points, and each van's time by scipy from the same snaps."""

    def __init__(self, seed: int, *, vans: int, speed_kmh: float | None = None) -> None:
        rng = np.random.default_rng(seed)
        count = int(rng.integers(2, 20))
        lines = np.array(
            [
                shapely.LineString(rng.uniform(0, 1000, (int(rng.integers(2, 4)), 2)))
                for _ in range(count)
            ]
        )
        speeds = np.full(count, speed_kmh) if speed_kmh else rng.uniform(10, 80, count)
        self.graph: RoadGraph = road_graph_from_lines(lines=lines, speeds_kmh=speeds, srid=32650)
        g = self.graph
        snapped = g.snap(rng.uniform(0, 1000, (vans + 1, 2)))
        self.origin, self.vans = snapped.take(slice(0, 1)), snapped.take(slice(1, None))
        e, a, leg_s = (
            int(self.origin.edge[0]),
            self.origin.along[0],
            self.origin.leg_m[0] / ACCESS_MPS,
        )
        n = g.node_count
        with_source = np.zeros((n + 1, n + 1))
        with_source[:n, :n] = g.matrix.toarray()
        with_source[n, g.edge_u[e]] = leg_s + a * g.edge_s[e] + 1e-12
        with_source[n, g.edge_v[e]] = leg_s + (1 - a) * g.edge_s[e] + 1e-12
        node_s = dijkstra(csr_matrix(with_source), indices=n)[:n]
        te, ta, to_road = self.vans.edge, self.vans.along, self.vans.leg_m / ACCESS_MPS
        via = np.minimum(
            node_s[g.edge_u[te]] + to_road + ta * g.edge_s[te],
            node_s[g.edge_v[te]] + to_road + (1 - ta) * g.edge_s[te],
        )
        direct = np.where(te == e, leg_s + to_road + np.abs(ta - a) * g.edge_s[e], np.inf)
        self.expected = np.minimum(via, direct)

    def nearest(self, *, want: int, limit_s: float = np.inf) -> "_Found":
        return _nearest(self.graph, self.origin, self.vans, want=want, limit_s=limit_s)


class _Found:
    """A search's answer by target: inf (and NaN metres) where not done."""

    def __init__(self, count: int, done: Done) -> None:
        self.seconds = np.full(count, np.inf)
        self.metres = np.full(count, np.nan)
        self.end = np.full(count, -9)
        self.seconds[done.k], self.metres[done.k], self.end[done.k] = (
            done.seconds,
            done.metres,
            done.end,
        )
        self.pred, self.settled = done.pred, done.settled


def _nearest(
    graph: RoadGraph,
    origin: Snap,
    vans: Snap,
    *,
    want: int,
    limit_s: float = np.inf,
    which: np.ndarray | None = None,
    hung: Hung | None = None,
) -> _Found:
    """The search as the crew board runs it: every van hung, the ones at `which` asked about."""
    slots = np.arange(len(vans.edge))
    which = slots if which is None else which
    if hung is None:
        hung = Hung(graph.node_count, len(slots))
        hung.hang(graph, slots, vans.edge)
    k_of_slot = np.full(len(slots), -1, dtype=np.int32)
    k_of_slot[which] = np.arange(len(which))
    done = graph.nearest(
        origin=origin,
        targets=vans,
        hung=hung,
        k_of_slot=k_of_slot,
        count=len(which),
        want=want,
        limit_s=limit_s,
    )
    return _Found(len(which), done)


@settings(deadline=None, max_examples=60)  # the first case compiles the search
@given(
    seed=st.integers(0, 100_000),
    vans=st.integers(0, 12),
    limit=st.one_of(st.just(np.inf), st.floats(0.0, 150.0)),
)
def test_with_every_van_wanted_times_match_scipy_up_to_the_limit(
    seed: int, vans: int, limit: float
) -> None:
    city = _City(seed, vans=vans)
    expected = np.where(city.expected <= limit, city.expected, np.inf)

    # Twice: the second search finds the workspace as the first left it.
    for _ in range(2):
        found = city.nearest(want=vans, limit_s=limit)
        np.testing.assert_allclose(found.seconds, expected, rtol=1e-12, atol=1e-9)
    # A route through the roads walks back, node by node, to an end of the origin's stretch.
    g, e = city.graph, int(city.origin.edge[0])
    for k in np.flatnonzero(np.isfinite(found.seconds)):
        node = int(found.end[k])
        if node == DIRECT:
            assert city.vans.edge[k] == e
            continue
        assert node in (g.edge_u[city.vans.edge[k]], g.edge_v[city.vans.edge[k]])
        for _hop in range(g.node_count):
            if found.pred[node] == g.origin:
                break
            node = int(found.pred[node])
        assert node in (g.edge_u[e], g.edge_v[e])


@settings(deadline=None, max_examples=60)
@given(seed=st.integers(0, 100_000), want=st.integers(1, 5))
def test_the_search_stops_once_the_wanted_nearest_vans_are_done(seed: int, want: int) -> None:
    city = _City(seed, vans=12)

    found = city.nearest(want=want)

    reachable = np.sort(city.expected[np.isfinite(city.expected)])
    if len(reachable) <= want:  # all of them, then
        np.testing.assert_allclose(found.seconds, city.expected, rtol=1e-12, atol=1e-9)
        return
    cut = reachable[want - 1]
    done = np.isfinite(found.seconds)
    # The wanted ones and any tied with the last: nothing faster left out, nothing slower in.
    assert set(np.flatnonzero(done)) == set(np.flatnonzero(city.expected <= cut + 1e-9))
    np.testing.assert_allclose(found.seconds[done], city.expected[done], rtol=1e-12, atol=1e-9)


@settings(deadline=None, max_examples=40)
@given(seed=st.integers(0, 100_000))
def test_route_lengths_are_those_of_the_routes_timed(seed: int) -> None:
    # Every road at 36 km/h: a route's time gives its length, legs at walking pace aside.
    city = _City(seed, vans=8, speed_kmh=36.0)

    found = city.nearest(want=8)

    done = np.isfinite(found.seconds)
    legs = city.origin.leg_m[0] + city.vans.leg_m[done]
    np.testing.assert_allclose(
        found.metres[done], legs + (found.seconds[done] - legs / ACCESS_MPS) * 10.0, rtol=1e-9
    )
    assert np.isnan(found.metres[~done]).all()


def test_stopping_at_the_nearest_vans_settles_only_what_lies_before_them() -> None:
    # One straight road, at 36 km/h, crossed every 100 m by a stub short enough to be one
    # node with the crossing: 100 stretches of 10 s. The incident at its west end, a van
    # every 1 km.
    road = shapely.linestrings([[(0, 0), (10_000, 0)]])
    stubs = shapely.linestrings([[(x, -1), (x, 1)] for x in range(100, 10_000, 100)])
    graph = road_graph_from_lines(
        lines=np.concatenate([road, stubs]), speeds_kmh=np.full(100, 36.0), srid=32650
    )
    origin = graph.snap(np.array([[0.0, 0.0]]))
    vans = graph.snap(np.array([[x, 0.0] for x in range(0, 10_000, 1000)]))

    def nearest(want: int) -> _Found:
        return _nearest(graph, origin, vans, want=want)

    two, every = nearest(2), nearest(10)

    assert two.seconds.tolist() == pytest.approx([0.0, 100.0] + [np.inf] * 8)
    assert two.metres[1] == pytest.approx(1000.0)
    assert two.settled == 11  # the nodes at 0, 100, ..., 1000 m
    assert every.settled == 91  # up to 9 km
    assert every.seconds.tolist() == pytest.approx([100.0 * k for k in range(10)])


def test_vans_tied_with_the_last_one_wanted_are_done_too() -> None:
    # From the middle of a 2 km road, vans 500 m east and west: as fast as each other.
    graph = road_graph_from_lines(
        lines=shapely.linestrings([[(0, 0), (2000, 0)]]), speeds_kmh=np.array([36.0]), srid=32650
    )
    vans = graph.snap(np.array([[1500.0, 0.0], [500.0, 0.0], [1800.0, 0.0]]))

    found = _nearest(graph, graph.snap(np.array([[1000.0, 0.0]])), vans, want=1)

    assert found.seconds.tolist() == pytest.approx([50.0, 50.0, np.inf])


def test_only_the_targets_asked_for_are_searched_for() -> None:
    city = _City(7, vans=10)
    some = np.array([8, 2, 5])

    found = _nearest(city.graph, city.origin, city.vans, want=3, which=some)

    np.testing.assert_allclose(found.seconds, city.expected[some], rtol=1e-12)


@settings(deadline=None, max_examples=30)
@given(seed=st.integers(0, 100_000))
def test_vans_moved_and_lost_are_searched_where_they_are_now(seed: int) -> None:
    city = _City(seed, vans=10)
    g, rng = city.graph, np.random.default_rng(seed)
    slots = np.arange(10)
    hung = Hung(g.node_count, 10)
    hung.hang(g, slots, city.vans.edge)
    # Half the vans move (to another van's place), two lose their position.
    moved = rng.choice(10, size=5, replace=False)
    vans = Snap(city.vans.edge.copy(), city.vans.along.copy(), city.vans.leg_m.copy())
    source = rng.permutation(10)[:5]
    vans.edge[moved], vans.along[moved], vans.leg_m[moved] = (
        city.vans.edge[source],
        city.vans.along[source],
        city.vans.leg_m[source],
    )
    lost = moved[:2]
    vans.edge[lost] = -1
    hung.hang(g, moved, vans.edge)
    placed = np.setdiff1d(slots, lost)

    found = _nearest(g, city.origin, vans, want=8, which=placed, hung=hung)
    fresh = _nearest(g, city.origin, vans, want=8, which=placed)

    np.testing.assert_array_equal(found.seconds, fresh.seconds)
    np.testing.assert_array_equal(found.metres, fresh.metres)


def test_the_warm_up_that_make_run_and_the_image_run_compiles_and_answers() -> None:
    # scripts/run.sh and the Dockerfile call it before any process starts: it must keep
    # matching the search's signature (it checks its own answer, 5 s along a 10 s stretch).
    warm_up()

    assert _search.signatures  # compiled (or loaded from numba's cache)
