"""Test settings: the real services, kept apart from a running `make run` on the same machine.

Defaults go into os.environ (not just this module) so that the worker, beat and tracker
processes the tests start inherit the same separation.
"""

import os

os.environ.setdefault("APP_ENV", "test")
# `make test` runs the suite in parallel (pytest-xdist): each worker gets its own two Redis
# databases (gw0: 15 and 14, gw1: 13 and 12...) and its own MQTT topics, as pytest-django gives
# it its own PostgreSQL database, so one worker's purge, flush or message never reaches another.
# The workers inherit the environment of the process that started them, which has read these
# settings already, so the values this file chose are marked with the worker they were chosen
# for: a worker chooses its own, and the processes a test starts keep their test's.
_WORKER = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
if _WORKER > 6:
    raise RuntimeError("at most 7 test workers: Redis has 16 databases, each worker takes two")
_CHOSEN_FOR = os.environ.get("TEST_SERVICES_WORKER")
if "REDIS_URL" not in os.environ or (_CHOSEN_FOR is not None and str(_WORKER) != _CHOSEN_FOR):
    os.environ["TEST_SERVICES_WORKER"] = str(_WORKER)
    os.environ["REDIS_URL"] = f"redis://127.0.0.1:6379/{15 - 2 * _WORKER}"
    # Cleared before each test.
    os.environ["CACHE_URL"] = f"redis://127.0.0.1:6379/{14 - 2 * _WORKER}"
    os.environ["MQTT_TOPIC_PREFIX"] = f"test-{os.getpid()}/"
os.environ.setdefault("MQTT_TOPIC_PREFIX", f"test-{os.getpid()}/")  # REDIS_URL given
os.environ.setdefault("HEARTBEAT_SECONDS", "1")
os.environ.setdefault("LOG_LEVEL", "WARNING")
# Each change shows at once on a wall under test (the sharing is tested with it set).
os.environ.setdefault("MAP_FEED_TICK_S", "0")
# Tests read English unless they ask for Chinese (tests/i18n): not a default a shell can change,
# or a machine set up for a Chinese utility would fail every test that reads a page.
os.environ["LANGUAGE_CODE"] = "en"

from .main import *  # noqa: E402  (after the environment it reads)

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Tests run with DEBUG off but without collectstatic: serve static files through the finders.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
