"""paho-mqtt 2.x clients configured from settings."""

import struct
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import paho.mqtt.client as mqtt
from django.conf import settings
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties


def topic(name: str) -> str:
    """A topic under this deployment's prefix (empty in production, per-run in tests)."""
    return f"{settings.MQTT_TOPIC_PREFIX}{name}"


def mqtt_client(*, client_id: str, persistent: bool = False) -> mqtt.Client:
    """A client on the configured broker; `persistent` keeps the session (QoS 1 backlog)."""
    client = mqtt.Client(
        mqtt.CallbackAPIVersion.VERSION2,
        client_id=client_id,
        clean_session=not persistent,
        protocol=mqtt.MQTTv311,
    )
    _credentials(client)
    return client


_PUBACK = struct.Struct("!BBH")  # PUBACK, remaining length 2, packet id (reason 0 omitted)


# A message as the tracker takes it: (topic, payload, packet id, QoS).
Publish = tuple[str, bytes, int, int]


class SessionClient(mqtt.Client):
    """paho with fewer system calls and less Python per message, for the tracker's thousands
    of messages a second.

    paho reads every packet with three or four `recv()` calls (its type, each byte of its
    length, its body): this client takes up to 256 KiB per `recv()` and serves paho's small
    reads from that. With `on_publishes` set, it also decodes the QoS 0 and 1 PUBLISH
    packets in what it read itself and hands them over as one list: paho spent ~40 us of
    Python on each (a Properties object, an MQTTMessage, a debug-log format, the callback
    dispatch), which was more than the tracker's own work. Any other packet, a QoS 2
    PUBLISH, one with a topic alias, one cut off at the end of the read, or anything
    malformed is left to paho's own reader, which goes on from the same place. It
    acknowledges a batch with one write (`ack_many`). All of this uses paho's private
    `_sock_recv`, `_in_packet`, `_msgtime_mutex` and `_packet_queue`: paho is pinned, and the
    tracker tests (kill -9 included) run through them."""

    READ_SIZE = 256 * 1024
    RECVS_PER_LOOP = 8  # then back to paho's loop, which sends what is queued (the acks)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._read_buffer, self._read_at = b"", 0
        self.on_publishes: Callable[[list[Publish]], None] | None = None
        super().__init__(*args, **kwargs)

    def _sock_recv(self, bufsize: int) -> bytes:
        if self._read_at >= len(self._read_buffer):
            data = super()._sock_recv(self.READ_SIZE)  # BlockingIOError when none: paho's AGAIN
            if not data:
                return data  # the broker closed the connection
            self._read_buffer, self._read_at = data, 0
        end = self._read_at + bufsize
        chunk = self._read_buffer[self._read_at : end]
        self._read_at += len(chunk)
        return chunk

    def loop_read(self, max_packets: int = 1) -> mqtt.MQTTErrorCode:
        recvs = 0
        while self._sock is not None:
            if self.on_publishes is not None and self._in_packet["command"] == 0:
                if self._read_at >= len(self._read_buffer):
                    if recvs == self.RECVS_PER_LOOP:
                        return mqtt.MQTTErrorCode.MQTT_ERR_SUCCESS
                    recvs += 1
                    try:
                        data = super()._sock_recv(self.READ_SIZE)
                    except BlockingIOError:
                        return mqtt.MQTTErrorCode.MQTT_ERR_SUCCESS
                    except OSError:
                        data = b""  # paho's own read below meets the error and handles it
                    if data:
                        self._read_buffer, self._read_at = data, 0
                if self._read_at < len(self._read_buffer) and self._publishes_take():
                    continue
            rc = super().loop_read(max_packets)  # one packet, paho's way
            if rc != mqtt.MQTTErrorCode.MQTT_ERR_SUCCESS or self._read_at >= len(self._read_buffer):
                return rc
        return mqtt.MQTTErrorCode.MQTT_ERR_NO_CONN

    def _publishes_take(self) -> bool:
        """Decode the whole QoS 0/1 PUBLISH packets from the read position on; stop at the first
        packet that is anything else. True when it took the buffer to its end."""
        buffer, at, end = self._read_buffer, self._read_at, len(self._read_buffer)
        v5 = self._protocol == mqtt.MQTTv5
        taken: list[Publish] = []
        while at < end:
            header = buffer[at]
            qos = (header >> 1) & 3
            if header >> 4 != 3 or qos > 1:  # not a PUBLISH, or QoS 2 (paho's state machine)
                break
            body, length = _varint(buffer, at + 1, end)
            if body < 0 or body + length > end:
                break  # cut off at the end of this read (or malformed): paho's reader
            stop = body + length
            topic_at = body + 2
            topic_end = topic_at + int.from_bytes(buffer[body:topic_at], "big")
            pos = topic_end
            mid = 0
            if qos:
                mid = int.from_bytes(buffer[pos : pos + 2], "big")
                pos += 2
            if v5:
                props_at, props_length = _varint(buffer, pos, stop)
                if props_at < 0:
                    break
                pos = props_at + props_length
            if topic_end == topic_at or pos > stop:
                break  # a topic alias, or lengths that do not add up: paho's reader
            topic_name = buffer[topic_at:topic_end].decode("utf-8", "replace")
            taken.append((topic_name, buffer[pos:stop], mid, qos))
            at = stop
        self._read_at = at
        if taken:
            with self._msgtime_mutex:  # what paho's keepalive looks at
                self._last_bytes_received = time.monotonic()
            assert self.on_publishes is not None
            self.on_publishes(taken)
        return at >= end

    def ack_many(self, mids: list[int]) -> None:
        """PUBACK every QoS 1 message in `mids` (this client has manual_ack) as one write:
        paho's `ack()` queues each 4-byte PUBACK with its own wake-up and its own `send()`."""
        if not mids or self._sock is None:
            return  # disconnected: the broker re-sends them on the next session
        packets = b"".join(_PUBACK.pack(mqtt.PUBACK, 2, mid) for mid in mids)
        self._packet_queue(mqtt.PUBACK, packets, 0, 0)

    def reconnect(self) -> mqtt.MQTTErrorCode:
        self._read_buffer, self._read_at = b"", 0  # what was left belonged to the old socket
        return super().reconnect()


def _varint(buffer: bytes, at: int, end: int) -> tuple[int, int]:
    """An MQTT variable byte integer at `at`: (where what follows starts, its value), or
    (-1, 0) when it runs past `end` or over 4 bytes."""
    value, shift = 0, 0
    for pos in range(at, min(at + 4, end)):
        byte = buffer[pos]
        value |= (byte & 127) << shift
        if byte < 128:
            return pos + 1, value
        shift += 7
    return -1, 0


def mqtt_publish_once(
    topic_name: str, payload: bytes, *, qos: int = 1, retain: bool = False, timeout: float = 10.0
) -> None:
    """Connect, publish one message, wait for the broker's acknowledgement, disconnect.
    `topic_name` is the full topic (with the deployment's prefix). Raises TimeoutError or
    OSError when the broker does not take it."""
    client = mqtt_client(client_id=f"publish-{uuid.uuid4().hex[:12]}")
    client.connect(settings.MQTT_BROKER_HOST, settings.MQTT_BROKER_PORT, keepalive=30)
    client.loop_start()
    try:
        info = client.publish(topic_name, payload, qos=qos, retain=retain)
        info.wait_for_publish(timeout)
        if not info.is_published():
            raise TimeoutError(f"the broker did not acknowledge within {timeout:.0f}s")
    finally:
        client.disconnect()
        client.loop_stop()


def mqtt_session_client(*, client_id: str) -> SessionClient:
    """An MQTT 5 client that acknowledges a QoS 1 message only when told (`client.ack`).

    Connect it with `session_properties()` and clean_start=False: the broker then keeps the
    session, and re-sends whatever was not acknowledged when the client died.
    """
    client = SessionClient(
        mqtt.CallbackAPIVersion.VERSION2,
        client_id=client_id,
        protocol=mqtt.MQTTv5,
        manual_ack=True,
    )
    _credentials(client)
    return client


def session_properties(*, expiry_s: int, receive_maximum: int) -> Properties:
    """CONNECT properties: how long the broker keeps the session while we are away, and how
    many unacknowledged messages it may have in flight to us (Mosquitto honours an MQTT 5
    client's Receive Maximum; 3.1.1 clients get its max_inflight_messages, 20 by default)."""
    properties = Properties(PacketTypes.CONNECT)
    properties.SessionExpiryInterval = expiry_s
    properties.ReceiveMaximum = receive_maximum
    return properties


def _credentials(client: mqtt.Client) -> None:
    if settings.MQTT_USERNAME:
        client.username_pw_set(settings.MQTT_USERNAME, settings.MQTT_PASSWORD or None)
    client.reconnect_delay_set(min_delay=1, max_delay=30)


def mqtt_probe(*, timeout: float) -> tuple[bool, str]:
    """Connect, wait for CONNACK, disconnect: is the broker there and does it let us in?"""
    client = mqtt_client(client_id=f"healthz-{uuid.uuid4().hex[:12]}")
    client.connect_timeout = timeout
    answered = threading.Event()
    outcome: dict[str, str] = {}

    def on_connect(_c: mqtt.Client, _u: object, _f: object, reason: object, _p: object) -> None:
        outcome["reason"] = str(reason)
        answered.set()

    client.on_connect = on_connect
    started = time.monotonic()
    try:
        client.connect(settings.MQTT_BROKER_HOST, settings.MQTT_BROKER_PORT, keepalive=10)
        client.loop_start()
        if not answered.wait(timeout):
            return False, f"no CONNACK within {timeout:.0f}s"
        if outcome["reason"] != "Success":
            return False, f"refused: {outcome['reason']}"
        return True, f"connected in {1000 * (time.monotonic() - started):.0f} ms"
    except OSError as exc:
        return False, f"{settings.MQTT_BROKER_HOST}:{settings.MQTT_BROKER_PORT}: {exc}"
    finally:
        client.disconnect()
        client.loop_stop()
