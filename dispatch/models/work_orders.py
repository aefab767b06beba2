from django.contrib.gis.db import models
from django.utils.translation import gettext_lazy as _


class WorkOrder(models.Model):
    """One crew's job on one incident. Its status changes only through work_order_transition."""

    class Status(models.TextChoices):
        ASSIGNED = "assigned", _("Assigned")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")
        EN_ROUTE = "en_route", _("En route")
        ON_SITE = "on_site", _("On site")
        MADE_SAFE = "made_safe", _("Made safe")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

    ACTIVE_STATUSES = (
        Status.ASSIGNED,
        Status.ACCEPTED,
        Status.EN_ROUTE,
        Status.ON_SITE,
        Status.MADE_SAFE,
    )
    # Before the crew is on site: a dispatcher may still call them off, or a more urgent job
    # take them. On site they are never taken off (crew_moves, the recommendation).
    CANCELLABLE_STATUSES = (Status.ASSIGNED, Status.ACCEPTED, Status.EN_ROUTE)

    incident = models.ForeignKey(
        "dispatch.Incident",
        on_delete=models.PROTECT,
        related_name="work_orders",
        verbose_name=_("incident"),
    )
    crew = models.ForeignKey(
        "dispatch.Crew",
        on_delete=models.PROTECT,
        related_name="work_orders",
        verbose_name=_("crew"),
    )
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.ASSIGNED, verbose_name=_("status")
    )
    created_at = models.DateTimeField(verbose_name=_("created at"))
    status_changed_at = models.DateTimeField(verbose_name=_("status changed at"))
    eta = models.DateTimeField(null=True, blank=True, verbose_name=_("eta"))
    distance_m = models.FloatField(null=True, blank=True, verbose_name=_("distance m"))
    findings = models.JSONField(default=dict, blank=True, verbose_name=_("findings"))
    arrived_at = models.DateTimeField(
        null=True, blank=True, help_text=_("on site (device time)"), verbose_name=_("arrived at")
    )
    # The van's fix inside the incident's radius, waiting out the window in which the crew may
    # say it only drove past (dispatch.arrival); null when no arrival is pending.
    arrival_pending = models.JSONField(null=True, blank=True, verbose_name=_("arrival pending"))
    arrival_suppressed_until = models.DateTimeField(
        null=True, blank=True, verbose_name=_("arrival suppressed until")
    )
    # Whether the van's positions back the arrival that counts (arrived_at): a fix inside the
    # radius, accurate enough, around that time. A manual "on site" without one stands (crews
    # lose GPS) but is unverified; null until the crew is on site.
    arrival_verified = models.BooleanField(
        null=True, blank=True, verbose_name=_("arrival verified")
    )
    # The fix behind that verdict: {verified, vehicle_id, fix_at, lon, lat, accuracy_m,
    # distance_m, radius_m, window_s}; distance_m null when the van had no position at all.
    arrival_evidence = models.JSONField(null=True, blank=True, verbose_name=_("arrival evidence"))
    eta_updated_at = models.DateTimeField(null=True, blank=True, verbose_name=_("eta updated at"))

    class Meta:
        verbose_name = _("work order")
        verbose_name_plural = _("work orders")
        ordering = ["-created_at"]
        constraints = [
            # One live job per crew on one incident; a rejected or cancelled one may be re-sent.
            models.UniqueConstraint(
                fields=["incident", "crew"],
                name="work_order_one_active_per_crew",
                condition=models.Q(
                    status__in=["assigned", "accepted", "en_route", "on_site", "made_safe"]
                ),
            ),
        ]
        indexes = [
            # The tracker looks for arrivals waiting out their window every second.
            models.Index(
                fields=["id"],
                name="work_order_arrival_pending",
                condition=models.Q(arrival_pending__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"WO-{self.pk} {self.crew} {self.status}"
