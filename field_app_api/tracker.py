"""The MQTT tracker loop: vehicle messages in, parsed off the network thread, heartbeats out.

Shaped like healthchecks' `sendalerts`: `on_message` only queues (it runs on paho's network
thread and must never wait on the database); the main loop drains the queue, and SIGTERM or
SIGINT lets it drain what it holds and exit.
"""

import json
import logging
import queue
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import paho.mqtt.client as mqtt
from django.conf import settings

from config.heartbeats import heartbeat_record, process_instance
from field_app_api.mqtt import mqtt_client, topic

log = logging.getLogger(__name__)

OWNTRACKS_TYPES = {"location", "transition", "lwt", "waypoint", "card", "status"}
QUEUE_LIMIT = 100_000  # about a minute of a large city's fleet; beyond it we shed and count


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
    inbox: "queue.Queue[tuple[str, bytes, float]]" = field(
        default_factory=lambda: queue.Queue(QUEUE_LIMIT)
    )

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

    def on_message(self, _c: mqtt.Client, _u: Any, message: mqtt.MQTTMessage) -> None:
        try:
            self.inbox.put_nowait((message.topic, bytes(message.payload), time.time()))
        except queue.Full:
            self.counters["dropped_queue_full"] += 1

    # main thread ----------------------------------------------------------------------------

    def handle(self, topic_name: str, payload: bytes) -> None:
        """Validate one message. Bad input is counted and logged, never raised."""
        self.counters["received"] += 1
        try:
            body = json.loads(payload)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            self.counters["malformed_json"] += 1
            log.warning("malformed payload on %s: %s", topic_name, exc)
            return
        if not isinstance(body, dict) or "_type" not in body:
            self.counters["not_owntracks"] += 1
            log.warning("payload on %s is not an OwnTracks message (no _type)", topic_name)
            return
        kind = body["_type"] if isinstance(body["_type"], str) else ""
        kind = kind if kind in OWNTRACKS_TYPES else "other"  # a list or object is no type
        self.counters[f"type_{kind}"] += 1

    def _handle_safely(self, topic_name: str, payload: bytes) -> None:
        """One message; whatever goes wrong with it is logged and counted, the loop goes on."""
        try:
            self.handle(topic_name, payload)
        except Exception:
            self.counters["handler_error"] += 1
            log.exception("could not handle a message on %s", topic_name)

    def beat(self) -> None:
        try:
            heartbeat_record(
                component="tracker",
                instance=process_instance(),
                detail={
                    "connected": self.connected.is_set(),
                    "queued": self.inbox.qsize(),
                    "counters": dict(self.counters),
                },
            )
        except Exception:  # the database may be restarting; the loop must not die for it
            log.exception("could not record the tracker heartbeat")

    def run(self) -> None:
        client = mqtt_client(client_id=self.client_id, persistent=True)
        client.on_connect = self.on_connect
        client.on_disconnect = self.on_disconnect
        client.on_message = self.on_message
        # connect_async + loop_start: a broker that is down at start is retried, not fatal.
        client.connect_async(
            settings.MQTT_BROKER_HOST, settings.MQTT_BROKER_PORT, keepalive=settings.MQTT_KEEPALIVE
        )
        client.loop_start()
        next_beat = 0.0
        try:
            while not self.stop.is_set():
                if time.monotonic() >= next_beat or self.state_changed.is_set():
                    self.state_changed.clear()
                    self.beat()
                    next_beat = time.monotonic() + self.heartbeat_seconds
                self._drain(timeout=0.2)
        finally:
            client.disconnect()
            client.loop_stop()
            self._drain(timeout=0)
            self.beat()
            log.info("tracker stopped: %s", dict(self.counters))

    def _drain(self, *, timeout: float) -> None:
        try:
            topic_name, payload, _received = (
                self.inbox.get(timeout=timeout) if timeout else self.inbox.get_nowait()
            )
        except queue.Empty:
            return
        self._handle_safely(topic_name, payload)
        while True:
            try:
                topic_name, payload, _received = self.inbox.get_nowait()
            except queue.Empty:
                return
            self._handle_safely(topic_name, payload)


def default_subscriptions() -> list[str]:
    return [topic("owntracks/+/+"), topic("owntracks/+/+/event")]
