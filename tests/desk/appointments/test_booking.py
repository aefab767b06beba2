"""Book, move, cancel: the rules, the timeline, the station scope and the API's answers."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from desk.appointments.models import Appointment, Slot, WorkType
from desk.appointments.services import (
    BookingInput,
    appointment_book,
    appointment_cancel,
    appointment_move,
)
from dispatch.errors import ConflictError, DispatchError, ForbiddenError
from dispatch.models import IncidentEvent
from dispatch.roles import Role
from dispatch.services import user_create
from tests.desk.appointments.conftest import PHONE, Scene, slot_make, tomorrow


def _book(scene: Scene, slot: Slot, **kwargs: object) -> Appointment:
    data = {"slot_id": slot.pk, "name": "王芳", "phone": PHONE, "premise_id": scene.premise.pk}
    return appointment_book(data=BookingInput(**{**data, **kwargs}), actor=scene.taker)  # type: ignore[arg-type]


def _client(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def test_book_move_cancel_keep_the_counts_and_write_the_timeline(scene: Scene) -> None:
    nine = slot_make(scene.station, tomorrow(), 9, capacity=1)
    one = slot_make(scene.station, tomorrow(), 13, capacity=1)
    appointment = _book(scene, nine)
    assert appointment.reference.startswith("AP-")
    assert len(appointment.token) >= 40
    assert appointment.point == scene.premise.geom
    moved = appointment_move(reference=appointment.reference, slot_id=one.pk, actor=scene.taker)
    assert moved.status == Appointment.Status.MOVED
    assert [s.booked for s in Slot.objects.order_by("starts_at")] == [0, 1]
    appointment_cancel(reference=appointment.reference, actor=scene.taker, reason="away")
    assert [s.booked for s in Slot.objects.order_by("starts_at")] == [0, 0]
    events = IncidentEvent.objects.filter(kind__startswith="appointment.").order_by("pk")
    assert [e.kind for e in events] == [
        "appointment.booked",
        "appointment.moved",
        "appointment.cancelled",
    ]
    assert {e.data["reference"] for e in events} == {appointment.reference}
    assert events[1].data["from_slot_id"] == nine.pk
    assert events[1].data["slot_id"] == one.pk


def test_a_full_slot_is_refused_with_the_soonest_free_ones(scene: Scene) -> None:
    nine = slot_make(scene.station, tomorrow(), 9, capacity=1)
    slot_make(scene.station, tomorrow() + timedelta(days=1), 9, capacity=1)
    first = _book(scene, nine)
    with pytest.raises(ConflictError, match="soonest free") as refused:
        _book(scene, nine, name="李雷")
    assert (tomorrow() + timedelta(days=1)).strftime("%m-%d") in refused.value.message
    other = slot_make(scene.station, tomorrow(), 15, capacity=1)
    second = _book(scene, other, name="李雷")
    with pytest.raises(ConflictError, match="full"):  # no move into a full slot
        appointment_move(reference=second.reference, slot_id=nine.pk, actor=scene.taker)
    assert Appointment.objects.get(pk=second.pk).slot_id == other.pk
    assert Slot.objects.get(pk=nine.pk).booked == 1
    assert first.slot_id == nine.pk


def test_no_booking_in_the_past_nor_a_change_once_cancelled(scene: Scene) -> None:
    past = Slot.objects.create(
        station=scene.station,
        work_type=WorkType.SAFETY_INSPECTION,
        starts_at=timezone.now() - timedelta(hours=1),
        ends_at=timezone.now() + timedelta(hours=1),
        capacity=3,
    )
    with pytest.raises(DispatchError, match="already begun"):
        _book(scene, past)
    slot = slot_make(scene.station, tomorrow(), 9)
    later = slot_make(scene.station, tomorrow(), 13)
    appointment = _book(scene, slot)
    appointment_cancel(reference=appointment.reference, actor=scene.taker)
    with pytest.raises(ConflictError, match="cancelled"):
        appointment_move(reference=appointment.reference, slot_id=later.pk, actor=scene.taker)
    with pytest.raises(ConflictError):
        appointment_cancel(reference=appointment.reference, actor=scene.taker)
    meter = slot_make(scene.station, tomorrow(), 11, work_type=WorkType.METER)
    active = _book(scene, slot)
    with pytest.raises(DispatchError, match="same station and work type"):
        appointment_move(reference=active.reference, slot_id=meter.pk, actor=scene.taker)


def test_an_address_outside_the_slots_station_is_refused(scene: Scene) -> None:
    west_slot = slot_make(scene.units["st-west"], tomorrow(), 9)
    with pytest.raises(DispatchError, match="served by 中心维修站"):
        _book(scene, west_slot)
    assert Slot.objects.get(pk=west_slot.pk).booked == 0


def test_staff_book_only_in_their_own_stations(scene: Scene) -> None:
    slot = slot_make(scene.station, tomorrow(), 9)
    with pytest.raises(ForbiddenError):
        appointment_book(
            data=BookingInput(
                slot_id=slot.pk, name="王芳", phone=PHONE, premise_id=scene.premise.pk
            ),
            actor=scene.west,
        )
    west = _client(scene.west)
    answer = west.get(
        "/api/appointments/slots/",
        {"station": str(scene.station.pk), "work_type": "safety_inspection"},
    )
    assert answer.status_code == 403
    posted = west.post(
        "/api/appointments/",
        {"slot": slot.pk, "name": "王芳", "phone": PHONE, "premise_id": scene.premise.pk},
        content_type="application/json",
    )
    assert posted.status_code == 403
    assert Slot.objects.get(pk=slot.pk).booked == 0
    crew = user_create(
        username="crew", password="pw", role=Role.CREW_MEMBER, org_unit=scene.units["gx-city"]
    )
    assert _client(crew).get("/api/appointments/stations/").status_code == 403
    page = west.get("/appointments/", {"station": scene.station.pk})
    assert page.status_code == 200
    assert "中心维修站" not in page.content.decode()


def test_the_api_lists_free_places_books_and_refuses_clearly(scene: Scene) -> None:
    nine = slot_make(scene.station, tomorrow(), 9, capacity=1)
    one = slot_make(scene.station, tomorrow(), 13, capacity=2)
    api = _client(scene.desk)
    listed = api.get(
        "/api/appointments/slots/",
        {"station": str(scene.station.pk), "work_type": "safety_inspection"},
    )
    assert listed.status_code == 200
    assert [(s["id"], s["free"]) for s in listed.json()] == [(nine.pk, 1), (one.pk, 2)]
    stations = api.get("/api/appointments/stations/", {"premise": scene.premise.pk}).json()
    assert [s["code"] for s in stations if s["serves_premise"]] == ["st-central"]
    body = {"slot": nine.pk, "name": "王芳", "phone": PHONE, "premise_id": scene.premise.pk}
    made = api.post("/api/appointments/", body, content_type="application/json")
    assert made.status_code == 201, made.content
    reference = made.json()["reference"]
    full = api.post("/api/appointments/", body, content_type="application/json")
    assert full.status_code == 409
    assert "soonest free" in full.json()["error"]
    bad = api.post("/api/appointments/", {"slot": nine.pk}, content_type="application/json")
    assert bad.status_code == 400
    wrong = api.get("/api/appointments/slots/", {"station": "x", "work_type": "meter"})
    assert wrong.status_code == 400
    assert wrong.json()["field"] == "station"
    moved = api.post(
        f"/api/appointments/{reference}/move/", {"slot": one.pk}, content_type="application/json"
    )
    assert moved.status_code == 200
    assert moved.json()["slot"]["id"] == one.pk
    cancelled = api.post(
        f"/api/appointments/{reference}/cancel/", {}, content_type="application/json"
    )
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    again = api.post(
        f"/api/appointments/{reference}/move/", {"slot": nine.pk}, content_type="application/json"
    )
    assert again.status_code == 409
    assert (
        api.post(
            "/api/appointments/AP-NONE/cancel/", {}, content_type="application/json"
        ).status_code
        == 404
    )


def test_a_supervisor_makes_a_week_of_slots_once(scene: Scene) -> None:
    from desk.appointments.services import slots_generate

    boss = user_create(
        username="boss", password="pw", role=Role.SUPERVISOR, org_unit=scene.units["gx-city"]
    )
    from datetime import date, time

    windows = [(time(9), time(11)), (time(13), time(15))]
    week = date(2027, 3, 1)  # a Monday with no holiday in its week
    made = slots_generate(
        station_id=scene.station.pk,
        work_type=WorkType.METER,
        week_of=week,
        windows=windows,
        capacity=3,
        actor=boss,
    )
    assert len(made) == 10
    assert {s.capacity for s in made} == {3}
    again = slots_generate(
        station_id=scene.station.pk,
        work_type=WorkType.METER,
        week_of=week,
        windows=windows,
        capacity=3,
        actor=boss,
    )
    assert again == []
    assert Slot.objects.count() == 10
    with pytest.raises(ForbiddenError):
        slots_generate(
            station_id=scene.station.pk,
            work_type=WorkType.METER,
            week_of=week,
            windows=windows,
            capacity=3,
            actor=scene.taker,
        )


def test_a_slot_changed_in_the_admin_keeps_its_bookings(scene: Scene) -> None:
    from desk.appointments.services import slot_save

    admin_user = user_create(
        username="root", password="pw", role=Role.ADMINISTRATOR, org_unit=scene.units["gx-group"]
    )
    slot = slot_make(scene.station, tomorrow(), 9, capacity=2)
    stale = Slot.objects.get(pk=slot.pk)  # the admin's form, read before the booking
    _book(scene, slot)
    stale.capacity = 3
    assert slot_save(slot=stale, actor=admin_user).booked == 1  # not written back to 0
    stale.capacity = 0
    with pytest.raises(ConflictError):
        slot_save(slot=stale, actor=admin_user)
    assert Slot.objects.get(pk=slot.pk).capacity == 3
    assert IncidentEvent.objects.filter(kind="appointment.slot_saved").count() == 1
    admin_pages = _client(admin_user)
    booked = Appointment.objects.get()
    for path in (
        "/admin/appointments/slot/",
        f"/admin/appointments/slot/{slot.pk}/change/",
        "/admin/appointments/appointment/",
        f"/admin/appointments/appointment/{booked.pk}/change/",
    ):
        assert admin_pages.get(path).status_code == 200, path
    assert admin_pages.get("/admin/appointments/appointment/add/").status_code == 403
