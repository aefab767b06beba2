"""The trouble-call analysis against a plain reference (reference.py), on generated networks:
several radial feeders, normally-open ties between them, random device kinds, random calls."""

from collections.abc import Sequence
from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gis.power import PlacedCall, PowerNetwork, trouble_analysis
from tests.gis.power.reference import Outcome, reference_analysis

DEVICE_ID, LINE_ID, SUBSTATION_ID = 5000, 1000, 9000
KINDS = ["breaker", "recloser", "fuse", "fuse", "switch", "transformer", "transformer"]


@dataclass
class Net:
    nodes: int
    edges: list[tuple[int, int]]
    devices: dict[int, tuple[int, str]]  # id -> (node, kind), normally-open ties included
    ties: set[int]  # the normally-open devices
    substations: dict[int, int]  # id -> node

    def network(self) -> PowerNetwork:
        return PowerNetwork.from_edges(
            node_count=self.nodes,
            edges=[(u, v, LINE_ID + i) for i, (u, v) in enumerate(self.edges)],
            devices=self.devices,
            substations=self.substations,
            normally_open=frozenset(self.ties),
        )


@st.composite
def networks(draw: st.DrawFn) -> Net:
    """Feeders grown as random trees from their substations; devices of random kinds at
    random nodes (sometimes two at one); ties through a normally-open switch of their own;
    sometimes a part no substation feeds."""
    feeders = draw(st.integers(1, 4))
    feeder_of = list(range(feeders))  # node -> feeder; the first nodes are the substations
    edges: list[tuple[int, int]] = []
    for _ in range(draw(st.integers(1, 30))):
        feeder = draw(st.integers(0, feeders - 1))
        members = [n for n, f in enumerate(feeder_of) if f == feeder]
        edges.append((len(feeder_of), draw(st.sampled_from(members))))
        feeder_of.append(feeder)
    if draw(st.booleans()):  # an island: a transformer nobody feeds
        edges.append((len(feeder_of), len(feeder_of) + 1))
        feeder_of += [-1, -1]
    nodes = len(feeder_of)
    devices: dict[int, tuple[int, str]] = {}
    for node in range(feeders, nodes):
        for kind in draw(st.lists(st.sampled_from([*KINDS, None, None]), max_size=2)):
            if kind is not None:
                devices[DEVICE_ID + len(devices)] = (node, kind)
    ties: set[int] = set()
    for _ in range(draw(st.integers(0, 3))):
        a, b = draw(st.integers(0, nodes - 1)), draw(st.integers(0, nodes - 1))
        tie = nodes
        nodes += 1
        edges += [(a, tie), (tie, b)]
        device = DEVICE_ID + len(devices)
        devices[device] = (tie, "switch")
        ties.add(device)
    return Net(nodes, edges, devices, ties, {SUBSTATION_ID + f: f for f in range(feeders)})


@st.composite
def cases(draw: st.DrawFn) -> tuple[Net, list[tuple[int, int, int | None]], int]:
    net = draw(networks())
    transformers = [d for d, (_n, k) in net.devices.items() if k == "transformer"]
    tie_nodes = {net.devices[d][0] for d in net.ties}
    plain = [
        n
        for n in range(net.nodes)
        if n not in tie_nodes and not any(node == n for node, _k in net.devices.values())
    ]
    calls: list[tuple[int, int, int | None]] = []
    for call in range(draw(st.integers(0, 25))):
        if transformers and (not plain or draw(st.integers(0, 4))):
            t = draw(st.sampled_from(transformers))
            calls.append((call, net.devices[t][0], t))
        elif plain:
            calls.append((call, draw(st.sampled_from(plain)), None))
    return net, calls, draw(st.integers(1, 3))


def _outcomes(net: Net, calls: list[tuple[int, int, int | None]], rollup_min: int):
    analysis = trouble_analysis(
        net.network(), [PlacedCall(c, n, t) for c, n, t in calls], rollup_min=rollup_min
    )
    found = {
        Outcome(
            p.kind,
            p.device if p.device is not None else p.node,
            frozenset(p.calls),
            frozenset(p.transformers_reporting),
            frozenset(p.transformers_out),
        )
        for p in analysis.predictions
    }
    assert len(found) == len(analysis.predictions)
    return found, {u.call_id for u in analysis.unplaced}


@given(cases())
def test_analysis_matches_the_reference(case) -> None:
    net, calls, rollup_min = case
    tie_nodes = {net.devices[d][0] for d in net.ties}
    expected = reference_analysis(
        edges=net.edges,
        devices={d: v for d, v in net.devices.items() if v[0] not in tie_nodes},
        cut_nodes=tie_nodes,
        substation_nodes=set(net.substations.values()),
        calls=calls,
        rollup_min=rollup_min,
    )
    assert _outcomes(net, calls, rollup_min) == expected


@given(cases())
def test_every_placed_call_is_explained_once(case) -> None:
    net, calls, rollup_min = case
    analysis = trouble_analysis(
        net.network(), [PlacedCall(c, n, t) for c, n, t in calls], rollup_min=rollup_min
    )
    explained = [c for p in analysis.predictions for c in p.calls]
    unplaced = [u.call_id for u in analysis.unplaced]
    assert sorted(explained + unplaced) == sorted(c for c, _n, _t in calls)


def _chain() -> Net:
    """substation 0 - breaker 1 - recloser 2 - fuses 3 and 4, two transformers under each,
    and a transformer straight under the breaker at node 8."""
    edges = [(0, 1), (1, 2), (2, 3), (2, 4), (3, 5), (3, 6), (4, 7), (4, 9), (1, 8)]
    devices = {
        1: (1, "breaker"),
        2: (2, "recloser"),
        3: (3, "fuse"),
        4: (4, "fuse"),
        15: (5, "transformer"),
        16: (6, "transformer"),
        17: (7, "transformer"),
        19: (9, "transformer"),
        18: (8, "transformer"),
    }
    return Net(10, edges, devices, set(), {SUBSTATION_ID: 0})


def _predicted(calls: Sequence[tuple[int, int, int | None]], rollup_min: int = 2):
    analysis = trouble_analysis(
        _chain().network(), [PlacedCall(c, n, t) for c, n, t in calls], rollup_min=rollup_min
    )
    return [(p.kind, p.device, p.calls, p.transformers_out) for p in analysis.predictions]


def test_one_call_is_its_transformer_only() -> None:
    assert _predicted([(1, 5, 15)]) == [("transformer", 15, [1], [15])]


def test_two_transformers_under_one_fuse_are_the_fuse() -> None:
    assert _predicted([(1, 5, 15), (2, 6, 16), (3, 6, 16)]) == [("fuse", 3, [1, 2, 3], [15, 16])]


def test_calls_under_two_fuses_under_one_recloser_are_the_recloser() -> None:
    calls = [(1, 5, 15), (2, 6, 16), (3, 7, 17), (4, 9, 19)]
    assert _predicted(calls) == [("recloser", 2, [1, 2, 3, 4], [15, 16, 17, 19])]


def test_a_lone_transformer_beside_a_predicted_fuse_stays_apart() -> None:
    calls = [(1, 5, 15), (2, 6, 16), (3, 7, 17)]
    assert _predicted(calls) == [
        ("fuse", 3, [1, 2], [15, 16]),
        ("transformer", 17, [3], [17]),
    ]


def test_rollup_min_one_takes_a_single_call_to_the_breaker() -> None:
    assert _predicted([(1, 5, 15)], rollup_min=1) == [("breaker", 1, [1], [15, 16, 17, 18, 19])]


def test_rollup_min_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="rollup_min"):
        _predicted([], rollup_min=0)
