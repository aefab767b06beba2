import os
import uuid
from collections.abc import Iterator

import pytest
from hypothesis import settings as hypothesis_settings
from playwright.sync_api import expect
from pytest_django import DjangoDbBlocker

from config.models import Heartbeat
from tests.processes import Process, celery, child_database_url, django_command, wait_until

# CI runs 300 generated cases per property; HYPOTHESIS_PROFILE=deep runs 5,000 when a change
# to the trace or the geocoder deserves a longer look.
hypothesis_settings.register_profile("ci", max_examples=300)
hypothesis_settings.register_profile("deep", max_examples=5000)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# A page's expectation waits as long as its actions do (tests/browser.py, 15 s), not
# Playwright's 5 s: two test workers share the machine's cores, and a screen under load may
# answer in six. A wrong screen still fails, only later.
expect.set_options(timeout=15_000)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Transactional tests (real worker, live server) flush every table when they end, the
    rules the migrations ship included: Django's serialized rollback reloads them at the start
    of each such test. (pytest-django runs these after all the others.)"""
    for item in items:
        names = getattr(item, "fixturenames", [])
        marker = item.get_closest_marker("django_db")
        by_marker = marker is not None and marker.kwargs.get("transaction", False)
        if "django_db_serialized_rollback" not in names and (
            by_marker
            or "transactional_db" in names
            or "live_server" in names
            or any(n in names for n in ("worker", "beat", "tracker", "scene"))
        ):
            names.append("django_db_serialized_rollback")
            names.append("positions_cleared")
        # pytest-django decides which databases to serialize at setup from the marker alone
        # when a test has one: say it there too, or a run of only such tests restores nothing.
        if by_marker and marker is not None and not marker.kwargs.get("serialized_rollback"):
            item.add_marker(
                pytest.mark.django_db(
                    *marker.args, **{**marker.kwargs, "serialized_rollback": True}
                ),
                append=False,
            )


@pytest.fixture
def positions_cleared(django_db_blocker: DjangoDbBlocker) -> Iterator[None]:
    """After a transactional test, the vans' position history is emptied too: Django's flush
    leaves it, as an unmanaged (partitioned) table, and one test's fixes would count in the
    next."""
    yield
    from django.db import connection

    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE fleet_vehicleposition")


@pytest.fixture(scope="session")
def process_env(django_db_setup: None) -> dict[str, str]:
    """Environment for processes the tests start: the test database, the test Redis DB."""
    # Workers started by tests auto-dispatch P1 (the test process itself does not dispatch:
    # the choice is the worker's, as in production).
    # Their geofence confirms an arrival after 1 s, not a minute.
    return {
        "DATABASE_URL": child_database_url(),
        "AUTO_DISPATCH_P1": "true",
        "ARRIVAL_CANCEL_WINDOW_S": "1",
    }


@pytest.fixture(autouse=True)
def _cache_cleared() -> None:
    """Rate-limit counts and cached answers start empty in every test (CACHE_URL is the
    test's own Redis database, not Celery's)."""
    from django.core.cache import cache

    cache.clear()


def _heartbeat_seen(component: str, **detail: object) -> bool:
    row = Heartbeat.objects.filter(component=component).order_by("-beat_at").first()
    return row is not None and all(row.detail.get(k) == v for k, v in detail.items())


@pytest.fixture
def running(request: pytest.FixtureRequest) -> Iterator[list[Process]]:
    """Processes started by a test; stopped after it, their output shown if it failed."""
    started: list[Process] = []
    yield started
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    for process in started:
        process.stop()
        if failed:
            print(f"\n----- output of {process.name} -----\n{process.output()[-4000:]}")


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture
def worker(transactional_db: None, process_env: dict[str, str], running: list[Process]) -> Process:
    """A real Celery worker process on the test Redis DB and the test database."""
    from config.celery import app

    app.control.purge()  # tasks left by an earlier, interrupted run
    process = celery(
        "worker",
        "worker",
        "--pool",
        "solo",
        "--concurrency",
        "1",
        "--without-mingle",
        "--without-gossip",
        "--loglevel",
        "INFO",
        env=process_env,
    )
    running.append(process)
    wait_until(
        lambda: _heartbeat_seen("worker") or not process.alive(),
        timeout=60,
        what="the worker's first heartbeat",
    )
    assert process.alive(), process.output()
    return process


@pytest.fixture
def beat(
    transactional_db: None,
    process_env: dict[str, str],
    running: list[Process],
    tmp_path_factory: pytest.TempPathFactory,
) -> Process:
    schedule = tmp_path_factory.mktemp("beat") / "schedule"
    process = celery(
        "beat", "beat", "--schedule", str(schedule), "--loglevel", "INFO", env=process_env
    )
    running.append(process)
    wait_until(
        lambda: _heartbeat_seen("beat") or not process.alive(),
        timeout=60,
        what="beat's first heartbeat",
    )
    assert process.alive(), process.output()
    return process


@pytest.fixture
def tracker(transactional_db: None, process_env: dict[str, str], running: list[Process]) -> Process:
    process = django_command(
        "track_vehicles", "--client-id", f"test-tracker-{uuid.uuid4().hex[:8]}", env=process_env
    )
    running.append(process)
    wait_until(
        lambda: _heartbeat_seen("tracker", connected=True) or not process.alive(),
        timeout=60,
        what="the tracker's first connected heartbeat",
    )
    assert process.alive(), process.output()
    return process
