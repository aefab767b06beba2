"""Call-backs tried until reached: attempts logged, a retry window, call-backs of desk cases,
and the SMS link's message. Call-backs recorded before keep their result as one attempt."""

from datetime import timedelta

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


TEMPLATES = {
    ("callback.link", "zh"): (
        "",
        "【燃气客服】我们想了解您对{about}处理的满意度，请点击{url}打分（1-5分），{days}天内有效。",
    ),
    ("callback.link", "en"): (
        "How did we do?",
        "Gas customer service: how satisfied are you with how we handled {about}? Score us 1-5"
        " at {url} (valid {days} days).",
    ),
}


def fill(apps, schema_editor):  # type: ignore[no-untyped-def]
    """Rows from before: a recorded result becomes the one attempt it was; a caller recorded
    as not reached is given up (the old rule counted them as called)."""
    CallBack = apps.get_model("alerts", "CallBack")
    Attempt = apps.get_model("alerts", "CallBackAttempt")
    for row in CallBack.objects.all():
        row.next_attempt_at = row.due_at
        row.retry_until = row.due_at + timedelta(days=3)
        if row.done_at is not None:
            row.status = "reached" if row.reached else "not_reached"
            row.attempts = 1
            row.first_attempt_at = row.done_at
            Attempt.objects.create(
                callback=row,
                at=row.done_at,
                by_id=row.done_by_id,
                outcome="reached" if row.reached else "no_answer",
                score=row.satisfaction if row.reached else None,
                comment=row.notes,
            )
        row.save()


def ship_templates(apps, schema_editor):  # type: ignore[no-untyped-def]
    Template = apps.get_model("alerts", "NotificationTemplate")
    for (key, language), (subject, body) in TEMPLATES.items():
        Template.objects.get_or_create(
            key=key, language=language, defaults={"subject": subject, "body": body}
        )


class Migration(migrations.Migration):
    dependencies = [
        ("alerts", "0005_case_templates"),
        ("desk", "0002_shipped_case_types"),
        ("dispatch", "0026_desk_milestones"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="CallBackAttempt",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("at", models.DateTimeField(verbose_name="at")),
                (
                    "outcome",
                    models.CharField(
                        choices=[
                            ("reached", "Reached"),
                            ("no_answer", "No answer"),
                            ("busy", "Busy"),
                            ("wrong_number", "Wrong number"),
                            ("refused", "Refused to answer"),
                            ("left_message", "Left a message"),
                            ("sms_link_sent", "SMS link sent"),
                        ],
                        max_length=16,
                        verbose_name="outcome",
                    ),
                ),
                ("reason", models.TextField(blank=True, verbose_name="reason")),
                (
                    "score",
                    models.PositiveSmallIntegerField(blank=True, null=True, verbose_name="score"),
                ),
                ("comment", models.TextField(blank=True, verbose_name="comment")),
                (
                    "via_link",
                    models.BooleanField(
                        default=False,
                        help_text="answered by the customer through the SMS link",
                        verbose_name="through the link",
                    ),
                ),
            ],
            options={
                "verbose_name": "call-back attempt",
                "verbose_name_plural": "call-back attempts",
                "ordering": ["at", "id"],
            },
        ),
        migrations.AlterModelOptions(
            name="callback",
            options={
                "ordering": ["next_attempt_at"],
                "verbose_name": "call-back",
                "verbose_name_plural": "call-backs",
            },
        ),
        migrations.RemoveConstraint(
            model_name="callback",
            name="one_call_back_per_call",
        ),
        migrations.RemoveConstraint(
            model_name="callback",
            name="satisfaction_1_to_5",
        ),
        migrations.AddField(
            model_name="callback",
            name="attempts",
            field=models.PositiveSmallIntegerField(default=0, verbose_name="attempts"),
        ),
        migrations.AddField(
            model_name="callback",
            name="case",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="callbacks",
                to="desk.case",
                verbose_name="case",
            ),
        ),
        migrations.AddField(
            model_name="callback",
            name="first_attempt_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="first attempt at"),
        ),
        migrations.AddField(
            model_name="callback",
            name="link_expires_at",
            field=models.DateTimeField(
                blank=True, null=True, verbose_name="answer link expires at"
            ),
        ),
        migrations.AddField(
            model_name="callback",
            name="link_token",
            field=models.CharField(
                blank=True, max_length=64, null=True, unique=True, verbose_name="answer link token"
            ),
        ),
        migrations.AddField(
            model_name="callback",
            name="next_attempt_at",
            field=models.DateTimeField(null=True, verbose_name="next attempt at"),
        ),
        migrations.AddField(
            model_name="callback",
            name="retry_until",
            field=models.DateTimeField(
                help_text="tried until then; afterwards the caller counts as not reached",
                null=True,
                verbose_name="retried until",
            ),
        ),
        migrations.AddField(
            model_name="callback",
            name="status",
            field=models.CharField(
                choices=[
                    ("pending", "To call"),
                    ("reached", "Reached"),
                    ("not_reached", "Not reached (given up)"),
                    ("declined", "Declined to answer"),
                ],
                default="pending",
                max_length=12,
                verbose_name="status",
            ),
        ),
        migrations.AlterField(
            model_name="callback",
            name="incident",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="dispatch.incident",
                verbose_name="incident",
            ),
        ),
        migrations.AddField(
            model_name="callbackattempt",
            name="by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="by",
            ),
        ),
        migrations.AddField(
            model_name="callbackattempt",
            name="callback",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="attempt_log",
                to="alerts.callback",
                verbose_name="call-back",
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="callback",
            name="next_attempt_at",
            field=models.DateTimeField(verbose_name="next attempt at"),
        ),
        migrations.AlterField(
            model_name="callback",
            name="retry_until",
            field=models.DateTimeField(
                help_text="tried until then; afterwards the caller counts as not reached",
                verbose_name="retried until",
            ),
        ),
        migrations.RunPython(ship_templates, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="callback",
            index=models.Index(
                condition=models.Q(("status", "pending")),
                fields=["next_attempt_at"],
                name="callback_pending_due",
            ),
        ),
        migrations.AddConstraint(
            model_name="callback",
            constraint=models.UniqueConstraint(
                condition=models.Q(("incident__isnull", False)),
                fields=("call",),
                name="one_call_back_per_incident_call",
            ),
        ),
        migrations.AddConstraint(
            model_name="callback",
            constraint=models.UniqueConstraint(
                condition=models.Q(("case__isnull", False)),
                fields=("case",),
                name="one_call_back_per_case",
            ),
        ),
        migrations.AddConstraint(
            model_name="callback",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("case__isnull", True), ("incident__isnull", False)),
                    models.Q(("case__isnull", False), ("incident__isnull", True)),
                    _connector="OR",
                ),
                name="call_back_of_incident_or_case",
            ),
        ),
        migrations.AddConstraint(
            model_name="callback",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("satisfaction__isnull", True),
                    models.Q(
                        ("satisfaction__gte", 1), ("satisfaction__lte", 5), ("status", "reached")
                    ),
                    _connector="OR",
                ),
                name="satisfaction_1_to_5",
            ),
        ),
        migrations.AddConstraint(
            model_name="callbackattempt",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("score__isnull", True),
                    models.Q(("outcome", "reached"), ("score__gte", 1), ("score__lte", 5)),
                    _connector="OR",
                ),
                name="attempt_score_1_to_5_when_reached",
            ),
        ),
    ]
