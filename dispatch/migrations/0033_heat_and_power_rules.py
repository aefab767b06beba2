"""The case types, triage, heating season and clocks a heat and a power company start with
(dispatch.defaults_utilities). A code an administrator already made is left as it is."""

from django.db import migrations


def ship(apps, schema_editor):  # type: ignore[no-untyped-def]
    from dispatch.defaults_utilities import CASE_TYPES, POLICIES, SEASONS, TRIAGE

    CategoryRule = apps.get_model("dispatch", "CategoryRule")
    TriageRule = apps.get_model("dispatch", "TriageRule")
    SlaPolicy = apps.get_model("dispatch", "SlaPolicy")
    Season = apps.get_model("dispatch", "Season")
    for code, values in CASE_TYPES.items():
        (utility, label_zh, label_en, priority, skills, radius, window, merges, supply,
         raise_after, auto, hazards, advice_en, advice_zh, message_set) = values
        CategoryRule.objects.get_or_create(
            category=code,
            defaults={
                "utility": utility, "label_zh": label_zh, "label_en": label_en,
                "base_priority": priority, "skills": list(skills),
                "duplicate_radius_m": radius, "duplicate_window_min": window,
                "merges_with": list(merges), "groups_by_supply": supply,
                "raise_after_reports": raise_after, "auto_dispatch": auto,
                "hazards": list(hazards), "advice_en": advice_en, "advice_zh": advice_zh,
                "message_set": message_set,
            },
        )
    for code, hazard, priority in TRIAGE:
        TriageRule.objects.get_or_create(
            category=code, hazard=hazard, defaults={"priority": priority}
        )
    seasons = {}
    for code, name_zh, name_en, utility, m0, d0, m1, d1 in SEASONS:
        seasons[code], _ = Season.objects.get_or_create(
            code=code,
            defaults={"name_zh": name_zh, "name_en": name_en, "utility": utility,
                      "start_month": m0, "start_day": d0, "end_month": m1, "end_day": d1},
        )
    for code, milestone, area, season, minutes in POLICIES:
        SlaPolicy.objects.get_or_create(
            priority=None, category=code, milestone=milestone, area_class=area,
            season=seasons.get(season), defaults={"minutes": minutes},
        )


class Migration(migrations.Migration):
    dependencies = [("dispatch", "0032_heat_and_power_vocabulary")]

    operations = [migrations.RunPython(ship, migrations.RunPython.noop)]
