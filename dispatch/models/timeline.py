from django.contrib.gis.db import models
from django.utils.translation import gettext_lazy as _


class IncidentEvent(models.Model):
    """One line of an incident's timeline. Append-only: the database refuses UPDATE and DELETE
    (trigger in migration 0004), so what a safety manager replays is what happened."""

    incident = models.ForeignKey(
        "dispatch.Incident",
        on_delete=models.PROTECT,
        related_name="events",
        null=True,
        blank=True,
        verbose_name=_("incident"),
    )
    call = models.ForeignKey(
        "dispatch.Call",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="events",
        verbose_name=_("call"),
    )
    work_order = models.ForeignKey(
        "dispatch.WorkOrder",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="events",
        verbose_name=_("work order"),
    )
    kind = models.CharField(max_length=40, verbose_name=_("kind"))
    at = models.DateTimeField(help_text=_("server time it was recorded"), verbose_name=_("at"))
    device_time = models.DateTimeField(
        null=True, blank=True, help_text=_("time on the tablet"), verbose_name=_("device time")
    )
    actor = models.ForeignKey(
        "dispatch.User",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("actor"),
    )
    actor_label = models.CharField(
        max_length=100, blank=True, help_text=_("system, device..."), verbose_name=_("actor label")
    )
    data = models.JSONField(default=dict, blank=True, verbose_name=_("data"))
    point = models.PointField(srid=4326, null=True, blank=True, verbose_name=_("point"))
    client_event_id = models.CharField(
        max_length=64, null=True, blank=True, verbose_name=_("client event id")
    )

    class Meta:
        verbose_name = _("incident event")
        verbose_name_plural = _("incident events")
        ordering = ["at", "id"]
        constraints = [
            # A tablet replaying its offline queue sends the same event id again.
            models.UniqueConstraint(
                fields=["work_order", "client_event_id"],
                name="event_client_id_once",
                condition=models.Q(client_event_id__isnull=False),
            ),
        ]
        indexes = [models.Index(fields=["incident", "at"], name="event_incident_time")]

    def __str__(self) -> str:
        return f"{self.at:%H:%M:%S} {self.kind}"
