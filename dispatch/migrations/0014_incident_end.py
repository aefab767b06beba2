"""Ending a case (issue 16): closed, cancelled, merged or referred, with a reason, and SLA
clocks that stop as not applicable. Every existing incident and clock is left as it was."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("dispatch", "0013_arrival_evidence"),
    ]

    operations = [
        migrations.AddField(
            model_name="incident",
            name="end_note",
            field=models.TextField(
                blank=True, db_default="", default="", help_text="what the dispatcher wrote"
            ),
        ),
        migrations.AddField(
            model_name="incident",
            name="end_reason",
            field=models.CharField(
                blank=True,
                choices=[
                    ("work_completed", "work completed"),
                    ("resolved_on_phone", "resolved on the phone"),
                    ("no_fault_found", "no fault found"),
                    ("made_safe_handed_over", "made safe and handed over"),
                    ("false_alarm", "false alarm"),
                    ("hoax", "hoax call"),
                    ("opened_in_error", "opened in error"),
                    ("duplicate", "the same fault reported twice"),
                    ("same_cause", "one cause behind both"),
                    ("not_our_network", "not our network"),
                    ("emergency_services", "the emergency services lead"),
                ],
                db_default="",
                default="",
                max_length=32,
            ),
        ),
        migrations.AddField(
            model_name="incident",
            name="ended_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="incident",
            name="merged_into",
            field=models.ForeignKey(
                blank=True,
                help_text="the incident that took its calls",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="merged_from",
                to="dispatch.incident",
            ),
        ),
        migrations.AddField(
            model_name="incident",
            name="referred_to",
            field=models.CharField(
                blank=True,
                db_default="",
                default="",
                help_text="the agency it was handed to",
                max_length=100,
            ),
        ),
        migrations.AddField(
            model_name="incidentdeadline",
            name="not_applicable_at",
            field=models.DateTimeField(
                blank=True, help_text="stopped as not applicable when the incident ended", null=True
            ),
        ),
        migrations.AlterField(
            model_name="incident",
            name="status",
            field=models.CharField(
                choices=[
                    ("open", "Open"),
                    ("dispatched", "Crew dispatched"),
                    ("on_site", "Crew on site"),
                    ("made_safe", "Made safe"),
                    ("resolved", "Resolved"),
                    ("closed", "Closed"),
                    ("cancelled", "Cancelled"),
                    ("merged", "Merged"),
                    ("referred", "Referred"),
                ],
                default="open",
                max_length=16,
            ),
        ),
    ]
