"""Data-quality checks of the network, as `check_network` reports them."""

from dataclasses import dataclass, field

import numpy as np
from scipy.sparse.csgraph import connected_components

from gis.models import PipeSegment, Premise, Source, Valve
from gis.topology import NetworkGraph, network_graph

EXAMPLES = 10


@dataclass
class Finding:
    title: str
    count: int
    examples: list[str] = field(default_factory=list)
    problem: bool = True  # False: worth knowing, not an error (dead ends are normal)


def _assets(model: type[PipeSegment] | type[Valve] | type[Source], ids: list[int]) -> list[str]:
    return list(
        model.objects.filter(pk__in=ids[:EXAMPLES])
        .order_by("asset_id")
        .values_list("asset_id", flat=True)
    )


def network_check(graph: NetworkGraph | None = None) -> list[Finding]:
    """Dangling ends, unfed parts, valves and stations off the network, unconnected premises."""
    graph = graph or network_graph()
    findings: list[Finding] = []
    degree = np.bincount(np.concatenate([graph.edge_u, graph.edge_v]), minlength=graph.node_count)
    ends = [n for n in np.flatnonzero(degree == 1) if n not in graph.node_sources]
    end_edges = [
        int(graph.edge_segment[e]) for n in ends[:EXAMPLES] for _o, e in graph.adjacency[n]
    ]
    findings.append(
        Finding(
            "dangling ends (mains ending with no station)",
            len(ends),
            _assets(PipeSegment, end_edges),
            problem=False,
        )
    )
    count, labels = connected_components(graph.matrix, directed=False)
    fed_labels = {labels[n] for n in graph.node_sources}
    unfed = sorted(set(range(count)) - fed_labels)
    unfed_edges = [
        int(s)
        for s, u in zip(graph.edge_segment, graph.edge_u, strict=True)
        if labels[u] in set(unfed)
    ]
    findings.append(
        Finding(
            f"disconnected parts with no station feeding them (of {count} parts)",
            len(unfed),
            _assets(PipeSegment, unfed_edges),
        )
    )
    findings.append(
        Finding(
            "valves off the network",
            len(graph.valves_off_network),
            _assets(Valve, graph.valves_off_network),
        )
    )
    findings.append(
        Finding(
            "stations off the network",
            len(graph.sources_off_network),
            _assets(Source, graph.sources_off_network),
        )
    )
    findings.append(
        Finding(
            "zero-length mains (both ends one junction)",
            len(graph.loops),
            _assets(PipeSegment, graph.loops),
        )
    )
    unconnected = Premise.objects.filter(service_segment__isnull=True)
    findings.append(
        Finding(
            "premises without a service connection",
            unconnected.count(),
            list(unconnected.order_by("asset_id").values_list("asset_id", flat=True)[:EXAMPLES]),
        )
    )
    return findings
