"""The services a member of the public may report: one per case type (an administrator adds
or edits case types in the admin, their names and keywords with them; the list follows)."""

from typing import Any

from dispatch.choices import Handling, Language
from dispatch.models import CategoryRule

GROUPS = {
    "emergency": {"en": "Emergency", "zh": "紧急抢修"},
    "supply": {"en": "Gas supply", "zh": "供气"},
    "service": {"en": "Service and repairs", "zh": "维修服务"},
    "enquiry": {"en": "Customer service", "zh": "客户服务"},
}
EMERGENCY_PRIORITY = 2  # P1 and P2 categories are emergencies to the public


def _group(rule: CategoryRule) -> str:
    if rule.handling != Handling.FIELD_JOB:
        return "enquiry"
    if rule.groups_by_supply:
        return "supply"
    return "emergency" if rule.base_priority <= EMERGENCY_PRIORITY else "service"


def service_record(rule: CategoryRule, language: str) -> dict[str, Any]:
    zh = language == Language.ZH
    name_en, name_zh = rule.label_en or rule.category, rule.label_zh or rule.label_en
    name, other_name = (name_zh, name_en) if zh else (name_en, name_zh)
    advice = rule.advice_zh if zh else rule.advice_en
    return {
        "service_code": rule.category,
        "service_name": name,
        "description": f"{name} ({other_name}). {advice}".strip(),
        "metadata": False,
        "type": "realtime",
        "keywords": rule.keywords or f"{name_en}, {name_zh}",
        "group": GROUPS[_group(rule)]["zh" if zh else "en"],
    }


def service_list(language: str) -> list[dict[str, Any]]:
    """Every service, emergencies first (one query)."""
    return [service_record(rule, language) for rule in CategoryRule.objects.all()]


def service_codes() -> set[str]:
    return set(CategoryRule.objects.values_list("category", flat=True))
