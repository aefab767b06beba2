"""Progress messages for service jobs (meters, repairs, connections, inspections): the
emergency set tells callers to keep away from a smell, which is wrong for a meter visit.
A case type names its set (dispatch CategoryRule.message_set)."""

from django.db import migrations

TEMPLATES = {
    ("service.received", "zh"): ("", "【燃气服务】您的服务申请已受理，编号{reference}。进度：{status_url}"),
    ("service.received", "en"): ("Request {reference} received", "Gas service: your request is {reference}. Progress: {status_url}"),
    ("service.dispatched", "zh"): ("", "【燃气服务】{reference}：服务人员（{crew}）已安排，预计{eta}到达。进度：{status_url}"),
    ("service.dispatched", "en"): ("{reference}: a crew is booked", "Gas service {reference}: crew {crew} will come, expected at {eta}. Progress: {status_url}"),
    ("service.arrived", "zh"): ("", "【燃气服务】{reference}：服务人员已到达。进度：{status_url}"),
    ("service.arrived", "en"): ("{reference}: the crew has arrived", "Gas service {reference}: the crew has arrived. Progress: {status_url}"),
    ("service.made_safe", "zh"): ("", "【燃气服务】{reference}：现场已处置安全。进度：{status_url}"),
    ("service.made_safe", "en"): ("{reference}: made safe", "Gas service {reference}: the site has been made safe. Progress: {status_url}"),
    ("service.completed", "zh"): ("", "【燃气服务】{reference}：服务已完成，感谢您的配合。{status_url}"),
    ("service.completed", "en"): ("{reference}: done", "Gas service {reference}: the work is done. Thank you. {status_url}"),
}


def ship(apps, schema_editor):  # type: ignore[no-untyped-def]
    Template = apps.get_model("alerts", "NotificationTemplate")
    for (key, language), (subject, body) in TEMPLATES.items():
        Template.objects.get_or_create(
            key=key, language=language, defaults={"subject": subject, "body": body}
        )


class Migration(migrations.Migration):
    dependencies = [("alerts", "0002_shipped_templates")]

    operations = [migrations.RunPython(ship, migrations.RunPython.noop)]
