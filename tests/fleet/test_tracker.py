import json
import logging
import threading
import time
import uuid
from collections.abc import Iterator

import pytest
from django.conf import settings

from config.models import Heartbeat
from fleet import tracker as tracker_module
from fleet.models import Vehicle, VehiclePosition
from fleet.mqtt import mqtt_client, mqtt_session_client, session_properties, topic
from fleet.tracker import Message, Tracker, default_subscriptions
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


# The tracker's own loop, driven step by step on the real broker and database --------------


@pytest.fixture
def sessions() -> Iterator[list[Tracker]]:
    """Trackers connected in a test: disconnected after it, and their broker sessions (kept
    for a day otherwise) forgotten."""
    made: list[Tracker] = []
    yield made
    for tracker in made:
        tracker.disconnect()
    for client_id in {t.client_id for t in made}:
        _session_forget(client_id)


def _session_forget(client_id: str) -> None:
    client = mqtt_session_client(client_id=client_id)
    connected = threading.Event()
    client.on_connect = lambda *_a: connected.set()
    client.connect(
        settings.MQTT_BROKER_HOST,
        settings.MQTT_BROKER_PORT,
        clean_start=True,
        properties=session_properties(expiry_s=0, receive_maximum=10),
    )
    client.loop_start()
    try:
        assert connected.wait(10), "the broker did not answer"
    finally:
        client.disconnect()
        client.loop_stop()


def _connected(sessions: list[Tracker], client_id: str, subscriptions: list[str]) -> Tracker:
    """A tracker on the broker, its subscriptions acknowledged (nothing published from now on
    can miss it)."""
    tracker = Tracker(client_id=client_id, subscriptions=subscriptions, heartbeat_seconds=60)
    sessions.append(tracker)
    tracker.connect()
    assert tracker.connected.wait(10), "the broker never acknowledged the subscription"
    return tracker


def _reconnected(tracker: Tracker) -> None:
    tracker.disconnect()
    tracker.connected.clear()
    tracker.connect()
    assert tracker.connected.wait(10), "the broker never acknowledged the subscription"


def _taken(tracker: Tracker, count: int) -> list[Message]:
    batch: list[Message] = []
    deadline = time.monotonic() + 15
    while len(batch) < count and time.monotonic() < deadline:
        batch += tracker.take(timeout=0.5)
    assert len(batch) == count, f"{len(batch)} of {count} messages came"
    return batch


def _fix(device_id: str, tst: int) -> tuple[str, bytes]:
    body = {"_type": "location", "lat": 39.1, "lon": 117.2 + (tst % 100) / 1000, "tst": tst}
    return f"owntracks/{device_id}/tablet", json.dumps(body).encode()


def test_a_fix_is_acknowledged_only_once_stored_and_one_sent_again_is_stored_once(
    transactional_db: None, sessions: list[Tracker]
) -> None:
    van = Vehicle.objects.create(device_id=f"ACK-{uuid.uuid4().hex[:8]}")
    client_id = f"test-ack-{uuid.uuid4().hex[:8]}"
    subscriptions = [topic(f"owntracks/{van.device_id}/+")]
    t0 = int(time.time()) - 60
    fixes = [_fix(van.device_id, t0 + n) for n in range(3)]

    first = _connected(sessions, client_id, subscriptions)
    _publish(*fixes)
    taken = _taken(first, 3)
    assert {m.qos for m in taken} == {1}
    first.store(taken)  # committed, then the tracker is gone before acknowledging
    first.disconnect()
    assert VehiclePosition.objects.filter(vehicle=van).count() == 3

    # Unacknowledged, all three come again (MQTT 5 session kept), and are not stored twice.
    second = _connected(sessions, client_id, subscriptions)
    again = _taken(second, 3)
    assert [m.payload for m in again] == [payload for _t, payload in fixes]
    second.process(again)
    assert (second.counters["stored"], second.counters["duplicate"]) == (0, 3)
    second.disconnect()

    # Acknowledged this time: the next connection of the session gets only what is new (the
    # broker would send any message left unacknowledged before it).
    third = _connected(sessions, client_id, subscriptions)
    _publish(_fix(van.device_id, t0 + 10))
    assert [m.payload for m in _taken(third, 1)] == [_fix(van.device_id, t0 + 10)[1]]
    assert third.take(timeout=0.5) == []
    stored = VehiclePosition.objects.filter(vehicle=van).order_by("fix_at")
    assert [int(p.fix_at.timestamp()) for p in stored] == [t0, t0 + 1, t0 + 2]


def test_trackers_in_one_shared_group_split_the_fixes_and_store_each_once(
    transactional_db: None, sessions: list[Tracker]
) -> None:
    vans = [Vehicle.objects.create(device_id=f"SHARE-{n}-{uuid.uuid4().hex[:6]}") for n in range(4)]
    group = f"test{uuid.uuid4().hex[:8]}"
    trackers = [
        _connected(sessions, f"test-share-{n}-{uuid.uuid4().hex[:8]}", default_subscriptions(group))
        for n in range(2)
    ]
    t0 = int(time.time()) - 60
    fixes = [_fix(van.device_id, t0 + n) for n in range(10) for van in vans]
    _publish(*fixes)

    taken: list[list[Message]] = [[], []]
    deadline = time.monotonic() + 15
    while sum(map(len, taken)) < len(fixes) and time.monotonic() < deadline:
        for tracker, batch in zip(trackers, taken, strict=True):
            batch += tracker.take(timeout=0.1)
    assert all(taken), "the broker gave one tracker everything"
    assert sorted(m.payload for batch in taken for m in batch) == sorted(p for _t, p in fixes)
    for tracker, batch in zip(trackers, taken, strict=True):
        tracker.process(batch)
    assert sum(t.counters["stored"] for t in trackers) == len(fixes)
    assert VehiclePosition.objects.filter(vehicle__in=vans).count() == len(fixes)
    for van in Vehicle.objects.filter(pk__in=[v.pk for v in vans]):
        assert van.last_fix_at is not None
        assert int(van.last_fix_at.timestamp()) == t0 + 9  # each van at its newest fix


def test_a_message_from_a_connection_that_is_gone_is_not_acknowledged_on_the_next(
    transactional_db: None, sessions: list[Tracker]
) -> None:
    """After a reconnect a packet id names whatever the broker sends under it now: a batch
    taken before is stored, but left to the broker to send again, never acknowledged blind."""
    van = Vehicle.objects.create(device_id=f"GEN-{uuid.uuid4().hex[:8]}")
    client_id = f"test-gen-{uuid.uuid4().hex[:8]}"
    subscriptions = [topic(f"owntracks/{van.device_id}/+")]
    fix = _fix(van.device_id, int(time.time()) - 60)
    tracker = _connected(sessions, client_id, subscriptions)
    _publish(fix)
    before = _taken(tracker, 1)
    _reconnected(tracker)
    assert [m.payload for m in _taken(tracker, 1)] == [fix[1]]  # sent again: not acknowledged
    tracker.process(before)  # stored; its acknowledgement belongs to a connection now closed
    tracker.disconnect()

    later = _connected(sessions, client_id, subscriptions)
    again = _taken(later, 1)
    assert [m.payload for m in again] == [fix[1]]
    later.process(again)
    assert (tracker.counters["stored"], later.counters["duplicate"]) == (1, 1)
