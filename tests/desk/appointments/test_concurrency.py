"""Two call takers book the last place of a slot at the same moment: exactly one wins, and the
other is told at once, with the soonest free slot, the moment the winner commits."""

import threading
import time
from typing import Any

import pytest
from django.db import connection, connections, transaction

from desk.appointments.models import Appointment, Slot
from desk.appointments.services import BookingInput, appointment_book
from dispatch.errors import ConflictError
from tests.desk.appointments.conftest import PHONE, Scene, slot_make, tomorrow
from tests.processes import wait_until


def _lock_waiters() -> int:
    """Sessions waiting for a row lock right now (pg_locks is live, not a snapshot)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
        (waiting,) = cursor.fetchone()
    return int(waiting)


@pytest.mark.django_db(transaction=True)
def test_two_bookings_of_the_last_place_at_once_exactly_one_wins(scene: Scene) -> None:
    last = slot_make(scene.station, tomorrow(), 9, capacity=1)
    later = slot_make(scene.station, tomorrow(), 13, capacity=1)
    barrier = threading.Barrier(2)
    won: list[tuple[Appointment, float]] = []
    lost: list[tuple[ConflictError, float]] = []
    other: list[BaseException] = []

    def book(actor: Any, name: str) -> None:
        try:
            barrier.wait(timeout=10)
            try:
                with transaction.atomic():
                    appointment = appointment_book(
                        data=BookingInput(
                            slot_id=last.pk, name=name, phone=PHONE, premise_id=scene.premise.pk
                        ),
                        actor=actor,
                    )
                    # The winner holds its commit until the other booking is blocked on the
                    # slot's row: the two really overlap, whichever thread came first.
                    wait_until(lambda: _lock_waiters() >= 1, timeout=10, what="the other booking")
                won.append((appointment, time.monotonic()))
            except ConflictError as refused:
                lost.append((refused, time.monotonic()))
        except BaseException as error:
            other.append(error)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=book, args=(scene.taker, "王芳")),
        threading.Thread(target=book, args=(scene.desk, "李雷")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert not other, other
    assert len(won) == 1
    assert len(lost) == 1
    (refused, refused_at), (_winner, committed_at) = lost[0], won[0]
    assert refused_at - committed_at < 1.0  # told at once, not after a timeout
    assert refused.status == 409
    assert later.starts_at.strftime("%H:%M") == "13:00"
    assert "13:00" in refused.message  # the soonest free slot is offered
    last.refresh_from_db()
    assert last.booked == 1
    assert Appointment.objects.filter(slot=last).count() == 1
    assert Slot.objects.get(pk=later.pk).booked == 0
