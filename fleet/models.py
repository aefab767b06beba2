"""The vans: where each is now, and where it has been (the history, partitioned by day)."""

from django.contrib.gis.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Vehicle(models.Model):
    device_id = models.CharField(
        max_length=64, unique=True, help_text=_("tracker or tablet id"), verbose_name=_("device id")
    )
    registration = models.CharField(max_length=20, blank=True, verbose_name=_("registration"))
    # The crew that drives it. By name, not import: the fleet is below dispatch and knows a
    # crew only as an id (the tablet's topic); dispatch reads `crew.vehicle`.
    crew = models.OneToOneField(
        "dispatch.Crew",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="vehicle",
        verbose_name=_("crew"),
    )
    last_point = models.PointField(srid=4326, null=True, blank=True, verbose_name=_("last point"))
    last_fix_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last fix at"))
    speed_kmh = models.FloatField(null=True, blank=True, verbose_name=_("speed kmh"))
    heading = models.FloatField(null=True, blank=True, verbose_name=_("heading"))
    battery = models.PositiveSmallIntegerField(null=True, blank=True, verbose_name=_("battery"))
    last_seen_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("when the tracker last heard from it (any message)"),
        verbose_name=_("last seen at"),
    )
    offline_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("device offline (MQTT last will); a fix clears it"),
        verbose_name=_("offline at"),
    )

    class Meta:
        verbose_name = _("vehicle")
        verbose_name_plural = _("vehicles")
        ordering = ["device_id"]
        db_table = "fleet_vehicle"  # fleet_vehicle until the fleet app took it (fleet 0002)

    def __str__(self) -> str:
        return self.registration or self.device_id


class VehiclePosition(models.Model):
    """One fix of one van. Written only by fleet.positions (COPY, in batches).

    The table is partitioned by day on `fix_at` (migration 0001; fleet.partitions adds
    the days ahead and drops those past retention), so its primary key must hold the partition
    key: (vehicle, fix_at) is also what makes a repeated fix a duplicate.
    """

    class Source(models.TextChoices):
        MQTT = "mqtt", _("MQTT (OwnTracks)")
        OSMAND = "osmand", _("HTTP (OsmAnd)")

    pk = models.CompositePrimaryKey("vehicle_id", "fix_at")
    vehicle = models.ForeignKey(
        Vehicle,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        verbose_name=_("vehicle"),
    )
    fix_at = models.DateTimeField(
        help_text=_("the device's time of the fix"), verbose_name=_("fix at")
    )
    received_at = models.DateTimeField(
        help_text=_("when the tracker got it"), verbose_name=_("received at")
    )
    point = models.PointField(srid=4326, verbose_name=_("point"))
    accuracy_m = models.FloatField(null=True, verbose_name=_("accuracy m"))
    altitude_m = models.FloatField(null=True, verbose_name=_("altitude m"))
    speed_kmh = models.FloatField(null=True, verbose_name=_("speed kmh"))
    course_deg = models.FloatField(null=True, verbose_name=_("course deg"))
    battery = models.SmallIntegerField(null=True, verbose_name=_("battery"))
    source = models.CharField(
        max_length=8, choices=Source.choices, verbose_name=pgettext_lazy("position fix", "source")
    )

    class Meta:
        verbose_name = _("vehicle position")
        verbose_name_plural = _("vehicle positions")
        managed = False  # created by SQL: Django cannot declare a partitioned table
        db_table = "fleet_vehicleposition"
        ordering = ["vehicle_id", "fix_at"]

    def __str__(self) -> str:
        return f"{self.vehicle_id} {self.fix_at:%Y-%m-%d %H:%M:%S}"
