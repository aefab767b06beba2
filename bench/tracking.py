"""Tracker ingest: positions committed per second by one tracker process and by two on one
shared subscription, and publish-to-row latency, against a raw MQTT subscriber, the tracker's
MQTT client alone and a raw COPY of the same rows.

    DATABASE_URL=postgis://gasdispatch:gasdispatch@127.0.0.1:5432/gasdispatch_benchtrk \\
        .venv/bin/python bench/tracking.py [--positions 60000] [--vans 2000] [--repeat 3]

The database needs only the migrations (`manage.py migrate`; no city). By default the script
starts its own Mosquitto on a free port with the deployment's queue limits (`--broker settings`
uses MQTT_BROKER_HOST/PORT instead: a stock Mosquitto keeps 1,000 queued messages per client
and drops a burst the tracker is ~30,000 messages behind on). Every topic is under a prefix of
this run, `bench-<pid>/`. On the same N messages, each measure `--repeat` times:

- the publisher: its own process writing N OwnTracks `location` messages, QoS 1, as MQTT
  packets encoded before the clock starts (paho needs ~60 us of Python per message and was
  the bottleneck), timed to the broker's last PUBACK;
- baseline A: `mosquitto_sub -q 1 -C N`, from the first publish until it exits;
- baseline B: the N rows with psycopg's COPY into a plain temporary table shaped like
  fleet_vehicleposition (no key, no WAL: temporary), to the commit;
- baseline C: the tracker's MQTT client (fleet.mqtt.mqtt_session_client: plain paho, MQTT 5,
  manual acknowledgements) set up as the tracker sets it up, acknowledging each message in
  `on_message` and doing nothing else: the most a tracker built on it can take in one process;
- ours: `manage.py track_vehicles` as a subprocess (warmed up: every van looked up once), N
  fixes at full speed, from the first publish until all N rows are counted (a probe for the
  last message's row every 50 ms, a count(*) every second and when the probe finds it);
- ours, scaled out: `--trackers` (2) trackers in one MQTT 5 shared subscription group
  (`track_vehicles --shared-group`), the same burst, until all N rows are counted; the
  ratio to one tracker is what a second process buys on this machine;
- latency (one tracker): fixes published at a fixed rate; a poller stamps every 20 ms the
  rows that became visible; p50/p95/p99 of publish to visible row.

CPU seconds are read from /proc for the trackers, the PostgreSQL backends of this database,
the broker and the publisher. From the CPU per fix the script works out the most the cores
could commit whatever the number of trackers, so a scale-out ratio below the goal can be
told apart from cores that other work was using (the load average is printed too).

Vans `BENCH-<n>` (no crew) are created once and reused; their positions are deleted and the
vans reset before each run. Every fix has its own (van, tst), so none is a duplicate. Prints a
Markdown block for bench/RESULTS.md.
"""

import argparse
import contextlib
import json
import multiprocessing as mp
import os
import pwd
import random
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import django

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.main")
os.environ.setdefault("DJANGO_DEBUG", "false")  # DEBUG logs every query: not what production runs
PREFIX = f"bench-{os.getpid()}/"
os.environ["MQTT_TOPIC_PREFIX"] = PREFIX  # ours and the tracker's: no other subscriber matches
django.setup()

import paho.mqtt.client as mqtt  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection, connections, transaction  # noqa: E402
from paho.mqtt.packettypes import PacketTypes  # noqa: E402
from paho.mqtt.properties import Properties  # noqa: E402

from config.models import Heartbeat  # noqa: E402
from fleet.models import Vehicle  # noqa: E402
from fleet.mqtt import mqtt_session_client, session_properties  # noqa: E402
from fleet.tracker import RECEIVE_MAXIMUM, default_subscriptions  # noqa: E402

TABLE = "fleet_vehicleposition"
CENTRE = (108.32, 22.82)  # lon, lat: the demo city
COUNT_POLL_S = 0.05
LATENCY_POLL_S = 0.02
STALL_S = 30.0  # no new row for this long: the rest is not coming
GOAL_RATE = 4000.0  # per tracker process
GOAL_SCALE = 1.6  # two trackers on one shared subscription against one
GOAL_P99_S = 1.0
# The deployment's limits (fleet.credentials.mosquitto_conf): Mosquitto's default
# max_queued_messages, 1,000, drops QoS 1 messages once a subscriber is ~30,000 behind.
OWN_BROKER_CONF = """listener {port} 127.0.0.1
allow_anonymous true
user {user}
persistence true
persistence_location {directory}/
autosave_interval 30
max_queued_messages 100000
max_inflight_messages 100
log_dest stderr
log_type error
log_type warning
log_type notice
"""


@dataclass
class Broker:
    """Where every client of the run connects: ours (started here) or the one in settings."""

    host: str
    port: int
    own: subprocess.Popen[bytes] | None = None
    directory: Path | None = None

    def dropped(self) -> str:
        """What our own broker logged about messages it dropped ("" if nothing)."""
        if self.directory is None:
            return "not known (a shared broker: see its log)"
        log = (self.directory / "mosquitto.log").read_text(errors="replace")
        return "; ".join(line for line in log.splitlines() if "dropped" in line)


BROKER = Broker(settings.MQTT_BROKER_HOST, settings.MQTT_BROKER_PORT)


# What is published -------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """N messages, message i from van i % vans, with its own tst (one per van per round)."""

    topics: list[str]
    payloads: list[bytes]
    keys: list[tuple[str, int]]  # (device id, tst)
    rows: list[tuple[str, int, float, float, float, float, float, int]]  # device, tst, lon, lat..

    @property
    def size(self) -> int:
        return len(self.topics)

    def tst_range(self) -> tuple[int, int]:
        tsts = [tst for _d, tst in self.keys]
        return min(tsts), max(tsts) + 1


@dataclass
class Clock:
    """Hands out tst ranges nobody used: each plan's fixes are new to the table."""

    next_tst: int

    def plan(self, *, devices: list[str], count: int, seed: int) -> Plan:
        rng = random.Random(seed)
        homes = [
            (CENTRE[0] + rng.uniform(-0.1, 0.1), CENTRE[1] + rng.uniform(-0.1, 0.1))
            for _ in devices
        ]
        topics: list[str] = []
        payloads: list[bytes] = []
        keys: list[tuple[str, int]] = []
        rows: list[tuple[str, int, float, float, float, float, float, int]] = []
        for i in range(count):
            van = i % len(devices)
            tst = self.next_tst + i // len(devices)
            lon = round(homes[van][0] + rng.uniform(-0.002, 0.002), 6)
            lat = round(homes[van][1] + rng.uniform(-0.002, 0.002), 6)
            acc, vel, cog, batt = rng.randint(3, 30), rng.randint(0, 60), rng.randint(0, 359), 80
            body = {"_type": "location", "lat": lat, "lon": lon, "tst": tst}
            body |= {"acc": acc, "vel": vel, "cog": cog, "batt": batt}
            topics.append(f"{PREFIX}owntracks/{devices[van]}/tablet")
            payloads.append(json.dumps(body, separators=(",", ":")).encode())
            keys.append((devices[van], tst))
            rows.append((devices[van], tst, lon, lat, acc, vel, cog, batt))
        self.next_tst += -(-count // len(devices)) + 1
        return Plan(topics, payloads, keys, rows)


# The publisher, in its own process ------------------------------------------------------------


@dataclass(frozen=True)
class Published:
    started: float  # epoch seconds of the first publish
    sent: float  # the last publish call returned
    acked: float  # the broker's last PUBACK
    acked_count: int
    times: list[float]  # each message's publish time
    cpu: float  # the publisher's CPU seconds, encoding included

    def rate(self, count: int) -> float:
        return count / (self.acked - self.started)


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        n, digit = n >> 7, n & 0x7F
        out.append(digit | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _packet(kind: int, body: bytes) -> bytes:
    return bytes([kind]) + _varint(len(body)) + body


def _string(text: str) -> bytes:
    raw = text.encode()
    return struct.pack("!H", len(raw)) + raw


class _Acks(threading.Thread):
    """Counts the broker's PUBACKs (4 bytes each, nothing else comes) and notes the last."""

    def __init__(self, sock: socket.socket, expected: int) -> None:
        super().__init__(daemon=True)
        self.sock, self.expected = sock, expected
        self.count, self.last = 0, 0.0

    def run(self) -> None:
        received = 0
        while self.count < self.expected:
            data = self.sock.recv(1 << 16)
            if not data:
                return
            received += len(data)
            self.count = received // 4
        self.last = time.time()


def _publisher_main(plan: Plan, rate: float | None, pipe: Connection, gate: Any) -> None:
    """Publish the plan at QoS 1 as MQTT 3.1.1 packets encoded before the clock starts, then
    written to the socket: at full speed in runs of 256, or each at its time at `rate`. Sends
    back the times. (paho needs ~60 us of Python per message: it was the bottleneck.)"""
    packets = [
        _packet(0x32, _string(topic_name) + struct.pack("!H", i % 0xFFFF + 1) + payload)
        for i, (topic_name, payload) in enumerate(zip(plan.topics, plan.payloads, strict=True))
    ]
    runs = [b"".join(packets[i : i + 256]) for i in range(0, len(packets), 256)]
    sock = socket.create_connection((BROKER.host, BROKER.port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    client_id = f"bench-pub-{os.getpid()}"
    sock.sendall(_packet(0x10, _string("MQTT") + bytes([4, 2, 0, 60]) + _string(client_id)))
    if sock.recv(4) != b"\x20\x02\x00\x00":
        raise RuntimeError("the broker refused the publisher")
    acks = _Acks(sock, plan.size)
    acks.start()
    times = [0.0] * plan.size
    gate.wait()
    started = time.time()
    if rate:
        for i, packet in enumerate(packets):
            if (wait := started + i / rate - time.time()) > 0:
                time.sleep(wait)
            times[i] = time.time()
            sock.sendall(packet)
    else:
        for n, run in enumerate(runs):
            while acks.count < 256 * (n + 1) - 0xFFF0:  # a packet id is reused: acked first?
                time.sleep(0.001)
            times[256 * n : 256 * (n + 1)] = [time.time()] * min(256, plan.size - 256 * n)
            sock.sendall(run)
    sent = time.time()
    acks.join(timeout=120)
    sock.sendall(b"\xe0\x00")  # DISCONNECT
    sock.close()
    cpu = time.process_time()
    pipe.send(Published(started, sent, acks.last or time.time(), acks.count, times, cpu))
    pipe.close()


def _client(client_id: str) -> mqtt.Client:
    """A connected MQTT 3.1.1 client (CONNACK received), no network thread."""
    connected = threading.Event()
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id)
    client.on_connect = lambda *_a: connected.set()
    client.connect(BROKER.host, BROKER.port, keepalive=60)
    deadline = time.monotonic() + 10
    while not connected.is_set() and time.monotonic() < deadline:
        client.loop(timeout=0.1)
    if not connected.is_set():
        raise RuntimeError("the broker did not answer CONNECT")
    return client


@dataclass
class Publishing:
    process: mp.process.BaseProcess
    pipe: Connection
    gate: Any  # a multiprocessing Event: the publisher starts when it is set

    def go(self) -> None:
        self.gate.set()

    def result(self, timeout: float = 300) -> Published:
        try:
            if not self.pipe.poll(timeout):
                raise EOFError
            published: Published = self.pipe.recv()
        except EOFError:
            self.process.kill()
            raise RuntimeError("the publisher failed (its traceback is above)") from None
        self.process.join()
        return published


def publish(plan: Plan, *, rate: float | None = None, gated: bool = False) -> Publishing:
    """The publisher started, in a process forked now (before any thread of ours runs); it
    connects and starts publishing, or with `gated` waits for `go()`."""
    connections.close_all()  # the child must not share our database socket
    context = mp.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    gate = context.Event()
    if not gated:
        gate.set()
    process = context.Process(target=_publisher_main, args=(plan, rate, send, gate))
    process.start()
    send.close()
    return Publishing(process, receive, gate)


def publish_one(topic_name: str, payload: bytes, *, retain: bool = False) -> None:
    client = _client(f"bench-one-{os.getpid()}")
    info = client.publish(topic_name, payload, qos=1, retain=retain)
    deadline = time.monotonic() + 10
    while not info.is_published() and time.monotonic() < deadline:
        client.loop(timeout=0.05)
    client.disconnect()


# The database ---------------------------------------------------------------------------------


def vans_prepare(count: int) -> dict[str, int]:
    """BENCH-1..count, no crew, no position: device id -> vehicle id."""
    devices = [f"BENCH-{n}" for n in range(1, count + 1)]
    known = set(Vehicle.objects.filter(device_id__in=devices).values_list("device_id", flat=True))
    Vehicle.objects.bulk_create(
        [Vehicle(device_id=d, registration=d) for d in devices if d not in known], batch_size=1000
    )
    ids = dict(Vehicle.objects.filter(device_id__in=devices).values_list("device_id", "id"))
    Vehicle.objects.filter(pk__in=ids.values()).exclude(crew=None).update(crew=None)
    return {d: ids[d] for d in devices}


def positions_clear(ids: list[int]) -> None:
    """The bench vans' positions deleted and vacuumed away, the vans nowhere: each phase
    starts alike (every batch moves its vans, as in production)."""
    Vehicle.objects.filter(pk__in=ids).update(
        last_point=None, last_fix_at=None, last_seen_at=None, offline_at=None
    )
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE vehicle_id = ANY(%s)", [ids])  # noqa: S608
        cursor.execute(f"VACUUM ANALYZE {TABLE}, fleet_vehicle")


def row_exists(vehicle_id: int, tst: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT EXISTS (SELECT FROM {TABLE} WHERE vehicle_id = %s"  # noqa: S608
            " AND fix_at = to_timestamp(%s))",
            [vehicle_id, tst],
        )
        return bool(cursor.fetchone()[0])


def rows_count(ids: list[int], tst_range: tuple[int, int]) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM {TABLE} WHERE vehicle_id = ANY(%s)"  # noqa: S608
            " AND fix_at >= to_timestamp(%s) AND fix_at < to_timestamp(%s)",
            [ids, *tst_range],
        )
        return int(cursor.fetchone()[0])


def _ewkb_point(lon: float, lat: float) -> str:
    return struct.pack("<BIIdd", 1, 0x20000001, 4326, lon, lat).hex()


def copy_rows(plan: Plan, ids: dict[str, int]) -> float:
    """Baseline B: seconds to COPY the plan's rows into a temporary table and commit."""
    received = datetime.now(UTC)
    rows = [
        (
            ids[device],
            datetime.fromtimestamp(tst, UTC),
            received,
            _ewkb_point(lon, lat),
            float(acc),
            None,
            float(vel),
            float(cog),
            batt,
            "mqtt",
        )
        for device, tst, lon, lat, acc, vel, cog, batt in plan.rows
    ]
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE bench_copy (LIKE {TABLE})")
    started = time.perf_counter()
    with (
        transaction.atomic(),
        connection.cursor() as cursor,
        cursor.cursor.copy("COPY bench_copy FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)
    elapsed = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM bench_copy")
        assert cursor.fetchone()[0] == plan.size
        cursor.execute("DROP TABLE bench_copy")
    return elapsed


# Baseline A: the raw subscriber ------------------------------------------------------------


@dataclass(frozen=True)
class Subscribed:
    seconds: float
    received: int
    published: Published


def raw_subscriber(plan: Plan) -> Subscribed:
    """mosquitto_sub -q 1 -C N+1; the +1 is a retained message that says it has subscribed."""
    ready = f"{PREFIX}owntracks/ready/bench"
    publish_one(ready, b"ready", retain=True)
    with tempfile.NamedTemporaryFile(prefix="bench-sub-", suffix=".txt") as out:
        argv = ["mosquitto_sub", "-h", BROKER.host, "-p", str(BROKER.port)]
        argv += ["-q", "1", "-t", f"{PREFIX}owntracks/#"]
        sub = subprocess.Popen([*argv, "-C", str(plan.size + 1)], stdout=out)
        _wait(lambda: Path(out.name).stat().st_size > 0, timeout=10, what="mosquitto_sub")
        publishing = publish(plan)
        try:
            sub.wait(timeout=60 + plan.size / 1000)
        except subprocess.TimeoutExpired:  # the broker dropped some: it never gets N
            sub.kill()
            sub.wait()
        ended = time.time()
        received = Path(out.name).read_bytes().count(b"\n") - 1
    publish_one(ready, b"", retain=True)  # cleared: the tracker must not get it later
    published = publishing.result()
    return Subscribed(ended - published.started, received, published)


def broker_start() -> None:
    """A private Mosquitto with the deployment's limits on a free port; BROKER points to it."""
    directory = Path(tempfile.mkdtemp(prefix="bench-mosquitto-"))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    conf = directory / "mosquitto.conf"
    user = pwd.getpwuid(os.getuid()).pw_name  # as root, Mosquitto would become `mosquitto`
    conf.write_text(OWN_BROKER_CONF.format(port=port, directory=directory, user=user))
    BROKER.host, BROKER.port, BROKER.directory = "127.0.0.1", port, directory
    with (directory / "mosquitto.log").open("wb") as log:
        BROKER.own = subprocess.Popen(["mosquitto", "-c", str(conf)], stderr=log)

    def listening() -> bool:
        with socket.socket() as s:
            return s.connect_ex((BROKER.host, port)) == 0

    _wait(listening, timeout=10, what=f"mosquitto on :{port}")


def broker_stop() -> None:
    if BROKER.own is not None:
        BROKER.own.terminate()
        BROKER.own.wait(timeout=10)
    if BROKER.directory is not None:
        shutil.rmtree(BROKER.directory, ignore_errors=True)


def paho_floor(plan: Plan) -> Subscribed:
    """Baseline C: the tracker's MQTT client as the tracker sets it up (MQTT 5, manual
    acknowledgements, its Receive Maximum and subscriptions, paho's network thread),
    acknowledging each message as it comes and doing nothing else: the most a tracker built
    on it can take in one process."""
    count, ended, done, subscribed = 0, 0.0, threading.Event(), threading.Event()

    def on_message(client: mqtt.Client, _u: object, message: mqtt.MQTTMessage) -> None:
        nonlocal count, ended
        client.ack(message.mid, message.qos)
        count += 1
        if count == plan.size:
            ended = time.time()
            done.set()

    publishing = publish(plan, gated=True)  # forked before paho's thread starts
    client = mqtt_session_client(client_id=f"bench-floor-{os.getpid()}")
    client.on_message = on_message
    client.on_subscribe = lambda *_a: subscribed.set()
    client.on_connect = lambda c, *_a: c.subscribe([(t, 1) for t in default_subscriptions()])
    client.connect(
        BROKER.host,
        BROKER.port,
        clean_start=True,
        properties=session_properties(expiry_s=0, receive_maximum=RECEIVE_MAXIMUM),
    )
    client.loop_start()
    try:
        if not subscribed.wait(10):
            raise RuntimeError("the paho client did not subscribe")
        publishing.go()
        done.wait(60 + plan.size / 1000)
    finally:
        client.disconnect()
        client.loop_stop()
    published = publishing.result()
    return Subscribed((ended or time.time()) - published.started, count, published)


# Ours: the tracker -------------------------------------------------------------------------


@dataclass
class TrackerProcess:
    popen: subprocess.Popen[bytes]
    log: Any
    counters: dict[str, int] = field(default_factory=dict)

    @property
    def instance(self) -> str:
        return f"{socket.gethostname()}:{self.popen.pid}"

    def output(self) -> str:
        return Path(self.log.name).read_text(errors="replace")[-3000:]


def tracker_start(client_id: str, shared_group: str = "") -> TrackerProcess:
    log = tempfile.NamedTemporaryFile(prefix="bench-tracker-", suffix=".log")  # noqa: SIM115
    env = {**os.environ, "MQTT_TOPIC_PREFIX": PREFIX, "PYTHONUNBUFFERED": "1"}
    env |= {"MQTT_BROKER_HOST": BROKER.host, "MQTT_BROKER_PORT": str(BROKER.port)}
    argv = [sys.executable, str(ROOT / "manage.py"), "track_vehicles", "--client-id", client_id]
    if shared_group:
        argv += ["--shared-group", shared_group]
    tracker = TrackerProcess(
        subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT), log
    )

    def connected() -> bool:
        if tracker.popen.poll() is not None:
            raise RuntimeError(f"the tracker exited:\n{tracker.output()}")
        beat = Heartbeat.objects.filter(component="tracker", instance=tracker.instance).first()
        return beat is not None and beat.detail.get("connected") is True

    _wait(connected, timeout=60, what="the tracker's connected heartbeat")  # after SUBACK
    return tracker


def tracker_stop(tracker: TrackerProcess, client_id: str) -> None:
    """SIGTERM; then the broker forgets the tracker's persistent session (nothing is left)."""
    tracker.popen.send_signal(signal.SIGTERM)
    try:
        tracker.popen.wait(timeout=30)
    except subprocess.TimeoutExpired:
        tracker.popen.kill()
        tracker.popen.wait()
    beat = Heartbeat.objects.filter(component="tracker", instance=tracker.instance).first()
    tracker.counters = beat.detail.get("counters", {}) if beat else {}
    properties = Properties(PacketTypes.CONNECT)
    properties.SessionExpiryInterval = 0
    client = mqtt.Client(
        mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5
    )
    connected = threading.Event()
    client.on_connect = lambda *_a: connected.set()
    client.connect(
        BROKER.host,
        BROKER.port,
        clean_start=True,
        properties=properties,
    )
    deadline = time.monotonic() + 10
    while not connected.is_set() and time.monotonic() < deadline:
        client.loop(timeout=0.1)
    client.disconnect()


@dataclass(frozen=True)
class Ingested:
    seconds: float  # first publish to the poll that saw all rows
    stored: int
    published: Published
    polls: int
    cpu: dict[str, float]  # CPU seconds by process, during the run


def _cpu(pid: int) -> float:
    """CPU seconds (user + system) a process has used so far; 0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _postgres_pids() -> list[int]:
    """The PostgreSQL backends connected to this run's database (their process titles name
    it): other databases on this host, and the server's shared writers, are left out."""
    database = f" {settings.DATABASES['default']['NAME']} "
    pids = []
    for entry in Path("/proc").iterdir():
        with contextlib.suppress(OSError):
            if entry.name.isdigit() and (entry / "comm").read_text().strip() == "postgres":
                title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
                if database in title:
                    pids.append(int(entry.name))
    return pids


def cpu_snapshot(trackers: list["TrackerProcess"]) -> dict[str, dict[int, float]]:
    """CPU seconds so far, by process: the trackers, the PostgreSQL backends of this run's
    database, our broker, and this process (the poll)."""
    snapshot = {
        "tracker": {t.popen.pid: _cpu(t.popen.pid) for t in trackers},
        "PostgreSQL": {pid: _cpu(pid) for pid in _postgres_pids()},
    }
    if BROKER.own is not None:
        snapshot["broker"] = {BROKER.own.pid: _cpu(BROKER.own.pid)}
    return snapshot | {"bench poll": {0: time.process_time()}}


def cpu_used(before: dict[str, dict[int, float]], after: dict[str, dict[int, float]]) -> dict:
    """CPU seconds between two snapshots (a process that exited in between is left out)."""
    return {
        name: sum(seconds - before[name].get(pid, 0.0) for pid, seconds in after[name].items())
        for name in before
    }


def ingest(plan: Plan, ids: dict[str, int], trackers: list["TrackerProcess"]) -> Ingested:
    """Publish at full speed; until all rows are there (or nothing new came for STALL_S),
    every 50 ms look for the row of the last message published (one index probe), and count
    all rows every second and whenever it is there. A full count(*) every 50 ms took 25 ms
    with 60,000 rows: half a core of the database taken from the tracker."""
    van_ids, tst_range = list(ids.values()), plan.tst_range()
    last = (ids[plan.keys[-1][0]], plan.keys[-1][1])
    cpu_before = cpu_snapshot(trackers)
    publishing = publish(plan)
    stored, last_change, polls = 0, time.time(), 0
    while stored < plan.size and time.time() - last_change < STALL_S:
        time.sleep(COUNT_POLL_S)
        polls += 1
        if polls % 20 == 0 or row_exists(*last):
            count = rows_count(van_ids, tst_range)
            if count != stored:
                stored, last_change = count, time.time()
    cpu_after = cpu_snapshot(trackers)
    published = publishing.result()
    cpu = cpu_used(cpu_before, cpu_after)
    cpu["publisher"] = published.cpu
    return Ingested(last_change - published.started, stored, published, polls, cpu)


# Latency -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Latency:
    seconds: list[float]  # publish to visible, per fix seen
    missing: int
    unseen: int  # committed, but only visible after the poller gave up
    published: Published
    poll_ms: float


def _visible_rows(ids: list[int], tst_range: tuple[int, int], since: datetime | None) -> list:
    """(vehicle id, tst, received_at) of the rows received at or after `since`: a single
    tracker commits its batches in the order it received them, so that is what is new."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT vehicle_id, extract(epoch FROM fix_at)::bigint, received_at FROM {TABLE}"  # noqa: S608
            " WHERE vehicle_id = ANY(%s) AND fix_at >= to_timestamp(%s)"
            " AND fix_at < to_timestamp(%s) AND received_at >= %s",
            [ids, *tst_range, since or datetime(2000, 1, 1, tzinfo=UTC)],
        )
        return cursor.fetchall()


def latency(plan: Plan, ids: dict[str, int], rate: float) -> Latency:
    """Publish at `rate`; every 20 ms stamp the rows newly visible with the poll's start."""
    van_ids, tst_range = list(ids.values()), plan.tst_range()
    seen: dict[tuple[int, int], float] = {}
    polls: list[float] = []
    stop = threading.Event()

    def poller() -> None:
        since = None
        last_new = time.time()
        try:
            while not stop.is_set() and len(seen) < plan.size:
                started = time.time()
                rows = _visible_rows(van_ids, tst_range, since)
                polls.append(time.time() - started)
                for vehicle_id, tst, received_at in rows:
                    if (vehicle_id, tst) not in seen:
                        seen[(vehicle_id, tst)] = started
                        last_new = started
                    since = received_at if since is None else max(since, received_at)
                if time.time() - last_new > STALL_S:
                    return
                stop.wait(max(LATENCY_POLL_S - (time.time() - started), 0))
        finally:
            connection.close()

    publishing = publish(plan, rate=rate)
    thread = threading.Thread(target=poller, daemon=True)
    thread.start()
    published = publishing.result()
    thread.join(timeout=published.acked - published.started + 2 * STALL_S)
    stop.set()
    thread.join()
    seconds = []
    for (device, tst), sent in zip(plan.keys, published.times, strict=True):
        if (at := seen.get((ids[device], tst))) is not None:
            seconds.append(at - sent)
    unseen = rows_count(van_ids, tst_range) - len(seconds)
    return Latency(
        seconds, plan.size - len(seconds), unseen, published, 1000 * statistics.fmean(polls)
    )


# Report ----------------------------------------------------------------------------------------


def _wait(condition: Any, *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"waited {timeout:.0f}s for {what}")
        time.sleep(0.05)


def machine() -> str:
    load = ", ".join(f"{n:.1f}" for n in os.getloadavg())
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('server_version'), postgis_lib_version()")
        pg, postgis = cursor.fetchone()
    memory = Path("/proc/meminfo").read_text().split()[1]
    broker = subprocess.run(["mosquitto", "-h"], capture_output=True, text=True).stdout
    return (
        f"{os.cpu_count()} cores, {int(memory) / 2**20:.0f} GiB; PostgreSQL {pg} + PostGIS "
        f"{postgis}, {broker.splitlines()[0] if broker else 'Mosquitto'}, the "
        "publisher, the subscriber or tracker and the database all on this host; load "
        f"average when the run ended {load} (anything over ~1 is other work taking cores)"
    )


def quantiles(samples: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(samples, n=100)
    return {"p50": cuts[49], "p95": cuts[94], "p99": cuts[98], "max": max(samples)}


@dataclass(frozen=True)
class Runs:
    """The same measurement repeated: rates per run, and the run with the median rate."""

    rates: list[float]
    median_run: Any

    @classmethod
    def of(cls, runs: list[Any], rate: Any) -> "Runs":
        ordered = sorted(runs, key=rate)
        return cls([rate(r) for r in ordered], ordered[(len(ordered) - 1) // 2])

    @property
    def median(self) -> float:
        return statistics.median(self.rates)

    def spread(self) -> str:
        return " / ".join(f"{r:,.0f}" for r in self.rates)


def _lines(results: dict[str, Any], args: argparse.Namespace) -> Iterator[str]:
    n = args.positions
    pub = Runs.of(results["sub"], lambda s: s.published.rate(n))
    sub = Runs.of(results["sub"], lambda s: n / s.seconds)
    copy = Runs.of(results["copy_s"], lambda seconds: n / seconds)
    floor = Runs.of(results["floor"], lambda s: s.received / s.seconds)
    ours = Runs.of(results["ours"], lambda i: i.stored / i.seconds)
    lat: Latency = results["latency"]
    stored = min(i.stored for i in results["ours"])

    yield "```sh"
    yield (
        f".venv/bin/python bench/tracking.py --positions {n} --vans {args.vans} --repeat "
        f"{args.repeat} --rate {args.rate:.0f} --seconds {args.seconds:.0f} --broker {args.broker}"
    )
    yield "```\n"
    yield f"- machine: {machine()}"
    if args.broker == "own":
        yield (
            "- broker: a private Mosquitto 2.0 started by the script with the deployment's limits "
            "(max_queued_messages 100000, max_inflight_messages 100)"
        )
    else:
        yield f"- broker: {BROKER.host}:{BROKER.port} as configured"
    yield (
        f"- {n} OwnTracks `location` messages (lat, lon, tst, acc, vel, cog, batt; "
        f"{statistics.fmean(len(p) for p in results['payloads']):.0f} bytes) from {args.vans} "
        f"vans with no crew, QoS 1, each (van, tst) once; each measure run {args.repeat} times, "
        "the median shown\n"
    )
    yield (
        "| measured | positions | seconds | per second | runs (/s) | vs raw subscriber "
        "| vs raw COPY |"
    )
    yield "|---|---:|---:|---:|---:|---:|---:|"

    def row(label: str, runs: Runs, count: int = n) -> str:
        rate = runs.median
        return (
            f"| {label} | {count} | {count / rate:.2f} | {rate:,.0f} | {runs.spread()} | "
            f"{rate / sub.median:.2f}x | {rate / copy.median:.2f}x |"
        )

    received = min(s.received for s in results["sub"])
    yield row("publisher, own process: first publish to the broker's last PUBACK", pub)
    yield row(f"baseline A: `mosquitto_sub -q 1 -C {n}` (received {received})", sub)
    yield row("baseline B: psycopg COPY into a temporary table, to commit", copy)
    yield row(
        "baseline C: the tracker's MQTT client (plain paho, MQTT 5, manual ack), "
        "receive + ack only",
        floor,
        min(s.received for s in results["floor"]),
    )
    yield row(
        f"track_vehicles: first publish to all rows committed (stored {stored})", ours, stored
    )
    shared = Runs.of(results["shared"], lambda i: i.stored / i.seconds)
    shared_stored = min(i.stored for i in results["shared"])
    yield row(
        f"{args.trackers} x track_vehicles `--shared-group`: first publish to all rows committed "
        f"(stored {shared_stored})",
        shared,
        shared_stored,
    )
    q = quantiles(lat.seconds)
    kept = lat.published.rate(lat.published.acked_count)
    yield ""
    yield (
        f"Publish to committed row, {len(lat.seconds)} fixes at {args.rate:,.0f}/s for "
        f"{args.seconds:.0f} s (the publisher kept {kept:,.0f}/s; "
        f"a poll every {LATENCY_POLL_S * 1000:.0f} ms stamps the rows it finds, so up to that "
        f"much is the poll's; never seen: {lat.missing + lat.unseen}):\n"
    )
    yield "| p50 | p95 | p99 | max |"
    yield "|---:|---:|---:|---:|"
    yield "| " + " | ".join(f"{1000 * q[k]:.0f} ms" for k in ("p50", "p95", "p99", "max")) + " |"
    yield ""
    median: Ingested = ours.median_run
    cpu = ", ".join(f"{name} {seconds:.2f}" for name, seconds in median.cpu.items())
    yield (
        f"- CPU seconds during the median tracker run ({median.seconds:.2f} s on "
        f"{os.cpu_count()} cores): {cpu}"
    )
    shared_median: Ingested = shared.median_run
    cpu = ", ".join(f"{name} {seconds:.2f}" for name, seconds in shared_median.cpu.items())
    yield (
        f"- CPU seconds during the median shared run ({shared_median.seconds:.2f} s; "
        f"'tracker' is the {args.trackers} trackers together): {cpu}"
    )
    yield from _cpu_bound(median, shared_median, n)
    first: Published = results["sub"][0].published
    yield (
        "- the publisher writes MQTT packets encoded before the clock starts (paho managed "
        f"~17,000/s and was the bottleneck): {n / (first.sent - first.started):,.0f}/s "
        f"written; in the median tracker run it had its last PUBACK after "
        f"{median.published.acked - median.published.started:.2f} s. Messages the broker "
        f"dropped: {results['dropped'] or 'none logged'}"
    )
    yield (
        f"- polls: a probe for the last message's row every {COUNT_POLL_S * 1000:.0f} ms and a "
        "count(*) every second (a count(*) every 50 ms took half a database core); the latency "
        f"poll took {lat.poll_ms:.1f} ms. Tracker counters at exit: "
        f"{json.dumps(results['counters'], sort_keys=True)}"
    )
    yield (
        f"- two trackers against one: {shared.median / ours.median:.2f}x (runs: "
        + " / ".join(f"{r / ours.median:.2f}x" for r in shared.rates)
        + f"); {shared.median / args.trackers:,.0f} fixes/s per tracker process when "
        f"{args.trackers} share the load"
    )
    yield ""
    met = {True: "**Met**", False: "**Not met**"}
    rate = ours.median
    yield (
        f"- {met[rate >= GOAL_RATE and stored == n]}: at least {GOAL_RATE:,.0f} fixes/s "
        f"committed by one tracker process on paho's public API ({rate:,.0f}/s, "
        f"{stored} of {n} stored)"
    )
    both = shared.median
    yield (
        f"- {met[both >= GOAL_SCALE * rate and shared_stored == n]}: {args.trackers} trackers "
        f"on one shared subscription at least {GOAL_SCALE}x one ({both / rate:.2f}x, "
        f"{both:,.0f}/s, {shared_stored} of {n} stored)"
    )
    yield (
        f"- {met[q['p99'] < GOAL_P99_S and not lat.missing]}: p99 publish to committed row under "
        f"{GOAL_P99_S:.0f} s ({1000 * q['p99']:.0f} ms)"
    )


def _cpu_bound(one: "Ingested", shared: "Ingested", n: int) -> Iterator[str]:
    """What the CPU seconds per fix allow: one tracker is one Python process (one core at
    most, paho's thread and ours share its interpreter lock); more share the cores with the
    database, the broker and the publisher, whose work per fix does not shrink."""
    per_fix = {name: 1e6 * seconds / n for name, seconds in one.cpu.items()}
    everything = sum(per_fix.values())
    cores = os.cpu_count() or 1
    bound = cores * 1e6 / everything
    yield (
        "- CPU per fix in the median tracker run: "
        + ", ".join(f"{name} {us:.0f} us" for name, us in per_fix.items())
        + f"; {everything:.0f} us in all. At that cost {cores} cores can commit at most "
        f"{bound:,.0f} fixes/s whatever the number of trackers: {bound * one.seconds / n:.2f}x "
        f"the one tracker's rate (measured in the shared run: "
        f"{one.seconds / shared.seconds:.2f}x)"
    )


def shared_trackers(
    args: argparse.Namespace, clock: "Clock", ids: dict[str, int], client_id: str
) -> list[Ingested]:
    """The same burst split by an MQTT 5 shared subscription between `--trackers` trackers,
    as a deployment scales out (`track_vehicles --shared-group`). A van's fixes may go to
    different trackers: the (van, fix_at) key and the newest-fix guard keep that safe."""
    devices, van_ids = list(ids), list(ids.values())
    group = f"bench{os.getpid()}"
    ids_of = [f"{client_id}-shared-{i}" for i in range(args.trackers)]
    trackers = [tracker_start(name, group) for name in ids_of]
    try:
        positions_clear(van_ids)
        ingest(clock.plan(devices=devices, count=len(devices), seed=args.seed + 4), ids, trackers)
        plan = clock.plan(devices=devices, count=args.positions, seed=args.seed + 5)
        runs = []
        for _ in range(args.repeat):
            positions_clear(van_ids)
            runs.append(ingest(plan, ids, trackers))
        positions_clear(van_ids)
        return runs
    finally:
        for tracker, name in zip(trackers, ids_of, strict=True):
            tracker_stop(tracker, name)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--positions", type=int, default=60_000)
    parser.add_argument("--vans", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each rate measure")
    parser.add_argument("--rate", type=float, default=2000, help="latency run: fixes per second")
    parser.add_argument("--seconds", type=float, default=10, help="latency run: how long")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--trackers", type=int, default=2, help="trackers in the shared-subscription run"
    )
    parser.add_argument(
        "--broker",
        choices=("own", "settings"),
        default="own",
        help="own: a private Mosquitto with the deployment's queue limits (default); settings: "
        "MQTT_BROKER_HOST/PORT as configured (a stock Mosquitto drops a burst the tracker is "
        "~30,000 messages behind on)",
    )
    args = parser.parse_args()
    if args.broker == "own":
        broker_start()
    try:
        return bench(args)
    finally:
        broker_stop()


def bench(args: argparse.Namespace) -> int:
    ids = vans_prepare(args.vans)
    devices, van_ids = list(ids), list(ids.values())
    positions_clear(van_ids)
    clock = Clock(next_tst=int(time.time()) - 3 * 3600)
    n = args.positions
    results: dict[str, Any] = {}
    raw = clock.plan(devices=devices, count=n, seed=args.seed)
    results["sub"] = [raw_subscriber(raw) for _ in range(args.repeat)]
    results["floor"] = [paho_floor(raw) for _ in range(args.repeat)]
    warm = clock.plan(devices=devices, count=len(devices), seed=args.seed + 2)
    plan = clock.plan(devices=devices, count=n, seed=args.seed + 1)
    results["payloads"] = plan.payloads
    results["copy_s"] = [copy_rows(plan, ids) for _ in range(args.repeat)]

    client_id = f"bench-{os.getpid()}"
    tracker = tracker_start(client_id)
    try:
        ingest(warm, ids, [tracker])  # every van looked up once, as a tracker that has run a while
        results["ours"] = []
        for _ in range(args.repeat):
            positions_clear(van_ids)  # the same rows again, on the same empty table
            results["ours"].append(ingest(plan, ids, [tracker]))
        positions_clear(van_ids)
        timed = clock.plan(devices=devices, count=int(args.rate * args.seconds), seed=args.seed + 3)
        results["latency"] = latency(timed, ids, args.rate)
    finally:
        tracker_stop(tracker, client_id)
    results["counters"] = tracker.counters
    results["shared"] = shared_trackers(args, clock, ids, client_id)
    results["dropped"] = BROKER.dropped()
    print("\n".join(_lines(results, args)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
