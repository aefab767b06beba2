"""The tracker's MQTT client decodes PUBLISH packets itself (SessionClient.on_publishes) and
leaves the rest to paho: through a real Mosquitto, every message must come out once, in order,
byte for byte, whichever reader took it."""

import threading
import uuid

import paho.mqtt.client as mqtt
from django.conf import settings
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from field_app_api.mqtt import (
    Publish,
    SessionClient,
    mqtt_session_client,
    session_properties,
    topic,
)

SMALL = 3000  # several reads' worth: packets cut off at the end of a read come up often
BIG = 700 * 1024  # longer than one read (256 KiB): paho's reader finishes it


def _publisher() -> mqtt.Client:
    client = mqtt.Client(
        mqtt.CallbackAPIVersion.VERSION2,
        client_id=f"test-pub-{uuid.uuid4().hex[:8]}",
        protocol=mqtt.MQTTv5,
    )
    client.max_queued_messages_set(0)
    client.max_inflight_messages_set(1000)
    client.connect(settings.MQTT_BROKER_HOST, settings.MQTT_BROKER_PORT)
    client.loop_start()
    return client


def _subscriber(
    base: str, got: list[tuple[str, str, bytes, int]], done: threading.Event, expected: int
) -> tuple[SessionClient, threading.Event]:
    client = mqtt_session_client(client_id=f"test-session-{uuid.uuid4().hex[:8]}")
    subscribed = threading.Event()
    lock = threading.Lock()

    def note(reader: str, items: list[Publish]) -> None:
        with lock:
            got.extend((reader, t, p, q) for t, p, _mid, q in items)
            client.ack_many([mid for _t, _p, mid, q in items if q == 1])
            if len(got) >= expected:
                done.set()

    client.on_publishes = lambda items: note("ours", items)
    client.on_message = lambda _c, _u, m: note("paho", [(m.topic, bytes(m.payload), m.mid, m.qos)])
    client.on_connect = lambda c, *_a: c.subscribe(f"{base}/#", qos=1)
    client.on_subscribe = lambda *_a: subscribed.set()
    client.connect(
        settings.MQTT_BROKER_HOST,
        settings.MQTT_BROKER_PORT,
        clean_start=True,
        properties=session_properties(expiry_s=0, receive_maximum=10_000),
    )
    client.loop_start()
    return client, subscribed


def test_every_message_comes_once_in_order_whichever_reader_decoded_it() -> None:
    base = topic(f"session/{uuid.uuid4().hex}")
    sent: list[tuple[str, bytes, int]] = []
    for n in range(SMALL):
        sent.append((f"{base}/van{n % 7}/phone", b'{"_type":"location","n":%d}' % n, n % 2))
        if n == SMALL // 2:
            sent.append((f"{base}/big/one", bytes(range(256)) * (BIG // 256), 1))
    labelled = Properties(PacketTypes.PUBLISH)
    labelled.ContentType = "application/json"
    labelled.UserProperty = [("fleet", "north"), ("shift", "night")]
    sent.append((f"{base}/labelled/phone", b'{"_type":"lwt"}', 1))

    got: list[tuple[str, str, bytes, int]] = []
    done = threading.Event()
    subscriber, subscribed = _subscriber(base, got, done, expected=len(sent))
    publisher = _publisher()
    try:
        assert subscribed.wait(10), "the broker never acknowledged the subscription"
        infos = [
            publisher.publish(
                name,
                payload,
                qos=qos,
                properties=labelled if name.endswith("labelled/phone") else None,
            )
            for name, payload, qos in sent
        ]
        for info in infos:
            info.wait_for_publish(30)
        assert done.wait(30), f"{len(got)} of {len(sent)} messages came"
    finally:
        for client in (publisher, subscriber):
            client.disconnect()
            client.loop_stop()

    # Once each, to the byte; in order within a topic and QoS (all MQTT promises: the broker
    # may pass a QoS 0 message ahead of QoS 1 ones waiting for the window).
    assert sorted((t, p, q) for _r, t, p, q in got) == sorted(sent)
    for stream in {(t, q) for t, _p, q in sent}:
        assert [p for _r, t, p, q in got if (t, q) == stream] == [
            p for t, p, q in sent if (t, q) == stream
        ]
    readers = {t: r for r, t, _p, _q in got}
    assert [r for r, *_ in got].count("ours") > 0.9 * len(sent)  # the fast path took nearly all
    assert readers[f"{base}/big/one"] == "paho"  # longer than a read: paho's reader finished it
