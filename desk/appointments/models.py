"""Appointment slots per station and work type, with capacity, and the bookings in them."""

from django.conf import settings
from django.contrib.gis.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from dispatch.choices import Channel, Language


class WorkType(models.TextChoices):
    SAFETY_INSPECTION = "safety_inspection", _("Safety inspection")
    METER = "meter", _("Meter work")
    NEW_CONNECTION_SURVEY = "new_connection_survey", _("New-connection survey")


# The case type of the field job each work type becomes on its day (dispatch.CategoryRule).
WORK_TYPE_CATEGORY = {
    WorkType.SAFETY_INSPECTION: "inspection",
    WorkType.METER: "meter_fault",
    WorkType.NEW_CONNECTION_SURVEY: "new_connection",
}


class Slot(models.Model):
    """A time window at one station for one kind of visit, with room for `capacity` visits.

    `booked` is kept on the row (not counted from the appointments) so that a booking can take
    a place with one conditional UPDATE: two call takers after the last place cannot both win.
    """

    station = models.ForeignKey(
        "network.OrgUnit",
        on_delete=models.PROTECT,
        related_name="appointment_slots",
        limit_choices_to={"tier": 3},
        verbose_name=_("station"),
    )
    work_type = models.CharField(
        max_length=32, choices=WorkType.choices, verbose_name=_("work type")
    )
    starts_at = models.DateTimeField(verbose_name=_("starts at"))
    ends_at = models.DateTimeField(verbose_name=_("ends at"))
    capacity = models.PositiveSmallIntegerField(verbose_name=_("capacity"))
    booked = models.PositiveSmallIntegerField(default=0, editable=False, verbose_name=_("booked"))

    class Meta:
        verbose_name = _("appointment slot")
        verbose_name_plural = _("appointment slots")
        ordering = ["starts_at", "station"]
        constraints = [
            models.CheckConstraint(condition=Q(booked__lte=F("capacity")), name="slot_not_over"),
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="slot_has_length"),
            # Also the index a station's week of one work type is read by.
            models.UniqueConstraint(
                fields=["station", "work_type", "starts_at"], name="slot_once_per_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.station} {self.get_work_type_display()} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def free(self) -> int:
        return max(self.capacity - self.booked, 0)


class Appointment(models.Model):
    """One booked visit: who, where, in which slot; becomes a field job on its day."""

    class Status(models.TextChoices):
        BOOKED = "booked", _("Booked")
        MOVED = "moved", _("Moved")
        CANCELLED = "cancelled", _("Cancelled")
        DONE = "done", _("Done")
        NO_SHOW = "no_show", _("No one at home")

    # Still holding a place in its slot and still changeable.
    ACTIVE = (Status.BOOKED, Status.MOVED)

    reference = models.CharField(max_length=16, unique=True, verbose_name=_("reference"))
    slot = models.ForeignKey(
        Slot, on_delete=models.PROTECT, related_name="appointments", verbose_name=_("slot")
    )
    status = models.CharField(
        max_length=12, choices=Status.choices, default=Status.BOOKED, verbose_name=_("status")
    )
    customer = models.ForeignKey(
        "dispatch.Customer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="appointments",
        verbose_name=_("customer"),
    )
    premise = models.ForeignKey(
        "network.Premise",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="appointments",
        verbose_name=_("premise"),
    )
    name = models.CharField(max_length=100, verbose_name=_("name"))
    phone = models.CharField(max_length=32, verbose_name=_("phone"))
    address_text = models.CharField(max_length=300, verbose_name=_("address"))
    # Where the crew goes: the premise's point or the address as geocoded at booking.
    point = models.PointField(srid=4326, verbose_name=_("point"))
    language = models.CharField(
        max_length=2, choices=Language.choices, default=Language.ZH, verbose_name=_("language")
    )
    channel = models.CharField(
        max_length=16, choices=Channel.choices, default=Channel.PHONE, verbose_name=_("channel")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="appointments_created",
        verbose_name=_("created by"),
    )
    call = models.ForeignKey(
        "dispatch.Call",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="appointments",
        verbose_name=_("call"),
    )
    incident = models.OneToOneField(
        "dispatch.Incident",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="appointment",
        verbose_name=_("field job"),
    )
    # The customer's own link (/my-appointment/<token>/): long and random, it is the key.
    token = models.CharField(max_length=64, unique=True, editable=False, verbose_name=_("token"))
    created_at = models.DateTimeField(verbose_name=_("created at"))
    updated_at = models.DateTimeField(verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        ordering = ["slot__starts_at", "reference"]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE
