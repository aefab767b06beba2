"""The progress messages a heat and a power company start with (the case types' message sets
heat_progress and power_progress, dispatch 0033); administrators edit them in the admin."""

from django.db import migrations

TEMPLATES = {
    ("heat_progress.received", "zh"): ("", "【供热抢修】您的报修已受理，编号{reference}。如有热水或蒸汽外泄请远离。进度：{status_url}"),
    ("heat_progress.received", "en"): ("Report {reference} received", "Heating repairs: your report is {reference}. Keep away from any hot water or steam. Progress: {status_url}"),
    ("heat_progress.dispatched", "zh"): ("", "【供热抢修】{reference}：维修人员（{crew}）已出发，预计{eta}到达。进度：{status_url}"),
    ("heat_progress.dispatched", "en"): ("{reference}: a crew is on the way", "Heating repairs {reference}: crew {crew} is on the way, expected at {eta}. Progress: {status_url}"),
    ("heat_progress.arrived", "zh"): ("", "【供热抢修】{reference}：维修人员已到达现场。进度：{status_url}"),
    ("heat_progress.arrived", "en"): ("{reference}: the crew has arrived", "Heating repairs {reference}: the crew has arrived. Progress: {status_url}"),
    ("heat_progress.made_safe", "zh"): ("", "【供热抢修】{reference}：现场已处置安全，正在抢修。进度：{status_url}"),
    ("heat_progress.made_safe", "en"): ("{reference}: made safe", "Heating repairs {reference}: the site is safe and the repair is under way. Progress: {status_url}"),
    ("heat_progress.completed", "zh"): ("", "【供热抢修】{reference}：维修已完成，供热将逐步恢复，感谢您的配合。{status_url}"),
    ("heat_progress.completed", "en"): ("{reference}: work completed", "Heating repairs {reference}: the work is complete and the heat is coming back. Thank you. {status_url}"),
    ("power_progress.received", "zh"): ("", "【电力抢修】您的报修已受理，编号{reference}。请远离断落电线。进度：{status_url}"),
    ("power_progress.received", "en"): ("Report {reference} received", "Power repairs: your report is {reference}. Keep away from any fallen wire. Progress: {status_url}"),
    ("power_progress.dispatched", "zh"): ("", "【电力抢修】{reference}：抢修人员（{crew}）已出发，预计{eta}到达。进度：{status_url}"),
    ("power_progress.dispatched", "en"): ("{reference}: a crew is on the way", "Power repairs {reference}: crew {crew} is on the way, expected at {eta}. Progress: {status_url}"),
    ("power_progress.arrived", "zh"): ("", "【电力抢修】{reference}：抢修人员已到达现场。进度：{status_url}"),
    ("power_progress.arrived", "en"): ("{reference}: the crew has arrived", "Power repairs {reference}: the crew has arrived. Progress: {status_url}"),
    ("power_progress.made_safe", "zh"): ("", "【电力抢修】{reference}：现场已处置安全，正在抢修。进度：{status_url}"),
    ("power_progress.made_safe", "en"): ("{reference}: made safe", "Power repairs {reference}: the site is safe and the repair is under way. Progress: {status_url}"),
    ("power_progress.completed", "zh"): ("", "【电力抢修】{reference}：抢修已完成，已恢复供电，感谢您的配合。{status_url}"),
    ("power_progress.completed", "en"): ("{reference}: power restored", "Power repairs {reference}: the work is complete and the power is back. Thank you. {status_url}"),
}


def ship(apps, schema_editor):
    Template = apps.get_model("alerts", "NotificationTemplate")
    for (key, language), (subject, body) in TEMPLATES.items():
        Template.objects.get_or_create(
            key=key, language=language, defaults={"subject": subject, "body": body}
        )


class Migration(migrations.Migration):
    dependencies = [("alerts", "0010_status_push")]

    operations = [migrations.RunPython(ship, migrations.RunPython.noop)]
