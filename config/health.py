"""/healthz: is every part of the system up? JSON, and HTTP 503 when any part is down."""

import time
from collections import Counter as Counter_
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import redis
from django.conf import settings
from django.db import connection, transaction
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from config.heartbeats import heartbeat_get_life
from config.models import Counter, Heartbeat
from fleet.mqtt import mqtt_probe

Check = dict[str, Any]
# Read in PostgreSQL (its regular expressions: no named groups) and so in three parts.
HTTP_REFUSAL_COUNTER = r"^tracking\.(refused|throttled)\.[^.]+$"


def check_database() -> Check:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL statement_timeout = %s", [settings.HEALTH_PROBE_TIMEOUT * 1000])
        cursor.execute("SELECT postgis_lib_version()")
        (postgis,) = cursor.fetchone()
    return {"status": "ok", "postgis": postgis}


def check_redis() -> Check:
    client = redis.Redis.from_url(
        settings.REDIS_URL,
        socket_timeout=settings.HEALTH_PROBE_TIMEOUT,
        socket_connect_timeout=settings.HEALTH_PROBE_TIMEOUT,
    )
    try:
        client.ping()
        return {"status": "ok"}
    finally:
        client.close()


def check_broker() -> Check:
    ok, detail = mqtt_probe(timeout=settings.HEALTH_PROBE_TIMEOUT)
    return {"status": "ok" if ok else "down", "detail": detail}


def _heartbeat_check(component: str, *, require_connected: bool = False) -> Check:
    life = heartbeat_get_life(component)
    if life.last is None:
        return {
            "status": "down",
            "detail": "never seen: is the process running?",
            "last_heartbeat": None,
        }
    result: Check = {
        "status": "ok" if life.live_instances else "down",
        "last_heartbeat": life.last.beat_at.isoformat(),
        "age_seconds": round(life.age_seconds or 0.0, 1),
        "instances": life.live_instances,
    }
    if not life.live_instances:
        result["detail"] = f"no heartbeat for over {settings.HEALTH_STALE_AFTER}s"
    elif require_connected and not life.last.detail.get("connected"):
        result.update(status="down", detail="running but not connected to the broker")
    return result


CHECKS: dict[str, Callable[[], Check]] = {
    "database": check_database,
    "redis": check_redis,
    "broker": check_broker,
}
HEARTBEAT_CHECKS: dict[str, Callable[[], Check]] = {
    "worker": lambda: _heartbeat_check("worker"),
    "beat": lambda: _heartbeat_check("beat"),
    "tracker": lambda: _heartbeat_check("tracker", require_connected=True),
}
UNKNOWN_WITHOUT_DATABASE: Check = {
    "status": "unknown",
    "detail": "its heartbeats are kept in the database, which is down",
}


def _timed(check: Callable[[], Check]) -> Check:
    started = time.monotonic()
    try:
        result = check()
    except Exception as exc:  # any failure of a part is that part being down
        result = {"status": "down", "detail": f"{type(exc).__name__}: {exc}"}
    result["checked_ms"] = round(1000 * (time.monotonic() - started), 1)
    return result


def refusals() -> dict[str, Any]:
    """What the tracking inputs refused: each live tracker's counts since it started (summed;
    from its heartbeat) and the web's HTTP position refusals and throttling since install
    (platform counters `tracking.refused.<reason>`, `tracking.throttled.<scope>`)."""
    fresh_since = timezone.now() - timedelta(seconds=settings.HEALTH_STALE_AFTER)
    tracker: Counter_[str] = Counter_()
    for detail in Heartbeat.objects.filter(
        component="tracker", beat_at__gte=fresh_since
    ).values_list("detail", flat=True):
        refused = detail.get("refused") if isinstance(detail, dict) else None
        tracker.update(refused if isinstance(refused, dict) else {})
    http: dict[str, dict[str, int]] = {"refused": {}, "throttled": {}}
    # Only these names: other tracking counts share the prefix (arrivals the HTTP positions
    # raised, `tracking.arrivals_detected`), and one odd name must not hide all the others.
    rows = Counter.objects.filter(name__regex=HTTP_REFUSAL_COUNTER).values_list("name", "value")
    for name, value in rows:
        _, kind, reason = name.split(".")
        http[kind][reason] = value
    return {"tracker": dict(sorted(tracker.items())), "http": http}


def run_checks() -> dict[str, Check]:
    results = {name: _timed(check) for name, check in CHECKS.items()}
    database_up = results["database"]["status"] == "ok"
    for name, check in HEARTBEAT_CHECKS.items():
        # With the database gone we cannot tell whether a process lives: say so, not "down".
        results[name] = _timed(check) if database_up else dict(UNKNOWN_WITHOUT_DATABASE)
    return results


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    components = run_checks()
    down = sorted(name for name, result in components.items() if result["status"] == "down")
    unknown = sorted(name for name, result in components.items() if result["status"] == "unknown")
    body: dict[str, Any] = {
        "status": "down" if down or unknown else "ok",
        "down": down,
        "unknown": unknown,
        "checked_at": timezone.now().isoformat(),
        "components": components,
    }
    if components["database"]["status"] == "ok":
        try:
            body["refusals"] = refusals()
        except Exception as exc:  # a figure we could not read must not hide the health
            body["refusals"] = {"detail": f"{type(exc).__name__}: {exc}"}
    return JsonResponse(body, status=503 if down or unknown else 200)
