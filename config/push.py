"""The one way the server pushes to browsers: server-sent events over Redis pub/sub.

A service publishes to a user (`push_to_user`) after its transaction commits; each of that
user's open pages holds one `/push/stream` (an EventSource) and receives it within
milliseconds. Nothing is stored: a page that was closed when a push went out reads the state
from its API when it opens, as it would without pushes. Redis down: the push is lost, logged
and counted, and the work that made it is not affected.

Pub/sub channels are not per Redis database, so each is prefixed with REDIS_URL's database
number: two deployments (or two test workers) on one Redis never hear each other."""

import json
import logging
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlparse

import redis
from django.conf import settings
from django.db import connection, transaction

from config.counters import counter_increment

log = logging.getLogger(__name__)
HEARTBEAT_S = 15.0  # a comment line this often, so a dead connection is found and closed
STREAM_MAX_S = 600.0  # then the stream ends and the browser reconnects (threads recycle)
RETRY_MS = 2000  # how soon EventSource reconnects after the stream ends or drops


def _client() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2)


def _prefix() -> str:
    database = urlparse(settings.REDIS_URL).path.strip("/") or "0"
    return f"push:{database}:"


def user_channel(user_id: int) -> str:
    return f"{_prefix()}user:{user_id}"


def push_to_user(user_id: int, kind: str, data: dict[str, Any]) -> None:
    """Send `kind` with `data` to every page the user has open, once the current transaction
    commits (at once outside one)."""
    message = json.dumps({"kind": kind, "data": data}, ensure_ascii=False)

    def send() -> None:
        try:
            client = _client()
            try:
                client.publish(user_channel(user_id), message)
            finally:
                client.close()
            counter_increment(f"push.sent.{kind}")
        except redis.RedisError:
            log.warning("push %s to user %s lost: Redis is unreachable", kind, user_id)
            counter_increment("push.lost")

    transaction.on_commit(send)


def _event(kind: str, data: str) -> bytes:
    return f"event: {kind}\ndata: {data}\n\n".encode()


def stream(user_id: int, *, max_s: float = STREAM_MAX_S) -> Iterator[bytes]:
    """The event stream of one page: what is pushed to its user, heartbeats, and an end after
    `max_s` (EventSource opens the next one by itself)."""
    connection.close()  # the page may stay for minutes: it holds no database connection
    yield f"retry: {RETRY_MS}\n: open\n\n".encode()
    client = _client()
    pubsub = client.pubsub(ignore_subscribe_messages=True)
    try:
        pubsub.subscribe(user_channel(user_id))
        started = last_beat = time.monotonic()
        while time.monotonic() - started < max_s:
            message = pubsub.get_message(timeout=1.0)
            if message is not None and message.get("type") == "message":
                body = json.loads(message["data"])
                yield _event(body["kind"], json.dumps(body["data"], ensure_ascii=False))
                last_beat = time.monotonic()
            elif time.monotonic() - last_beat >= HEARTBEAT_S:
                yield b": beat\n\n"
                last_beat = time.monotonic()
    except redis.RedisError:
        log.warning("push stream of user %s ended: Redis is unreachable", user_id)
        counter_increment("push.stream_failed")
    finally:
        pubsub.close()
        client.close()
