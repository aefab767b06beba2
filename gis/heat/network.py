"""District heating as four graphs: supply and return, each cut into primary and secondary.

gis.topology builds one graph per circuit (every heat pipe of the supply, or of the return).
The primary network (plant to substations, pressure class high) and the secondary network
(a substation to its buildings, any other class) meet at a substation only through its heat
exchanger: no water passes from one to the other. So each circuit's graph is cut into one
graph per level, on the same node numbering: a trace of a primary pipe cannot run through a
substation into the secondary network, and a secondary trace never reaches the plant.

A substation is often drawn where its primary pipes end but its secondary pipes leave a few
metres away (the building's other wall): gis.topology attaches it to one node only. On a
level where that node has no pipe, the station is moved to the nearest node that has one,
within SOURCE_TOLERANCE_M.

On the primary graphs the heat sources (plants) feed; on the secondary graphs the
substations do. A substation's node is known on both levels (it sits on the primary and
feeds the secondary), which is how the loss of primary pipes becomes the loss of a
substation and of the buildings behind it.
"""

from dataclasses import dataclass, field

import numpy as np
from django.db import connection

from gis.models import PipeSegment, PressureClass, Source
from gis.topology import (
    SOURCE_TOLERANCE_M,
    NetworkGraph,
    cached_by_revision,
    network_graph,
    network_revision,
)

SUPPLY, RETURN = "supply", "return"
CIRCUITS = (SUPPLY, RETURN)
PRIMARY, SECONDARY = "primary", "secondary"
LEVELS = (PRIMARY, SECONDARY)
# A pipe with no twin named is twinned with the pipe of the other circuit nearest its
# midpoint, if that is within this many metres: supply and return are laid in one trench
# (or two close ones), typically 0.3-1.5 m apart centre to centre; 3 m keeps the next
# street's pipes out while allowing for drawings a metre or two off.
TWIN_TOLERANCE_M = 3.0


def level_of(pressure_class: str) -> str:
    """High pressure is the primary network; anything else is secondary."""
    return PRIMARY if pressure_class == PressureClass.HIGH else SECONDARY


@dataclass
class HeatNetwork:
    revision: tuple[int, object]
    graphs: dict[tuple[str, str], NetworkGraph]  # (circuit, level) -> graph
    segment_network: dict[int, tuple[str, str]]  # pipe id -> (circuit, level)
    substations: frozenset[int]  # source ids
    heat_sources: frozenset[int]
    twin_of: dict[int, int] = field(default_factory=dict)  # named twins, both ways
    # (circuit, level) -> station id -> node: where every heat station sits
    station_node: dict[tuple[str, str], dict[int, int]] = field(default_factory=dict)

    @classmethod
    def from_circuits(
        cls,
        *,
        circuits: dict[str, NetworkGraph],
        levels: dict[int, str],
        substations: frozenset[int],
        heat_sources: frozenset[int],
        twin_of: dict[int, int] | None = None,
        revision: tuple[int, object] = (0, None),
    ) -> "HeatNetwork":
        """Cut each circuit's graph by level (`levels`: pipe id -> primary|secondary)."""
        graphs: dict[tuple[str, str], NetworkGraph] = {}
        segment_network: dict[int, tuple[str, str]] = {}
        station_node: dict[tuple[str, str], dict[int, int]] = {}
        for circuit, whole in circuits.items():
            for level in LEVELS:
                feeds = heat_sources if level == PRIMARY else substations
                edges = [
                    (int(u), int(v), int(s))
                    for u, v, s in zip(whole.edge_u, whole.edge_v, whole.edge_segment, strict=True)
                    if levels.get(int(s), SECONDARY) == level
                ]
                edges += [  # a loop stays a loop, so check_network still sees it
                    (0, 0, s) for s in whole.loops if levels.get(s, SECONDARY) == level
                ]
                placed = _stations_on_level(whole, edges)
                station_node[(circuit, level)] = placed
                graph = NetworkGraph.from_edges(
                    node_count=whole.node_count,
                    edges=edges,
                    valves=dict(whole.valve_node),  # normally closed ones are gone already
                    sources={s: n for s, n in placed.items() if s in feeds},
                    revision=whole.revision,
                    node_xy=whole.node_xy if len(whole.node_xy) else None,
                )
                graph.valves_off_network = whole.valves_off_network
                graph.sources_off_network = whole.sources_off_network
                graphs[(circuit, level)] = graph
                segment_network.update({s: (circuit, level) for _u, _v, s in edges})
        return cls(
            revision=revision,
            graphs=graphs,
            segment_network=segment_network,
            substations=substations,
            heat_sources=heat_sources,
            twin_of=dict(twin_of or {}),
            station_node=station_node,
        )


def _stations_on_level(whole: NetworkGraph, edges: list[tuple[int, int, int]]) -> dict[int, int]:
    """Each station's node on this level: its own if a pipe of the level ends there, else
    the nearest node where one does, within SOURCE_TOLERANCE_M (else its own)."""
    has_pipe = np.zeros(whole.node_count, dtype=bool)
    for u, v, _s in edges:
        has_pipe[u] = has_pipe[v] = True
    positioned = len(whole.node_xy) == whole.node_count
    candidates = np.flatnonzero(has_pipe)
    placed = {}
    for station, node in whole.source_node.items():
        if has_pipe[node] or not positioned or not len(candidates):
            placed[station] = node
            continue
        metres = np.hypot(*(whole.node_xy[candidates] - whole.node_xy[node]).T)
        nearest = int(np.argmin(metres))
        placed[station] = (
            int(candidates[nearest]) if metres[nearest] <= SOURCE_TOLERANCE_M else node
        )
    return placed


def heat_network() -> HeatNetwork:
    """The in-service heat network, built once per process per network revision."""
    revision = network_revision()
    # The circuit graphs are cached on their own; they are fetched outside the cache's lock
    # (it is not re-entrant), and the heat network is cut from them once per revision.
    circuits = {c: network_graph(("heat", c)) for c in CIRCUITS}
    return cached_by_revision("network:heat", revision, lambda: _build(revision, circuits))


def _build(revision: tuple[int, object], circuits: dict[str, NetworkGraph]) -> HeatNetwork:
    # The circuit graphs attach every heat station; which are substations is asked here.
    kinds = dict(Source.objects.filter(utility="heat").values_list("id", "kind"))
    pipes = PipeSegment.objects.filter(utility="heat", status=PipeSegment.Status.IN_SERVICE)
    rows = list(pipes.values_list("id", "asset_id", "pressure_class", "twin"))
    ids = {asset: pk for pk, asset, _p, _t in rows}
    twin_of: dict[int, int] = {}
    for pk, _asset, _pressure, twin in rows:
        if twin and twin in ids:
            twin_of.setdefault(pk, ids[twin])
            twin_of.setdefault(ids[twin], pk)
    return HeatNetwork.from_circuits(
        circuits=circuits,
        levels={pk: level_of(pressure) for pk, _a, pressure, _t in rows},
        substations=frozenset(s for s, k in kinds.items() if k == Source.Kind.SUBSTATION),
        heat_sources=frozenset(s for s, k in kinds.items() if k == Source.Kind.HEAT_SOURCE),
        twin_of=twin_of,
        revision=revision,
    )


def twin_nearest(segment_id: int, *, tolerance_m: float = TWIN_TOLERANCE_M) -> int | None:
    """The in-service pipe of the other circuit nearest the pipe's midpoint, within the
    tolerance, on the same level (a primary pipe's twin is primary)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT o.id FROM network_pipesegment p
               CROSS JOIN LATERAL (
                 SELECT o.id, o.geom FROM network_pipesegment o
                 WHERE o.utility = 'heat' AND o.status = 'in_service'
                   AND o.circuit <> p.circuit AND o.circuit <> ''
                   AND (o.pressure_class = 'high') = (p.pressure_class = 'high')
                   AND ST_DWithin(o.geom::geography,
                                  ST_LineInterpolatePoint(p.geom, 0.5)::geography, %s)
                 ORDER BY ST_Distance(o.geom::geography,
                                      ST_LineInterpolatePoint(p.geom, 0.5)::geography), o.id
                 LIMIT 1) o
               WHERE p.id = %s AND p.utility = 'heat'""",
            [tolerance_m, segment_id],
        )
        row = cursor.fetchone()
    return int(row[0]) if row else None


def twin_for(network: HeatNetwork, segment_id: int) -> int | None:
    """The pipe's twin: the one named (either way round), else the nearest alongside."""
    named = network.twin_of.get(segment_id)
    if named is not None and named in network.segment_network:
        return named
    found = twin_nearest(segment_id)
    return found if found is not None and found in network.segment_network else None
