"""An index on when an incident stopped needing a crew, for the reports' backlog: the
incidents still open at a date are few among years of rows (reports.catalogue INCIDENT_DONE,
written exactly as this expression)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("dispatch", "0029_report_moments_backfill")]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX incident_done_at ON dispatch_incident "
            "((COALESCE(LEAST(completed_at, ended_at), 'infinity'::timestamptz)))",
            "DROP INDEX incident_done_at",
        )
    ]
