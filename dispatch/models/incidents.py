from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.utils.translation import gettext_lazy as _

from dispatch.choices import Category, Hazard, Priority
from dispatch.models.rules import Milestone


class Incident(models.Model):
    """Something on the network that needs a crew, with every call that reported it."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DISPATCHED = "dispatched", "Crew dispatched"
        ON_SITE = "on_site", "Crew on site"
        MADE_SAFE = "made_safe", "Made safe"
        RESOLVED = "resolved", "Resolved"
        CLOSED = "closed", "Closed"
        CANCELLED = "cancelled", "Cancelled"

    OPEN_STATUSES = (Status.OPEN, Status.DISPATCHED, Status.ON_SITE, Status.MADE_SAFE)

    reference = models.CharField(max_length=20, unique=True)
    category = models.CharField(max_length=32, choices=Category.choices)
    priority = models.PositiveSmallIntegerField(choices=Priority.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    point = models.PointField(srid=4326)
    address_text = models.CharField(max_length=300, blank=True)
    segment = models.ForeignKey(
        "network.PipeSegment",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="incidents",
        help_text="the main it was snapped to",
    )
    segment_distance_m = models.FloatField(null=True, blank=True)
    suspected_cause = models.ForeignKey(
        "network.PipeSegment",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="suspected_in",
        help_text="supply incidents: the common upstream main",
    )
    station = models.ForeignKey(
        "network.OrgUnit", on_delete=models.PROTECT, related_name="incidents"
    )
    hazards = ArrayField(
        models.CharField(max_length=32, choices=Hazard.choices), default=list, blank=True
    )
    report_count = models.PositiveIntegerField(default=1)  # every call, as the screens show
    # The count the "enough reports raise the priority" rule reads: repeats from one source
    # within REPORT_REPEAT_WINDOW_MIN are left out. A database default too: imports and
    # benchmarks write incidents with SQL of their own.
    independent_report_count = models.PositiveIntegerField(
        default=1,
        db_default=1,
        help_text=_("reports from different sources, or from one source far enough apart"),
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["priority", "created_at"]
        indexes = [models.Index(fields=["status", "category"], name="incident_open_category")]

    def __str__(self) -> str:
        return self.reference


class IncidentDeadline(models.Model):
    """One running SLA clock of an incident."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="deadlines")
    milestone = models.CharField(max_length=16, choices=Milestone.choices)
    due_at = models.DateTimeField(db_index=True)
    met_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_at"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "milestone"], name="deadline_unique")
        ]


class ReferenceCounter(models.Model):
    """Per-day counter behind incident references (GX-20261122-0042)."""

    day = models.DateField(primary_key=True)
    last = models.PositiveIntegerField(default=0)
