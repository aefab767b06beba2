from django.contrib.gis.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from gis.models import Utility


class PlannedWork(models.Model):
    """Works that will cut supply in an area, published ahead (the hotline standard is seven
    days) so customers can look up whether they are affected and are told."""

    reference = models.CharField(max_length=32, unique=True, verbose_name=_("reference"))
    area = models.MultiPolygonField(srid=4326, verbose_name=_("area"))
    starts_at = models.DateTimeField(verbose_name=_("starts at"))
    ends_at = models.DateTimeField(verbose_name=_("ends at"))
    reason = models.CharField(max_length=300, verbose_name=_("reason"))
    reason_zh = models.CharField(max_length=300, blank=True, verbose_name=_("reason zh"))
    # Whose supply the works cut: the station is that utility's, and only premises it
    # supplies are told (a power cable's works do not concern a building's gas).
    utility = models.CharField(
        max_length=8,
        choices=Utility.choices,
        default=Utility.GAS,
        db_default=Utility.GAS,
        verbose_name=_("utility"),
    )
    station = models.ForeignKey(
        "network.OrgUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("station")
    )
    published_at = models.DateTimeField(null=True, blank=True, verbose_name=_("published at"))
    cancelled_at = models.DateTimeField(null=True, blank=True, verbose_name=_("cancelled at"))
    created_by = models.ForeignKey(
        "dispatch.User",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        verbose_name = _("planned work")
        verbose_name_plural = _("planned works")
        ordering = ["starts_at"]

    def __str__(self) -> str:
        return f"{self.reference} {self.starts_at:%Y-%m-%d %H:%M}"


class SupplyInterruption(models.Model):
    """Premises whose gas, heat or power is off, from an isolation trace, the device or
    substation an outage's calls point to, or planned works, until restored: each gets an
    interruption notice, and a restoration notice when it is set restored."""

    incident = models.ForeignKey(
        "dispatch.Incident",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("incident"),
    )
    planned_work = models.ForeignKey(
        PlannedWork,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("planned work"),
    )
    isolation = models.ForeignKey(
        "dispatch.IncidentIsolation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        verbose_name=_("isolation"),
    )
    premise_ids = models.JSONField(default=list, verbose_name=_("premise ids"))
    utility = models.CharField(
        max_length=8,
        choices=Utility.choices,
        default=Utility.GAS,
        db_default=Utility.GAS,
        verbose_name=_("utility"),
    )
    started_at = models.DateTimeField(verbose_name=_("started at"))
    restored_at = models.DateTimeField(null=True, blank=True, verbose_name=_("restored at"))

    class Meta:
        verbose_name = _("supply interruption")
        verbose_name_plural = _("supply interruptions")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        count = len(self.premise_ids)
        return ngettext(
            "interruption %(id)s: %(count)d premise",
            "interruption %(id)s: %(count)d premises",
            count,
        ) % {"id": self.pk, "count": count}
