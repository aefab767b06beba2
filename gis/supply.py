"""Which part of the network feeds a main, and the common upstream main of several.

Gas by default (the graph of the gas network); another network's graph may be passed. Heat's
no-heat calls are grouped by gis.heat.grouping, onto a substation or a primary main."""

import itertools

from scipy.sparse.csgraph import breadth_first_order

from gis.topology import NetworkGraph, network_graph


def segments_same_part(a: int, b: int, *, graph: NetworkGraph | None = None) -> bool:
    """True when both mains are in one connected part (fed by the same stations)."""
    graph = graph or network_graph()
    ea, eb = graph.segment_edge.get(a), graph.segment_edge.get(b)
    if ea is None or eb is None:
        return False
    return bool(graph.part_of_node[graph.edge_u[ea]] == graph.part_of_node[graph.edge_u[eb]])


def upstream_common_segment(
    segment_ids: list[int], *, graph: NetworkGraph | None = None
) -> int | None:
    """The main nearest to the given mains whose loss would cut every one of them off.

    Gas reaches each main along the breadth-first tree grown from its part's first station;
    the suspects are the mains on the path all of them share, nearest first.
    """
    graph = graph or network_graph()
    edges = [graph.segment_edge[s] for s in segment_ids if s in graph.segment_edge]
    if not edges:
        return None
    part = graph.part(int(graph.part_of_node[graph.edge_u[edges[0]]]))
    if not part.sources or any(
        graph.part_of_node[graph.edge_u[e]] != graph.part_of_node[graph.edge_u[edges[0]]]
        for e in edges
    ):
        return None
    local = graph.local_index
    _order, parent = breadth_first_order(
        part.matrix, int(local[part.sources[0]]), directed=False, return_predecessors=True
    )

    def depth_first_end(edge: int) -> int:  # a main is represented by its downstream end
        u, v = int(local[graph.edge_u[edge]]), int(local[graph.edge_v[edge]])
        return v if parent[v] == u else u

    def path_up(node: int) -> list[int]:
        path = [node]
        while parent[path[-1]] >= 0:
            path.append(int(parent[path[-1]]))
        return path

    common = path_up(depth_first_end(edges[0]))
    for edge in edges[1:]:
        on_path = set(path_up(depth_first_end(edge)))
        common = [n for n in common if n in on_path]
    # Walk up from the deepest shared node: the first main whose isolation cuts off every one
    # of them is the suspect. In a zone fed from two stations, the shared path of one feed
    # tree is no cut at all; when no main explains them all, the supply itself is suspect.
    from gis.trace import isolation_trace

    wanted = {int(graph.edge_segment[e]) for e in edges}
    for child, parent_node in itertools.pairwise(common):
        node, above = int(part.nodes[child]), int(part.nodes[parent_node])
        segment = next(int(graph.edge_segment[e]) for n, e in graph.adjacency[node] if n == above)
        if wanted <= set(isolation_trace(graph, segment_id=segment).isolated_segment_ids):
            return segment
    return None
