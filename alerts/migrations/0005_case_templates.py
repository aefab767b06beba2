"""Messages for desk cases (complaints, 举报, account services...): received with its reply
date, and the reply itself. Not the emergency set: nobody is told to keep away from a smell."""

from django.db import migrations

TEMPLATES = {
    ("case.received", "zh"): ("", "【燃气客服】您的{case_type}已受理，编号{reference}，我们将于{due}前答复您。"),
    ("case.received", "en"): ("{reference} received", "Gas customer service: your {case_type} is {reference}. We will reply by {due}."),
    ("case.replied", "zh"): ("", "【燃气客服】关于您的{case_type}（{reference}）：{reply}"),
    ("case.replied", "en"): ("Our reply to {reference}", "Gas customer service, your {case_type} {reference}: {reply}"),
}


def ship(apps, schema_editor):  # type: ignore[no-untyped-def]
    Template = apps.get_model("alerts", "NotificationTemplate")
    for (key, language), (subject, body) in TEMPLATES.items():
        Template.objects.get_or_create(
            key=key, language=language, defaults={"subject": subject, "body": body}
        )


class Migration(migrations.Migration):
    dependencies = [("alerts", "0004_verbose_names")]

    operations = [migrations.RunPython(ship, migrations.RunPython.noop)]
