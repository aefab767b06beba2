"""Arrival with evidence (issue 15, finding 4): whether the van's fixes back each arrival.

Arrivals recorded before this stay unjudged (null): nobody checked them then."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("dispatch", "0012_report_repeats"),
    ]

    operations = [
        migrations.AddField(
            model_name="workorder",
            name="arrival_verified",
            field=models.BooleanField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="workorder",
            name="arrival_evidence",
            field=models.JSONField(blank=True, null=True),
        ),
    ]
