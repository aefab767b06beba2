"""The rules a new installation ships with. Administrators edit them afterwards (admin)."""

from dispatch.choices import Category, Hazard, Skill

LEAVE_EN = (
    "Leave the building now and keep others out. Do not switch lights or appliances "
    "on or off, do not use a lighter or a phone inside. If it is safe, open doors and "
    "windows on your way out. Call us back from outside if anything changes."
)
LEAVE_ZH = (
    "请立即离开建筑物，并劝阻他人进入。不要开关电灯和电器，不要在室内使用打火机或手机。"
    "在安全的情况下打开门窗通风。到室外安全地点后如有变化请再来电。"
)
OUTDOOR_EN = (
    "Keep away from the smell and keep others away. No smoking, flames or engines "
    "nearby. Do not try to find or stop the leak yourself."
)
OUTDOOR_ZH = "请远离气味区域并劝离他人。附近严禁吸烟、明火和启动车辆。不要自行寻找或处理漏点。"
CO_EN = (
    "Get everyone into fresh air now and leave doors open. Turn off gas appliances if you "
    "can do it on the way. Anyone with a headache, dizziness or sickness needs a doctor: "
    "call 120."
)
CO_ZH = (
    "请所有人立即到室外空气新鲜处，门窗保持打开。顺手可关闭燃气用具。"
    "如有头痛、头晕、恶心请拨打120就医。"
)
FIRE_EN = (
    "Call 119 if you have not. Leave the area and keep everyone back. Do not fight a gas fire."
)
FIRE_ZH = "如未报警请拨打119。立即撤离并让他人远离。不要扑救燃气火焰。"
NO_GAS_EN = (
    "Turn off every gas appliance and keep them off until the supply is back and our "
    "crew or notice tells you it is safe to relight."
)
NO_GAS_ZH = "请关闭所有燃气用具，在恢复供气并接到我们通知前不要重新点火。"

# category: (中文, base priority, needs incident, skills, radius m, window min, merges with,
#            groups by supply, raise after reports, auto dispatch, advice en, advice zh)
CATEGORY_RULES = {
    Category.LEAK_INDOOR: (
        "室内燃气泄漏",
        1,
        True,
        [Skill.LEAK_SURVEY, Skill.MAKE_SAFE],
        100,
        120,
        [Category.LEAK_INDOOR, Category.LEAK_OUTDOOR],
        False,
        0,
        True,
        LEAVE_EN,
        LEAVE_ZH,
    ),
    Category.LEAK_OUTDOOR: (
        "室外燃气泄漏",
        2,
        True,
        [Skill.LEAK_SURVEY, Skill.MAKE_SAFE],
        200,
        180,
        [Category.LEAK_OUTDOOR, Category.LEAK_INDOOR, Category.THIRD_PARTY_DAMAGE],
        False,
        3,
        False,
        OUTDOOR_EN,
        OUTDOOR_ZH,
    ),
    Category.CO_ALARM: (
        "一氧化碳报警",
        1,
        True,
        [Skill.LEAK_SURVEY, Skill.MAKE_SAFE],
        50,
        120,
        [Category.CO_ALARM, Category.LEAK_INDOOR],
        False,
        0,
        True,
        CO_EN,
        CO_ZH,
    ),
    Category.FIRE: (
        "火灾或爆炸",
        1,
        True,
        [Skill.MAKE_SAFE, Skill.LEAK_SURVEY],
        300,
        240,
        [Category.FIRE, Category.LEAK_OUTDOOR, Category.LEAK_INDOOR, Category.THIRD_PARTY_DAMAGE],
        False,
        0,
        True,
        FIRE_EN,
        FIRE_ZH,
    ),
    Category.THIRD_PARTY_DAMAGE: (
        "第三方破坏管道",
        1,
        True,
        [Skill.MAKE_SAFE, Skill.PE_WELDING],
        300,
        240,
        [Category.THIRD_PARTY_DAMAGE, Category.LEAK_OUTDOOR, Category.FIRE],
        False,
        0,
        True,
        OUTDOOR_EN,
        OUTDOOR_ZH,
    ),
    Category.NO_GAS: (
        "停气",
        3,
        True,
        [Skill.SERVICE_LINES],
        1000,
        240,
        [Category.NO_GAS, Category.LOW_PRESSURE],
        True,
        5,
        False,
        NO_GAS_EN,
        NO_GAS_ZH,
    ),
    Category.LOW_PRESSURE: (
        "气压低",
        3,
        True,
        [Skill.SERVICE_LINES],
        1000,
        240,
        [Category.LOW_PRESSURE, Category.NO_GAS],
        True,
        5,
        False,
        NO_GAS_EN,
        NO_GAS_ZH,
    ),
    Category.METER_FAULT: (
        "表具故障",
        3,
        True,
        [Skill.METERS],
        20,
        1440,
        [Category.METER_FAULT],
        False,
        0,
        False,
        "",
        "",
    ),
    Category.REPAIR: (
        "报修",
        4,
        True,
        [Skill.SERVICE_LINES],
        20,
        1440,
        [Category.REPAIR],
        False,
        0,
        False,
        "",
        "",
    ),
    Category.COMPLAINT: ("投诉", 4, True, [], 0, 0, [], False, 0, False, "", ""),
    Category.NEW_CONNECTION: (
        "新装接驳",
        4,
        True,
        [Skill.SERVICE_LINES],
        0,
        0,
        [],
        False,
        0,
        False,
        "",
        "",
    ),
    Category.INSPECTION: ("安检预约", 4, True, [Skill.METERS], 0, 0, [], False, 0, False, "", ""),
    Category.CONSULTATION: ("咨询", 4, False, [], 0, 0, [], False, 0, False, "", ""),
    Category.BILLING: ("账单", 4, False, [], 0, 0, [], False, 0, False, "", ""),
}

# (category or "" for all, hazard, priority)
TRIAGE_RULES = [
    ("", Hazard.SOMEONE_UNWELL, 1),
    ("", Hazard.IGNITION, 1),
    ("", Hazard.INSIDE_BUILDING, 1),
    (Category.LEAK_OUTDOOR, Hazard.STRONG_SMELL, 1),
    (Category.LEAK_OUTDOOR, Hazard.HISSING, 1),
    (Category.LEAK_OUTDOOR, Hazard.NEAR_SENSITIVE_SITE, 1),
    (Category.NO_GAS, Hazard.NEAR_SENSITIVE_SITE, 2),
    (Category.LOW_PRESSURE, Hazard.NEAR_SENSITIVE_SITE, 2),
    (Category.METER_FAULT, Hazard.STRONG_SMELL, 2),
]

# (priority or None, category or "", milestone, minutes, working days)
SLA_POLICIES = [
    (1, "", "work_order", 5, None),
    (1, "", "on_site", 30, None),
    (1, "", "made_safe", 12 * 60, None),
    (2, "", "work_order", 15, None),
    (2, "", "on_site", 60, None),
    (2, "", "made_safe", 24 * 60, None),
    (3, "", "work_order", 60, None),
    (3, "", "on_site", 24 * 60, None),
    (4, "", "work_order", None, 1),
    (4, "", "on_site", None, 5),
    (None, Category.COMPLAINT, "reply", 5 * 24 * 60, None),
    (None, "", "call_back", None, 1),
]
