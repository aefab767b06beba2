"""Data-quality checks of the gas network, as `check_network` reports them (heat's are in
gis.heat.check, power's in gis.power.check)."""

from dataclasses import dataclass, field

import numpy as np
from django.db import connection
from scipy.sparse.csgraph import connected_components

from gis.models import PipeSegment, Premise, Source, Valve
from gis.topology import SNAP_TOLERANCE_M, NetworkGraph, network_graph

EXAMPLES = 10


@dataclass
class Finding:
    title: str
    count: int
    examples: list[str] = field(default_factory=list)
    problem: bool = True  # False: worth knowing, not an error (dead ends are normal)


def asset_ids(model: type[PipeSegment] | type[Valve] | type[Source], ids: list[int]) -> list[str]:
    """The asset ids of the first few of these rows, as examples."""
    return list(
        model.objects.filter(pk__in=ids[:EXAMPLES])
        .order_by("asset_id")
        .values_list("asset_id", flat=True)
    )


def valves_near_a_main(ids: list[int]) -> list[str]:
    """Each valve with its nearest main of its own network and how far: 0 m means drawn on
    an unsplit main, which the trace cannot close (split the main at the valve)."""
    if not ids:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT v.asset_id, p.asset_id,
                      ST_Distance(v.geom::geography, p.geom::geography)
               FROM network_valve v
               LEFT JOIN LATERAL (SELECT asset_id, geom FROM network_pipesegment
                                  WHERE utility = v.utility AND circuit = v.circuit
                                  ORDER BY geom <-> v.geom LIMIT 1) p ON true
               WHERE v.id = ANY(%s) ORDER BY v.asset_id LIMIT %s""",
            [ids, EXAMPLES],
        )
        rows = cursor.fetchall()
    return [
        f"{valve} ({metres:.1f} m from {main})" if main is not None else valve
        for valve, main, metres in rows
    ]


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
            asset_ids(PipeSegment, end_edges),
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
            asset_ids(PipeSegment, unfed_edges),
        )
    )
    findings.append(
        Finding(
            "valves off the network (not at a junction of mains)",
            len(graph.valves_off_network),
            valves_near_a_main(graph.valves_off_network),
        )
    )
    findings.append(
        Finding(
            "stations off the network",
            len(graph.sources_off_network),
            asset_ids(Source, graph.sources_off_network),
        )
    )
    findings.append(
        Finding(
            "zero-length mains (both ends one junction)",
            len(graph.loops),
            asset_ids(PipeSegment, graph.loops),
        )
    )
    names = dict(
        PipeSegment.objects.filter(
            pk__in={s for a, b, _d in graph.near_ends[:EXAMPLES] for s in (a, b)}
        ).values_list("id", "asset_id")
    )
    findings.append(
        Finding(
            f"ends of two mains within {SNAP_TOLERANCE_M} m joined as one junction",
            len(graph.near_ends),
            [
                f"{names.get(a, a)} / {names.get(b, b)} ({d:.2f} m apart)"
                for a, b, d in sorted(graph.near_ends, key=lambda n: n[2])[:EXAMPLES]
            ],
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
