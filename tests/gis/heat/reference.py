"""A plain reference for the heat trace: breadth-first searches over sets, written from the
description of what a heat isolation means, sharing nothing with gis.heat but its answer."""

from collections import defaultdict
from collections.abc import Hashable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

Node = Hashable
Pipe = Hashable


@dataclass
class Level:
    """One circuit's pipes of one level, as node pairs with their pipe ids."""

    edges: dict[Pipe, tuple[Node, Node]]
    feeds: set[Node]  # nodes where a station feeding this level sits
    closable: set[Node]  # nodes with a valve a crew can turn
    closed: set[Node]  # nodes with a normally closed valve: water never passes

    def adjacency(self) -> dict[Node, list[tuple[Node, Pipe]]]:
        adjacency: dict[Node, list[tuple[Node, Pipe]]] = defaultdict(list)
        for pipe, (u, v) in self.edges.items():
            adjacency[u].append((v, pipe))
            adjacency[v].append((u, pipe))
        return adjacency

    def fed_pipes(self, feeds: set[Node], blocked: set[Node]) -> set[Pipe]:
        """Pipes with an end reached from a feed without passing a blocked node."""
        adjacency = self.adjacency()
        seen = set(feeds - blocked)
        stack = list(seen)
        while stack:
            node = stack.pop()
            for other, _pipe in adjacency[node]:
                if other not in seen and other not in blocked:
                    seen.add(other)
                    stack.append(other)
        return {p for p, (u, v) in self.edges.items() if u in seen or v in seen}

    def trace(self, damaged: Pipe) -> tuple[set[Node], set[Node]]:
        """Ring nodes to close and feed nodes to shut around a damaged pipe."""
        adjacency = self.adjacency()
        inside: set[Node] = set()
        ring: set[Node] = set()
        inside_pipes = {damaged}
        stack = list(self.edges[damaged])
        while stack:
            node = stack.pop()
            if node in inside or node in ring or node in self.closed:
                continue
            if node in self.closable:
                ring.add(node)
                continue
            inside.add(node)
            for other, pipe in adjacency[node]:
                inside_pipes.add(pipe)
                stack.append(other)
        shut = inside & self.feeds

        def reaches_feed(start: Node) -> bool:
            seen, stack = {start}, [start]
            while stack:
                node = stack.pop()
                if node in self.feeds - shut:
                    return True
                for other, pipe in adjacency[node]:
                    if pipe in inside_pipes or other in seen or other in ring:
                        continue
                    if other in self.closed:
                        continue
                    seen.add(other)
                    stack.append(other)
            return False

        return {n for n in ring if reaches_feed(n)}, shut


@dataclass
class Expected:
    close: dict[str, set[Node]]  # circuit -> nodes whose valves close
    shut: set[Node]  # station nodes to shut
    dark: set[Node]  # substation nodes without heat
    lost: dict[str, set[Pipe]]  # circuit -> pipes losing supply


def heat_reference(
    levels: Mapping[tuple[str, bool], Level],
    plants: AbstractSet[Node],
    substations: AbstractSet[Node],
    traced: Mapping[str, tuple[bool, Pipe]],
) -> Expected:
    """The heat isolation worked out plainly.

    `levels`: (circuit, primary?) -> that circuit's pipes of that level, with their feeds
    (plants on the primary, substations on the secondary); `traced`: circuit -> (primary?,
    pipe) for the damaged pipe and its twin. A station shut stops both circuits; a substation
    is without heat when every primary pipe at it that was fed is lost on either circuit
    (no water out, or none back), or when it is shut; a secondary pipe loses supply when no
    substation with heat reaches it."""
    circuits = sorted({c for c, _p in levels})
    close: dict[str, set[Node]] = {c: set() for c in circuits}
    shut: set[Node] = set()
    for c, (primary, pipe) in traced.items():
        close[c], inside = levels[(c, primary)].trace(pipe)
        shut |= inside

    def lost(c: str, primary: bool, removed: set[Node]) -> set[Pipe]:
        level = levels[(c, primary)]
        here = c in traced and traced[c][0] == primary
        blocked = level.closed | (close[c] if here else set())
        before = level.fed_pipes(level.feeds, level.closed)
        return before - level.fed_pipes(level.feeds - removed, blocked)

    lost_primary = {c: lost(c, True, shut & plants) for c in circuits}
    dark = shut & substations
    for c in circuits:
        level = levels[(c, True)]
        before = level.fed_pipes(level.feeds, level.closed)
        for node in substations:
            fed_here = {p for p, e in level.edges.items() if node in e and p in before}
            if fed_here and fed_here <= lost_primary[c]:
                dark.add(node)
    return Expected(
        close=close,
        shut=shut,
        dark=dark,
        lost={c: lost_primary[c] | lost(c, False, dark) for c in circuits},
    )
