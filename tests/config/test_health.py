from datetime import timedelta
from pathlib import Path

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from config.models import Heartbeat
from tests.processes import Process, free_port, mosquitto, redis_server


def _health(client: Client) -> tuple[int, dict]:
    response = client.get("/healthz")
    return response.status_code, response.json()


def test_every_part_healthy_when_the_whole_system_runs(
    worker: Process, beat: Process, tracker: Process
) -> None:
    status, body = _health(Client())
    assert body["down"] == []
    assert status == 200
    assert set(body["components"]) == {"database", "redis", "broker", "worker", "beat", "tracker"}
    for name in ("worker", "beat", "tracker"):
        assert body["components"][name]["instances"] == 1
        assert body["components"][name]["last_heartbeat"]
    assert body["components"]["database"]["postgis"].startswith("3.")


@pytest.mark.django_db
def test_processes_never_seen_are_reported_down() -> None:
    status, body = _health(Client())
    assert status == 503
    assert body["components"]["worker"]["detail"] == "never seen: is the process running?"
    assert {"worker", "beat", "tracker"} <= set(body["down"])


@pytest.mark.django_db
def test_a_silent_worker_is_down_and_the_age_shown() -> None:
    old = timezone.now() - timedelta(minutes=5)
    Heartbeat.objects.create(component="worker", instance="w1", started_at=old, beat_at=old)
    _, body = _health(Client())
    worker = body["components"]["worker"]
    assert worker["status"] == "down"
    assert worker["age_seconds"] >= 300
    assert "no heartbeat for over" in worker["detail"]


@pytest.mark.django_db
def test_a_tracker_without_its_broker_is_down() -> None:
    now = timezone.now()
    Heartbeat.objects.create(
        component="tracker", instance="t1", started_at=now, beat_at=now, detail={"connected": False}
    )
    _, body = _health(Client())
    assert body["components"]["tracker"]["detail"] == "running but not connected to the broker"


@pytest.mark.django_db
def test_broker_stopped_is_503_and_the_web_app_still_serves(tmp_path: Path) -> None:
    port = free_port()
    broker = mosquitto(port, tmp_path)
    client = Client()
    with override_settings(MQTT_BROKER_PORT=port):
        try:
            _, body = _health(client)
            assert body["components"]["broker"]["status"] == "ok"
        finally:
            broker.stop()
        status, body = _health(client)
    assert status == 503
    assert "broker" in body["down"]
    assert "Connection refused" in body["components"]["broker"]["detail"]
    assert body["components"]["database"]["status"] == "ok"
    assert client.get("/accounts/login/").status_code == 200


@pytest.mark.django_db
def test_redis_stopped_is_reported_down() -> None:
    port = free_port()
    server = redis_server(port)
    client = Client()
    with override_settings(REDIS_URL=f"redis://127.0.0.1:{port}/0"):
        try:
            assert _health(client)[1]["components"]["redis"]["status"] == "ok"
        finally:
            server.stop()
        status, body = _health(client)
    assert status == 503
    assert body["components"]["redis"]["status"] == "down"
    assert "Error" in body["components"]["redis"]["detail"]


def test_database_down_leaves_process_states_unknown_not_down(transactional_db: None) -> None:
    from django.db import connection

    real_port = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = free_port()  # nothing listens there
    try:
        status, body = _health(Client())
    finally:
        connection.close()
        connection.settings_dict["PORT"] = real_port
    assert status == 503
    assert body["down"] == ["database"]
    assert body["unknown"] == ["beat", "tracker", "worker"]
    assert "Connection refused" in body["components"]["database"]["detail"]
    assert body["components"]["redis"]["status"] == "ok"


@pytest.mark.django_db
def test_refusals_of_the_trackers_and_of_http_tracking_are_shown() -> None:
    from config.counters import counter_increment

    now = timezone.now()
    for instance, refused in (
        ("t1", {"encrypted": 2, "bad_coordinates": 1}),
        ("t2", {"encrypted": 1}),
    ):
        Heartbeat.objects.create(
            component="tracker",
            instance=instance,
            started_at=now,
            beat_at=now,
            detail={"connected": True, "counters": {"received": 9, **refused}, "refused": refused},
        )
    stale = now - timedelta(minutes=5)  # a tracker gone since: its counts are history
    Heartbeat.objects.create(
        component="tracker",
        instance="t0",
        started_at=stale,
        beat_at=stale,
        detail={"refused": {"encrypted": 50}},
    )
    counter_increment("tracking.refused.bad_key", 3)
    counter_increment("tracking.refused.no_key")
    counter_increment("tracking.throttled.address", 2)
    counter_increment("api.refused.400")  # not tracking
    # Other tracking counts share the prefix: arrivals the HTTP positions raised, and a name
    # with more parts than a refusal's.
    counter_increment("tracking.arrivals_detected")
    counter_increment("tracking.etas_refreshed", 4)
    counter_increment("tracking.refused.odd.name")
    _, body = _health(Client())
    assert body["refusals"] == {
        "tracker": {"bad_coordinates": 1, "encrypted": 3},
        "http": {"refused": {"bad_key": 3, "no_key": 1}, "throttled": {"address": 2}},
    }
