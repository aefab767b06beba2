"""The MQTT tracker loop: OwnTracks messages in, positions stored in batches, heartbeats out.

Shaped like healthchecks' `sendalerts`, on paho's public API alone: `on_message` only
queues (it runs on paho's network thread and must never wait on the database); the main loop
takes what has queued (up to BATCH_MAX, or what came until BATCH_WAIT_S after the first),
stores it in one transaction (fleet.positions), and only then acknowledges each QoS 1
message (`manual_ack_set(True)`, `client.ack`). The session is persistent (MQTT 5,
clean_start false, a session expiry), so whatever was not acknowledged when the process died,
even by `kill -9`, the broker sends again; a fix stored just before the crash comes back as a
duplicate and is dropped by its key. SIGTERM or SIGINT lets it store what it holds and exit.
Trackers started with one `--shared-group` split the messages between them (MQTT 5 shared
subscription): that is how ingest grows past one process.
"""

import json
import logging
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

import paho.mqtt.client as mqtt
from django.conf import settings
from django.db import DatabaseError, InterfaceError, close_old_connections

from config.heartbeats import heartbeat_record, process_instance
from fleet.moves import moves_announce, tick_listeners
from fleet.mqtt import mqtt_session_client, session_properties, topic
from fleet.positions import (
    Fix,
    FixRefusedError,
    owntracks_fix,
    positions_store,
    vehicle_ids_by_device,
)

log = logging.getLogger(__name__)

OWNTRACKS_TYPES = {"location", "transition", "lwt", "waypoint", "card", "status", "encrypted"}
# Counters of messages refused, shown on /healthz apart from the rest (received, stored...).
REFUSALS = (
    "malformed_json",
    "not_owntracks",
    "bad_topic",
    "encrypted",
    "missing_field",
    "bad_field",
    "bad_coordinates",
    "bad_time",
    "future_time",
    "unknown_device",
    "dropped_queue_full",
    "handler_error",
)
ENCRYPTED_EXPLAINED_MAX = 10_000  # devices remembered as told about; a bound on memory
# Messages waiting to be stored. RECEIVE_MAXIMUM keeps the broker below this (they are all
# unacknowledged); only a redelivery after a reconnect, on top of what is queued, can reach it.
QUEUE_LIMIT = 100_000
RECEIVE_MAXIMUM = 50_000  # messages the broker may send before we acknowledge (a few batches)
BATCH_MAX = 5_000
BATCH_WAIT_S = 0.05  # a batch waits this long for more fixes to share its transaction
SESSION_EXPIRY_S = 24 * 3600  # the broker keeps our backlog this long while we are away
UNKNOWN_DEVICE_RECHECK_S = 30  # a device not registered is looked up again after this
HOUSEKEEPING_S = 3600  # partitions for the coming days, retention
STORE_RETRY_MAX_S = 30


class Message(NamedTuple):  # a tuple: thousands a second are made
    topic: str
    payload: bytes | bytearray
    received: float  # epoch seconds
    mid: int
    qos: int
    connection: int = 0  # which connection brought it (Tracker.connection): whose mid it is


@dataclass
class Tracker:
    client_id: str
    subscriptions: list[str]
    heartbeat_seconds: float
    stop: threading.Event = field(default_factory=threading.Event)
    connected: threading.Event = field(default_factory=threading.Event)
    # Set on (dis)connect so /healthz learns of it now, not at the next regular heartbeat.
    state_changed: threading.Event = field(default_factory=threading.Event)
    counters: Counter[str] = field(default_factory=Counter)
    # Filled by paho's thread, emptied by ours (deque's append and popleft are thread-safe);
    # `arrived` is set when the first message lands in an empty inbox and when it holds a
    # full batch, so neither thread wakes the other once per message.
    inbox: deque[Message] = field(default_factory=deque)
    arrived: threading.Event = field(default_factory=threading.Event)
    connection: int = 0  # counts CONNACKs: a packet id means something on its connection only
    # Read once: through Django's lazy settings it cost about as much as the JSON parse.
    prefix: str = field(default_factory=lambda: settings.MQTT_TOPIC_PREFIX)
    _devices: dict[str, int] = field(default_factory=dict)
    _unknown_until: dict[str, float] = field(default_factory=dict)
    _encrypted_explained: set[str] = field(default_factory=set)
    _client: mqtt.Client | None = None

    # paho callbacks (network thread) ------------------------------------------------------

    def on_connect(self, client: mqtt.Client, _u: Any, flags: Any, reason: Any, _p: Any) -> None:
        if reason.is_failure:
            log.error("broker refused the tracker: %s", reason)
            return
        self.connection += 1
        # Subscribing here (not once after connect) re-subscribes after every reconnect.
        client.subscribe([(t, 1) for t in self.subscriptions])
        log.info(
            "tracker connected (session present: %s), subscribed to %s",
            flags.session_present,
            ", ".join(self.subscriptions),
        )

    def on_subscribe(self, _c: mqtt.Client, _u: Any, _mid: int, reasons: Any, _p: Any) -> None:
        """Connected is said once the broker has taken the subscriptions (SUBACK)."""
        for name, reason in zip(self.subscriptions, reasons, strict=False):
            if reason.is_failure:
                log.error("the broker refused the subscription to %s: %s", name, reason)
        self.connected.set()
        self.state_changed.set()

    def on_disconnect(self, _c: mqtt.Client, _u: Any, _f: Any, reason: Any, _p: Any) -> None:
        self.connected.clear()
        self.state_changed.set()
        if not self.stop.is_set():
            log.warning("tracker lost the broker (%s); paho reconnects", reason)

    def on_message(self, _c: mqtt.Client, _u: Any, message: mqtt.MQTTMessage) -> None:
        """Queued, nothing more: this runs on paho's network thread."""
        inbox = self.inbox
        if len(inbox) >= QUEUE_LIMIT:  # not acknowledged: sent again after a reconnect
            self.counters["dropped_queue_full"] += 1
            return
        try:
            name = message.topic
        except UnicodeDecodeError:  # an exception here would end paho's thread
            name = "<topic not UTF-8>"  # refused as bad_topic, and acknowledged
        inbox.append(
            Message(name, message.payload, time.time(), message.mid, message.qos, self.connection)
        )
        waiting = len(inbox)
        if waiting == 1 or waiting == BATCH_MAX:
            self.arrived.set()

    # main thread ----------------------------------------------------------------------------

    def parse(self, message: Message) -> Fix | str | None:
        """A fix to store, a device id that went offline (`lwt`), or None (counted, logged)."""
        self.counters["received"] += 1
        try:
            body = json.loads(message.payload)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            self.counters["malformed_json"] += 1
            log.warning("malformed payload on %s: %s", message.topic, exc)
            return None
        if not isinstance(body, dict) or "_type" not in body:
            self.counters["not_owntracks"] += 1
            log.warning("payload on %s is not an OwnTracks message (no _type)", message.topic)
            return None
        kind = body["_type"] if isinstance(body["_type"], str) else ""
        kind = kind if kind in OWNTRACKS_TYPES else "other"  # a list or object is no type
        self.counters[f"type_{kind}"] += 1
        device_id = _device_of(message.topic, self.prefix)
        if device_id is None:
            self.counters["bad_topic"] += 1
            log.warning("topic %s is not owntracks/<device>/<name>[/event]", message.topic)
            return None
        if kind == "lwt":
            return device_id
        if kind == "encrypted":
            self.counters["encrypted"] += 1
            self._encrypted_explain(device_id)
            return None
        if kind not in ("location", "transition"):
            return None  # waypoints, cards, status: nothing a dispatcher needs
        try:
            return owntracks_fix(device_id, body, now=message.received)
        except FixRefusedError as refused:
            self.counters[refused.reason] += 1
            log.warning("refused a fix from %s: %s", device_id, refused)
            return None

    def _encrypted_explain(self, device_id: str) -> None:
        """Once per device and process: a tablet with a key set sends nothing we can read, and
        without this line nothing would say why its van never moves."""
        if device_id in self._encrypted_explained:
            return
        if len(self._encrypted_explained) >= ENCRYPTED_EXPLAINED_MAX:
            # Remembering no more, we could not tell a device told from one not: logging them
            # all would be a line per message. They are still counted (`encrypted`).
            return
        self._encrypted_explained.add(device_id)
        log.warning(
            "%s sends encrypted payloads, which are not stored: the OwnTracks app has an "
            "encryption key set. Clear it in Preferences > Connection > Security (the broker "
            "login and TLS protect the positions), then the van shows up on the map.",
            device_id,
        )

    def process(self, batch: list[Message]) -> None:
        """Parse, store in one transaction, then acknowledge the whole batch."""
        self.store(batch)
        self.acknowledge(batch)

    def store(self, batch: list[Message]) -> None:
        """Parse and store in one transaction, however long the database takes to answer."""
        self.counters["batches"] += 1  # received / batches: how much each transaction holds
        fixes: list[tuple[Fix, float]] = []
        offline: set[str] = set()
        for message in batch:
            try:
                parsed = self.parse(message)
            except Exception:
                self.counters["handler_error"] += 1
                log.exception("could not handle a message on %s", message.topic)
                continue
            if isinstance(parsed, Fix):
                fixes.append((parsed, message.received))
            elif isinstance(parsed, str):
                offline.add(parsed)
        self._store(fixes, offline)

    def acknowledge(self, batch: list[Message]) -> None:
        """PUBACK each stored QoS 1 message, in the order received (as MQTT wants). Only those
        of the connection we are on: after a reconnect an old packet id may name another
        message, not stored yet. The broker sends the old ones again (the session is kept);
        they come back as duplicates and are acknowledged then."""
        client, current = self._client, self.connection
        if client is None:
            return
        for message in batch:
            if message.qos == 1 and message.connection == current:
                client.ack(message.mid, 1)

    def _store(self, fixes: list[tuple[Fix, float]], offline: set[str]) -> None:
        """Until it is stored (the database may be restarting): nothing is acknowledged before."""
        delay = 0.5
        while True:
            try:
                self._store_once(fixes, offline)
                return
            except (DatabaseError, InterfaceError):
                self.counters["store_retry"] += 1
                log.exception("could not store %d fixes; retrying in %.1fs", len(fixes), delay)
                close_old_connections()
                if self.stop.wait(delay):
                    raise  # stopping: unacknowledged, the broker keeps them for the next run
                delay = min(delay * 2, STORE_RETRY_MAX_S)
                self.beat()

    def _store_once(self, fixes: list[tuple[Fix, float]], offline: set[str]) -> None:
        from fleet.models import Vehicle

        ids = self._vehicle_ids({f.device_id for f, _ in fixes} | offline)
        rows = []
        for fix, received in fixes:
            vehicle_id = ids.get(fix.device_id)
            if vehicle_id is None:
                self.counters["unknown_device"] += 1
            else:
                rows.append((vehicle_id, fix, received))
        if rows:
            stored = positions_store(rows)
            self.counters["stored"] += stored.inserted
            self.counters["duplicate"] += stored.duplicates
            for name, count in moves_announce(stored.moved).items():
                self.counters[name] += count
        known = [ids[d] for d in offline if d in ids]
        if known:
            now = datetime.now(UTC)
            self.counters["offline"] += Vehicle.objects.filter(pk__in=known).update(offline_at=now)

    def _vehicle_ids(self, device_ids: set[str]) -> dict[str, int]:
        """Known devices from memory; the rest looked up in one query (an unknown one not
        again for UNKNOWN_DEVICE_RECHECK_S, so a stranger's flood does not cost a query each)."""
        now = time.monotonic()
        wanted = {
            d
            for d in device_ids
            if d not in self._devices and self._unknown_until.get(d, 0.0) <= now
        }
        if wanted:
            found = vehicle_ids_by_device(wanted)
            self._devices.update(found)
            for device_id in wanted - found.keys():
                self._unknown_until[device_id] = now + UNKNOWN_DEVICE_RECHECK_S
                log.warning("fixes from unknown device %r: register it on a vehicle", device_id)
        return {d: self._devices[d] for d in device_ids if d in self._devices}

    def take(self, *, timeout: float) -> list[Message]:
        """The next batch, up to BATCH_MAX: waits up to `timeout` for a first message, then
        BATCH_WAIT_S more for others to join it. Under a backlog that wait is what makes the
        batches big (paho's thread reads while ours waits): in the bench, a third of the
        transactions of taking only what was there, and 30% less database CPU per fix."""
        inbox, arrived = self.inbox, self.arrived
        arrived.clear()  # before looking: a message that lands after the look sets it again
        if not inbox and timeout:
            arrived.wait(timeout)
        if not inbox:
            return []
        until = time.monotonic() + BATCH_WAIT_S
        while len(inbox) < BATCH_MAX and (left := until - time.monotonic()) > 0:
            arrived.clear()
            if len(inbox) < BATCH_MAX:
                arrived.wait(left)
        return [inbox.popleft() for _ in range(min(len(inbox), BATCH_MAX))]

    def queued(self) -> int:
        """Messages waiting to be stored."""
        return len(self.inbox)

    def beat(self) -> None:
        try:
            heartbeat_record(
                component="tracker",
                instance=process_instance(),
                detail={
                    "connected": self.connected.is_set(),
                    "queued": self.queued(),
                    "counters": dict(self.counters),
                    "refused": {n: self.counters[n] for n in REFUSALS if self.counters[n]},
                },
            )
        except Exception:  # the database may be restarting; the loop must not die for it
            log.exception("could not record the tracker heartbeat")

    def housekeeping(self) -> None:
        """Partitions for the days ahead; those past retention dropped."""
        from fleet.partitions import partitions_drop_before, partitions_ensure

        try:
            today = datetime.now(UTC).date()
            partitions_ensure(today=today)
            if keep := settings.POSITION_RETENTION_DAYS:
                for name in partitions_drop_before(today - timedelta(days=keep)):
                    log.info("dropped %s (older than %d days)", name, keep)
        except Exception:  # another tracker may be doing the same; the next round catches up
            log.exception("position partitions housekeeping failed")

    def connect(self) -> mqtt.Client:
        """The client, connecting on paho's network thread (started here)."""
        client = self._client = mqtt_session_client(client_id=self.client_id)
        client.on_connect = self.on_connect
        client.on_subscribe = self.on_subscribe
        client.on_disconnect = self.on_disconnect
        client.on_message = self.on_message
        # connect_async + loop_start: a broker that is down at start is retried, not fatal.
        client.connect_async(
            settings.MQTT_BROKER_HOST,
            settings.MQTT_BROKER_PORT,
            keepalive=settings.MQTT_KEEPALIVE,
            clean_start=False,
            properties=session_properties(
                expiry_s=SESSION_EXPIRY_S, receive_maximum=RECEIVE_MAXIMUM
            ),
        )
        client.loop_start()
        return client

    def disconnect(self) -> None:
        """What is acknowledged so far sent, then DISCONNECT; the session stays on the broker."""
        if self._client is not None:
            self._client.disconnect()
            self._client.loop_stop()

    def run(self) -> None:
        self.connect()
        next_beat = next_confirm = next_housekeeping = 0.0
        try:
            while not self.stop.is_set():
                now = time.monotonic()
                if now >= next_beat or self.state_changed.is_set():
                    self.state_changed.clear()
                    self.beat()
                    next_beat = now + self.heartbeat_seconds
                if now >= next_housekeeping:
                    self.housekeeping()
                    next_housekeeping = now + HOUSEKEEPING_S
                if now >= next_confirm:
                    for tick in tick_listeners():
                        self._guarded(tick, tick.__name__)
                    next_confirm = now + 1.0
                batch = self.take(timeout=0.2)
                if batch:
                    self.process(batch)
            while batch := self.take(timeout=0):  # what had arrived when we were told to stop
                self.process(batch)
        finally:
            self.disconnect()
            self.beat()
            log.info("tracker stopped: %s", dict(self.counters))

    def _guarded(self, job: Any, counter: str) -> None:
        try:
            self.counters[counter] += job()
        except Exception:
            self.counters[f"{counter}_error"] += 1
            log.exception("%s failed", counter)
            close_old_connections()


def _device_of(topic_name: str, prefix: str) -> str | None:
    """`<prefix>owntracks/<device>/<name>` or `.../event`: the device is its MQTT user."""
    if not topic_name.startswith(prefix):
        return None
    parts = topic_name[len(prefix) :].split("/")
    if len(parts) in (3, 4) and parts[0] == "owntracks" and parts[1] and parts[2]:
        if len(parts) == 4 and parts[3] != "event":
            return None
        return parts[1]
    return None


def default_subscriptions(shared_group: str = "") -> list[str]:
    """Our topics; with a group, an MQTT 5 shared subscription so trackers split the load."""
    share = f"$share/{shared_group}/" if shared_group else ""
    return [share + topic("owntracks/+/+"), share + topic("owntracks/+/+/event")]
