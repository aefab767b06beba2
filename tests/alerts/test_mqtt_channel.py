"""The MQTT channel: a message for a tablet reaches the broker on its topic, once."""

import subprocess
import time

from django.conf import settings
from django.db import transaction

from alerts.models import Channel, Notification
from alerts.services.notifications import notification_queue, notifications_drain
from fleet.mqtt import topic


def test_a_message_to_a_tablet_is_published_on_its_topic(transactional_db: None) -> None:
    target = topic("crews/7/messages")
    listener = subprocess.Popen(  # Mosquitto's own client: waits for one message
        [
            "mosquitto_sub",
            "-h",
            settings.MQTT_BROKER_HOST,
            "-p",
            str(settings.MQTT_BROKER_PORT),
            "-q",
            "1",
            "-t",
            target,
            "-C",
            "1",
            "-W",
            "20",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        with transaction.atomic():
            queued = notification_queue(
                channel=Channel.MQTT,
                recipient=target,
                template="progress.arrived",
                language="en",
                context={"reference": "GX-TEST-0001", "status_url": ""},
                idempotency_key="test-mqtt-1",
            )
            again = notification_queue(
                channel=Channel.MQTT,
                recipient=target,
                template="progress.arrived",
                language="en",
                context={"reference": "GX-TEST-0001", "status_url": ""},
                idempotency_key="test-mqtt-1",
            )
        assert queued is not None
        assert again is None  # the same key: not queued twice
        time.sleep(0.5)  # mosquitto_sub has subscribed
        assert notifications_drain() == 1
        out, _ = listener.communicate(timeout=25)
    finally:
        listener.kill()
    assert "GX-TEST-0001" in out
    assert "the crew has arrived" in out
    assert Notification.objects.get(pk=queued.pk).status == "sent"
