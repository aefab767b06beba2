"""The fleet's tables take its name: dispatch_vehicle and field_app_api_vehicleposition (with
each daily partition) become fleet_vehicle and fleet_vehicleposition. A rename keeps every row,
index, trigger and sequence; nothing is copied."""

from django.db import migrations

RENAME = """
ALTER TABLE {old_vehicle} RENAME TO {new_vehicle};
ALTER TABLE {old_position} RENAME TO {new_position};
DO $$
DECLARE part text;
BEGIN
  FOR part IN
    SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = '{new_position}'::regclass
  LOOP
    EXECUTE format('ALTER TABLE %I RENAME TO %I', part,
                   '{new_position}' || substr(part, length('{old_position}') + 1));
  END LOOP;
END $$;
"""

TABLES = {
    "old_vehicle": "dispatch_vehicle",
    "new_vehicle": "fleet_vehicle",
    "old_position": "field_app_api_vehicleposition",
    "new_position": "fleet_vehicleposition",
}
BACK = {
    "old_vehicle": "fleet_vehicle",
    "new_vehicle": "dispatch_vehicle",
    "old_position": "fleet_vehicleposition",
    "new_position": "field_app_api_vehicleposition",
}


def content_types_follow(apps, schema_editor):  # type: ignore[no-untyped-def]
    """The admin's history of a van stays with it: its content type changes app, not id."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    for old_app, model in (("dispatch", "vehicle"), ("field_app_api", "vehicleposition")):
        if not ContentType.objects.filter(app_label="fleet", model=model).exists():
            ContentType.objects.filter(app_label=old_app, model=model).update(app_label="fleet")


class Migration(migrations.Migration):
    dependencies = [
        ("fleet", "0001_initial"),
        ("dispatch", "0020_vehicle_to_fleet"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(RENAME.format(**TABLES), RENAME.format(**BACK))
            ],
            state_operations=[
                migrations.AlterModelTable(name="vehicle", table="fleet_vehicle"),
                migrations.AlterModelTable(name="vehicleposition", table="fleet_vehicleposition"),
            ],
        ),
        migrations.RunPython(content_types_follow, migrations.RunPython.noop),
    ]
