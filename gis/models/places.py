"""What the network serves and where crews drive: premises, roads, landmarks."""

from django.contrib.gis.db import models
from django.contrib.postgres.indexes import GinIndex
from django.utils.translation import gettext_lazy as _


class Road(models.Model):
    class RoadClass(models.TextChoices):
        ARTERIAL = "arterial", _("Arterial")
        COLLECTOR = "collector", _("Collector")
        LOCAL = "local", _("Local street")

    asset_id = models.CharField(max_length=64, unique=True, verbose_name=_("asset id"))
    name = models.CharField(
        max_length=100, help_text=_("local name, e.g. 友谊路"), verbose_name=_("name")
    )
    name_en = models.CharField(
        max_length=100, blank=True, help_text=_("e.g. Youyi Road"), verbose_name=_("name en")
    )
    district = models.CharField(max_length=50, blank=True, verbose_name=_("district"))
    road_class = models.CharField(
        max_length=16,
        choices=RoadClass.choices,
        default=RoadClass.LOCAL,
        verbose_name=_("road class"),
    )
    speed_kmh = models.PositiveSmallIntegerField(default=30, verbose_name=_("speed kmh"))
    geom = models.LineStringField(srid=4326, verbose_name=_("geom"))

    class Meta:
        verbose_name = _("road")
        verbose_name_plural = _("roads")
        ordering = ["name"]
        indexes = [
            models.Index(fields=["name"], name="road_name"),
            GinIndex(fields=["name"], opclasses=["gin_trgm_ops"], name="road_name_trgm"),
            GinIndex(fields=["name_en"], opclasses=["gin_trgm_ops"], name="road_name_en_trgm"),
        ]

    def __str__(self) -> str:
        return self.name


class Premise(models.Model):
    """A supplied address: one flat, shop or plant, with its service connection and meter.

    The address is kept structured (for exact matching) and as full text in both the local
    and the English form; `search_key` is the normalised local form the trigram index covers.
    """

    class Use(models.TextChoices):
        RESIDENTIAL = "residential", _("Residential")
        COMMERCIAL = "commercial", _("Commercial")
        INDUSTRIAL = "industrial", _("Industrial")
        PUBLIC = "public", _("Public building")

    asset_id = models.CharField(max_length=64, unique=True, verbose_name=_("asset id"))
    geom = models.PointField(srid=4326, verbose_name=_("geom"))
    district = models.CharField(max_length=50, blank=True, verbose_name=_("district"))
    road_name = models.CharField(max_length=100, blank=True, verbose_name=_("road name"))
    house_number = models.CharField(max_length=20, blank=True, verbose_name=_("house number"))
    building = models.CharField(max_length=20, blank=True, verbose_name=_("building"))
    unit = models.CharField(max_length=20, blank=True, verbose_name=_("unit"))
    room = models.CharField(max_length=20, blank=True, verbose_name=_("room"))
    full_text = models.CharField(max_length=300, verbose_name=_("full text"))
    full_text_en = models.CharField(max_length=300, blank=True, verbose_name=_("full text en"))
    search_key = models.CharField(max_length=300, db_index=False, verbose_name=_("search key"))
    use = models.CharField(
        max_length=16, choices=Use.choices, default=Use.RESIDENTIAL, verbose_name=_("use")
    )
    meter_id = models.CharField(max_length=40, blank=True, verbose_name=_("meter id"))
    service_segment = models.ForeignKey(
        "network.PipeSegment",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="premises",
        verbose_name=_("service segment"),
    )
    # District heating: the substation whose secondary network heats the building.
    heat_station = models.ForeignKey(
        "network.Source",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="heated_premises",
        limit_choices_to={"kind": "substation"},
        verbose_name=_("heat substation"),
    )
    # Power: the distribution transformer the premise is supplied from.
    transformer = models.ForeignKey(
        "network.PowerDevice",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="premises",
        limit_choices_to={"kind": "transformer"},
        verbose_name=_("transformer"),
    )

    class Meta:
        verbose_name = _("premise")
        verbose_name_plural = _("premises")
        ordering = ["asset_id"]
        indexes = [
            # Exact structured match: road, number, then building/unit/room narrow it down.
            models.Index(
                fields=["road_name", "house_number", "building", "unit", "room"],
                name="premise_address",
            ),
            GinIndex(fields=["search_key"], opclasses=["gin_trgm_ops"], name="premise_trgm"),
            models.Index(fields=["meter_id"], name="premise_meter"),
        ]

    def __str__(self) -> str:
        return self.full_text


class Landmark(models.Model):
    """A named place people give as a location; sensitive sites raise an incident's priority."""

    class Kind(models.TextChoices):
        SCHOOL = "school", _("School")
        KINDERGARTEN = "kindergarten", _("Kindergarten")
        HOSPITAL = "hospital", _("Hospital")
        ELDERLY_HOME = "elderly_home", _("Elderly home")
        MARKET = "market", _("Market")
        MALL = "mall", _("Shopping centre")
        STATION = "station", _("Transport station")
        PARK = "park", _("Park")
        GOVERNMENT = "government", _("Government office")

    SENSITIVE = frozenset(
        {
            Kind.SCHOOL,
            Kind.KINDERGARTEN,
            Kind.HOSPITAL,
            Kind.ELDERLY_HOME,
            Kind.MARKET,
            Kind.MALL,
            Kind.STATION,
        }
    )

    asset_id = models.CharField(max_length=64, unique=True, verbose_name=_("asset id"))
    name = models.CharField(max_length=100, verbose_name=_("name"))
    name_en = models.CharField(max_length=100, blank=True, verbose_name=_("name en"))
    kind = models.CharField(max_length=16, choices=Kind.choices, verbose_name=_("kind"))
    sensitive = models.BooleanField(default=False, verbose_name=_("sensitive"))
    geom = models.PointField(srid=4326, verbose_name=_("geom"))

    class Meta:
        verbose_name = _("landmark")
        verbose_name_plural = _("landmarks")
        ordering = ["name"]
        indexes = [
            GinIndex(fields=["name"], opclasses=["gin_trgm_ops"], name="landmark_name_trgm"),
            GinIndex(fields=["name_en"], opclasses=["gin_trgm_ops"], name="landmark_name_en_trgm"),
        ]

    def __str__(self) -> str:
        return self.name
