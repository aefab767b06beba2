"""On the day: each visit becomes one field job; the texts: a confirmation per change and one
reminder the day before, each written to the outbox once."""

from datetime import time, timedelta

import pytest
from django.utils import timezone

import alerts.appointment_messages  # noqa: F401 - registers the listener, as alerts' ready() will
from alerts.appointment_messages import appointment_reminders_queue
from alerts.models import Notification
from desk.appointments.models import Appointment, Slot, WorkType
from desk.appointments.services import (
    BookingInput,
    appointment_book,
    appointment_cancel,
    appointment_move,
)
from desk.appointments.work_orders import SERVICE_ACCOUNT, appointments_work_orders_create
from dispatch.choices import Language
from dispatch.errors import ConflictError
from dispatch.models import Call, IncidentEvent
from dispatch.services.listeners import event_dispatch
from tests.desk.appointments.conftest import PHONE, Scene, local, slot_make, tomorrow


def _book(scene: Scene, slot: Slot, actor: object, **kwargs: object) -> Appointment:
    data = {"slot_id": slot.pk, "name": "王芳", "phone": PHONE, "premise_id": scene.premise.pk}
    return appointment_book(
        data=BookingInput(**{**data, **kwargs}),  # type: ignore[arg-type]
        actor=actor,  # type: ignore[arg-type]
        at=timezone.now() - timedelta(days=1),  # booked yesterday for today
    )


def test_todays_visits_become_field_jobs_once(scene: Scene) -> None:
    today = timezone.localdate()
    inspection = slot_make(scene.station, today, 8, capacity=3)
    meter = slot_make(scene.station, today, 10, work_type=WorkType.METER)
    by_taker = _book(scene, inspection, scene.taker)
    by_desk = _book(scene, meter, scene.desk, language=Language.EN)
    cancelled = _book(scene, inspection, scene.taker, name="李雷")
    appointment_cancel(reference=cancelled.reference, actor=scene.taker, at=timezone.now())
    later = _book(scene, slot_make(scene.station, tomorrow(), 9), scene.taker)

    assert appointments_work_orders_create() == 2
    assert appointments_work_orders_create() == 0  # a second run makes nothing more

    by_taker.refresh_from_db()
    by_desk.refresh_from_db()
    assert by_taker.incident is not None
    assert by_desk.incident is not None
    assert by_taker.incident.category == "inspection"
    assert by_desk.incident.category == "meter_fault"
    assert by_taker.incident.station_id == scene.station.pk
    assert Appointment.objects.get(pk=cancelled.pk).incident_id is None
    assert Appointment.objects.get(pk=later.pk).incident_id is None
    opened = IncidentEvent.objects.filter(kind="incident.opened").order_by("pk")
    # The call taker who booked opens their own; a desk agent takes no calls: the service account.
    assert [e.actor_label for e in opened] == ["taker", SERVICE_ACCOUNT]
    call = Call.objects.get(incident=by_desk.incident)
    assert (call.caller_phone, call.language, call.external_ref) == (PHONE, "en", by_desk.reference)
    assert IncidentEvent.objects.filter(kind="appointment.work_order_created").count() == 2
    with pytest.raises(ConflictError, match="field job"):  # the dispatcher has it now
        appointment_cancel(reference=by_taker.reference, actor=scene.taker)


def test_a_text_for_each_change_and_one_reminder_the_day_before(scene: Scene) -> None:
    nine = slot_make(scene.station, tomorrow(), 9)
    one = slot_make(scene.station, tomorrow(), 13)
    appointment = appointment_book(
        data=BookingInput(
            slot_id=nine.pk,
            name="Wang Fang",
            phone=PHONE,
            premise_id=scene.premise.pk,
            language=Language.EN,
        ),
        actor=scene.taker,
    )
    booked = IncidentEvent.objects.get(kind="appointment.booked")
    event_dispatch(booked)  # a replayed event tells nobody twice
    texts = Notification.objects.filter(recipient=PHONE).order_by("pk")
    assert [n.template for n in texts] == ["appointment.booked"]
    assert texts[0].language == "en"
    assert appointment.reference in texts[0].body
    assert f"/my-appointment/{appointment.token}/" in texts[0].body
    assert "09:00" in texts[0].body

    appointment_move(reference=appointment.reference, slot_id=one.pk, actor=scene.taker)
    today_ten = local(timezone.localdate(), time(10))
    assert appointment_reminders_queue(now=today_ten) == 1
    assert appointment_reminders_queue(now=today_ten + timedelta(hours=1)) == 0
    assert appointment_reminders_queue(now=local(timezone.localdate(), time(7))) == 0  # night
    reminder = Notification.objects.get(template="appointment.reminder")
    assert "13:00" in reminder.body
    assert "tomorrow" in reminder.body

    appointment_cancel(reference=appointment.reference, actor=None)
    assert [n.template for n in texts.all()] == [
        "appointment.booked",
        "appointment.moved",
        "appointment.reminder",
        "appointment.cancelled",
    ]
    assert appointment_reminders_queue(now=today_ten) == 0  # nothing for a cancelled visit
