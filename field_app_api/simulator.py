"""A fleet of simulated vans that drive the city's roads and report like OwnTracks tablets.

Each van follows the fastest road route (dispatch.roads) to its crew's live job, or back to
its station, and publishes an OwnTracks `location` over MQTT at a set rate. Routes are
polylines in the road graph's metric projection with the time each vertex is passed, so a
position at any moment is one interpolation; positions go to WGS 84 in one GDAL call per
batch. `roaming_fixes` gives a bench the same fixes without the database loop.
"""

import heapq
import itertools
import json
import logging
import math
import random
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np
import paho.mqtt.client as mqtt
import shapely
import shapely.ops
from django.conf import settings
from django.contrib.gis.db.models.functions import PointOnSurface, Transform
from django.contrib.gis.gdal import CoordTransform, OGRGeometry, SpatialReference
from django.db import DatabaseError, close_old_connections, connection

from dispatch.errors import DispatchError
from dispatch.models import Vehicle, WorkOrder
from dispatch.roads import ACCESS_SPEED_KMH, RoadGraph, road_graph
from dispatch.services.work_orders import work_order_transition
from field_app_api.mqtt import mqtt_client, topic

log = logging.getLogger(__name__)

S = WorkOrder.Status
ON_SCENE = {S.ON_SITE, S.MADE_SAFE}  # the crew is at the incident: the van stays there
# What the simulated crew answers on its tablet. It never reports on_site: arriving is the
# tracker's geofence's to notice, as with a real van.
RESPONSES: dict[str, str] = {S.ASSIGNED: S.ACCEPTED, S.ACCEPTED: S.EN_ROUTE}
REFRESH_S = 2.0  # how often work orders are read (one query for the whole fleet)
REPORT_EVERY_S = 10.0
DRAIN_S = 5.0  # at the end, how long to wait for the broker to acknowledge what was sent
BATTERY_DRAIN_S = 600.0  # a tablet loses about 1 % every ten minutes
_ACCESS_MPS = ACCESS_SPEED_KMH / 3.6


def tracker_id(device_id: str) -> str:
    """OwnTracks' `tid`: two characters, by default the end of the device's name."""
    return ("".join(c for c in device_id if c.isalnum())[-2:] or "sv").rjust(2, "0")


def owntracks_topic(device_id: str) -> str:
    """The topic a device publishes its positions on (`<user>` is its MQTT username)."""
    return topic(f"owntracks/{device_id}/van")


def owntracks_payload(
    *, lon: float, lat: float, tst: int, acc: int, vel_kmh: int, cog: int, batt: int, tid: str
) -> bytes:
    """An OwnTracks `location` message as the Android app sends it on a timer in move mode."""
    body = {
        "_type": "location",
        "lat": round(lat, 7),  # about a centimetre: more would only be noise
        "lon": round(lon, 7),
        "tst": tst,
        "acc": acc,
        "vel": vel_kmh,
        "cog": cog,
        "batt": batt,
        "tid": tid,
        "t": "t",  # triggered by the timer
        "conn": "m",  # on the mobile network
    }
    return json.dumps(body, separators=(",", ":")).encode()


# Projection -----------------------------------------------------------------------------------

# PostGIS's _ST_BestSRID answers with SRIDs of its own (999000 and up) that no EPSG table
# holds, so GDAL cannot look them up. These are PostGIS's definitions of the ones a city gets.
_UTM_NORTH, _UTM_SOUTH, _WORLD_MERCATOR = range(999001, 999061), range(999101, 999161), 999000


def projection_srs(srid: int) -> SpatialReference:
    """GDAL's spatial reference for an SRID the road graph may be in."""
    if srid in _UTM_NORTH:
        return SpatialReference(f"+proj=utm +zone={srid - 999000} +datum=WGS84 +units=m +no_defs")
    if srid in _UTM_SOUTH:
        zone = srid - 999100
        return SpatialReference(f"+proj=utm +zone={zone} +south +datum=WGS84 +units=m +no_defs")
    if srid == _WORLD_MERCATOR:
        return SpatialReference("+proj=merc +lon_0=0 +k=1 +x_0=0 +y_0=0 +datum=WGS84 +units=m")
    if srid > _WORLD_MERCATOR:
        raise ValueError(f"the roads are in PostGIS's own SRID {srid}, unknown to the simulator")
    return SpatialReference(srid)


class Projection:
    """From the road graph's metres to WGS 84 longitude and latitude."""

    def __init__(self, srid: int) -> None:
        self.srs = projection_srs(srid)
        self._to_wgs84 = CoordTransform(self.srs, SpatialReference(4326))

    def lonlat(self, xy: np.ndarray) -> np.ndarray:
        """(n, 2) projected points to (n, 2) lon, lat: one GDAL call for the whole batch."""
        if len(xy) == 0:
            return np.zeros((0, 2))
        geom = OGRGeometry(memoryview(shapely.to_wkb(shapely.multipoints(xy))), srs=self.srs)
        geom.transform(self._to_wgs84)
        return shapely.get_coordinates(shapely.from_wkb(bytes(geom.wkb)))


# Routes ---------------------------------------------------------------------------------------


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


# Vans and their fixes -------------------------------------------------------------------------


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


# The fleet in the database --------------------------------------------------------------------


class SimulatorError(Exception):
    """The simulator cannot start; the message says what to do about it."""


@dataclass(frozen=True)
class Job:
    work_order_id: int
    incident_id: int
    status: str
    xy: tuple[float, float]  # the incident, in the graph's projection


def fleet_load(*, router: Router, limit: int | None, seed: int) -> list[SimVan]:
    """Vans with a crew and a position, by id, each parking at its crew's station."""
    srid = router.graph.srid
    rows = (
        Vehicle.objects.filter(crew__isnull=False, last_point__isnull=False)
        .order_by("id")
        .annotate(
            start=Transform("last_point", srid),
            station=Transform(PointOnSurface("crew__station__territory"), srid),
        )
        .values_list("device_id", "crew_id", "battery", "heading", "start", "station")
    )
    rng = random.Random(seed)  # noqa: S311 - a seeded generator for a repeatable run
    vans = []
    for device_id, crew_id, battery, heading, start, station in rows[:limit]:
        here = (start.x, start.y)
        home = router.on_road((station.x, station.y)) if station else here
        battery = rng.randint(40, 100) if battery is None else battery
        route = Route.staying(here, heading or 0.0)
        vans.append(SimVan(device_id, crew_id, home, route, rng.randint(3, 15), battery))
    return vans


def projection_error_m(projection: Projection, srid: int, xy: tuple[float, float]) -> float:
    """How far from PostGIS our projection puts a point: it should be millimetres."""
    lon, lat = projection.lonlat(np.array([xy]))[0]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ST_Distance(ST_Transform(ST_SetSRID(ST_MakePoint(%s, %s), %s), 4326)"
            "::geography, ST_SetSRID(ST_MakePoint(%s, %s), 4326)::geography)",
            [xy[0], xy[1], srid, float(lon), float(lat)],
        )
        return float(cursor.fetchone()[0])


def jobs_by_crew(*, crew_ids: list[int], srid: int) -> dict[int, Job]:
    """Each crew's job to be at: one it is on the scene of, else its oldest live one."""
    rows = (
        WorkOrder.objects.filter(crew_id__in=crew_ids, status__in=WorkOrder.ACTIVE_STATUSES)
        .annotate(goal=Transform("incident__point", srid))
        .order_by("created_at", "id")
        .values_list("id", "crew_id", "incident_id", "status", "goal")
    )
    jobs: dict[int, Job] = {}
    for work_order_id, crew_id, incident_id, status, goal in rows:
        held = jobs.get(crew_id)
        if held is None or (status in ON_SCENE and held.status not in ON_SCENE):
            jobs[crew_id] = Job(work_order_id, incident_id, status, (goal.x, goal.y))
    return jobs


# The loop -------------------------------------------------------------------------------------


@dataclass
class FleetSimulator:
    """The vans of the database on one MQTT client, steered by their crews' work orders."""

    vans: list[SimVan]
    router: Router
    projection: Projection
    rate: float  # fixes per van per second
    duration: float  # seconds; 0 runs until stopped
    respond: bool
    respond_after: float
    report: Callable[[str], None]
    client_id: str
    stop: threading.Event = field(default_factory=threading.Event)
    counters: Counter[str] = field(default_factory=Counter)
    acked: int = 0  # written only by paho's network thread
    connected: threading.Event = field(default_factory=threading.Event)
    answered: threading.Event = field(default_factory=threading.Event)  # CONNACK, either way
    refused: str = ""
    _waiting: dict[tuple[int, str], float] = field(default_factory=dict)

    # paho callbacks (network thread) ------------------------------------------------------

    def on_connect(
        self, _c: mqtt.Client, _u: object, _f: object, reason: object, _p: object
    ) -> None:
        if getattr(reason, "is_failure", False):
            self.refused = str(reason)
        else:
            self.connected.set()
        self.answered.set()

    def on_disconnect(
        self, _c: mqtt.Client, _u: object, _f: object, reason: object, _p: object
    ) -> None:
        self.connected.clear()
        if not self.stop.is_set():
            log.warning("simulator lost the broker (%s); paho reconnects", reason)

    def on_publish(self, _c: mqtt.Client, _u: object, _m: int, _r: object, _p: object) -> None:
        self.acked += 1

    # main thread ----------------------------------------------------------------------------

    def run(self) -> None:
        """Publish until the duration is over or `stop` is set; then let the broker catch up."""
        client = self._connect()
        started = time.monotonic()
        try:
            self._loop(client, started)
        finally:
            self.stop.set()  # from here on a disconnect is ours, not a lost broker
            drain_until = time.monotonic() + DRAIN_S
            while self.acked < self.counters["sent"] and time.monotonic() < drain_until:
                time.sleep(0.05)
            client.disconnect()
            client.loop_stop()
            self._report(self.acked, time.monotonic() - started)

    def _connect(self) -> mqtt.Client:
        client = mqtt_client(client_id=self.client_id)
        client.on_connect = self.on_connect
        client.on_disconnect = self.on_disconnect
        client.on_publish = self.on_publish
        client.max_inflight_messages_set(1000)  # QoS 1 at fleet rates: do not wait per 20
        host, port = settings.MQTT_BROKER_HOST, settings.MQTT_BROKER_PORT
        client.connect_async(host, port, keepalive=settings.MQTT_KEEPALIVE)
        client.loop_start()
        self.answered.wait(10)
        if not self.connected.is_set():
            client.disconnect()
            client.loop_stop()
            why = f"refused: {self.refused}" if self.refused else "no answer within 10 s"
            raise SimulatorError(f"MQTT broker at {host}:{port}: {why}")
        return client

    def _loop(self, client: mqtt.Client, started: float) -> None:
        end = started + self.duration if self.duration else math.inf
        pacer = Pacer(len(self.vans), period=1.0 / self.rate, start=started)
        next_refresh, next_report, last = started, started + REPORT_EVERY_S, (started, 0)
        while not self.stop.is_set() and (now := time.monotonic()) < end:
            if now >= next_refresh:
                self._refresh(now)
                next_refresh = now + REFRESH_S
            if now >= next_report:
                self._report(self.acked - last[1], now - last[0])
                next_report, last = next_report + REPORT_EVERY_S, (now, self.acked)
            self._publish_due(client, pacer, now, started)
            wake = min(pacer.next_due(), next_refresh, next_report, end)
            self.stop.wait(max(wake - time.monotonic(), 0.0))

    def _publish_due(self, client: mqtt.Client, pacer: Pacer, now: float, started: float) -> None:
        epoch, ready = time.time(), []
        for at, i in pacer.pop_due(now):
            van = self.vans[i]
            if int(epoch) <= van.last_tst:
                # Timer jitter brought it round within the second it last reported in; the
                # tracker would drop a second fix with the same tst. Wait for the next second.
                pacer.push(i, now + van.last_tst + 1 - epoch)
                continue
            van.last_tst = int(epoch)
            ready.append(van)
            # Keep the cadence, unless a slow refresh left the van a whole period behind.
            pacer.push(i, max(at + pacer.period, now + pacer.period / 2))
        if not ready:
            return
        payloads = fixes(
            ready,
            times=[now] * len(ready),
            tsts=[van.last_tst for van in ready],
            projection=self.projection,
            started=started,
        )
        for van, payload in zip(ready, payloads, strict=True):
            if not self.connected.is_set():
                self.counters["offline"] += 1  # the van drives on; this fix is lost
                continue
            info = client.publish(owntracks_topic(van.device_id), payload, qos=1)
            self.counters["sent" if info.rc == mqtt.MQTT_ERR_SUCCESS else "not_sent"] += 1

    def _refresh(self, now: float) -> None:
        """Read the fleet's work orders (one query), steer the vans, answer for the crews."""
        crew_ids = [van.crew_id for van in self.vans if van.crew_id is not None]
        try:
            close_old_connections()  # a database restarted during a long run: reconnect
            jobs = jobs_by_crew(crew_ids=crew_ids, srid=self.router.graph.srid)
        except DatabaseError:
            self.counters["database_errors"] += 1
            log.exception("could not read work orders; the vans keep their course")
            return
        for van in self.vans:
            self._steer(van, jobs.get(van.crew_id) if van.crew_id else None, now)
        if self.respond:
            self._answer(jobs, now)

    def _steer(self, van: SimVan, job: Job | None, now: float) -> None:
        goal, xy = (("incident", job.incident_id), job.xy) if job else (("home", 0), van.home)
        if goal == van.goal:
            return
        here = van.where(now)
        route = self.router.route((here.x, here.y), xy, cog=here.cog)
        if route is None:
            log.warning("%s: no road leads to its %s; it waits where it is", van.device_id, goal[0])
        van.drive(route, now, goal)

    def _answer(self, jobs: dict[int, Job], now: float) -> None:
        """Accept a new job, then set off, each `respond_after` seconds after the last step."""
        waiting: dict[tuple[int, str], float] = {}
        for job in jobs.values():
            to = RESPONSES.get(job.status)
            if to is None:
                continue
            since = waiting[(job.work_order_id, job.status)] = self._waiting.get(
                (job.work_order_id, job.status), now
            )
            if now - since < self.respond_after:
                continue
            try:
                work_order_transition(
                    work_order_id=job.work_order_id,
                    to=to,
                    actor=None,
                    actor_label="simulator",
                    # One id per step: a restarted simulator replays it harmlessly.
                    client_event_id=f"simulator-{job.work_order_id}-{to}",
                )
            except (DispatchError, DatabaseError) as exc:  # moved by someone else, or no DB
                self.counters["answers_skipped"] += 1
                log.warning("work order %s not set %s: %s", job.work_order_id, to, exc)
                continue
            self.counters["answers"] += 1
            waiting[(job.work_order_id, to)] = now  # the next step waits from now
        self._waiting = waiting  # forget jobs no longer waiting on the crew

    def _report(self, published: int, over: float) -> None:
        """One line: vans, messages the broker acknowledged, and how fast (`published` over
        the last `over` seconds)."""
        on_job = sum(1 for van in self.vans if van.goal and van.goal[0] == "incident")
        rate = published / over if over > 0 else 0.0
        extra = f", {self.counters['answers']} answers" if self.respond else ""
        self.report(
            f"simulate_fleet: {len(self.vans)} vans ({on_job} on a job), {self.acked} published, "
            f"{rate:.1f}/s{extra}"
        )


def fleet_simulator(
    *,
    vans: int | None,
    rate: float,
    speed_factor: float,
    seed: int,
    respond: bool,
    respond_after: float,
    duration: float,
    report: Callable[[str], None],
) -> FleetSimulator:
    """A simulator for the vans in the database, or SimulatorError saying what is missing."""
    graph = road_graph()
    if graph.empty:
        raise SimulatorError("no roads loaded: run `manage.py make_demo_city` first")
    try:
        projection = Projection(graph.srid)
    except ValueError as exc:
        raise SimulatorError(str(exc)) from exc
    router = Router(graph, speed_factor=speed_factor)
    fleet = fleet_load(router=router, limit=vans, seed=seed)
    if not fleet:
        raise SimulatorError(
            "no vans with a crew and a position: run `manage.py make_demo_crews` first"
        )
    start = fleet[0].where(0.0)
    if (error := projection_error_m(projection, graph.srid, (start.x, start.y))) > 1.0:
        raise SimulatorError(f"SRID {graph.srid}: our projection is {error:.0f} m off PostGIS's")
    return FleetSimulator(
        vans=fleet,
        router=router,
        projection=projection,
        rate=rate,
        duration=duration,
        respond=respond,
        respond_after=respond_after,
        report=report,
        client_id=f"simulate-fleet-{uuid.uuid4().hex[:8]}",
    )
