"""The tracker's news for the layers above: "these vans moved", and "a second has passed".

The fleet knows vans and positions, not jobs. Whoever cares what a move means (dispatch's
arrival check and ETA, registered in DispatchConfig.ready) listens here, so nothing in the
fleet imports the apps above it. A listener runs after the fixes are stored, outside their
transaction: the fixes stand whatever it does. One that fails is logged and counted, and the
next still runs.

The tracker also ticks about once a second for work that must follow the vans closely
without waiting for a fix (dispatch confirms arrivals whose cancel window has passed).
"""

import logging
from collections import Counter
from collections.abc import Callable

from config.counters import counter_increment
from fleet.positions import Moved

log = logging.getLogger(__name__)

# A listener returns counts of what it did ("arrived": 1, ...): the tracker and the OsmAnd
# endpoint add them to their own counters.
MovesListener = Callable[[list[Moved]], dict[str, int]]

_listeners: list[MovesListener] = []

# A tick listener returns how many things it did (counted under its name by the tracker).
TickListener = Callable[[], int]

_ticks: list[TickListener] = []


def moves_listen(listener: MovesListener) -> MovesListener:
    if listener not in _listeners:
        _listeners.append(listener)
    return listener


def moves_announce(moved: list[Moved]) -> dict[str, int]:
    """Tell every listener which vans moved; the sum of their counts."""
    counts: Counter[str] = Counter()
    if not moved:
        return counts
    for listener in _listeners:
        try:
            counts.update(listener(moved))
        except Exception:  # the fixes are stored; a listener must not undo that
            counts["listener_error"] += 1
            counter_increment("fleet.moves_listener_failed")
            log.exception("moves listener %s failed", listener.__qualname__)
    return counts


def ticks_listen(listener: TickListener) -> TickListener:
    if listener not in _ticks:
        _ticks.append(listener)
    return listener


def tick_listeners() -> list[TickListener]:
    """What the tracker runs each second (each guarded and counted by the tracker)."""
    return list(_ticks)
