"""An index on when a case closed, for the reports' backlog of open cases at a date
(reports.catalogue CASE_DONE, written exactly as this expression)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("desk", "0002_shipped_case_types")]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX case_done_at ON desk_case "
            "((COALESCE(closed_at, 'infinity'::timestamptz)))",
            "DROP INDEX case_done_at",
        )
    ]
