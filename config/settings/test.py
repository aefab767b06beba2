"""Test settings: the real services, kept apart from a running `make run` on the same machine.

Defaults go into os.environ (not just this module) so that the worker, beat and tracker
processes the tests start inherit the same separation.
"""

import os

os.environ.setdefault("APP_ENV", "test")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")
os.environ.setdefault("CACHE_URL", "redis://127.0.0.1:6379/14")  # cleared before each test
os.environ.setdefault("MQTT_TOPIC_PREFIX", f"test-{os.getpid()}/")
os.environ.setdefault("HEARTBEAT_SECONDS", "1")
os.environ.setdefault("LOG_LEVEL", "WARNING")
# Each change shows at once on a wall under test (the sharing is tested with it set).
os.environ.setdefault("MAP_FEED_TICK_S", "0")
# Tests read English unless they ask for Chinese (tests/i18n): not a default a shell can change,
# or a machine set up for a Chinese utility would fail every test that reads a page.
os.environ["LANGUAGE_CODE"] = "en"

from .main import *

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Tests run with DEBUG off but without collectstatic: serve static files through the finders.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
