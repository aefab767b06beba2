"""The position history now belongs to the fleet app (fleet 0001): state only, rows kept."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("field_app_api", "0001_initial"),
        ("fleet", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="VehiclePosition")]
        )
    ]
