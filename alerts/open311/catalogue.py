"""The services a member of the public may report: one per category the hotline has a rule
for (an administrator adds or edits rules in the admin; the list follows)."""

from typing import Any

from dispatch.choices import Category, Language
from dispatch.models import CategoryRule

# Words a client's search box may be given; the English and Chinese ways callers say it.
KEYWORDS: dict[str, str] = {
    Category.LEAK_OUTDOOR: "gas, smell, odour, leak, street, 燃气, 气味, 漏气, 室外",
    Category.LEAK_INDOOR: "gas, smell, odour, leak, kitchen, home, 燃气, 气味, 漏气, 室内",
    Category.NO_GAS: "no gas, supply, outage, cooker, 停气, 没气, 供气",
    Category.LOW_PRESSURE: "low pressure, weak flame, supply, 气压低, 火小, 供气",
    Category.CO_ALARM: "carbon monoxide, CO, alarm, detector, 一氧化碳, 报警器",
    Category.FIRE: "fire, explosion, flame, 火灾, 爆炸, 着火",
    Category.THIRD_PARTY_DAMAGE: "damage, digging, excavation, pipe, 挖断, 施工, 管道损坏",
    Category.METER_FAULT: "meter, reading, fault, 燃气表, 表具, 故障",
    Category.REPAIR: "repair, appliance, pipe, 维修, 报修",
    Category.COMPLAINT: "complaint, service, 投诉",
    Category.CONSULTATION: "question, enquiry, information, 咨询",
    Category.NEW_CONNECTION: "new connection, installation, 开户, 新装, 接驳",
    Category.INSPECTION: "safety inspection, appointment, 安检, 预约",
    Category.BILLING: "bill, payment, account, 账单, 缴费",
}
GROUPS = {
    "emergency": {"en": "Emergency", "zh": "紧急抢修"},
    "supply": {"en": "Gas supply", "zh": "供气"},
    "service": {"en": "Service and repairs", "zh": "维修服务"},
    "enquiry": {"en": "Customer service", "zh": "客户服务"},
}
EMERGENCY_PRIORITY = 2  # P1 and P2 categories are emergencies to the public


def _group(rule: CategoryRule) -> str:
    if not rule.needs_incident:
        return "enquiry"
    if rule.groups_by_supply:
        return "supply"
    return "emergency" if rule.base_priority <= EMERGENCY_PRIORITY else "service"


def service_record(rule: CategoryRule, language: str) -> dict[str, Any]:
    zh = language == Language.ZH
    name = rule.label_zh if zh else rule.get_category_display()
    advice = rule.advice_zh if zh else rule.advice_en
    other_name = rule.get_category_display() if zh else rule.label_zh
    return {
        "service_code": rule.category,
        "service_name": name,
        "description": f"{name} ({other_name}). {advice}".strip(),
        "metadata": False,
        "type": "realtime",
        "keywords": KEYWORDS.get(rule.category, name),
        "group": GROUPS[_group(rule)]["zh" if zh else "en"],
    }


def service_list(language: str) -> list[dict[str, Any]]:
    """Every service, emergencies first (one query)."""
    return [service_record(rule, language) for rule in CategoryRule.objects.all()]


def service_codes() -> set[str]:
    return set(CategoryRule.objects.values_list("category", flat=True))
