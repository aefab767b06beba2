"""The regulators' views a utility is judged by, shipped as presets an administrator edits
(or switches off) in the admin: attendance of uncontrolled gas escapes as Ofgem counts it,
a US city regulator's monthly average with none over two hours, and State Grid's 95598
commitment (urban 45 minutes; rural and remote areas wait for areas to have a class)."""

from django.db import migrations

PRESETS = [
    # code, zh, en, categories, priority_max, minutes, target, average, longest, order
    ("ofgem-1h", "英国燃气监管：泄漏1小时内到达", "Ofgem: gas escapes attended within 1 hour",
     ["leak_indoor", "leak_outdoor", "third_party_damage"], None, 60, 0.97, None, None, 1),
    ("us-30min", "美国城市监管：平均30分钟、无超2小时", "US city regulator: 30-minute average, none over 2 hours",
     ["leak_indoor", "leak_outdoor", "third_party_damage"], None, 30, None, 30, 120, 2),
    ("sgcc-95598", "95598 承诺：城区45分钟到达", "95598 commitment: urban arrival within 45 minutes",
     [], 1, 45, 1.0, None, None, 3),
]


def forwards(apps, schema_editor):
    Preset = apps.get_model("reports", "ReportPreset")
    Settings = apps.get_model("reports", "ReportSettings")
    Settings.objects.get_or_create(pk=1)
    for code, zh, en, categories, pmax, minutes, target, average, longest, order in PRESETS:
        Preset.objects.get_or_create(
            code=code,
            defaults={
                "name_zh": zh,
                "name_en": en,
                "categories": categories,
                "priority_max": pmax,
                "attend_minutes": minutes,
                "target_share": target,
                "average_max_minutes": average,
                "longest_max_minutes": longest,
                "order": order,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
