import json
import logging
import uuid

import pytest
from django.conf import settings

from config.models import Heartbeat
from field_app_api import tracker as tracker_module
from field_app_api.mqtt import mqtt_client, topic
from field_app_api.tracker import Message, Tracker
from tests.processes import Process, wait_until


def _publish(*messages: tuple[str, bytes]) -> None:
    client = mqtt_client(client_id=f"test-device-{uuid.uuid4().hex[:8]}")
    client.connect(settings.MQTT_BROKER_HOST, settings.MQTT_BROKER_PORT)
    client.loop_start()
    try:
        for name, payload in messages:
            client.publish(topic(name), payload, qos=1).wait_for_publish(10)
    finally:
        client.disconnect()
        client.loop_stop()


def _counters() -> dict[str, int]:
    row = Heartbeat.objects.filter(component="tracker").order_by("-beat_at").first()
    return row.detail.get("counters", {}) if row else {}


def test_tracker_counts_bad_payloads_and_keeps_running(tracker: Process) -> None:
    location = {"_type": "location", "lat": 39.09, "lon": 117.21, "tst": 1_795_000_000}
    _publish(
        ("owntracks/crew7/van7", b"{not json"),
        ("owntracks/crew7/van7", b"\xff\xfe"),
        ("owntracks/crew7/van7", b"[1, 2]"),
        ("owntracks/crew7/van7", b'{"_type": ["location"]}'),
        ("owntracks/crew7/van7", json.dumps(location).encode()),
    )
    wait_until(lambda: _counters().get("received") == 5, timeout=15, what="5 messages counted")
    counters = _counters()
    assert counters["malformed_json"] == 2
    assert counters["not_owntracks"] == 1
    assert counters["type_location"] == 1
    assert counters["type_other"] == 1  # a list where a type name should be
    assert tracker.alive()


def test_tracker_stops_cleanly_on_sigterm(tracker: Process) -> None:
    assert tracker.stop(timeout=10) == 0
    assert "SIGTERM received, stopping" in tracker.output()
    last = Heartbeat.objects.get(component="tracker")
    assert last.detail["connected"] is False  # its final beat says it has let go of the broker


def test_tracker_reports_its_connection_without_waiting_for_the_next_beat(
    process_env: dict[str, str], running: list[Process], transactional_db: None
) -> None:
    from tests.processes import django_command

    process = django_command(
        "track_vehicles",
        "--client-id",
        "test-tracker-slowbeat",
        env={**process_env, "HEARTBEAT_SECONDS": "60"},
    )
    running.append(process)
    # The first beat goes out before CONNACK; the connected one must follow at once, not in 60s.
    wait_until(
        lambda: Heartbeat.objects.filter(component="tracker", detail__connected=True).exists(),
        timeout=10,
        what="a connected heartbeat well before the 60s interval",
    )


def test_an_encrypted_payload_is_counted_and_explained_once_per_device(tracker: Process) -> None:
    encrypted = json.dumps({"_type": "encrypted", "data": "c2VjcmV0IHN0dWZm"}).encode()
    _publish(
        ("owntracks/VAN-0007/tablet", encrypted),
        ("owntracks/VAN-0007/tablet", encrypted),
        ("owntracks/VAN-0007/tablet", encrypted),
        ("owntracks/VAN-0008/tablet", encrypted),
    )
    wait_until(lambda: _counters().get("encrypted") == 4, timeout=15, what="4 encrypted counted")
    output = tracker.output()
    assert output.count("VAN-0007 sends encrypted payloads") == 1
    assert output.count("VAN-0008 sends encrypted payloads") == 1
    assert "Preferences > Connection > Security" in output
    row = Heartbeat.objects.filter(component="tracker").order_by("-beat_at").first()
    assert row is not None
    assert row.detail["refused"]["encrypted"] == 4  # what /healthz shows
    assert tracker.alive()


def test_encrypted_payloads_beyond_the_devices_remembered_are_counted_not_logged(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(tracker_module, "ENCRYPTED_EXPLAINED_MAX", 2)
    tracker = Tracker(client_id="test", subscriptions=[], heartbeat_seconds=60)
    encrypted = json.dumps({"_type": "encrypted", "data": "c2VjcmV0"}).encode()
    with caplog.at_level(logging.WARNING):
        for n in (1, 2, 3, 4, 1, 3):
            message = Message(topic(f"owntracks/VAN-000{n}/tablet"), encrypted, 0.0, 0, 1)
            assert tracker.parse(message) is None
    explained = [r.getMessage() for r in caplog.records if "sends encrypted" in r.getMessage()]
    assert [m.split()[0] for m in explained] == ["VAN-0001", "VAN-0002"]
    assert tracker.counters["encrypted"] == 6
