"""What a message tells the public, in Chinese and English: one <info> block per language."""

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from alerts.cap.document import Area, Info
from alerts.cap.profiles import EXPIRES, LANGUAGES, ZoneProfile, cap_sender_names

HEADLINE_MAX = 160  # CAP 1.2 3.2.2: keep headlines short enough for text messages


@dataclass(frozen=True)
class Situation:
    """The facts a message is written from."""

    reference: str
    place: str  # in the local language; never finer than the compound (alerts.cap.place)
    reported_at: datetime
    sent: datetime
    profile: ZoneProfile
    premises_cut_off: int = 0
    place_en: str = ""


def _place(situation: Situation, language: str) -> str:
    place = situation.place_en if language == "en-US" and situation.place_en else situation.place
    if place:
        return place[:80]
    return f"事件{situation.reference}现场" if language == "zh-CN" else "the incident site"


def _metres(situation: Situation) -> int:
    return round(situation.profile.radius_km * 1000)


def _keep_away(s: Situation, language: str) -> str:
    if language == "zh-CN":
        return (
            f"请与现场保持至少{_metres(s)}米距离，并劝离他人。严禁吸烟、明火和启动车辆。"
            "警戒区内不要开关电灯、电器和门铃，不要使用手机。请听从抢修人员和警方指挥。"
        )
    return (
        f"Keep at least {_metres(s)} m away and keep others away. No smoking, flames or "
        "engines. Inside the zone do not switch lights, appliances or doorbells on or off and "
        "do not use phones. Follow the directions of the gas crew and the police."
    )


def _alert(s: Situation, language: str) -> tuple[str, str, str]:
    place, metres = _place(s, language), _metres(s)
    when = f"{timezone.localtime(s.reported_at):%H:%M}"
    if language == "zh-CN":
        return (
            f"{s.profile.event_zh}：请远离{place}周边{metres}米范围",
            f"燃气抢修人员正在处置{place}的{s.profile.event_zh}（编号{s.reference}，{when}报告）。"
            f"险情排除前，现场周边{metres}米范围为警戒区。",
            _keep_away(s, language),
        )
    return (
        f"{s.profile.event_en} near {place}: keep {metres} m away",
        f"Gas emergency crews are dealing with a {s.profile.event_en.lower()} at {place} "
        f"(reference {s.reference}, reported at {when}). Until it is made safe the area within "
        f"{metres} m is an exclusion zone.",
        _keep_away(s, language),
    )


def _update(s: Situation, language: str) -> tuple[str, str, str]:
    place, metres, premises = _place(s, language), _metres(s), s.premises_cut_off
    if language == "zh-CN":
        return (
            f"{s.profile.event_zh}：{place}周边划定区域将停气",
            f"抢修人员正在关闭阀门隔离受损管道（编号{s.reference}），划定区域内约{premises}户"
            f"将暂停供气，直至修复。现场周边{metres}米警戒区仍然有效。",
            _keep_away(s, language)
            + "划定区域内请关闭燃气用具，在接到恢复供气通知前不要重新点火。",
        )
    return (
        f"{s.profile.event_en} near {place}: gas being shut off in the marked area",
        f"Crews are closing valves to isolate the damaged main (reference {s.reference}). "
        f"Gas to about {premises} premises in the marked area stays off until it is repaired. "
        f"The {metres} m exclusion zone around the site still applies.",
        _keep_away(s, language)
        + " In the marked area turn gas appliances off and do not relight them until we tell "
        "you the supply is back.",
    )


def _cancel(s: Situation, language: str, withdrawn: bool) -> tuple[str, str, str]:
    place = _place(s, language)
    if language == "zh-CN":
        if withdrawn:
            return (
                f"{place}{s.profile.event_zh}警报撤销",
                f"编号{s.reference}的事件已撤销，警戒区解除。",
                "无需采取行动。如闻到燃气味，请远离并拨打燃气抢修热线。",
            )
        return (
            f"{place}{s.profile.event_zh}险情已排除，警戒解除",
            f"抢修人员已排除险情（编号{s.reference}），警戒区解除，现场可能仍在维修。",
            "可以返回。请远离施工区域。如闻到燃气味，请远离并拨打燃气抢修热线。",
        )
    if withdrawn:
        return (
            f"{s.profile.event_en} alert near {place} withdrawn",
            f"Incident {s.reference} has been cancelled and the exclusion zone is lifted.",
            "No action is needed. If you smell gas, move away and call the gas emergency line.",
        )
    return (
        f"{s.profile.event_en} near {place} made safe: the exclusion zone is lifted",
        f"Crews have made the site safe (reference {s.reference}) and lifted the exclusion "
        "zone. Repairs may go on at the site.",
        "You may return. Keep clear of the works. If you smell gas, move away and call the "
        "gas emergency line.",
    )


def circle_area(s: Situation, circle: str) -> dict[str, Area]:
    """The exclusion zone around the site, described in each language."""
    metres = _metres(s)
    return {
        "zh-CN": Area(desc=f"{_place(s, 'zh-CN')}周边{metres}米警戒区", circles=(circle,)),
        "en-US": Area(
            desc=f"Exclusion zone: {metres} m around {_place(s, 'en-US')}", circles=(circle,)
        ),
    }


def outline_area(polygons: tuple[str, ...]) -> dict[str, Area]:
    """The area cut off by the isolation: where the gas is being shut off."""
    return {
        "zh-CN": Area(desc="燃气隔离停气区域", polygons=polygons),
        "en-US": Area(desc="Gas shut-off area (isolated mains)", polygons=polygons),
    }


def infos(
    s: Situation,
    msg_type: str,
    areas: dict[str, tuple[Area, ...]],
    *,
    withdrawn: bool = False,
) -> tuple[Info, ...]:
    """The Chinese and English blocks of an Alert, Update or Cancel; `areas` by language."""
    names = cap_sender_names()
    blocks = []
    for language in LANGUAGES:
        if msg_type == "Cancel":
            headline, description, instruction = _cancel(s, language, withdrawn)
        elif msg_type == "Update":
            headline, description, instruction = _update(s, language)
        else:
            headline, description, instruction = _alert(s, language)
        over = msg_type == "Cancel"  # a Cancel says the danger is past (urgency Past, AllClear)
        blocks.append(
            Info(
                language=language,
                categories=s.profile.categories,
                event=s.profile.event_zh if language == "zh-CN" else s.profile.event_en,
                response_types=("AllClear",) if over else s.profile.response_types,
                urgency="Past" if over else "Immediate",
                severity="Minor" if over else s.profile.severity,
                certainty="Observed",
                expires=s.sent + EXPIRES,
                sender_name=names[language],
                headline=headline[:HEADLINE_MAX],
                description=description,
                instruction=instruction,
                areas=areas.get(language, ()),
            )
        )
    return tuple(blocks)
