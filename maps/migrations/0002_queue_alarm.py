"""The queue alarm a supervisor sets per priority, shipped with P1: a P1 incident waiting 60 s
for a crew flashes on the wall and the dispatch screen and sounds a tone until one is sent."""

import django.core.validators
from django.db import migrations, models


def _seed(apps, schema_editor):  # type: ignore[no-untyped-def]
    QueueAlarm = apps.get_model("maps", "QueueAlarm")
    QueueAlarm.objects.get_or_create(priority=1, defaults={"after_seconds": 60, "sound": True})


class Migration(migrations.Migration):
    dependencies = [
        ("maps", "0001_change_tracking"),
    ]

    operations = [
        migrations.CreateModel(
            name="QueueAlarm",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "priority",
                    models.PositiveSmallIntegerField(
                        choices=[
                            (1, "P1 emergency"),
                            (2, "P2 urgent"),
                            (3, "P3 routine"),
                            (4, "P4 planned"),
                        ],
                        unique=True,
                        verbose_name="priority",
                    ),
                ),
                (
                    "after_seconds",
                    models.PositiveIntegerField(
                        help_text="waiting this long for a crew, counted from when the incident was opened",
                        validators=[
                            django.core.validators.MinValueValidator(5),
                            django.core.validators.MaxValueValidator(86400),
                        ],
                        verbose_name="after (seconds)",
                    ),
                ),
                (
                    "sound",
                    models.BooleanField(
                        default=True,
                        help_text="a tone as well as the flashing row and banner",
                        verbose_name="sound",
                    ),
                ),
            ],
            options={
                "verbose_name": "queue alarm",
                "verbose_name_plural": "queue alarms",
                "ordering": ["priority"],
            },
        ),
        migrations.RunPython(_seed, migrations.RunPython.noop),
    ]
