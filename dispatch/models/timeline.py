from django.contrib.gis.db import models


class IncidentEvent(models.Model):
    """One line of an incident's timeline. Append-only: the database refuses UPDATE and DELETE
    (trigger in migration 0004), so what a safety manager replays is what happened."""

    incident = models.ForeignKey(
        "dispatch.Incident", on_delete=models.PROTECT, related_name="events", null=True, blank=True
    )
    call = models.ForeignKey(
        "dispatch.Call", null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    work_order = models.ForeignKey(
        "dispatch.WorkOrder", null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    kind = models.CharField(max_length=40)
    at = models.DateTimeField(help_text="server time it was recorded")
    device_time = models.DateTimeField(null=True, blank=True, help_text="time on the tablet")
    actor = models.ForeignKey(
        "dispatch.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=100, blank=True, help_text="system, device...")
    data = models.JSONField(default=dict, blank=True)
    point = models.PointField(srid=4326, null=True, blank=True)
    client_event_id = models.CharField(max_length=64, null=True, blank=True)

    class Meta:
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
