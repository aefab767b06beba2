"""The MQTT tracker loop: OwnTracks messages in, positions stored in batches, heartbeats out.

Shaped like healthchecks' `sendalerts`: `on_publishes` (and `on_message`, for what the
client leaves to paho) only queues (they run on paho's network thread and must never wait on
the database); the main loop takes what has queued (up to
BATCH_MAX, or what came within BATCH_WAIT_S), stores it in one transaction
(field_app_api.positions), and only then acknowledges each message to the broker. The session
is persistent (MQTT 5, clean_start false), so whatever was not acknowledged when the process
died, even by `kill -9`, the broker sends again; a fix stored just before the crash comes back
as a duplicate and is dropped by its key. SIGTERM or SIGINT lets it store what it holds and exit.
"""

import json
import logging
import queue
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

import paho.mqtt.client as mqtt
from django.conf import settings
from django.db import DatabaseError, InterfaceError, close_old_connections

from config.heartbeats import heartbeat_record, process_instance
from field_app_api.mqtt import (
    Publish,
    SessionClient,
    mqtt_session_client,
    session_properties,
    topic,
)
from field_app_api.positions import (
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
# Lists of messages, as each read of the socket brings them (RECEIVE_MAXIMUM bounds the
# messages, unacknowledged as they are, far below this times a read's worth).
QUEUE_LIMIT = 100_000
RECEIVE_MAXIMUM = 50_000  # messages the broker may send before we acknowledge (a few batches)
BATCH_MAX = 5_000
BATCH_WAIT_S = 0.05  # a fix waits at most this long for others to share its transaction
SESSION_EXPIRY_S = 24 * 3600  # the broker keeps our backlog this long while we are away
UNKNOWN_DEVICE_RECHECK_S = 30  # a device not registered is looked up again after this
HOUSEKEEPING_S = 3600  # partitions for the coming days, retention
STORE_RETRY_MAX_S = 30


class Message(NamedTuple):  # a tuple: thousands a second are made
    topic: str
    payload: bytes
    received: float  # epoch seconds
    mid: int
    qos: int


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
    inbox: "queue.Queue[list[Message]]" = field(default_factory=lambda: queue.Queue(QUEUE_LIMIT))
    _devices: dict[str, int] = field(default_factory=dict)
    _unknown_until: dict[str, float] = field(default_factory=dict)
    _encrypted_explained: set[str] = field(default_factory=set)
    _client: SessionClient | None = None

    # paho callbacks (network thread) ------------------------------------------------------

    def on_connect(self, client: mqtt.Client, _u: Any, flags: Any, reason: Any, _p: Any) -> None:
        if reason.is_failure:
            log.error("broker refused the tracker: %s", reason)
            return
        # Subscribing here (not once after connect) re-subscribes after every reconnect.
        client.subscribe([(t, 1) for t in self.subscriptions])
        self.connected.set()
        self.state_changed.set()
        log.info(
            "tracker connected (session present: %s), subscribed to %s",
            flags.session_present,
            ", ".join(self.subscriptions),
        )

    def on_disconnect(self, _c: mqtt.Client, _u: Any, _f: Any, reason: Any, _p: Any) -> None:
        self.connected.clear()
        self.state_changed.set()
        if not self.stop.is_set():
            log.warning("tracker lost the broker (%s); paho reconnects", reason)

    def on_publishes(self, publishes: list[Publish]) -> None:
        """What SessionClient decoded from one read of the socket, queued as one list."""
        received = time.time()
        self._enqueue([Message(t, p, received, mid, qos) for t, p, mid, qos in publishes])

    def on_message(self, _c: mqtt.Client, _u: Any, message: mqtt.MQTTMessage) -> None:
        """A message paho decoded itself (one SessionClient leaves to it)."""
        self._enqueue(
            [Message(message.topic, bytes(message.payload), time.time(), message.mid, message.qos)]
        )

    def _enqueue(self, messages: list[Message]) -> None:
        try:
            self.inbox.put_nowait(messages)
        except queue.Full:  # not acknowledged: the broker sends them again after a reconnect
            self.counters["dropped_queue_full"] += len(messages)

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
        device_id = _device_of(message.topic)
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
        if self._client is not None:
            self._client.ack_many([m.mid for m in batch if m.qos == 1])

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
        from dispatch.models import Vehicle
        from field_app_api.arrival import moves_apply

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
            try:
                for name, count in moves_apply(stored.moved).items():
                    self.counters[name] += count
            except Exception:  # the fixes are stored; a job's arrival check must not undo that
                self.counters["arrival_error"] += 1
                log.exception("could not check arrivals")
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
        """The next batch (BATCH_MAX, or a read's worth over): waits up to `timeout` for a
        first message, then BATCH_WAIT_S more."""
        try:
            batch = list(self.inbox.get(timeout=timeout) if timeout else self.inbox.get_nowait())
        except queue.Empty:
            return []
        until = time.monotonic() + BATCH_WAIT_S
        while len(batch) < BATCH_MAX:
            try:
                batch.extend(self.inbox.get(timeout=max(until - time.monotonic(), 0)))
            except queue.Empty:
                break
        return batch

    def queued(self) -> int:
        """Messages waiting to be stored."""
        with self.inbox.mutex:
            return sum(len(messages) for messages in self.inbox.queue)

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
        from field_app_api.partitions import partitions_drop_before, partitions_ensure

        try:
            today = datetime.now(UTC).date()
            partitions_ensure(today=today)
            if keep := settings.POSITION_RETENTION_DAYS:
                for name in partitions_drop_before(today - timedelta(days=keep)):
                    log.info("dropped %s (older than %d days)", name, keep)
        except Exception:  # another tracker may be doing the same; the next round catches up
            log.exception("position partitions housekeeping failed")

    def run(self) -> None:
        from field_app_api.arrival import arrivals_confirm_due

        client = self._client = mqtt_session_client(client_id=self.client_id)
        client.on_connect = self.on_connect
        client.on_disconnect = self.on_disconnect
        client.on_message = self.on_message
        client.on_publishes = self.on_publishes
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
                    self._guarded(arrivals_confirm_due, "arrivals_confirmed")
                    next_confirm = now + 1.0
                batch = self.take(timeout=0.2)
                if batch:
                    self.process(batch)
            while batch := self.take(timeout=0):  # what had arrived when we were told to stop
                self.process(batch)
        finally:
            client.disconnect()
            client.loop_stop()
            self.beat()
            log.info("tracker stopped: %s", dict(self.counters))

    def _guarded(self, job: Any, counter: str) -> None:
        try:
            self.counters[counter] += job()
        except Exception:
            self.counters[f"{counter}_error"] += 1
            log.exception("%s failed", counter)
            close_old_connections()


def _device_of(topic_name: str) -> str | None:
    """`<prefix>owntracks/<device>/<name>` or `.../event`: the device is its MQTT user."""
    prefix = settings.MQTT_TOPIC_PREFIX
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
