import threading
import uuid

import paho.mqtt.client as mqtt
from django.conf import settings

from fleet.mqtt import mqtt_client, topic


def test_publish_and_subscribe_round_trip_through_mosquitto() -> None:
    name = topic(f"roundtrip/{uuid.uuid4().hex}")
    received: list[tuple[str, bytes, int]] = []
    subscribed, got = threading.Event(), threading.Event()

    subscriber = mqtt_client(client_id=f"test-sub-{uuid.uuid4().hex[:8]}")
    subscriber.on_connect = lambda c, u, f, rc, p: c.subscribe(name, qos=1)
    subscriber.on_subscribe = lambda c, u, mid, rcs, p: subscribed.set()

    def on_message(_c: mqtt.Client, _u: object, message: mqtt.MQTTMessage) -> None:
        received.append((message.topic, bytes(message.payload), message.qos))
        got.set()

    subscriber.on_message = on_message
    subscriber.connect(settings.MQTT_BROKER_HOST, settings.MQTT_BROKER_PORT)
    subscriber.loop_start()
    publisher = mqtt_client(client_id=f"test-pub-{uuid.uuid4().hex[:8]}")
    publisher.connect(settings.MQTT_BROKER_HOST, settings.MQTT_BROKER_PORT)
    publisher.loop_start()
    try:
        assert subscribed.wait(10), "broker never acknowledged the subscription"
        info = publisher.publish(name, b'{"_type":"location"}', qos=1)
        info.wait_for_publish(10)
        assert info.is_published()
        assert got.wait(10), "the message never came back"
    finally:
        for client in (publisher, subscriber):
            client.disconnect()
            client.loop_stop()
    assert received == [(name, b'{"_type":"location"}', 1)]
