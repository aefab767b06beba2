"""The pipeline network: mains, valves and the stations that feed them."""

from django.contrib.gis.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class PressureClass(models.TextChoices):
    # A context of their own: "Low pressure" is also a caller's complaint (气压低), not a class.
    HIGH = "high", pgettext_lazy("pressure class", "High pressure")
    MEDIUM = "medium", pgettext_lazy("pressure class", "Medium pressure")
    LOW = "low", pgettext_lazy("pressure class", "Low pressure")


class PipeSegment(models.Model):
    """One length of main between two nodes (junctions, valves, ends)."""

    class Material(models.TextChoices):
        PE = "pe", _("Polyethylene")
        STEEL = "steel", _("Steel")
        CAST_IRON = "cast_iron", _("Cast iron")
        DUCTILE_IRON = "ductile_iron", _("Ductile iron")
        COPPER = "copper", _("Copper")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        IN_SERVICE = "in_service", _("In service")
        PLANNED = "planned", _("Planned")
        ABANDONED = "abandoned", _("Abandoned")

    asset_id = models.CharField(max_length=64, unique=True, verbose_name=_("asset id"))
    geom = models.LineStringField(srid=4326, verbose_name=_("geom"))
    material = models.CharField(
        max_length=16, choices=Material.choices, default=Material.PE, verbose_name=_("material")
    )
    diameter_mm = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("diameter mm"))
    pressure_class = models.CharField(
        max_length=8, choices=PressureClass.choices, verbose_name=_("pressure class")
    )
    zone = models.CharField(
        max_length=64, blank=True, help_text=_("pressure zone name"), verbose_name=_("zone")
    )
    install_year = models.PositiveSmallIntegerField(
        null=True, blank=True, verbose_name=_("install year")
    )
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.IN_SERVICE, verbose_name=_("status")
    )
    # Utility GIS draws most valves on an unsplit main; the importer splits the main there
    # (gis.network_split). The first part keeps the main's asset id, the others add "#2",
    # "#3"..., and every part names the main it was cut from here.
    split_from = models.CharField(
        max_length=64,
        blank=True,
        db_default="",  # rows written in SQL (the demo city, the import) need not name it
        db_index=True,
        help_text=_("asset id of the main as drawn in the GIS, when the import split it at valves"),
        verbose_name=_("split from"),
    )
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("pipe segment")
        verbose_name_plural = _("pipe segments")
        ordering = ["asset_id"]

    def __str__(self) -> str:
        return self.asset_id


class Valve(models.Model):
    """A valve on a main; closing it cuts the network at its node."""

    class Type(models.TextChoices):
        GATE = "gate", _("Gate")
        BALL = "ball", _("Ball")
        PLUG = "plug", _("Plug")
        BUTTERFLY = "butterfly", _("Butterfly")

    asset_id = models.CharField(max_length=64, unique=True, verbose_name=_("asset id"))
    geom = models.PointField(srid=4326, verbose_name=_("geom"))
    valve_type = models.CharField(
        max_length=16, choices=Type.choices, default=Type.GATE, verbose_name=_("valve type")
    )
    diameter_mm = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("diameter mm"))
    operable = models.BooleanField(
        default=True, help_text=_("false when a crew found it seized"), verbose_name=_("operable")
    )
    normally_open = models.BooleanField(default=True, verbose_name=_("normally open"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("valve")
        verbose_name_plural = _("valves")
        ordering = ["asset_id"]
        # Every trace reads the seized valves: a few among tens of thousands.
        indexes = [
            models.Index(fields=["id"], condition=models.Q(operable=False), name="valve_seized")
        ]

    def __str__(self) -> str:
        return self.asset_id


class Source(models.Model):
    """A gate or regulator station: where gas enters a pressure zone."""

    class Kind(models.TextChoices):
        GATE_STATION = "gate_station", _("Gate station")
        REGULATOR = "regulator", _("Regulator station")

    asset_id = models.CharField(max_length=64, unique=True, verbose_name=_("asset id"))
    name = models.CharField(max_length=200, verbose_name=_("name"))
    kind = models.CharField(
        max_length=16, choices=Kind.choices, default=Kind.REGULATOR, verbose_name=_("kind")
    )
    geom = models.PointField(srid=4326, verbose_name=_("geom"))
    pressure_class = models.CharField(
        max_length=8, choices=PressureClass.choices, verbose_name=_("pressure class")
    )
    zone = models.CharField(max_length=64, blank=True, verbose_name=_("zone"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("source")
        verbose_name_plural = _("sources")
        ordering = ["asset_id"]

    def __str__(self) -> str:
        return self.name


class NetworkRevision(models.Model):
    """One row whose number goes up with every change to the network.

    Processes keep the network graph in memory and rebuild it when this number moves.
    """

    revision = models.PositiveBigIntegerField(default=0, verbose_name=_("revision"))
    changed_at = models.DateTimeField(auto_now=True, verbose_name=_("changed at"))

    class Meta:
        verbose_name = _("network revision")
        verbose_name_plural = _("network revisions")
