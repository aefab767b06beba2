"""The fleet takes over the vans and their positions from dispatch and field_app_api.

State only: the tables stay as they are, with every row (0002 renames them). Dispatch and
the tablet's app drop the models from their state in their own migrations, which run after
this one (dispatch 0020, field_app_api 0002).
"""

import django.contrib.gis.db.models.fields
import django.db.models.deletion
from django.db import migrations, models

VEHICLE_FIELDS = [
    ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
    ("device_id", models.CharField(help_text="tracker or tablet id", max_length=64, unique=True)),
    ("registration", models.CharField(blank=True, max_length=20)),
    ("last_point", django.contrib.gis.db.models.fields.PointField(blank=True, null=True, srid=4326)),
    ("last_fix_at", models.DateTimeField(blank=True, null=True)),
    ("speed_kmh", models.FloatField(blank=True, null=True)),
    ("heading", models.FloatField(blank=True, null=True)),
    ("battery", models.PositiveSmallIntegerField(blank=True, null=True)),
    ("last_seen_at", models.DateTimeField(blank=True, help_text="when the tracker last heard from it (any message)", null=True)),
    ("offline_at", models.DateTimeField(blank=True, help_text="device offline (MQTT last will); a fix clears it", null=True)),
    ("crew", models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="vehicle", to="dispatch.crew")),
]

POSITION_FIELDS = [
    ("pk", models.CompositePrimaryKey("vehicle_id", "fix_at", blank=True, editable=False, primary_key=True, serialize=False)),
    ("fix_at", models.DateTimeField(help_text="the device's time of the fix")),
    ("received_at", models.DateTimeField(help_text="when the tracker got it")),
    ("point", django.contrib.gis.db.models.fields.PointField(srid=4326)),
    ("accuracy_m", models.FloatField(null=True)),
    ("altitude_m", models.FloatField(null=True)),
    ("speed_kmh", models.FloatField(null=True)),
    ("course_deg", models.FloatField(null=True)),
    ("battery", models.SmallIntegerField(null=True)),
    ("source", models.CharField(choices=[("mqtt", "MQTT (OwnTracks)"), ("osmand", "HTTP (OsmAnd)")], max_length=8)),
    ("vehicle", models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name="+", to="fleet.vehicle")),
]


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("dispatch", "0019_isolation_valve_road_m"),
        ("field_app_api", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Vehicle",
                    fields=VEHICLE_FIELDS,
                    options={"ordering": ["device_id"], "db_table": "dispatch_vehicle"},
                ),
                migrations.CreateModel(
                    name="VehiclePosition",
                    fields=POSITION_FIELDS,
                    options={
                        "db_table": "field_app_api_vehicleposition",
                        "ordering": ["vehicle_id", "fix_at"],
                        "managed": False,
                    },
                ),
            ]
        )
    ]
