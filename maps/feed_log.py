"""The deltas of the last few seconds, built once per process for every wall it serves.

Fifty walls each asking PostgreSQL for their own delta made it build the same few thousand
moved vans over and over while the tracker was writing them (bench/maps.py), and a wall's
poll waited for that build. Here one background thread per process asks once a tick
(`MAP_FEED_TICK_S`) for what changed since its last answer, per station set that a wall has
asked for lately, and keeps each answer as a segment. A wall's poll is then answered from
memory: the segments after its cursor, joined. Segments are contiguous (each starts at its
predecessor's cursor), so every change is in one; a wall whose cursor falls inside a segment
gets some features again, which the page applies harmlessly. Walls never wait on the
database, and the database works once per tick whatever the number of walls.

The full answer a wall opens with is shared the same way, one per tick and station set.
A change shows on a wall at most one tick later than if the wall had asked itself. A wall
whose cursor is older than what is kept (`KEEP_S`: a laptop waking up), or a log whose
builder has stalled (the database is down) is answered directly, as before, so a
wall never shows stale data as current.
"""

import logging
import threading
import time
from collections import deque
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection
from django.utils import timezone

from config.counters import counter_increment
from maps.feed import CursorAheadError, Feed, delta_items, feed_since

log = logging.getLogger(__name__)

KEEP_S = 15.0  # a wall polling every 1-2 s is always inside this
IDLE_S = 30.0  # a station set no wall has asked for this long is no longer built
STALL_TICKS = 4  # a log not extended for this many ticks is not trusted


@dataclass(frozen=True)
class _Segment:
    since: int  # the cursor it was asked from (its predecessor's `cursor`)
    cursor: int
    items: str  # features, comma-separated ("" when none)
    built_at: float  # monotonic


@dataclass
class _Log:
    start: int  # the oldest cursor the segments cover from
    end: int  # the cursor after the newest segment
    wanted_at: float
    built_at: float
    segments: deque[_Segment] = field(default_factory=deque)

    def after(self, since: int) -> tuple[list[str], int]:
        """The features of the segments after `since`, and the cursor after them."""
        return [s.items for s in self.segments if s.cursor > since and s.items], self.end


def _answer(items: list[str], since: int, end: int) -> Feed:
    if not items:  # nothing after the cursor, or only empty segments: move it on
        return Feed(None, max(since, end))
    return Feed(_collection(",".join(items), end), end)


def _collection(items: str, cursor: int) -> str:
    server_time = timezone.now().isoformat()
    return (
        f'{{"type": "FeatureCollection", "cursor": "{cursor}", "full": false, '
        f'"server_time": "{server_time}", "features": [{items}]}}'
    )


Key = tuple[int, ...]


class FeedLog:
    """This process's logs, one per station set that walls watch, and the thread that
    extends them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._logs: dict[Key, _Log] = {}
        self._thread: threading.Thread | None = None
        self._full_locks: dict[Key, threading.Lock] = {}
        self._full_answers: dict[Key, tuple[float, Feed]] = {}  # built at (monotonic), answer

    def get(self, *, since: int | None, station_ids: list[int]) -> Feed:
        tick_s = settings.MAP_FEED_TICK_S
        if tick_s <= 0:
            return feed_since(since=since, station_ids=station_ids)
        key = tuple(sorted(station_ids))
        if since is not None and (kept := self._kept_after(key, since, tick_s)) is not None:
            items, end = kept
            return _answer(items, since, end)  # joined outside the lock: it can be megabytes
        direct = (
            self._full(key) if since is None else feed_since(since=since, station_ids=station_ids)
        )
        self._start(key, direct.cursor)
        return direct

    def _kept_after(self, key: Key, since: int, tick_s: float) -> tuple[list[str], int] | None:
        """What the log for `key` holds after `since`, or None if it cannot answer for it."""
        now = time.monotonic()
        with self._lock:
            found = self._logs.get(key)
            if found is None:
                return None
            found.wanted_at = now
            if since < found.start or now - found.built_at >= STALL_TICKS * tick_s:
                return None
            if since > found.end:  # newer than the log: a direct answer's, or made up
                return None  # only PostgreSQL can tell which
            return found.after(since)

    def _full(self, key: Key) -> Feed:
        """The whole wall for `key`, built once a tick: walls opened together (a control room
        at the start of a shift) would otherwise each have PostgreSQL build 5,000 features.
        The ones that come while it is built wait for it rather than build it again."""
        with self._lock:
            building = self._full_locks.setdefault(key, threading.Lock())
        with building:
            built = self._full_answers.get(key)
            if built is not None and time.monotonic() - built[0] < settings.MAP_FEED_TICK_S:
                return built[1]
            answer = feed_since(since=None, station_ids=list(key))
            self._full_answers[key] = (time.monotonic(), answer)
            return answer

    def _start(self, key: Key, cursor: int) -> None:
        """A log for `key` (from the cursor just handed to a wall) unless there is one, and
        the builder unless it runs."""
        now = time.monotonic()
        with self._lock:
            self._logs.setdefault(key, _Log(start=cursor, end=cursor, wanted_at=now, built_at=now))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="feed-log", daemon=True)
                self._thread.start()

    def close(self, timeout: float = 10.0) -> None:
        """Forget every log and wait for the builder to stop (it closes its connection)."""
        with self._lock:
            self._logs.clear()
            self._full_answers.clear()
            thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def _run(self) -> None:
        try:
            while True:
                tick_s = settings.MAP_FEED_TICK_S
                started = time.monotonic()
                with self._lock:
                    for key in [k for k, g in self._logs.items() if started - g.wanted_at > IDLE_S]:
                        del self._logs[key]
                        self._full_answers.pop(key, None)
                    if not self._logs or tick_s <= 0:
                        self._thread = None  # under the lock: get() starts a new one
                        return
                    keys = list(self._logs)
                for key in keys:
                    self._extend(key)
                time.sleep(max(0.0, started + tick_s - time.monotonic()))
        finally:
            connection.close()  # this thread's own

    def _extend(self, key: Key) -> None:
        with self._lock:
            if (found := self._logs.get(key)) is None:
                return
            since = found.end
        try:
            items = delta_items(since=since, station_ids=list(key))
        except CursorAheadError:
            # The database went back under us (a restore): this log can never catch up.
            # Drop it; the walls are refused their cursors, start again, and start a new one.
            log.warning("map feed log: cursor %s is ahead of the database; log dropped", since)
            with self._lock:
                if self._logs.get(key) is found:
                    del self._logs[key]
                    self._full_answers.pop(key, None)
            return
        except Exception:
            # The walls are answered directly once the log is stale: they see the error.
            log.exception("map feed log: the delta since %s could not be built", since)
            connection.close()  # a broken one would fail the count too; the next is new
            counter_increment("maps.feed_log.build_failed")
            return
        now = time.monotonic()
        with self._lock:
            if self._logs.get(key) is not found:
                return
            if items.text or items.cursor != since:
                found.segments.append(_Segment(since, items.cursor, items.text, now))
                found.end = items.cursor
            found.built_at = now
            while found.segments and found.segments[0].built_at < now - KEEP_S:
                found.start = found.segments.popleft().cursor


feed_log = FeedLog()
