"""The compiled road search against scipy's Dijkstra, on random road networks (no database)."""

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from dispatch.road_search import DIRECT, Found
from dispatch.roads import ACCESS_SPEED_KMH, RoadGraph, road_graph_from_lines

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

    def nearest(self, *, want: int, limit_s: float = np.inf) -> Found:
        return self.graph.nearest(
            origin=self.origin,
            targets=self.vans,
            which=np.arange(len(self.vans.edge)),
            want=want,
            limit_s=limit_s,
        )


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

    def nearest(want: int) -> Found:
        return graph.nearest(
            origin=origin, targets=vans, which=np.arange(10), want=want, limit_s=np.inf
        )

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

    found = graph.nearest(
        origin=graph.snap(np.array([[1000.0, 0.0]])),
        targets=vans,
        which=np.arange(3),
        want=1,
        limit_s=np.inf,
    )

    assert found.seconds.tolist() == pytest.approx([50.0, 50.0, np.inf])


def test_only_the_targets_asked_for_are_searched_for() -> None:
    city = _City(7, vans=10)
    some = np.array([8, 2, 5])

    found = city.graph.nearest(
        origin=city.origin, targets=city.vans, which=some, want=3, limit_s=np.inf
    )

    np.testing.assert_allclose(found.seconds, city.expected[some], rtol=1e-12)
