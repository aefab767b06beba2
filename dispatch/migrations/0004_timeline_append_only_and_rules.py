from django.db import migrations

APPEND_ONLY = """
CREATE FUNCTION dispatch_incidentevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the incident timeline is append-only: % of event % refused', TG_OP, OLD.id
        USING ERRCODE = 'restrict_violation';
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER dispatch_incidentevent_no_change
    BEFORE UPDATE OR DELETE ON dispatch_incidentevent
    FOR EACH ROW EXECUTE FUNCTION dispatch_incidentevent_append_only();
"""
DROP = """
DROP TRIGGER dispatch_incidentevent_no_change ON dispatch_incidentevent;
DROP FUNCTION dispatch_incidentevent_append_only();
"""


def load_rules(apps, schema_editor):  # type: ignore[no-untyped-def]
    from dispatch.defaults import CATEGORY_RULES, SLA_POLICIES, TRIAGE_RULES

    CategoryRule = apps.get_model("dispatch", "CategoryRule")
    TriageRule = apps.get_model("dispatch", "TriageRule")
    SlaPolicy = apps.get_model("dispatch", "SlaPolicy")
    for category, values in CATEGORY_RULES.items():
        (label_zh, priority, needs, skills, radius, window, merges, supply, raise_after, auto,
         advice_en, advice_zh) = values
        CategoryRule.objects.create(
            category=category, label_zh=label_zh, base_priority=priority, needs_incident=needs,
            skills=list(skills), duplicate_radius_m=radius, duplicate_window_min=window,
            merges_with=list(merges), groups_by_supply=supply, raise_after_reports=raise_after,
            auto_dispatch=auto, advice_en=advice_en, advice_zh=advice_zh,
        )
    for category, hazard, priority in TRIAGE_RULES:
        TriageRule.objects.create(category=category, hazard=hazard, priority=priority)
    for priority, category, milestone, minutes, days in SLA_POLICIES:
        SlaPolicy.objects.create(priority=priority, category=category, milestone=milestone,
                                 minutes=minutes, working_days=days)


class Migration(migrations.Migration):
    dependencies = [("dispatch", "0003_dispatch_core")]

    operations = [
        migrations.RunSQL(APPEND_ONLY, DROP),
        migrations.RunPython(load_rules, migrations.RunPython.noop),
    ]
