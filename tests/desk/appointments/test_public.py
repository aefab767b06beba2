"""The customer's pages: their own link moves and cancels; /book/ believes an account only
with its own phone number; both are rate-limited."""

from django.test import Client

from desk.appointments.models import Appointment, Slot
from desk.appointments.services import BookingInput, appointment_book
from dispatch.choices import Language
from dispatch.models import Customer
from tests.desk.appointments.conftest import PHONE, Scene, slot_make, tomorrow


def test_the_link_shows_moves_and_cancels_that_visit_only(scene: Scene) -> None:
    nine = slot_make(scene.station, tomorrow(), 9)
    one = slot_make(scene.station, tomorrow(), 13)
    appointment = appointment_book(
        data=BookingInput(slot_id=nine.pk, name="王芳", phone=PHONE, premise_id=scene.premise.pk),
        actor=scene.taker,
    )
    client = Client()
    page = client.get(f"/my-appointment/{appointment.token}/")
    assert page.status_code == 200
    assert page["Content-Language"] == "zh-hans"
    assert appointment.reference in page.content.decode()
    assert PHONE not in page.content.decode()
    assert page["Cache-Control"] == "private, no-store"
    assert client.get(f"/my-appointment/{appointment.token[:-1]}x/").status_code == 404
    assert client.get("/my-appointment/short/").status_code == 404

    moved = client.post(f"/my-appointment/{appointment.token}/", {"slot": one.pk, "action": "move"})
    assert moved.status_code == 302
    appointment.refresh_from_db()
    assert appointment.slot_id == one.pk
    assert appointment.status == "moved"
    full = Slot.objects.create(
        station=scene.station,
        work_type=nine.work_type,
        starts_at=nine.starts_at.replace(hour=nine.starts_at.hour + 6),
        ends_at=nine.ends_at.replace(hour=nine.ends_at.hour + 6),
        capacity=1,
    )
    Slot.objects.filter(pk=full.pk).update(booked=1)
    refused = client.post(f"/my-appointment/{appointment.token}/", {"slot": full.pk})
    assert refused.status_code == 200
    assert 'class="error" role="alert"' in refused.content.decode()  # in Chinese: the booking's
    assert Appointment.objects.get(pk=appointment.pk).slot_id == one.pk
    client.post(f"/my-appointment/{appointment.token}/", {"action": "cancel"})
    appointment.refresh_from_db()
    assert appointment.status == "cancelled"
    assert Slot.objects.get(pk=one.pk).booked == 0


def test_booking_online_needs_the_account_and_its_own_phone(scene: Scene) -> None:
    slot = slot_make(scene.station, tomorrow(), 9)
    Customer.objects.create(account_no="8800999", name="李雷", phones=["13800000000"])
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    forged = client.post("/book/", {"account": "8800123", "phone": "13800000000", "slot": slot.pk})
    assert forged.status_code == 200
    assert "do not match" in forged.content.decode()
    assert not Appointment.objects.exists()
    step_two = client.post("/book/", {"account": "8800123", "phone": "+86 139 1234 5678"})
    assert step_two.status_code == 200
    assert f'value="{slot.pk}"' in step_two.content.decode()
    assert scene.premise.full_text in step_two.content.decode()
    booked = client.post(
        "/book/", {"account": "8800123", "phone": "+86 139 1234 5678", "slot": slot.pk}
    )
    appointment = Appointment.objects.get()
    assert booked.status_code == 302
    assert booked["Location"].endswith(f"/{appointment.token}/?done=1")
    assert (appointment.customer, appointment.name, appointment.premise) == (
        scene.customer,
        "王芳",
        scene.premise,
    )
    assert appointment.language == Language.EN
    assert appointment.created_by is None
    assert appointment.channel == "web"


def test_the_public_pages_are_rate_limited_per_address(scene: Scene) -> None:
    client = Client()
    answers = [client.get("/book/").status_code for _ in range(31)]
    assert answers[:30] == [200] * 30
    assert answers[30] == 429
    assert client.get("/my-appointment/" + "x" * 43 + "/").status_code == 429
