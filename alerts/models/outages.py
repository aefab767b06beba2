from django.contrib.gis.db import models


class PlannedWork(models.Model):
    """Works that will cut supply in an area, published ahead (the hotline standard is seven
    days) so customers can look up whether they are affected and are told."""

    reference = models.CharField(max_length=32, unique=True)
    area = models.MultiPolygonField(srid=4326)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    reason = models.CharField(max_length=300)
    reason_zh = models.CharField(max_length=300, blank=True)
    station = models.ForeignKey("network.OrgUnit", on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        "dispatch.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["starts_at"]

    def __str__(self) -> str:
        return f"{self.reference} {self.starts_at:%Y-%m-%d %H:%M}"


class SupplyInterruption(models.Model):
    """Premises whose gas is off, from an isolation trace or planned works, until restored:
    each gets an interruption notice, and a restoration notice when it is set restored."""

    incident = models.ForeignKey(
        "dispatch.Incident", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    planned_work = models.ForeignKey(
        PlannedWork, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    isolation = models.ForeignKey(
        "dispatch.IncidentIsolation", null=True, blank=True, on_delete=models.PROTECT
    )
    premise_ids = models.JSONField(default=list)
    started_at = models.DateTimeField()
    restored_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"interruption {self.pk}: {len(self.premise_ids)} premises"
