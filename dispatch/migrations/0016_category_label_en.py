from django.db import migrations, models

# Today's 14 case types, named in English as the enum named them: a row carries its own names.
NAMES = {
    "leak_outdoor": "Gas odour or leak outdoors",
    "leak_indoor": "Gas odour or leak inside a building",
    "no_gas": "No gas",
    "low_pressure": "Low pressure",
    "co_alarm": "CO alarm",
    "fire": "Fire or explosion",
    "third_party_damage": "Third-party damage to a main",
    "meter_fault": "Meter fault",
    "repair": "Repair request",
    "complaint": "Complaint",
    "consultation": "Consultation",
    "new_connection": "New connection",
    "inspection": "Safety-inspection appointment",
    "billing": "Billing",
}


def name_rows(apps, schema_editor):  # type: ignore[no-untyped-def]
    CategoryRule = apps.get_model("dispatch", "CategoryRule")
    for code, name in NAMES.items():
        CategoryRule.objects.filter(category=code, label_en="").update(label_en=name)


class Migration(migrations.Migration):
    dependencies = [("dispatch", "0015_sla_policy_names")]

    operations = [
        migrations.AddField(
            model_name="categoryrule",
            name="label_en",
            field=models.CharField(blank=True, help_text="the name in English", max_length=80),
        ),
        migrations.RunPython(name_rows, migrations.RunPython.noop),
    ]
