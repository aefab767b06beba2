"""Driving times over the road graph (fleet.roads) against a Dijkstra over the dense matrix, on
random road networks (no database)."""

import threading

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from fleet.roads import (
    ACCESS_SPEED_KMH,
    DIRECT,
    NOT_REACHED,
    RoadGraph,
    Travel,
    road_graph_from_lines,
)

ACCESS_MPS = ACCESS_SPEED_KMH / 3.6


class _City:
    """Random roads in a square kilometre (some crossing, some cut off from the rest), an
    incident and vans at random points, and each van's time worked out apart: a Dijkstra over
    the dense matrix, from a source joined to both ends of the incident's stretch."""

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
        self.xy = rng.uniform(0, 1000, (vans + 1, 2))
        snapped = g.snap(self.xy)
        origin, targets = snapped.take(slice(0, 1)), snapped.take(slice(1, None))
        e, a, leg_s = int(origin.edge[0]), origin.along[0], origin.leg_m[0] / ACCESS_MPS
        n = g.node_count
        with_source = np.zeros((n + 1, n + 1))
        with_source[:n, :n] = g.matrix.toarray()
        with_source[n, g.edge_u[e]] = leg_s + a * g.edge_s[e] + 1e-12
        with_source[n, g.edge_v[e]] = leg_s + (1 - a) * g.edge_s[e] + 1e-12
        node_s = dijkstra(csr_matrix(with_source), indices=n)[:n]
        te, ta, to_road = targets.edge, targets.along, targets.leg_m / ACCESS_MPS
        via = np.minimum(
            node_s[g.edge_u[te]] + to_road + ta * g.edge_s[te],
            node_s[g.edge_v[te]] + to_road + (1 - ta) * g.edge_s[te],
        )
        direct = np.where(te == e, leg_s + to_road + np.abs(ta - a) * g.edge_s[e], np.inf)
        self.expected = np.minimum(via, direct)

    def travel(self, *, within_m: float = np.inf) -> Travel:
        return self.graph.travel(
            origin_xy=tuple(self.xy[0]), targets_xy=self.xy[1:], within_m=within_m
        )


@settings(deadline=None, max_examples=60)
@given(
    seed=st.integers(0, 100_000),
    vans=st.integers(0, 12),
    within_m=st.one_of(st.just(np.inf), st.floats(0.0, 1500.0)),
)
def test_times_match_a_dijkstra_over_the_dense_matrix_up_to_the_limit(
    seed: int, vans: int, within_m: float
) -> None:
    city = _City(seed, vans=vans)

    # Twice: the second search finds the graph's search matrix as the first left it.
    for _ in range(2):
        travel = city.travel(within_m=within_m)
        expected = np.where(city.expected <= travel.limit_s, city.expected, np.inf)
        np.testing.assert_allclose(travel.seconds, expected, rtol=1e-12, atol=1e-9)
    # A route through the roads walks back, node by node, to an end of the origin's stretch.
    g, e = city.graph, int(travel.origin.edge[0])
    for k in range(vans):
        node = int(travel.end[k])
        if not np.isfinite(travel.seconds[k]):
            assert node == NOT_REACHED
            assert np.isnan(travel.metres(k))
            continue
        if node == DIRECT:
            assert travel.targets.edge[k] == e
            continue
        assert node in (g.edge_u[travel.targets.edge[k]], g.edge_v[travel.targets.edge[k]])
        for _hop in range(g.node_count):
            if travel.pred[node] == g.origin:
                break
            node = int(travel.pred[node])
        assert node in (g.edge_u[e], g.edge_v[e])


@settings(deadline=None, max_examples=40)
@given(seed=st.integers(0, 100_000))
def test_route_lengths_are_those_of_the_routes_timed(seed: int) -> None:
    # Every road at 36 km/h: a route's time gives its length, legs at walking pace aside.
    city = _City(seed, vans=8, speed_kmh=36.0)

    travel = city.travel()

    for k in np.flatnonzero(np.isfinite(travel.seconds)).tolist():
        legs = travel.origin.leg_m[0] + travel.targets.leg_m[k]
        assert travel.metres(k) == pytest.approx(
            legs + (travel.seconds[k] - legs / ACCESS_MPS) * 10.0, rel=1e-9
        )


def test_a_search_stops_at_its_limit() -> None:
    # One straight road at 36 km/h, crossed every 100 m by a stub short enough to be one node
    # with the crossing. The incident at its west end, a van every 1 km.
    road = shapely.linestrings([[(0, 0), (10_000, 0)]])
    stubs = shapely.linestrings([[(x, -1), (x, 1)] for x in range(100, 10_000, 100)])
    graph = road_graph_from_lines(
        lines=np.concatenate([road, stubs]), speeds_kmh=np.full(100, 36.0), srid=32650
    )
    vans = np.array([[x, 0.0] for x in range(0, 10_000, 1000)])

    near = graph.travel(origin_xy=(0.0, 0.0), targets_xy=vans, within_m=2500.0)
    every = graph.travel(origin_xy=(0.0, 0.0), targets_xy=vans)

    assert near.limit_s == pytest.approx(250.0)
    assert near.seconds.tolist() == pytest.approx([0.0, 100.0, 200.0] + [np.inf] * 7)
    assert near.end.tolist()[3:] == [NOT_REACHED] * 7
    assert every.seconds.tolist() == pytest.approx([100.0 * k for k in range(10)])
    assert [every.metres(k) for k in range(10)] == pytest.approx([1000.0 * k for k in range(10)])


def test_a_van_on_the_incidents_own_stretch_is_reached_along_it() -> None:
    # From the middle of a 2 km road at 36 km/h: vans 500 m east and west of the incident.
    graph = road_graph_from_lines(
        lines=shapely.linestrings([[(0, 0), (2000, 0)]]), speeds_kmh=np.array([36.0]), srid=32650
    )

    travel = graph.travel(
        origin_xy=(1000.0, 0.0), targets_xy=np.array([[1500.0, 0.0], [500.0, 0.0]])
    )

    assert travel.end.tolist() == [DIRECT, DIRECT]
    assert travel.seconds.tolist() == pytest.approx([50.0, 50.0])
    assert [travel.metres(k) for k in range(2)] == pytest.approx([500.0, 500.0])


def test_an_incident_at_a_junction_starts_the_search_there() -> None:
    # Two roads meeting at (0, 0): the incident on the junction itself, 0 s from its node.
    lines = shapely.linestrings([[(0, 0), (1000, 0)], [(0, 0), (0, 1000)]])
    graph = road_graph_from_lines(lines=lines, speeds_kmh=np.array([36.0, 72.0]), srid=32650)

    travel = graph.travel(origin_xy=(0.0, 0.0), targets_xy=np.array([[1000.0, 0.0], [0.0, 1000.0]]))

    assert travel.seconds.tolist() == pytest.approx([100.0, 50.0])
    assert [travel.metres(k) for k in range(2)] == pytest.approx([1000.0, 1000.0])


def test_vans_on_roads_cut_off_from_the_incidents_are_not_reached() -> None:
    lines = shapely.linestrings([[(0, 0), (1000, 0)], [(0, 500), (1000, 500)]])
    graph = road_graph_from_lines(lines=lines, speeds_kmh=np.array([36.0, 36.0]), srid=32650)

    travel = graph.travel(origin_xy=(0.0, 0.0), targets_xy=np.array([[500.0, 0], [500.0, 500]]))

    assert graph.parts == 2
    assert travel.reachable.tolist() == [True, False]
    assert travel.seconds[1] == np.inf
    assert np.isnan(travel.metres(1))


def test_searches_from_many_threads_answer_as_one_at_a_time() -> None:
    # A web process serves requests on threads; each search sets the graph's origin row.
    cities = [_City(seed, vans=10) for seed in range(4)]
    graph = cities[0].graph
    rng = np.random.default_rng(3)
    asks = [(tuple(rng.uniform(0, 1000, 2)), rng.uniform(0, 1000, (10, 2))) for _ in range(40)]
    alone = [graph.travel(origin_xy=o, targets_xy=t).seconds for o, t in asks]
    answers: dict[int, list[np.ndarray]] = {}

    def ask(thread: int) -> None:
        answers[thread] = [graph.travel(origin_xy=o, targets_xy=t).seconds for o, t in asks]

    threads = [threading.Thread(target=ask, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    for found in answers.values():
        for mine, expected in zip(found, alone, strict=True):
            np.testing.assert_array_equal(mine, expected)
