"""The shared cache (Redis), failing open: rate limits and other caching must never refuse work.

Throttles count requests in the cache, so that every web process sees the same counts. When
Redis is down a request is let through, counted (`cache.unavailable`) and logged once a minute,
never turned into an error: a call must not be lost because a counter could not be read.
"""

import logging
import time
from typing import Any

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

from config.counters import counter_increment

log = logging.getLogger(__name__)
_last_logged = 0.0


def _unavailable(operation: str, exc: Exception) -> None:
    global _last_logged
    counter_increment("cache.unavailable")
    if time.monotonic() - _last_logged > 60:
        _last_logged = time.monotonic()
        log.warning("cache %s failed, going on without it: %s", operation, exc)


class FailOpenRedisCache(RedisCache):
    """Django's Redis cache whose reads miss and writes do nothing while Redis is away."""

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        try:
            return super().get(key, default, version)
        except RedisError as exc:
            _unavailable("get", exc)
            return default

    def set(self, key: Any, value: Any, timeout: Any = None, version: int | None = None) -> None:
        try:
            super().set(key, value, timeout, version)
        except RedisError as exc:
            _unavailable("set", exc)

    def add(self, key: Any, value: Any, timeout: Any = None, version: int | None = None) -> bool:
        try:
            return super().add(key, value, timeout, version)
        except RedisError as exc:
            _unavailable("add", exc)
            return False

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        try:
            return super().incr(key, delta, version)
        except RedisError as exc:
            _unavailable("incr", exc)
            return 0

    def delete(self, key: Any, version: int | None = None) -> bool:
        try:
            return super().delete(key, version)
        except RedisError as exc:
            _unavailable("delete", exc)
            return False

    def get_many(self, keys: Any, version: int | None = None) -> dict[Any, Any]:
        try:
            return super().get_many(keys, version)
        except RedisError as exc:
            _unavailable("get_many", exc)
            return {}
