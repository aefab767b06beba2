"""Vans now belong to the fleet app (fleet 0001): state only, the table and its rows kept."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("dispatch", "0019_isolation_valve_road_m"),
        ("fleet", "0001_initial"),
        ("field_app_api", "0002_positions_to_fleet"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Vehicle")]
        )
    ]
