"""`kill -9` of the tracker under load loses no QoS 1 fix and stores none twice, and the
tracker that follows acknowledges all it stored: the broker keeps nothing for the session."""

import json
import os
import signal
import threading
import time
import uuid
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from django.conf import settings
from django.contrib.gis.geos import Point
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from config.models import Heartbeat
from fleet.models import Vehicle, VehiclePosition
from tests.processes import Process, django_command, free_port, port_open, wait_until

VANS = 40
FIXES_PER_VAN = 75  # 3,000 fixes
RATE = 600  # per second: the kill lands mid-stream


@pytest.fixture
def broker(tmp_path: Path, running: list[Process]) -> int:
    """A private Mosquitto that keeps sessions on disk and queues enough for a restart."""
    port = free_port()
    conf = tmp_path / "mosquitto.conf"
    conf.write_text(
        f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence true\n"
        f"persistence_location {tmp_path}/\nmax_queued_messages 100000\n"
    )
    running.append(Process("mosquitto", ["mosquitto", "-c", str(conf)]))
    wait_until(lambda: port_open(port), timeout=10, what=f"mosquitto on :{port}")
    return port


def _publish_all(port: int, t0: int) -> None:
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"load-{uuid.uuid4().hex}")
    client.max_queued_messages_set(0)
    client.connect("127.0.0.1", port)
    client.loop_start()
    sent = []
    started = time.monotonic()
    for n in range(FIXES_PER_VAN):
        for van in range(VANS):
            body = {"_type": "location", "lat": 39.1 + van / 1000, "lon": 117.2, "tst": t0 + n}
            sent.append(
                client.publish(
                    f"{settings.MQTT_TOPIC_PREFIX}owntracks/CRASH-{van}/tablet",
                    json.dumps(body),
                    qos=1,
                )
            )
            pause = len(sent) / RATE - (time.monotonic() - started)
            if pause > 0:
                time.sleep(pause)
    for info in sent:
        info.wait_for_publish(30)
    client.disconnect()
    client.loop_stop()


def _left_in_session(port: int, client_id: str) -> list[bytes]:
    """What the broker still holds for the session: it sends whatever was never acknowledged
    ahead of anything new, so what comes before a marker published now is what was left."""
    properties = Properties(PacketTypes.CONNECT)
    properties.SessionExpiryInterval = 0  # forgotten when this connection closes
    client = mqtt.Client(
        mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5
    )
    got: list[bytes] = []
    marker = f"marker-{uuid.uuid4().hex}".encode()
    seen = threading.Event()

    def on_message(_c: mqtt.Client, _u: object, message: mqtt.MQTTMessage) -> None:
        if message.payload == marker:
            seen.set()
        else:
            got.append(bytes(message.payload))

    client.on_message = on_message
    client.connect("127.0.0.1", port, clean_start=False, properties=properties)
    client.loop_start()
    try:
        publisher = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=uuid.uuid4().hex)
        publisher.connect("127.0.0.1", port)
        publisher.loop_start()
        topic_name = f"{settings.MQTT_TOPIC_PREFIX}owntracks/MARKER/tablet"
        publisher.publish(topic_name, marker, qos=1).wait_for_publish(10)
        publisher.disconnect()
        publisher.loop_stop()
        assert seen.wait(30), "the session's subscription never brought the marker"
    finally:
        client.disconnect()
        client.loop_stop()
    return got


def _tracker(process_env: dict[str, str], port: int, client_id: str) -> Process:
    return django_command(
        "track_vehicles",
        "--client-id",
        client_id,
        env={**process_env, "MQTT_BROKER_PORT": str(port)},
    )


def test_kill_9_under_load_loses_nothing_and_stores_nothing_twice(
    transactional_db: None, process_env: dict[str, str], running: list[Process], broker: int
) -> None:
    Vehicle.objects.bulk_create(
        Vehicle(device_id=f"CRASH-{van}", last_point=Point(117.2, 39.1, srid=4326))
        for van in range(VANS)
    )
    # Only these vans' rows: the history is not flushed between tests (an unmanaged,
    # partitioned table), so rows of vans from earlier tests may still be there.
    ours = VehiclePosition.objects.filter(vehicle__device_id__startswith="CRASH-")
    client_id = f"test-crash-{uuid.uuid4().hex[:8]}"
    first = _tracker(process_env, broker, client_id)
    running.append(first)
    wait_until(
        lambda: Heartbeat.objects.filter(component="tracker", detail__connected=True).exists(),
        timeout=60,
        what="the tracker subscribed",
    )
    t0 = int(time.time()) - 3600
    load = threading.Thread(target=_publish_all, args=(broker, t0))
    load.start()
    wait_until(lambda: ours.count() > 300, timeout=30, what="the first fixes stored")
    os.killpg(first.popen.pid, signal.SIGKILL)  # no drain, no goodbye
    first.popen.wait()
    time.sleep(1)  # the load goes on into the broker's queue for our session
    stored_before = ours.count()  # what the first committed, all of it
    second = _tracker(process_env, broker, client_id)
    running.append(second)
    load.join(60)
    total = VANS * FIXES_PER_VAN
    wait_until(lambda: ours.count() >= total, timeout=60, what=f"{total} fixes stored")
    assert second.stop(timeout=30) == 0  # SIGTERM: stores what it holds, acknowledges, leaves
    rows = list(ours.values_list("vehicle__device_id", "fix_at"))
    assert 300 < stored_before < total, "the kill was meant to land mid-stream"
    expected = {(f"CRASH-{v}", t0 + n) for v in range(VANS) for n in range(FIXES_PER_VAN)}
    assert len(rows) == total  # no fix twice (the key would refuse it; nothing counted twice)
    assert {(device, int(at.timestamp())) for device, at in rows} == expected  # none lost
    newest = Vehicle.objects.filter(device_id__startswith="CRASH-").values_list(
        "last_fix_at", flat=True
    )
    assert {at.timestamp() if at else None for at in newest} == {t0 + FIXES_PER_VAN - 1}
    counters = Heartbeat.objects.get(instance__endswith=f":{second.popen.pid}").detail["counters"]
    # The second tracker stored what the first had not; what it had came again as duplicates.
    assert counters["stored"] == total - stored_before
    assert counters["received"] == counters["stored"] + counters.get("duplicate", 0)
    assert _left_in_session(broker, client_id) == []  # every fix stored was acknowledged
