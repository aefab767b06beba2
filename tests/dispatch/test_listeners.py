"""A listener on the timeline that fails does not refuse the change that wrote the event."""

import pytest

from config.models import Counter
from dispatch.models import IncidentEvent
from dispatch.services.listeners import _listeners, event_listen
from dispatch.services.timeline import event_record


@pytest.mark.django_db
def test_a_failing_listener_is_counted_and_undone_but_the_event_stands() -> None:
    wrote: list[int] = []

    @event_listen("test.listener_fault")
    def broken(event: IncidentEvent) -> None:
        event_record(kind="test.side_effect")  # written, then undone with its savepoint
        raise RuntimeError("a bug in a listener")

    @event_listen("test.listener_fault")
    def fine(event: IncidentEvent) -> None:
        wrote.append(event.pk)

    try:
        event = event_record(kind="test.listener_fault", data={"x": 1})
    finally:
        _listeners.pop("test.listener_fault")
    assert IncidentEvent.objects.filter(pk=event.pk).exists()
    assert not IncidentEvent.objects.filter(kind="test.side_effect").exists()
    assert wrote == [event.pk]  # the next listener still ran
    assert Counter.objects.get(name="listener.failed").value == 1
