"""Every change to an appointment: book, move, cancel, and slots made for a week.

A place in a slot is taken with one conditional UPDATE (`booked = booked + 1 WHERE booked <
capacity`) in the booking's transaction: PostgreSQL makes a second booking of the last place
wait for the first one's row lock, then re-reads the row and finds it full, so exactly one of two
call takers wins and the other is told at once. A move locks both slots in id order (two moves
in opposite directions must not deadlock); every change locks the appointment row first.
"""

import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.gis.geos import Point
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from desk.appointments.models import Appointment, Slot, WorkType
from desk.appointments.selectors import slots_free_soonest
from dispatch.access import Capability, user_may
from dispatch.choices import Channel, Language
from dispatch.errors import ConflictError, DispatchError, ForbiddenError, NotFoundError
from dispatch.models import Call, Customer, User
from dispatch.roles import Role
from dispatch.selectors import phone_normalise, user_covers_station
from dispatch.services.timeline import event_record
from dispatch.working_days import working_day_is
from gis.geocoding.geocoder import geocode
from gis.models import OrgUnit, Premise
from gis.selectors import org_unit_station_for_point

REFERENCE_LETTERS = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read out on the phone
REFERENCE = re.compile(r"AP-[A-Z0-9]{6}")
MAX_ID = 2**63 - 1
GEOCODE_SURE = 0.9  # an address alone places a visit only when one premise fits it


@dataclass(frozen=True)
class BookingInput:
    slot_id: int
    name: str
    phone: str
    address_text: str = ""
    premise_id: int | None = None
    customer_id: int | None = None
    call_id: int | None = None
    language: str = Language.ZH
    channel: str = Channel.PHONE


def _staff_check(actor: User | None, station_id: int) -> None:
    """Staff act only in the stations their unit covers; the public (actor None) is checked
    by the page that let them in (their token, or their account and phone)."""
    if actor is None:
        return
    if not user_may(actor, Capability.APPOINTMENTS):
        raise ForbiddenError(_("your role does not book appointments"))
    if not user_covers_station(actor, station_id):
        raise ForbiddenError(_("this station is outside your organisation"))


def _slot_words(slot: Slot) -> str:
    return f"{timezone.localtime(slot.starts_at):%m-%d %H:%M}"


def _full_error(slot: Slot) -> ConflictError:
    free = slots_free_soonest(station_id=slot.station_id, work_type=slot.work_type, limit=3)
    if free:
        return ConflictError(
            _("the slot at %(slot)s is full; the soonest free: %(free)s")
            % {"slot": _slot_words(slot), "free": ", ".join(_slot_words(s) for s in free)},
            field="slot",
        )
    return ConflictError(
        _("the slot at %(slot)s is full and no later slot of this kind is free")
        % {"slot": _slot_words(slot)},
        field="slot",
    )


def _slot_open(slot_id: int, at: datetime) -> Slot:
    slot = (
        Slot.objects.select_related("station").filter(pk=slot_id).first()
        if 0 < slot_id <= MAX_ID
        else None
    )
    if slot is None:
        raise NotFoundError(_("no slot %(id)s") % {"id": slot_id})
    if slot.starts_at <= at:
        raise DispatchError(_("this slot has already begun: choose a later one"), field="slot")
    return slot


def _take_place(slot: Slot) -> None:
    """The one step two bookings of the last place race on (see the module's docstring)."""
    taken = Slot.objects.filter(pk=slot.pk, booked__lt=F("capacity")).update(booked=F("booked") + 1)
    if not taken:
        raise _full_error(slot)


def _place(
    data: BookingInput, slot: Slot, customer: Customer | None
) -> tuple[Premise | None, Point]:
    premise = None
    if data.premise_id:
        premise = Premise.objects.filter(pk=data.premise_id).first()
        if premise is None:
            raise DispatchError(_("no premise %(id)s") % {"id": data.premise_id}, field="premise")
    elif customer is not None and customer.premises.count() == 1:
        premise = customer.premises.get()
    if premise is not None:
        point = premise.geom
    else:
        found = geocode(data.address_text, limit=1) if data.address_text.strip() else []
        if not found or found[0].score < GEOCODE_SURE:
            raise DispatchError(
                _("the address could not be placed on the map: choose the premise"),
                field="address",
            )
        point = found[0].point
    station = org_unit_station_for_point(point)
    if station is None or station.pk != slot.station_id:
        raise DispatchError(
            _("this address is served by %(station)s: choose a slot of that station")
            % {"station": station or _("no station")},
            field="slot",
        )
    return premise, point


def _reference_new() -> str:
    while True:
        reference = "AP-" + "".join(secrets.choice(REFERENCE_LETTERS) for _ in range(6))
        if not Appointment.objects.filter(reference=reference).exists():
            return reference


def _event(kind: str, appointment: Appointment, actor: User | None, **data: Any) -> None:
    slot = appointment.slot
    event_record(
        kind=kind,
        call=appointment.call,
        incident=appointment.incident,
        actor=actor,
        actor_label="" if actor else "customer",
        point=appointment.point,
        data={
            "reference": appointment.reference,
            "work_type": slot.work_type,
            "station": slot.station.code,
            "slot_id": slot.pk,
            "starts_at": slot.starts_at.isoformat(),
            **data,
        },
    )


@transaction.atomic
def appointment_book(
    *, data: BookingInput, actor: User | None, at: datetime | None = None
) -> Appointment:
    """Take a place in a slot for a customer (staff on the call, or the customer online)."""
    at = at or timezone.now()
    slot = _slot_open(data.slot_id, at)
    _staff_check(actor, slot.station_id)
    phone = phone_normalise(data.phone)
    if not data.name.strip() or len(phone) < 7:
        raise DispatchError(_("give the customer's name and phone number"), field="phone")
    if data.language not in Language.values:
        raise DispatchError(
            _("unknown language %(code)r") % {"code": data.language}, field="language"
        )
    customer = None
    if data.customer_id:
        customer = Customer.objects.filter(pk=data.customer_id).first()
        if customer is None:
            raise DispatchError(
                _("no customer %(id)s") % {"id": data.customer_id}, field="customer"
            )
    call = Call.objects.filter(pk=data.call_id).first() if data.call_id else None
    if data.call_id and call is None:
        raise DispatchError(_("no call %(id)s") % {"id": data.call_id}, field="call_id")
    premise, point = _place(data, slot, customer)
    _take_place(slot)
    appointment = Appointment.objects.create(
        reference=_reference_new(),
        slot=slot,
        customer=customer,
        premise=premise,
        name=data.name.strip()[:100],
        phone=phone,
        address_text=(data.address_text.strip() or (premise.full_text if premise else ""))[:300],
        point=point,
        language=data.language,
        channel=data.channel if data.channel in Channel.values else Channel.PHONE,
        created_by=actor,
        call=call,
        token=secrets.token_urlsafe(32),
        created_at=at,
        updated_at=at,
    )
    _event("appointment.booked", appointment, actor)
    return appointment


def _lock_changeable(reference: str, actor: User | None) -> Appointment:
    if not REFERENCE.fullmatch(reference):  # typed or pasted: never a query with a NUL in it
        raise NotFoundError(_("no appointment %(ref)s") % {"ref": reference[:20]})
    appointment = (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("slot__station", "call", "incident")
        .filter(reference=reference)
        .first()
    )
    if appointment is None:
        raise NotFoundError(_("no appointment %(ref)s") % {"ref": reference})
    _staff_check(actor, appointment.slot.station_id)
    if not appointment.is_active:
        raise ConflictError(
            _("appointment %(ref)s is %(status)s and can no longer be changed")
            % {"ref": reference, "status": appointment.get_status_display().lower()}
        )
    if appointment.incident_id:
        raise ConflictError(
            _("the field job %(job)s already exists: the dispatcher changes it now")
            % {"job": appointment.incident.reference if appointment.incident else ""}
        )
    return appointment


@transaction.atomic
def appointment_move(
    *, reference: str, slot_id: int, actor: User | None, at: datetime | None = None
) -> Appointment:
    """Move a booked visit to another slot of the same station and work type."""
    at = at or timezone.now()
    appointment = _lock_changeable(reference, actor)
    old = appointment.slot
    new = _slot_open(slot_id, at)
    if new.pk == old.pk:
        raise DispatchError(_("the appointment is already in this slot"), field="slot")
    if (new.station_id, new.work_type) != (old.station_id, old.work_type):
        raise DispatchError(
            _("move only to a slot of the same station and work type"), field="slot"
        )
    # Both rows locked in id order, so two moves crossing between the same slots cannot deadlock.
    locked = {
        s.pk: s
        for s in Slot.objects.select_for_update().filter(pk__in=[old.pk, new.pk]).order_by("pk")
    }
    if locked[new.pk].booked >= locked[new.pk].capacity:
        raise _full_error(new)
    Slot.objects.filter(pk=new.pk).update(booked=F("booked") + 1)
    Slot.objects.filter(pk=old.pk).update(booked=F("booked") - 1)
    appointment.slot = new
    appointment.status = Appointment.Status.MOVED
    appointment.updated_at = at
    appointment.save(update_fields=["slot", "status", "updated_at"])
    _event(
        "appointment.moved",
        appointment,
        actor,
        from_slot_id=old.pk,
        from_starts_at=old.starts_at.isoformat(),
    )
    return appointment


@transaction.atomic
def appointment_cancel(
    *, reference: str, actor: User | None, reason: str = "", at: datetime | None = None
) -> Appointment:
    """Cancel a visit and give its place back to the slot."""
    at = at or timezone.now()
    appointment = _lock_changeable(reference, actor)
    Slot.objects.filter(pk=appointment.slot_id).update(booked=F("booked") - 1)
    appointment.status = Appointment.Status.CANCELLED
    appointment.updated_at = at
    appointment.save(update_fields=["status", "updated_at"])
    _event("appointment.cancelled", appointment, actor, reason=reason[:300])
    return appointment


@transaction.atomic
def slots_generate(
    *,
    station_id: int,
    work_type: str,
    week_of: date,
    windows: list[tuple[time, time]],
    capacity: int,
    actor: User,
) -> list[Slot]:
    """A week of slots (the working days of the week holding `week_of`) for one station and
    work type; a window that exists already is left as it is."""
    if not actor.has_role(Role.SUPERVISOR, Role.ADMINISTRATOR):
        raise ForbiddenError(_("only supervisors and administrators make slots"))
    station = OrgUnit.objects.filter(pk=station_id, tier=OrgUnit.Tier.STATION).first()
    if station is None:
        raise NotFoundError(_("no station %(id)s") % {"id": station_id})
    if not user_covers_station(actor, station.pk):
        raise ForbiddenError(_("this station is outside your organisation"))
    if work_type not in WorkType.values:
        raise DispatchError(
            _("unknown work type %(code)r") % {"code": work_type}, field="work_type"
        )
    if not 1 <= capacity <= 100:
        raise DispatchError(_("capacity is 1 to 100 visits"), field="capacity")
    if not windows or any(end <= start for start, end in windows):
        raise DispatchError(_("each window ends after it starts"), field="windows")
    monday = week_of - timedelta(days=week_of.weekday())
    zone = timezone.get_current_timezone()
    made: list[Slot] = []
    for day in (monday + timedelta(days=n) for n in range(7)):
        if not working_day_is(day):
            continue
        for start, end in windows:
            slot, created = Slot.objects.get_or_create(
                station=station,
                work_type=work_type,
                starts_at=datetime.combine(day, start, zone),
                defaults={"ends_at": datetime.combine(day, end, zone), "capacity": capacity},
            )
            if created:
                made.append(slot)
    event_record(
        kind="appointment.slots_created",
        actor=actor,
        data={
            "station": station.code,
            "work_type": work_type,
            "week_of": monday.isoformat(),
            "slots": len(made),
            "capacity": capacity,
        },
    )
    return made


SLOT_FIELDS = ["station", "work_type", "starts_at", "ends_at", "capacity"]


@transaction.atomic
def slot_save(*, slot: Slot, actor: User) -> Slot:
    """A slot added or changed in the admin. Never writes `booked` (a booking may have changed
    it since the form was read), and lowers the capacity only while the bookings still fit."""
    created = slot.pk is None
    if created:
        slot.save()
    elif not Slot.objects.filter(pk=slot.pk, booked__lte=slot.capacity).update(
        **{name: getattr(slot, name) for name in SLOT_FIELDS}
    ):
        raise ConflictError(
            _("more visits are booked in this slot than that: move or cancel some first"),
            field="capacity",
        )
    slot.refresh_from_db()
    event_record(
        kind="appointment.slot_saved",
        actor=actor,
        data={
            "slot_id": slot.pk,
            "created": created,
            "station": slot.station.code,
            "work_type": slot.work_type,
            "starts_at": slot.starts_at.isoformat(),
            "capacity": slot.capacity,
            "booked": slot.booked,
        },
    )
    return slot
