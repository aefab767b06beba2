"""Where every van has been: the position history, partitioned by day in PostgreSQL."""

from django.contrib.gis.db import models


class VehiclePosition(models.Model):
    """One fix of one van. Written only by field_app_api.positions (COPY, in batches).

    The table is partitioned by day on `fix_at` (migration 0001; field_app_api.partitions adds
    the days ahead and drops those past retention), so its primary key must hold the partition
    key: (vehicle, fix_at) is also what makes a repeated fix a duplicate.
    """

    class Source(models.TextChoices):
        MQTT = "mqtt", "MQTT (OwnTracks)"
        OSMAND = "osmand", "HTTP (OsmAnd)"

    pk = models.CompositePrimaryKey("vehicle_id", "fix_at")
    vehicle = models.ForeignKey(
        "dispatch.Vehicle", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
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
        db_table = "field_app_api_vehicleposition"
        ordering = ["vehicle_id", "fix_at"]

    def __str__(self) -> str:
        return f"{self.vehicle_id} {self.fix_at:%Y-%m-%d %H:%M:%S}"
