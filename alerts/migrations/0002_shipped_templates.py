"""The messages a gas company starts with; administrators edit them in the admin."""

from django.db import migrations

TEMPLATES = {
    ("progress.received", "zh"): ("", "【燃气抢修】您的报修已受理，编号{reference}。请远离气味处，勿开关电器、勿用明火。进度：{status_url}"),
    ("progress.received", "en"): ("Report {reference} received", "Gas emergency: your report is {reference}. Keep away from the smell; do not switch anything on or off, no flames. Progress: {status_url}"),
    ("progress.dispatched", "zh"): ("", "【燃气抢修】{reference}：抢修人员（{crew}）已出发，预计{eta}到达。进度：{status_url}"),
    ("progress.dispatched", "en"): ("{reference}: a crew is on the way", "Gas emergency {reference}: crew {crew} is on the way, expected at {eta}. Progress: {status_url}"),
    ("progress.arrived", "zh"): ("", "【燃气抢修】{reference}：抢修人员已到达现场。进度：{status_url}"),
    ("progress.arrived", "en"): ("{reference}: the crew has arrived", "Gas emergency {reference}: the crew has arrived. Progress: {status_url}"),
    ("progress.made_safe", "zh"): ("", "【燃气抢修】{reference}：现场已处置安全。进度：{status_url}"),
    ("progress.made_safe", "en"): ("{reference}: made safe", "Gas emergency {reference}: the site has been made safe. Progress: {status_url}"),
    ("progress.completed", "zh"): ("", "【燃气抢修】{reference}：抢修已完成，感谢您的配合。{status_url}"),
    ("progress.completed", "en"): ("{reference}: work completed", "Gas emergency {reference}: the work is complete. Thank you. {status_url}"),
    ("supply.interrupted", "zh"): ("", "【燃气公司】因{reason}，{address}暂停供气（编号{reference}），恢复后将通知您。请关闭燃气灶具阀门。"),
    ("supply.interrupted", "en"): ("Gas supply interrupted ({reference})", "Gas supply to {address} is off because of {reason} ({reference}). We will tell you when it is back. Please turn off your gas appliances."),
    ("supply.restored", "zh"): ("", "【燃气公司】{address}已恢复供气（编号{reference}）。请先开窗通风，再按说明点火。"),
    ("supply.restored", "en"): ("Gas supply restored ({reference})", "Gas supply to {address} is back ({reference}). Open a window, then relight your appliances as instructed."),
    ("planned.notice", "zh"): ("", "【燃气公司】计划停气：{starts_at}至{ends_at}，{reason}（编号{reference}），{address}受影响。"),
    ("planned.notice", "en"): ("Planned gas interruption {reference}", "Planned works {reference}: gas to {address} will be off from {starts_at} to {ends_at} ({reason})."),
    ("sla.breached", "zh"): ("SLA超时：{reference}", "【调度】{reference}（P{priority}，{station}）{milestone}时限已于{due_at}超时。{incident_url}"),
    ("sla.breached", "en"): ("SLA breached: {reference}", "{reference} (P{priority}, {station}): the {milestone} clock was due at {due_at} and is breached. {incident_url}"),
    ("sla.escalated", "zh"): ("SLA升级：{reference}", "【调度升级{level}级】{reference}（P{priority}，{station}）{milestone}时限自{due_at}起仍未完成。{incident_url}"),
    ("sla.escalated", "en"): ("SLA escalated (level {level}): {reference}", "Escalation level {level}: {reference} (P{priority}, {station}) is still past its {milestone} deadline of {due_at}. {incident_url}"),
}


def ship(apps, schema_editor):
    Template = apps.get_model("alerts", "NotificationTemplate")
    for (key, language), (subject, body) in TEMPLATES.items():
        Template.objects.get_or_create(
            key=key, language=language, defaults={"subject": subject, "body": body}
        )


class Migration(migrations.Migration):
    dependencies = [("alerts", "0001_initial")]

    operations = [migrations.RunPython(ship, migrations.RunPython.noop)]
