"""Each call-back's unit from its incident's station or its case's desk (alerts 0008), for
the call-backs written before the column was. A migration of its own: PostgreSQL refuses to
change a table's indexes while the update's foreign-key checks are pending."""

from django.db import migrations

BACKFILL = """
UPDATE alerts_callback b SET unit_id = COALESCE(
  (SELECT i.station_id FROM dispatch_incident i WHERE i.id = b.incident_id),
  (SELECT k.unit_id FROM desk_case k WHERE k.id = b.case_id)
) WHERE b.unit_id IS NULL
"""


class Migration(migrations.Migration):
    dependencies = [("alerts", "0008_callback_unit")]

    operations = [migrations.RunSQL(BACKFILL, migrations.RunSQL.noop)]
