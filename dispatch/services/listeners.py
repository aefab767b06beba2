"""Who else acts on a timeline event, inside the same transaction.

Every change to a call, incident or work order writes one event (dispatch.services.timeline),
so an event is the one place other apps hear of a change. A listener registered here runs
in the transaction that writes the event: what it writes (a notification in the outbox, an
escalation, a CAP message) commits or rolls back with the change itself. Each runs in its own
savepoint: a listener that fails is logged and counted and its writes undone, but the change
stands; a crew's "made safe" must never be refused because a message could not be written.
Listeners must only write rows; anything slow or outside (sending, publishing) goes through
an outbox and `transaction.on_commit`.
"""

import logging
from collections import defaultdict
from collections.abc import Callable

from django.db import transaction

from config.counters import counter_increment
from dispatch.models import IncidentEvent

log = logging.getLogger(__name__)

Listener = Callable[[IncidentEvent], None]

_listeners: dict[str, list[Listener]] = defaultdict(list)


def event_listen(*kinds: str) -> Callable[[Listener], Listener]:
    """Register a function for events of `kinds` (a kind ending in `.*` matches its family)."""

    def register(listener: Listener) -> Listener:
        for kind in kinds:
            if listener not in _listeners[kind]:
                _listeners[kind].append(listener)
        return listener

    return register


def event_dispatch(event: IncidentEvent) -> None:
    family = event.kind.split(".", 1)[0] + ".*"
    for listener in (*_listeners.get(event.kind, ()), *_listeners.get(family, ())):
        try:
            with transaction.atomic():  # a savepoint: a failure undoes this listener only
                listener(event)
        except Exception:
            counter_increment("listener.failed")
            log.exception(
                "listener %s failed on %s %s", listener.__qualname__, event.kind, event.pk
            )
