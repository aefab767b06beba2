from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField


class IncidentIsolation(models.Model):
    """One isolation trace run for an incident's damaged main, kept as it was run: the map
    shows the newest, outage notices go to its premises, and the timeline points to each."""

    incident = models.ForeignKey(
        "dispatch.Incident", on_delete=models.PROTECT, related_name="isolations"
    )
    traced_at = models.DateTimeField()
    traced_by = models.ForeignKey(
        "dispatch.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    segment = models.ForeignKey("network.PipeSegment", on_delete=models.PROTECT, related_name="+")
    valves_to_close = ArrayField(models.BigIntegerField(), help_text="valve ids, closing order")
    # Metres by road to each valve from the stop before (the incident for the first), when the
    # order is the crew's drive; empty when no roads could say.
    valve_road_m = ArrayField(models.FloatField(), default=list, blank=True)
    seized_valves = ArrayField(models.BigIntegerField(), default=list, blank=True)
    sources_to_shut = ArrayField(models.BigIntegerField(), default=list, blank=True)
    isolated_segments = ArrayField(models.BigIntegerField())
    premises_cut_off = models.PositiveIntegerField()
    area = models.MultiPolygonField(srid=4326, null=True, blank=True)

    class Meta:
        ordering = ["incident", "-traced_at", "-id"]
        indexes = [models.Index(fields=["incident", "-traced_at"], name="isolation_newest")]

    def __str__(self) -> str:
        return f"isolation of {self.incident_id} at {self.traced_at:%H:%M:%S}"
