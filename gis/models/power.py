"""The power distribution network: substations feeding feeders of lines, the switching and
protective devices on them, and the distribution transformers with the customers (premises)
behind them. A feeder is radial in operation: normally-open switches tie feeders without
joining them. Trouble calls are grouped onto the protective device upstream of them
(gis.power), as an outage management system does."""

from django.contrib.gis.db import models
from django.utils.translation import gettext_lazy as _

from gis.models.network import PipeSegment


class PowerSubstation(models.Model):
    """Where feeders start: a primary substation's bus (110/10 kV, say)."""

    asset_id = models.CharField(max_length=64, unique=True, verbose_name=_("asset id"))
    name = models.CharField(max_length=200, verbose_name=_("name"))
    geom = models.PointField(srid=4326, verbose_name=_("geom"))
    voltage_kv = models.FloatField(null=True, blank=True, verbose_name=_("voltage kV"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("power substation")
        verbose_name_plural = _("power substations")
        ordering = ["asset_id"]

    def __str__(self) -> str:
        return self.name


class PowerLine(models.Model):
    """One span of overhead line or cable between two nodes."""

    Status = PipeSegment.Status

    class Construction(models.TextChoices):
        OVERHEAD = "overhead", _("Overhead line")
        CABLE = "cable", _("Underground cable")

    asset_id = models.CharField(max_length=64, unique=True, verbose_name=_("asset id"))
    geom = models.LineStringField(srid=4326, verbose_name=_("geom"))
    voltage_kv = models.FloatField(verbose_name=_("voltage kV"))
    construction = models.CharField(
        max_length=16,
        choices=Construction.choices,
        default=Construction.OVERHEAD,
        verbose_name=_("construction"),
    )
    feeder = models.CharField(max_length=64, blank=True, verbose_name=_("feeder"))
    status = models.CharField(
        max_length=16,
        choices=PipeSegment.Status.choices,
        default=PipeSegment.Status.IN_SERVICE,
        verbose_name=_("status"),
    )
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("power line")
        verbose_name_plural = _("power lines")
        ordering = ["asset_id"]

    def __str__(self) -> str:
        return self.asset_id


class PowerDevice(models.Model):
    """A device at a node of the lines. Breakers, reclosers and fuses are protective: a
    fault behind one opens it, and every customer behind it is out. A switch opens only by
    hand; a normally-open one ties two feeders. A transformer feeds the customers behind it
    (Premise.transformer)."""

    class Kind(models.TextChoices):
        BREAKER = "breaker", _("Circuit breaker")
        RECLOSER = "recloser", _("Recloser")
        FUSE = "fuse", _("Fuse")
        SWITCH = "switch", _("Switch")
        TRANSFORMER = "transformer", _("Distribution transformer")

    PROTECTIVE = (Kind.BREAKER, Kind.RECLOSER, Kind.FUSE)

    asset_id = models.CharField(max_length=64, unique=True, verbose_name=_("asset id"))
    name = models.CharField(max_length=200, blank=True, verbose_name=_("name"))
    geom = models.PointField(srid=4326, verbose_name=_("geom"))
    kind = models.CharField(max_length=16, choices=Kind.choices, verbose_name=_("kind"))
    normally_open = models.BooleanField(default=False, verbose_name=_("normally open"))
    feeder = models.CharField(max_length=64, blank=True, verbose_name=_("feeder"))
    rating_kva = models.FloatField(null=True, blank=True, verbose_name=_("rating kVA"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("power device")
        verbose_name_plural = _("power devices")
        ordering = ["asset_id"]
        indexes = [models.Index(fields=["kind"], name="power_device_kind")]

    def __str__(self) -> str:
        return self.name or self.asset_id

    @property
    def protective(self) -> bool:
        return self.kind in self.PROTECTIVE
