"""The vans: where each is now, and where it has been (the history, partitioned by day)."""

from django.contrib.gis.db import models
from django.utils.translation import gettext_lazy as _


class Vehicle(models.Model):
    device_id = models.CharField(max_length=64, unique=True, help_text="tracker or tablet id")
    registration = models.CharField(max_length=20, blank=True)
    # The crew that drives it. By name, not import: the fleet is below dispatch and knows a
    # crew only as an id (the tablet's topic); dispatch reads `crew.vehicle`.
    crew = models.OneToOneField(
        "dispatch.Crew", null=True, blank=True, on_delete=models.SET_NULL, related_name="vehicle"
    )
    last_point = models.PointField(srid=4326, null=True, blank=True)
    last_fix_at = models.DateTimeField(null=True, blank=True)
    speed_kmh = models.FloatField(null=True, blank=True)
    heading = models.FloatField(null=True, blank=True)
    battery = models.PositiveSmallIntegerField(null=True, blank=True)
    last_seen_at = models.DateTimeField(
        null=True, blank=True, help_text="when the tracker last heard from it (any message)"
    )
    offline_at = models.DateTimeField(
        null=True, blank=True, help_text="device offline (MQTT last will); a fix clears it"
    )

    class Meta:
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
        Vehicle, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    fix_at = models.DateTimeField(help_text="the device's time of the fix")
    received_at = models.DateTimeField(help_text="when the tracker got it")
    point = models.PointField(srid=4326)
    accuracy_m = models.FloatField(null=True)
    altitude_m = models.FloatField(null=True)
    speed_kmh = models.FloatField(null=True)
    course_deg = models.FloatField(null=True)
    battery = models.SmallIntegerField(null=True)
    source = models.CharField(max_length=8, choices=Source.choices)

    class Meta:
        managed = False  # created by SQL: Django cannot declare a partitioned table
        db_table = "fleet_vehicleposition"
        ordering = ["vehicle_id", "fix_at"]

    def __str__(self) -> str:
        return f"{self.vehicle_id} {self.fix_at:%Y-%m-%d %H:%M:%S}"
