"""The rules a district-heating and a power company start with, beside gas's
(dispatch.defaults): their case types with the hazard questions, skills and advice of each,
triage, the heating season and the clocks that differ by season and by area class (the
95598 commitments). Shipped by migration dispatch 0033; administrators edit them afterwards."""

from dispatch.choices import Hazard, Skill

HEAT, POWER = "heat", "power"

NO_HEAT_EN = (
    "Check that the radiator valves are open and bleed the radiators if you can. Keep the "
    "windows shut. If someone old, a baby or ill is in the cold, tell us now."
)
NO_HEAT_ZH = (
    "请确认暖气阀门已打开，能放气的请放气，关好门窗保暖。"
    "家中如有老人、婴儿或病人受冻，请立即告诉我们。"
)
HEAT_LEAK_EN = (
    "Keep away from the water and the steam: it can be scalding and the ground may give way. "
    "Keep others back, do not drive through it, and switch off the power to a flooded "
    "basement only if you can do it dry."
)
HEAT_LEAK_ZH = (
    "请远离热水和蒸汽，可能烫伤，路面可能塌陷。"
    "劝离他人，车辆不要驶入。地下室进水时，只有在不沾水的情况下才可断电。"
)
OUTAGE_EN = (
    "Switch off large appliances so they do not all start at once when the power is back. "
    "Keep fridge and freezer doors shut. If anyone depends on powered medical equipment, "
    "tell us now."
)
OUTAGE_ZH = (
    "请关闭大功率电器，以免来电时同时启动。"
    "冰箱冰柜请少开门。家中如有依靠电力的医疗设备，请立即告诉我们。"
)
WIRE_DOWN_EN = (
    "Stay at least 10 metres away from the wire and anything it touches, and keep others "
    "away. Never try to move it, even with a stick. If someone has had a shock, do not touch "
    "them while they touch the wire: call 120."
)
WIRE_DOWN_ZH = (
    "请与电线及其接触物保持至少10米距离，并劝离他人。"
    "不要试图移动电线。如有人触电，在其仍接触电线时不要触碰，请拨打120。"
)
VOLTAGE_EN = "Switch off sensitive appliances (computers, televisions) until the supply is steady."
VOLTAGE_ZH = "请先关闭电脑、电视等精密电器，待电压稳定后再使用。"

# code: (utility, 中文, English, base priority, skills, radius m, window min, merges with,
#        groups by supply, raise after reports, auto dispatch, hazards, advice en, advice zh,
#        message set)
CASE_TYPES = {
    "no_heat": (
        HEAT,
        "暖气不热/停暖",
        "No heat or radiators cold",
        3,
        [Skill.HEAT_SUBSTATIONS],
        300,
        240,
        ["no_heat"],
        True,
        5,
        False,
        [Hazard.VULNERABLE_COLD],
        NO_HEAT_EN,
        NO_HEAT_ZH,
        "heat_progress",
    ),
    "heat_leak": (
        HEAT,
        "供热管道漏水/冒汽",
        "Heating water or steam escaping",
        2,
        [Skill.HEAT_PIPES],
        200,
        240,
        ["heat_leak"],
        False,
        3,
        False,
        [Hazard.HOT_WATER_STEAM, Hazard.FLOODING, Hazard.NEAR_SENSITIVE_SITE],
        HEAT_LEAK_EN,
        HEAT_LEAK_ZH,
        "heat_progress",
    ),
    "power_outage": (
        POWER,
        "停电",
        "Power outage",
        3,
        [Skill.LINE_WORK],
        500,
        240,
        ["power_outage", "wire_down"],
        True,
        5,
        False,
        [Hazard.LIFE_SUPPORT, Hazard.SPARKS_FIRE],
        OUTAGE_EN,
        OUTAGE_ZH,
        "power_progress",
    ),
    "wire_down": (
        POWER,
        "电线断落/打火",
        "Wire down or sparking",
        1,
        [Skill.LINE_WORK],
        150,
        240,
        ["wire_down"],
        False,
        0,
        True,
        [Hazard.PERSON_CONTACT, Hazard.SPARKS_FIRE, Hazard.NEAR_SENSITIVE_SITE],
        WIRE_DOWN_EN,
        WIRE_DOWN_ZH,
        "power_progress",
    ),
    "voltage_problem": (
        POWER,
        "电压异常/灯光闪烁",
        "Low or unsteady voltage",
        3,
        [Skill.TRANSFORMERS],
        300,
        480,
        ["voltage_problem"],
        False,
        5,
        False,
        [],
        VOLTAGE_EN,
        VOLTAGE_ZH,
        "power_progress",
    ),
}

# (case type, hazard, priority)
TRIAGE = [
    ("no_heat", Hazard.VULNERABLE_COLD, 2),
    ("heat_leak", Hazard.HOT_WATER_STEAM, 1),
    ("heat_leak", Hazard.FLOODING, 1),
    ("power_outage", Hazard.LIFE_SUPPORT, 1),
    ("power_outage", Hazard.SPARKS_FIRE, 1),
]

# (code, 中文, English, utility, from month, from day, to month, to day): Tianjin's season.
SEASONS = [("heating", "供暖季", "Heating season", HEAT, 10, 15, 4, 15)]

# (case type, milestone, area class or "", season or "", minutes)
POLICIES = [
    # 95598: arrival within 45, 90 and 120 minutes in urban, rural and remote areas;
    # restored within 3 hours in town and 4 elsewhere.
    *(
        (code, "on_site", area, "", minutes)
        for code in ("power_outage", "wire_down", "voltage_problem")
        for area, minutes in (("urban", 45), ("rural", 90), ("remote", 120))
    ),
    *(
        (code, "completed", area, "", minutes)
        for code in ("power_outage", "wire_down")
        for area, minutes in (("urban", 180), ("rural", 240), ("remote", 240))
    ),
    # Heat: a cold home in the heating season is visited within 2 hours, fixed within 24;
    # out of season within the working day. A leak: on site within 45 minutes in season.
    ("no_heat", "on_site", "", "heating", 120),
    ("no_heat", "completed", "", "heating", 24 * 60),
    ("no_heat", "on_site", "", "", 8 * 60),
    ("heat_leak", "on_site", "", "heating", 45),
]
