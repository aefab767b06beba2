from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.utils.translation import gettext_lazy as _

from dispatch.choices import Skill


class Duty(models.TextChoices):
    ON_SHIFT = "on_shift", _("On shift")
    BREAK = "break", _("On a break")
    OFF = "off", _("Off shift")


class Crew(models.Model):
    class Status(models.TextChoices):
        AVAILABLE = "available", _("Available")
        BUSY = "busy", _("On a job")
        BREAK = "break", _("On a break")
        OFF_SHIFT = "off_shift", _("Off shift")

    # The utility's own code for the crew (its workforce system's key): imports update a crew
    # by it. Null for crews made here (the demo's), so many may lack one.
    code = models.CharField(
        max_length=32, unique=True, null=True, blank=True, verbose_name=_("code")
    )
    name = models.CharField(max_length=100, unique=True, verbose_name=_("name"))
    station = models.ForeignKey(
        "network.OrgUnit", on_delete=models.PROTECT, related_name="crews", verbose_name=_("station")
    )
    skills = ArrayField(
        models.CharField(max_length=20, choices=Skill.choices),
        default=list,
        verbose_name=_("skills"),
    )
    members = models.ManyToManyField(
        "dispatch.User", related_name="crews", blank=True, verbose_name=_("members")
    )
    shift_start = models.TimeField(verbose_name=_("shift start"))
    shift_end = models.TimeField(
        help_text=_("before shift_start: the shift runs past midnight"), verbose_name=_("shift end")
    )
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.AVAILABLE, verbose_name=_("status")
    )
    # What the crew last said of itself on its tablet (the newest report by device time wins);
    # `status` follows it whenever the crew has no job on (dispatch.services.crews).
    duty = models.CharField(
        max_length=16, choices=Duty.choices, default=Duty.ON_SHIFT, verbose_name=_("duty")
    )
    duty_reported_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("duty reported at")
    )

    class Meta:
        verbose_name = _("crew")
        verbose_name_plural = _("crews")
        ordering = ["name"]
        indexes = [
            # Recommendation filters on `skills @> ARRAY[...]` (GIN) and on status.
            GinIndex(fields=["skills"], name="crew_skills"),
            models.Index(fields=["status"], name="crew_status"),
        ]

    def __str__(self) -> str:
        return self.name
