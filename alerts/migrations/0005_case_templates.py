"""Messages for desk cases (complaints, 举报, account services...): received with its reply
date, and the reply itself. Not the emergency set: nobody is told to keep away from a smell."""

from django.db import migrations

TEMPLATES = {
    ("case.received", "zh"): ("", "【燃气客服】您的{case_type}已受理，编号{reference}，我们将于{due}前答复您。"),
    ("case.received", "en"): ("{reference} received", "Gas customer service: your {case_type} is {reference}. We will reply by {due}."),
    ("case.replied", "zh"): ("", "【燃气客服】关于您的{case_type}（{reference}）：{reply}"),
    ("case.replied", "en"): ("Our reply to {reference}", "Gas customer service, your {case_type} {reference}: {reply}"),
    ("case.urged", "zh"): ("", "【督办】{case_type}{reference}将于{due}到期，请尽快答复客户。{url}"),
    ("case.urged", "en"): ("Urgent: {reference} due {due}", "Please reply: {case_type} {reference} is due {due}. {url}"),
    ("case.overdue", "zh"): ("", "【超期】{case_type}{reference}已于{due}超期未答复（{unit}）。{url}"),
    ("case.overdue", "en"): ("Overdue: {reference}", "{case_type} {reference} at {unit} was due {due} and has no reply. {url}"),
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
