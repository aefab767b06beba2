"""The office case types a hotline ships with, their desk rules and reply clocks.

Complaints and new connections become office cases (issue 20: a complaint is not a P4 field
job); 举报, suggestions, praise, account services and arrears queries are added. A row an
administrator already made under the same code is left as it is.
"""

from django.db import migrations

# code: (中文, English, tier, department kind, confidential, call back, keywords)
CASE_TYPES = {
    "complaint": ("投诉", "Complaint", 2, "", True, True, "complaint, service, 投诉, 不满"),
    "report": ("举报", "Report of misconduct", 2, "discipline", True, True,
               "report, misconduct, bribe, 举报, 索贿, 违规"),
    "suggestion": ("建议", "Suggestion", 2, "", False, True, "suggestion, idea, 建议, 意见"),
    "praise": ("表扬", "Praise", 3, "", False, False, "praise, thanks, 表扬, 感谢, 锦旗"),
    "new_connection": ("报装", "New connection", 2, "engineering", False, True,
                       "new connection, installation, 报装, 新装, 接驳"),
    "account_open": ("开户", "Open an account", 2, "billing", False, True,
                     "open account, 开户, 新户"),
    "account_close": ("销户", "Close an account", 2, "billing", False, True,
                      "close account, 销户, 停用"),
    "account_transfer": ("过户", "Transfer an account", 2, "billing", False, True,
                         "transfer, change of name, 过户, 更名"),
    "arrears": ("欠费", "Arrears", 2, "billing", False, False,
                "arrears, overdue, disconnection, 欠费, 催缴, 停气"),
    # Answered on the call; sent to the second tier as a case when it cannot be.
    "consultation": (None, None, 1, "", False, True, None),
}

CHECKLISTS = {
    "new_connection": (
        ["申请资料齐全", "现场勘察完成", "方案与费用已告知"],
        ["application documents complete", "site survey done", "scheme and fee explained"],
    ),
    "account_open": (
        ["身份证明与房产证明已核验", "入户安检合格", "抄表建档"],
        ["ID and property documents checked", "safety inspection passed", "meter read and recorded"],
    ),
    "account_close": (
        ["燃气费已结清", "最终抄表", "拆表或封表"],
        ["account settled", "final meter reading", "meter removed or sealed"],
    ),
    "account_transfer": (
        ["燃气费已结清", "过户抄表", "新户主证件已核验"],
        ["account settled", "meter reading at transfer", "new holder's documents checked"],
    ),
}

# (category, milestone, minutes, working days): reply to the customer, second-tier answer.
CLOCKS = [
    ("report", "reply", 10 * 24 * 60, None),
    ("suggestion", "reply", None, 5),
    ("praise", "reply", None, 5),
    ("new_connection", "reply", None, 5),
    ("account_open", "reply", None, 3),
    ("account_close", "reply", None, 3),
    ("account_transfer", "reply", None, 3),
    ("arrears", "reply", None, 2),
    ("consultation", "reply", None, 2),
    ("consultation", "answer", None, 1),
]


def ship(apps, schema_editor):  # type: ignore[no-untyped-def]
    CategoryRule = apps.get_model("dispatch", "CategoryRule")
    SlaPolicy = apps.get_model("dispatch", "SlaPolicy")
    DeskRule = apps.get_model("desk", "DeskRule")
    for code, (zh, en, tier, department, confidential, call_back, keywords) in CASE_TYPES.items():
        if zh is not None:
            rule, made = CategoryRule.objects.get_or_create(
                category=code,
                defaults={
                    "label_zh": zh,
                    "label_en": en,
                    "base_priority": 4,
                    "handling": "office_case",
                    "message_set": "case",
                    "keywords": keywords,
                },
            )
            if not made and code in ("complaint", "new_connection"):
                rule.handling, rule.message_set, rule.skills = "office_case", "case", []
                rule.save(update_fields=["handling", "message_set", "skills"])
        zh_steps, en_steps = CHECKLISTS.get(code, ([], []))
        DeskRule.objects.get_or_create(
            category=code,
            defaults={
                "tier": tier,
                "department_kind": department,
                "confidential": confidential,
                "call_back": call_back,
                "checklist_zh": zh_steps,
                "checklist_en": en_steps,
            },
        )
    for category, milestone, minutes, days in CLOCKS:
        if not SlaPolicy.objects.filter(
            priority=None, category=category, milestone=milestone
        ).exists():
            SlaPolicy.objects.create(
                priority=None,
                category=category,
                milestone=milestone,
                minutes=minutes,
                working_days=days,
            )


def unship(apps, schema_editor):  # type: ignore[no-untyped-def]
    apps.get_model("desk", "DeskRule").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("desk", "0001_initial")]

    operations = [migrations.RunPython(ship, unship)]
