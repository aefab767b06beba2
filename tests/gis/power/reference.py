"""The trouble-call rule written again, plainly, with networkx: the tests' independent answer.

No code of gis.power is used. Supply paths come from a shortest-path search from the
substations (in a radial network, the only path); the roll-up is repeated until nothing
changes, instead of the module's single bottom-up pass.
"""

from dataclasses import dataclass

import networkx as nx

PROTECTIVE = {"breaker", "recloser", "fuse"}
RANK = {"breaker": 0, "recloser": 1, "fuse": 2}


@dataclass(frozen=True)
class Outcome:
    """A prediction, in terms both sides can give: what, and what it explains."""

    kind: str
    key: int  # device id, or the node of a line-end outage
    calls: frozenset[int]
    reporting: frozenset[int]
    transformers_out: frozenset[int]


def reference_analysis(
    *,
    edges: list[tuple[int, int]],
    devices: dict[int, tuple[int, str]],  # device id -> (node, kind); normally-open left out
    cut_nodes: set[int],  # where a normally-open device stands: no power passes
    substation_nodes: set[int],
    calls: list[tuple[int, int, int | None]],  # (call id, node, transformer or None)
    rollup_min: int,
) -> tuple[set[Outcome], set[int]]:
    """The predictions, and the calls on parts no substation feeds."""
    graph = nx.MultiGraph()
    graph.add_edges_from(edges)
    graph.add_nodes_from(substation_nodes)  # a substation feeds its own bus, lines or not
    graph.remove_nodes_from(cut_nodes)
    roots = [n for n in substation_nodes if n in graph]
    paths = nx.multi_source_dijkstra_path(graph, roots) if roots else {}

    at_node: dict[int, list[int]] = {}
    for device, (node, _kind) in sorted(devices.items()):
        at_node.setdefault(node, []).append(device)

    def chain(node: int) -> list[int]:
        """Protective devices at a node, lowest first."""
        found = [d for d in at_node.get(node, []) if devices[d][1] in PROTECTIVE]
        return sorted(found, key=lambda d: (RANK[devices[d][1]], d), reverse=True)

    def upstream(node: int) -> list[int]:
        """Every protective device from `node` up to the substation, nearest first."""
        return [d for n in reversed(paths[node]) for d in chain(n)]

    def guard(item: tuple[str, int]) -> int | None:
        kind, key = item
        if kind == "device":
            above = upstream(devices[key][0])
            rest = above[above.index(key) + 1 :]
            return rest[0] if rest else None
        node = devices[key][0] if kind == "transformer" else key
        above = upstream(node)
        return above[0] if above else None

    unfed = {call for call, node, _t in calls if node not in paths}
    items: dict[tuple[str, int], set[int]] = {}
    for call, node, transformer in calls:
        if node in paths:
            item = ("transformer", transformer) if transformer is not None else ("line", node)
            items.setdefault(item, set()).add(call)

    predicted: set[int] = set()
    while True:
        out = [*items, *(("device", d) for d in predicted)]
        counts: dict[int, int] = {}
        for item in out:
            g = guard(item)
            if g is not None:
                counts[g] = counts.get(g, 0) + 1
        more = {d for d, c in counts.items() if c >= rollup_min} - predicted
        if not more:
            break
        predicted |= more

    def transformers_under(device: int) -> set[int]:
        node = devices[device][0]
        return {
            t
            for t, (n, kind) in devices.items()
            if kind == "transformer"
            and n in paths
            and (device in upstream(n) if devices[device][1] in PROTECTIVE else node in paths[n])
        }

    grouped: dict[tuple[str, int], set[int]] = {}
    reporting: dict[tuple[str, int], set[int]] = {}
    for item, item_calls in items.items():
        node = devices[item[1]][0] if item[0] == "transformer" else item[1]
        top = item
        for device in upstream(node):
            if device in predicted:
                top = ("device", device)
        grouped.setdefault(top, set()).update(item_calls)
        if item[0] == "transformer":
            reporting.setdefault(top, set()).add(item[1])

    outcomes = set()
    for (kind, key), item_calls in grouped.items():
        beneath: set[int]
        if kind == "line":
            beneath = {t for t, (n, k) in devices.items() if k == "transformer" and n == key}
            name = "line"
        elif kind == "transformer":
            beneath, name = {key}, "transformer"
        else:
            beneath, name = transformers_under(key), devices[key][1]
        outcomes.add(
            Outcome(
                name,
                key,
                frozenset(item_calls),
                frozenset(reporting.get((kind, key), set())),
                frozenset(beneath),
            )
        )
    return outcomes, unfed
