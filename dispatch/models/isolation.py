from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.utils.translation import gettext_lazy as _


class IncidentIsolation(models.Model):
    """One isolation trace run for an incident's damaged main, kept as it was run: the map
    shows the newest, outage notices go to its premises, and the timeline points to each."""

    incident = models.ForeignKey(
        "dispatch.Incident",
        on_delete=models.PROTECT,
        related_name="isolations",
        verbose_name=_("incident"),
    )
    traced_at = models.DateTimeField(verbose_name=_("traced at"))
    traced_by = models.ForeignKey(
        "dispatch.User",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("traced by"),
    )
    segment = models.ForeignKey(
        "network.PipeSegment", on_delete=models.PROTECT, related_name="+", verbose_name=_("segment")
    )
    valves_to_close = ArrayField(
        models.BigIntegerField(),
        help_text=_("valve ids, closing order"),
        verbose_name=_("valves to close"),
    )
    # Metres by road to each valve from the stop before (the incident for the first), when the
    # order is the crew's drive; empty when no roads could say.
    valve_road_m = ArrayField(
        models.FloatField(), default=list, blank=True, verbose_name=_("valve road m")
    )
    seized_valves = ArrayField(
        models.BigIntegerField(), default=list, blank=True, verbose_name=_("seized valves")
    )
    sources_to_shut = ArrayField(
        models.BigIntegerField(), default=list, blank=True, verbose_name=_("sources to shut")
    )
    isolated_segments = ArrayField(models.BigIntegerField(), verbose_name=_("isolated segments"))
    premises_cut_off = models.PositiveIntegerField(verbose_name=_("premises cut off"))
    # Who the trace leaves without supply, as counted then (a heat pipe's are the buildings
    # of the substations without heat, not those on the pipe): the outage notices' list.
    # Empty on traces kept before it was stored: read back from the isolated mains.
    premise_ids = ArrayField(
        models.BigIntegerField(), default=list, blank=True, verbose_name=_("premise ids")
    )
    area = models.MultiPolygonField(srid=4326, null=True, blank=True, verbose_name=_("area"))

    class Meta:
        verbose_name = _("incident isolation")
        verbose_name_plural = _("incident isolations")
        ordering = ["incident", "-traced_at", "-id"]
        indexes = [models.Index(fields=["incident", "-traced_at"], name="isolation_newest")]

    def __str__(self) -> str:
        return _("isolation of %(incident)s at %(time)s") % {
            "incident": self.incident_id,
            "time": f"{self.traced_at:%H:%M:%S}",
        }
