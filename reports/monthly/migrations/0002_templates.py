"""The e-mail that tells a supervisor last month's report is ready: where to download it."""

from django.db import migrations

TEMPLATES = {
    ("reports.monthly", "zh"): (
        "{unit} {month} 月度分析报表",
        "{unit} {month} 月度分析报表已生成（共{pages}页），请登录后下载：{url}",
    ),
    ("reports.monthly", "en"): (
        "{unit}: monthly report {month}",
        "The monthly analysis report of {unit} for {month} is ready ({pages} pages). "
        "Sign in and download it: {url}",
    ),
}


def ship(apps, schema_editor):  # type: ignore[no-untyped-def]
    Template = apps.get_model("alerts", "NotificationTemplate")
    for (key, language), (subject, body) in TEMPLATES.items():
        Template.objects.get_or_create(
            key=key, language=language, defaults={"subject": subject, "body": body}
        )


class Migration(migrations.Migration):
    dependencies = [("reports_monthly", "0001_initial"), ("alerts", "0001_initial")]

    operations = [migrations.RunPython(ship, migrations.RunPython.noop)]
