"""Road routes a van drives: fastest paths over the road graph as timed polylines."""

import itertools
import math
import random
from dataclasses import dataclass

import numpy as np
import shapely
import shapely.ops

from fleet.roads import ACCESS_SPEED_KMH, RoadGraph

_ACCESS_MPS = ACCESS_SPEED_KMH / 3.6


@dataclass(frozen=True)
class Where:
    x: float
    y: float
    speed_mps: float
    cog: float  # degrees clockwise from grid north (within a degree or two of true north)


@dataclass(frozen=True)
class Route:
    xy: np.ndarray  # (n, 2) vertices, in metres of the graph's projection; n >= 1
    t: np.ndarray  # (n,) seconds from the route's start at which each vertex is passed
    cog_end: float  # the heading it stops with

    @classmethod
    def staying(cls, xy: tuple[float, float], cog: float = 0.0) -> "Route":
        return cls(np.array([xy], dtype=float), np.zeros(1), cog)

    @property
    def seconds(self) -> float:
        return float(self.t[-1])

    def at(self, s: float) -> Where:
        """Where the van is `s` seconds after it set off (parked at the end after that)."""
        if s >= self.t[-1]:
            return Where(float(self.xy[-1, 0]), float(self.xy[-1, 1]), 0.0, self.cog_end)
        i = max(int(np.searchsorted(self.t, s, side="right")) - 1, 0)
        dt = self.t[i + 1] - self.t[i]  # > 0: segments that take no time were dropped
        d = self.xy[i + 1] - self.xy[i]
        p = self.xy[i] + d * ((max(s, 0.0) - self.t[i]) / dt)
        return Where(float(p[0]), float(p[1]), float(math.hypot(*d) / dt), _heading(d))


def _heading(d: np.ndarray) -> float:
    return math.degrees(math.atan2(d[0], d[1])) % 360


def _route_from_pieces(pieces: list[tuple[np.ndarray, float]], cog: float) -> Route:
    """A route from polylines, each driven at its own speed (m/s)."""
    xy, t = [pieces[0][0][0]], [0.0]
    for coords, speed in pieces:
        for p in coords:
            step = math.hypot(*(p - xy[-1]))
            if step > 1e-6:  # repeated vertices (where pieces meet) take no time
                xy.append(p)
                t.append(t[-1] + step / speed)
    points = np.array(xy, dtype=float)
    return Route(points, np.array(t), _heading(points[-1] - points[-2]) if len(t) > 1 else cog)


class Router:
    """Fastest road routes between two points, as `Route`s."""

    def __init__(self, graph: RoadGraph, *, speed_factor: float = 1.0) -> None:
        self.graph = graph
        self.speed_factor = speed_factor
        # The matrix keeps the fastest of parallel stretches: walk the path along the same one.
        self._edge: dict[tuple[int, int], int] = {}
        for e in np.argsort(-graph.edge_s).tolist():  # slowest first, so the fastest stays
            u, v = int(graph.edge_u[e]), int(graph.edge_v[e])
            self._edge[(min(u, v), max(u, v))] = e

    def on_road(self, xy: tuple[float, float]) -> tuple[float, float]:
        """The nearest point on a road: where a van parks, at the kerb."""
        snap = self.graph.snap(np.array([xy]))
        return self._point(int(snap.edge[0]), float(snap.along[0]))

    def random_point(self, rng: random.Random) -> tuple[float, float]:
        return self._point(rng.randrange(len(self.graph.edge_u)), rng.random())

    def route(
        self, start: tuple[float, float], goal: tuple[float, float], *, cog: float = 0.0
    ) -> Route | None:
        """The fastest route by road, legs off the road included; None if none connects."""
        travel = self.graph.travel(origin_xy=start, targets_xy=np.array([goal]))
        if not (travel.reachable[0] and np.isfinite(travel.seconds[0])):
            return None
        g, e0, a0 = self.graph, int(travel.origin.edge[0]), float(travel.origin.along[0])
        te, at, end = int(travel.targets.edge[0]), float(travel.targets.along[0]), travel.end[0]
        pieces = [(np.array([start, self._point(e0, a0)]), _ACCESS_MPS)]
        if end < 0:  # both on one stretch of road: along it, through neither end
            pieces.append(self._along(e0, a0, at))
        else:
            nodes = [int(end)]
            while (prev := int(travel.pred[nodes[-1]])) != g.origin:
                nodes.append(prev)
            nodes.reverse()
            pieces.append(self._along(e0, a0, 0.0 if nodes[0] == g.edge_u[e0] else 1.0))
            for a, b in itertools.pairwise(nodes):
                e = self._edge[(min(a, b), max(a, b))]
                forward = a == g.edge_u[e]
                pieces.append(self._along(e, 0.0 if forward else 1.0, 1.0 if forward else 0.0))
            pieces.append(self._along(te, 0.0 if end == g.edge_u[te] else 1.0, at))
        pieces.append((np.array([self._point(te, at), goal]), _ACCESS_MPS))
        scaled = [(coords, speed * self.speed_factor) for coords, speed in pieces]
        return _route_from_pieces(scaled, cog)

    def _point(self, e: int, along: float) -> tuple[float, float]:
        p = shapely.line_interpolate_point(self.graph.lines[e], along, normalized=True)
        return (float(shapely.get_x(p)), float(shapely.get_y(p)))

    def _along(self, e: int, start: float, stop: float) -> tuple[np.ndarray, float]:
        """The stretch of edge `e` between two fractions of it (reversed when stop < start)."""
        part = shapely.ops.substring(self.graph.lines[e], start, stop, normalized=True)
        g = self.graph
        speed = g.edge_m[e] / g.edge_s[e] if g.edge_s[e] > 0 else _ACCESS_MPS
        return shapely.get_coordinates(part), float(speed)
