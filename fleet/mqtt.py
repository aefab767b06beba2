"""paho-mqtt 2.x clients configured from settings."""

import threading
import time
import uuid

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


def mqtt_session_client(*, client_id: str) -> mqtt.Client:
    """An MQTT 5 client that acknowledges a QoS 1 message only when told (`client.ack`).

    Connect it with `session_properties()` and clean_start=False: the broker then keeps the
    session, and re-sends whatever was not acknowledged when the client died.
    """
    client = mqtt.Client(
        mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5
    )
    client.manual_ack_set(True)
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
