"""Repeated reports from one source count once toward priority (issue 15, finding 6).

Incidents already open keep the count their priority was judged by: every call so far."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("dispatch", "0011_crew_board"),
    ]

    operations = [
        migrations.AddField(
            model_name="call",
            name="repeat_of",
            field=models.ForeignKey(
                blank=True,
                help_text="the counted report from the same phone, linked system or e-mail address that this call repeats within REPORT_REPEAT_WINDOW_MIN: it did not count toward priority",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="repeats",
                to="dispatch.call",
            ),
        ),
        migrations.AddField(
            model_name="incident",
            name="independent_report_count",
            field=models.PositiveIntegerField(
                db_default=1,
                default=1,
                help_text="reports from different sources, or from one source far enough apart",
            ),
        ),
        migrations.RunSQL(
            "UPDATE dispatch_incident SET independent_report_count = report_count",
            reverse_sql=migrations.RunSQL.noop,
        ),
    ]
