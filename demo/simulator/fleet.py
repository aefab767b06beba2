"""The fleet in the database, and the loop that drives it and answers for its crews."""

import logging
import math
import random
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import paho.mqtt.client as mqtt
from django.conf import settings
from django.contrib.gis.db.models.functions import PointOnSurface, Transform
from django.db import DatabaseError, close_old_connections, connection

from demo.simulator.motion import Pacer, SimVan, fixes
from demo.simulator.owntracks import owntracks_topic
from demo.simulator.projection import Projection
from demo.simulator.routes import Route, Router
from dispatch.errors import DispatchError
from dispatch.models import WorkOrder
from dispatch.services.work_orders import work_order_transition
from fleet.models import Vehicle
from fleet.mqtt import mqtt_client
from fleet.roads import road_graph

log = logging.getLogger(__name__)

S = WorkOrder.Status
ON_SCENE = {S.ON_SITE, S.MADE_SAFE}  # the crew is at the incident: the van stays there
# What the simulated crew answers on its tablet. It never reports on_site: arriving is the
# tracker's geofence's to notice, as with a real van.
RESPONSES: dict[str, str] = {S.ASSIGNED: S.ACCEPTED, S.ACCEPTED: S.EN_ROUTE}
REFRESH_S = 2.0  # how often work orders are read (one query for the whole fleet)
REPORT_EVERY_S = 10.0
DRAIN_S = 5.0  # at the end, how long to wait for the broker to acknowledge what was sent


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
