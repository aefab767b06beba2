"""Reads of slots and appointments: free places, a station's week, a customer's link."""

import re
from datetime import date, datetime, timedelta

from django.db.models import F, QuerySet
from django.utils import timezone

from desk.appointments.models import Appointment, Slot
from dispatch.models import User
from gis.models import OrgUnit
from gis.selectors import org_unit_list_within

TOKEN = re.compile(r"[A-Za-z0-9_-]{32,64}")


def slots_free_soonest(*, station_id: int, work_type: str, limit: int = 3) -> list[Slot]:
    """The next slots with a free place, soonest first (what a full slot's refusal offers)."""
    return list(
        Slot.objects.filter(
            station_id=station_id,
            work_type=work_type,
            starts_at__gt=timezone.now(),
            booked__lt=F("capacity"),
        ).order_by("starts_at")[:limit]
    )


def slot_list(*, station_id: int, work_type: str, start: datetime, end: datetime) -> QuerySet[Slot]:
    return Slot.objects.filter(
        station_id=station_id, work_type=work_type, starts_at__gte=start, starts_at__lt=end
    ).order_by("starts_at")


def day_start(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), timezone.get_current_timezone())


def week_bounds(day: date) -> tuple[date, datetime, datetime]:
    """The Monday of `day`'s week, and that week's first and last instant (local time)."""
    monday = day - timedelta(days=day.weekday())
    return monday, day_start(monday), day_start(monday + timedelta(days=7))


def appointment_list_in(*, slots: QuerySet[Slot]) -> QuerySet[Appointment]:
    return (
        Appointment.objects.filter(slot__in=slots)
        .select_related("slot", "incident")
        .order_by("slot__starts_at", "reference")
    )


def appointment_by_token(token: str) -> Appointment | None:
    # A short token is none of ours (nobody guesses a long one); other characters neither.
    if not TOKEN.fullmatch(token):
        return None
    return (
        Appointment.objects.select_related("slot__station", "incident").filter(token=token).first()
    )


def stations_for(user: User) -> QuerySet[OrgUnit]:
    """The stations a member of staff books in: their unit's and those beneath it."""
    return org_unit_list_within(user.org_unit).filter(tier=OrgUnit.Tier.STATION).order_by("name")


def appointments_due_for_work_orders(day: date) -> QuerySet[Appointment]:
    """The day's visits still booked with no field job yet."""
    return Appointment.objects.filter(
        status__in=Appointment.ACTIVE,
        incident__isnull=True,
        slot__starts_at__gte=day_start(day),
        slot__starts_at__lt=day_start(day + timedelta(days=1)),
    ).order_by("slot__starts_at", "pk")


def appointments_to_remind(day: date) -> QuerySet[Appointment]:
    """Active visits of `day` (the reminder task asks for tomorrow's)."""
    return Appointment.objects.filter(
        status__in=Appointment.ACTIVE,
        slot__starts_at__gte=day_start(day),
        slot__starts_at__lt=day_start(day + timedelta(days=1)),
    ).select_related("slot__station")
