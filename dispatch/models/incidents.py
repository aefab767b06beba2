from functools import cached_property

from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.utils.translation import gettext_lazy as _

from dispatch.choices import Hazard, Priority
from dispatch.models.rules import Milestone, case_type_validate
from gis.models import AreaClass


class Incident(models.Model):
    """Something on the network that needs a crew, with every call that reported it."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DISPATCHED = "dispatched", _("Crew dispatched")
        ON_SITE = "on_site", _("Crew on site")
        MADE_SAFE = "made_safe", _("Made safe")
        RESOLVED = "resolved", _("Resolved")
        CLOSED = "closed", _("Closed")
        CANCELLED = "cancelled", _("Cancelled")
        # Ended as one more report of another incident (merged_into): its calls went there.
        MERGED = "merged", _("Merged")
        # Handed to another agency (referred_to): not closed by us, so no call-back is owed.
        REFERRED = "referred", _("Referred")

    class EndReason(models.TextChoices):
        """Why an incident ended without (or after) a crew: dispatch.services.incident_end
        says which reasons each ending takes."""

        WORK_COMPLETED = "work_completed", _("work completed")
        RESOLVED_ON_PHONE = "resolved_on_phone", _("resolved on the phone")
        NO_FAULT_FOUND = "no_fault_found", _("no fault found")
        MADE_SAFE_HANDED_OVER = "made_safe_handed_over", _("made safe and handed over")
        FALSE_ALARM = "false_alarm", _("false alarm")
        HOAX = "hoax", _("hoax call")
        OPENED_IN_ERROR = "opened_in_error", _("opened in error")
        DUPLICATE = "duplicate", _("the same fault reported twice")
        SAME_CAUSE = "same_cause", _("one cause behind both")
        NOT_OUR_NETWORK = "not_our_network", _("not our network")
        EMERGENCY_SERVICES = "emergency_services", _("the emergency services lead")

    OPEN_STATUSES = (Status.OPEN, Status.DISPATCHED, Status.ON_SITE, Status.MADE_SAFE)
    # Ended by a person with a reason (incident_end): nothing more happens on these.
    ENDED_STATUSES = (Status.CLOSED, Status.CANCELLED, Status.MERGED, Status.REFERRED)

    reference = models.CharField(max_length=20, unique=True, verbose_name=_("reference"))
    category = models.CharField(
        max_length=32, validators=[case_type_validate], verbose_name=_("category")
    )
    priority = models.PositiveSmallIntegerField(
        choices=Priority.choices, verbose_name=_("priority")
    )
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.OPEN, verbose_name=_("status")
    )
    point = models.PointField(srid=4326, verbose_name=_("point"))
    address_text = models.CharField(max_length=300, blank=True, verbose_name=_("address text"))
    segment = models.ForeignKey(
        "network.PipeSegment",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="incidents",
        help_text=_("the main it was snapped to"),
        verbose_name=_("segment"),
    )
    segment_distance_m = models.FloatField(
        null=True, blank=True, verbose_name=_("segment distance m")
    )
    suspected_cause = models.ForeignKey(
        "network.PipeSegment",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="suspected_in",
        help_text=_("supply incidents: the common upstream main"),
        verbose_name=_("suspected cause"),
    )
    # No heat: the substation (or the plant) the calls point to, when no single main does.
    suspected_station = models.ForeignKey(
        "network.Source",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="suspected_in",
        help_text=_("no heat: the substation or heat source the calls point to"),
        verbose_name=_("suspected station"),
    )
    # Power outages: the device the customers' calls point to (gis.power's trouble-call
    # analysis: their transformer, or the fuse, recloser or breaker above several).
    suspected_device = models.ForeignKey(
        "network.PowerDevice",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="suspected_in",
        help_text=_("power outages: the device predicted open"),
        verbose_name=_("suspected device"),
    )
    station = models.ForeignKey(
        "network.OrgUnit",
        on_delete=models.PROTECT,
        related_name="incidents",
        verbose_name=_("station"),
    )
    hazards = ArrayField(
        models.CharField(max_length=32, choices=Hazard.choices),
        default=list,
        blank=True,
        verbose_name=_("hazards"),
    )
    # The class of the place (gis.ServiceArea, urban outside every area) when it opened:
    # the clocks of the area's policies (95598: arrival in 45, 90 or 120 minutes).
    area_class = models.CharField(
        max_length=8,
        choices=AreaClass.choices,
        default=AreaClass.URBAN,
        db_default=AreaClass.URBAN,
        verbose_name=_("area class"),
    )
    # Every call, as the screens show.
    report_count = models.PositiveIntegerField(default=1, verbose_name=_("report count"))
    # The count the "enough reports raise the priority" rule reads: repeats from one source
    # within REPORT_REPEAT_WINDOW_MIN are left out. A database default too: imports and
    # benchmarks write incidents with SQL of their own.
    independent_report_count = models.PositiveIntegerField(
        default=1,
        db_default=1,
        help_text=_("reports from different sources, or from one source far enough apart"),
        verbose_name=_("independent report count"),
    )
    created_at = models.DateTimeField(verbose_name=_("created at"))
    # The moments the reports measure an incident by (reports/), each the first time it
    # happened, written by the service that makes it happen (dispatch.services.moments) beside
    # the timeline event that records it; the timeline stays the proof.
    first_call_at = models.DateTimeField(null=True, blank=True, verbose_name=_("first call at"))
    channel = models.CharField(
        max_length=16,
        blank=True,
        default="",
        db_default="",
        help_text=_("the first call's channel"),
        verbose_name=_("channel"),
    )
    work_order_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("first work order issued at")
    )
    accepted_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("first crew accepted at")
    )
    on_site_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("first crew on site at")
    )
    on_site_verified = models.BooleanField(
        null=True,
        blank=True,
        help_text=_("whether the van's positions back that first arrival"),
        verbose_name=_("arrival verified"),
    )
    made_safe_at = models.DateTimeField(null=True, blank=True, verbose_name=_("made safe at"))
    completed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("completed at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))
    # How it ended (dispatch.services.incident_end); the timeline keeps who and when too, but
    # lists and exports read these without replaying it. Database defaults: imports and
    # benchmarks write incidents with SQL of their own.
    ended_at = models.DateTimeField(null=True, blank=True, verbose_name=_("ended at"))
    end_reason = models.CharField(
        max_length=32,
        choices=EndReason.choices,
        blank=True,
        default="",
        db_default="",
        verbose_name=_("end reason"),
    )
    end_note = models.TextField(
        blank=True,
        default="",
        db_default="",
        help_text=_("what the dispatcher wrote"),
        verbose_name=_("end note"),
    )
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_from",
        help_text=_("the incident that took its calls"),
        verbose_name=_("merged into"),
    )
    referred_to = models.CharField(
        max_length=100,
        blank=True,
        default="",
        db_default="",
        help_text=_("the agency it was handed to"),
        verbose_name=_("referred to"),
    )

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        ordering = ["priority", "created_at"]
        indexes = [
            models.Index(fields=["status", "category"], name="incident_open_category"),
            # The reports read a date range of one unit's incidents by the first call.
            models.Index(fields=["station", "first_call_at"], name="incident_station_time"),
            models.Index(fields=["first_call_at"], name="incident_first_call"),
        ]

    def __str__(self) -> str:
        return self.reference

    @cached_property
    def category_label(self) -> str:
        """The case type's name in the active language (its code if the row is gone); a list
        fills it for all its rows with one query (dispatch.categories.category_labels_fill)."""
        from dispatch.categories import category_name  # it reads these models

        return category_name(self.category)


class IncidentDeadline(models.Model):
    """One running SLA clock of an incident."""

    incident = models.ForeignKey(
        Incident, on_delete=models.PROTECT, related_name="deadlines", verbose_name=_("incident")
    )
    milestone = models.CharField(
        max_length=16, choices=Milestone.choices, verbose_name=_("milestone")
    )
    due_at = models.DateTimeField(db_index=True, verbose_name=_("due at"))
    met_at = models.DateTimeField(null=True, blank=True, verbose_name=_("met at"))
    breached_at = models.DateTimeField(null=True, blank=True, verbose_name=_("breached at"))
    # The incident ended before this clock was met (cancelled, merged, referred, or closed
    # without the milestone): the clock stopped and no longer counts, neither met nor
    # breached. A breach recorded before it stays on record; it is never escalated again.
    not_applicable_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("stopped as not applicable when the incident ended"),
        verbose_name=_("not applicable at"),
    )

    class Meta:
        verbose_name = _("incident deadline")
        verbose_name_plural = _("incident deadlines")
        ordering = ["due_at"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "milestone"], name="deadline_unique")
        ]


class ReferenceCounter(models.Model):
    """Per-day counter behind incident references (GX-20261122-0042)."""

    day = models.DateField(primary_key=True, verbose_name=_("day"))
    last = models.PositiveIntegerField(default=0, verbose_name=_("last"))

    class Meta:
        verbose_name = _("reference counter")
        verbose_name_plural = _("reference counters")
