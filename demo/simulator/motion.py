"""Vans moving along their routes, and the fixes they report on the way."""

import heapq
import itertools
import math
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from demo.simulator.owntracks import owntracks_payload, tracker_id
from demo.simulator.projection import Projection
from demo.simulator.routes import Route, Router, Where
from fleet.roads import RoadGraph

BATTERY_DRAIN_S = 600.0  # a tablet loses about 1 % every ten minutes


@dataclass
class SimVan:
    device_id: str
    crew_id: int | None
    home: tuple[float, float]
    route: Route
    acc: int  # metres, as the tablet would report it
    battery: int
    route_from: float = 0.0  # clock time the current route started
    goal: tuple[str, int] | None = None  # where it is heading: rerouted when this changes
    last_tst: int = 0

    def where(self, now: float) -> Where:
        return self.route.at(now - self.route_from)

    def drive(self, route: Route | None, now: float, goal: tuple[str, int] | None) -> None:
        """Set off on `route` from here (or stay here when there is no route)."""
        if route is None:
            here = self.where(now)
            route = Route.staying((here.x, here.y), here.cog)
        self.route, self.route_from, self.goal = route, now, goal


def fixes(
    vans: list[SimVan],
    *,
    times: list[float],
    tsts: list[int],
    projection: Projection,
    started: float,
) -> list[bytes]:
    """OwnTracks payloads for each van where it is at its clock time (one projection call)."""
    spots = [van.where(now) for van, now in zip(vans, times, strict=True)]
    lonlat = projection.lonlat(np.array([[w.x, w.y] for w in spots]).reshape(-1, 2))
    return [
        owntracks_payload(
            lon=float(lon),
            lat=float(lat),
            tst=tst,
            acc=van.acc,
            vel_kmh=round(w.speed_mps * 3.6),
            cog=round(w.cog) % 360,
            batt=max(van.battery - int((now - started) / BATTERY_DRAIN_S), min(van.battery, 5)),
            tid=tracker_id(van.device_id),
        )
        for van, w, (lon, lat), tst, now in zip(vans, spots, lonlat, tsts, times, strict=True)
    ]


class Pacer:
    """When each van publishes next: every `period` seconds, the vans spread over it."""

    def __init__(self, count: int, *, period: float, start: float) -> None:
        self.period = period
        self._heap = [(start + i * period / count, i) for i in range(count)]
        heapq.heapify(self._heap)

    def next_due(self) -> float:
        return self._heap[0][0] if self._heap else math.inf

    def pop_due(self, now: float) -> list[tuple[float, int]]:
        due = []
        while self._heap and self._heap[0][0] <= now:
            due.append(heapq.heappop(self._heap))
        return due

    def push(self, van: int, at: float) -> None:
        heapq.heappush(self._heap, (at, van))


def roaming_fixes(
    *,
    graph: RoadGraph,
    count: int,
    seed: int = 1,
    rate: float = 1.0,
    speed_factor: float = 1.0,
    start_epoch: float | None = None,
) -> Iterator[tuple[str, bytes]]:
    """Endless (device id, OwnTracks payload) of `count` vans driving between random road
    points, in simulated time (as fast as the caller takes them): load for a bench, no
    database. `tst` rises by at least a second per van, as the tracker requires."""
    rng = random.Random(seed)  # noqa: S311 - a seeded generator for repeatable load
    router, projection = Router(graph, speed_factor=speed_factor), Projection(graph.srid)
    period, epoch = 1.0 / min(rate, 1.0), time.time() if start_epoch is None else start_epoch
    vans = []
    for n in range(count):
        home = router.random_point(rng)
        van = SimVan(f"SIM-{n:05d}", None, home, Route.staying(home), rng.randint(3, 15), 100)
        vans.append(van)
    for round_no in itertools.count():
        # One round: every van once, at its own offset into the period.
        times = [round_no * period + i * period / count for i in range(count)]
        for van, now in zip(vans, times, strict=True):
            if now - van.route_from >= van.route.seconds:  # arrived: off somewhere else
                here = van.where(now)
                route = router.route((here.x, here.y), router.random_point(rng), cog=here.cog)
                van.drive(route, now, ("roam", round_no))
        for van, now in zip(vans, times, strict=True):
            # A period of a second or more makes it rise; max() guards against float rounding.
            van.last_tst = max(int(epoch + now), van.last_tst + 1)
        tsts = [van.last_tst for van in vans]
        payloads = fixes(vans, times=times, tsts=tsts, projection=projection, started=0.0)
        yield from zip([van.device_id for van in vans], payloads, strict=True)
