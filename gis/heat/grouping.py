""" "No heat / radiator cold" calls grouped onto their common cause.

Like gas's no-gas calls (gis.supply: calls in one connected part are one incident, its
suspected cause the upstream main they share), a no-heat call is first put on the substation
heating the building: the premise's own (Premise.heat_station), or for a point, the
substation feeding the secondary pipe nearest it. One substation's calls are one group, its
cause that substation. Calls of several substations on one primary network are one group too,
and their cause the primary main nearest to them whose isolation leaves all of them without
heat; when no single main explains them, the plant, if one plant feeds that network alone.

The supply circuit is the one searched: a fault on the return shows the same way (no
circulation) and is found by the same main, its twin.
"""

import itertools
from collections import deque
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

from django.contrib.gis.geos import Point
from scipy.sparse.csgraph import breadth_first_order

from gis.heat.network import PRIMARY, SECONDARY, SUPPLY, HeatNetwork, heat_network
from gis.heat.trace import heat_isolation_for_segment, substations_cut_off
from gis.models import Premise
from gis.trace import isolation_trace

NEAREST_PIPE_M = 200.0  # a caller's point further than this from a secondary pipe: unknown


@dataclass(frozen=True)
class NoHeatGroup:
    call_keys: list[Hashable]
    substation_ids: list[int]  # the substations of the calls (empty: none known)
    cause: str  # substation | main | heat_source | unknown
    cause_id: int | None  # the substation, pipe or plant (None when unknown)


def no_heat_groups(
    network: HeatNetwork, calls: Sequence[tuple[Hashable, int | None]]
) -> list[NoHeatGroup]:
    """Group (call key, substation id or None) pairs onto their common cause; a call with
    no substation known is a group of its own."""
    graph = network.graphs[(SUPPLY, PRIMARY)]
    nodes = network.station_node.get((SUPPLY, PRIMARY), {})
    by_station: dict[int, list[Hashable]] = {}
    groups: list[NoHeatGroup] = []
    for key, station in calls:
        if station is None:
            groups.append(NoHeatGroup([key], [], "unknown", None))
        else:
            by_station.setdefault(station, []).append(key)

    def part_of(station: int) -> object:
        node = nodes.get(station)
        if node is None or node >= graph.node_count or not graph.adjacency[node]:
            return ("alone", station)  # not on the primary network: only itself to blame
        return int(graph.part_of_node[node])

    parts: dict[object, list[int]] = {}
    for station in sorted(by_station):
        parts.setdefault(part_of(station), []).append(station)
    for stations in parts.values():
        keys = [k for s in stations for k in by_station[s]]
        if len(stations) == 1:
            groups.append(NoHeatGroup(keys, stations, "substation", stations[0]))
            continue
        main = common_primary_main(network, stations)
        if main is not None:
            groups.append(NoHeatGroup(keys, stations, "main", main))
            continue
        plants = _plants_of_part(network, nodes[stations[0]])
        if len(plants) == 1:
            groups.append(NoHeatGroup(keys, stations, "heat_source", plants[0]))
        else:
            groups.append(NoHeatGroup(keys, stations, "unknown", None))
    return groups


def _plants_of_part(network: HeatNetwork, node: int) -> list[int]:
    graph = network.graphs[(SUPPLY, PRIMARY)]
    label = graph.part_of_node[node]
    return sorted(
        s
        for n, stations in graph.node_sources.items()
        if graph.part_of_node[n] == label
        for s in stations
    )


def common_primary_main(network: HeatNetwork, substation_ids: Sequence[int]) -> int | None:
    """The primary supply pipe nearest the substations whose isolation leaves every one of
    them without heat, or None.

    As gis.supply does for gas: water reaches each substation along the breadth-first tree
    grown from its network's first plant; the suspects are the pipes on the path all of them
    share, tried from the substations up towards the plant."""
    graph = network.graphs[(SUPPLY, PRIMARY)]
    nodes = network.station_node.get((SUPPLY, PRIMARY), {})
    at = [nodes.get(s) for s in substation_ids]
    if not at or any(n is None or n >= graph.node_count or not graph.adjacency[n] for n in at):
        return None
    labels = {int(graph.part_of_node[n]) for n in at if n is not None}
    if len(labels) != 1:
        return None
    part = graph.part(labels.pop())
    if not part.sources:
        return None
    local = graph.local_index
    _order, parent = breadth_first_order(
        part.matrix, int(local[part.sources[0]]), directed=False, return_predecessors=True
    )

    def path_up(node: int) -> list[int]:
        path = [node]
        while parent[path[-1]] >= 0:
            path.append(int(parent[path[-1]]))
        return path

    common = path_up(int(local[at[0]]))
    for node in at[1:]:
        on_path = set(path_up(int(local[node])))
        common = [n for n in common if n in on_path]
    wanted = set(substation_ids)
    for child, above in itertools.pairwise(common):
        node, up = int(part.nodes[child]), int(part.nodes[above])
        segment = min(int(graph.edge_segment[e]) for n, e in graph.adjacency[node] if n == up)
        lost = set(isolation_trace(graph, segment_id=segment).isolated_segment_ids)
        if wanted <= substations_cut_off(network, SUPPLY, lost):
            return segment
    return None


def substation_feeding(network: HeatNetwork, segment_id: int) -> int | None:
    """The substation feeding a secondary pipe: the nearest, in pipes, from either end."""
    where = network.segment_network.get(segment_id)
    if where is None or where[1] != SECONDARY:
        return None
    graph = network.graphs[where]
    edge = graph.segment_edge[segment_id]
    start = [int(graph.edge_u[edge]), int(graph.edge_v[edge])]
    seen, queue = set(start), deque(start)
    while queue:
        node = queue.popleft()
        if node in graph.node_sources:
            return min(graph.node_sources[node])
        for other, _e in graph.adjacency[node]:
            if other not in seen:
                seen.add(other)
                queue.append(other)
    return None


def no_heat_groups_for_calls(
    calls: Sequence[tuple[Hashable, int | None, Point | None]],
) -> list[NoHeatGroup]:
    """Group (call key, premise id or None, point or None) no-heat calls from the database:
    a premise's substation, else the substation feeding the secondary supply pipe nearest the
    premise's or the call's point."""
    from gis.selectors import segment_nearest

    network = heat_network()
    premises = {
        p.pk: p
        for p in Premise.objects.filter(pk__in=[c[1] for c in calls if c[1] is not None]).only(
            "id", "geom", "heat_station_id"
        )
    }
    resolved: list[tuple[Hashable, int | None]] = []
    for key, premise_id, point in calls:
        premise = premises.get(premise_id) if premise_id is not None else None
        station = premise.heat_station_id if premise else None
        where = point or (premise.geom if premise else None)
        if station is None and where is not None:
            snap = segment_nearest(
                where,
                max_distance_m=NEAREST_PIPE_M,
                utility="heat",
                circuit=SUPPLY,
                primary=False,
            )
            station = substation_feeding(network, snap.segment.pk) if snap else None
        resolved.append((key, station))
    return no_heat_groups(network, resolved)


def substations_of_plant(network: HeatNetwork, plant_id: int) -> list[int]:
    """The substations on the primary network the plant feeds."""
    graph = network.graphs[(SUPPLY, PRIMARY)]
    nodes = network.station_node.get((SUPPLY, PRIMARY), {})
    node = nodes.get(plant_id)
    if node is None or node >= graph.node_count:
        return []
    label = graph.part_of_node[node]
    return sorted(
        s
        for s, n in nodes.items()
        if s in network.substations and n < graph.node_count and graph.part_of_node[n] == label
    )


def premise_ids_without_heat_for_cause(cause: str, cause_id: int) -> list[int]:
    """The buildings a no-heat group's cause leaves cold (who to tell): a substation's own;
    for a main, those its isolation leaves without heat; for a plant, those of every
    substation on its primary network."""
    if cause == "main":
        return heat_isolation_for_segment(segment_id=cause_id).premise_ids_without_heat
    if cause == "heat_source":
        stations = substations_of_plant(heat_network(), cause_id)
    elif cause == "substation":
        stations = [cause_id]
    else:
        return []
    return list(
        Premise.objects.filter(heat_station_id__in=stations)
        .order_by("id")
        .values_list("id", flat=True)
    )
