"""What a recommendation says to the dispatcher: each crew's reason and what it lacks, in the
active language.

Case types are data (dispatch.categories): their names are read from the rules, once per
process and language, again when a code not seen before comes up. A renamed case type shows
by its new name after a restart; a new one at once. (A recommendation must cost no query
beyond its own: it answers in one.)
"""

import functools
from datetime import datetime

from django.utils import timezone
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _

from dispatch.categories import category_names
from dispatch.choices import Skill

# What a crew that is not the ideal one lacks (the `kind` of each entry in `lacks`).
SKILL = "skill"
BUSY = "busy"
OFF_SHIFT = "off_shift"

_names: dict[str, dict[str, str]] = {}  # language -> case type code -> name


def category_label(code: str) -> str:
    """A case type's name in the active language (its code when no rule has it)."""
    language = get_language() or "en"
    names = _names.get(language)
    if names is None or code not in names:  # first time, or a case type added since
        names = _names[language] = category_names(language)
    return names.get(code, code)


def skill_label(code: str) -> str:
    """A skill's name (its code when it is one the code base does not know yet)."""
    try:
        return str(Skill(code).label)
    except ValueError:
        return code


def clock(at: datetime) -> str:
    """Local time of day, as a dispatcher says it: 14:20."""
    return timezone.localtime(at).strftime("%H:%M")


# --- lacks ---------------------------------------------------------------------------------


def lack_skill(code: str) -> dict[str, object]:
    return {
        "kind": SKILL,
        "skill": code,
        "text": _("lacks %(skill)s") % {"skill": skill_label(code)},
    }


def lack_busy(
    *, work_order_id: int | None, reference: str | None, until: datetime | None, on_break: bool
) -> dict[str, object]:
    if on_break:
        text = (
            _("on a break until about %(time)s") % {"time": clock(until)}
            if until
            else _("on a break")
        )
    elif reference is None:
        text = _("busy")
    elif until is None:
        text = _("busy on %(reference)s") % {"reference": reference}
    else:
        text = _("busy on %(reference)s until about %(time)s") % {
            "reference": reference,
            "time": clock(until),
        }
    return {
        "kind": BUSY,
        "work_order_id": work_order_id,
        "until": until.isoformat() if until else None,
        "text": text,
    }


def lack_off_shift(*, back: datetime | None) -> dict[str, object]:
    text = _("off shift until %(time)s") % {"time": clock(back)} if back else _("off shift")
    return {"kind": OFF_SHIFT, "from": back.isoformat() if back else None, "text": text}


# --- reasons -------------------------------------------------------------------------------


def reason_head(
    *,
    rank: int,
    metres: float,
    eta_s: float,
    behind_s: float,
    by_road: bool,
    detour: float,
    speed_kmh: float,
) -> str:
    """'2nd: 800 m by road, ETA 58 s (29 s after the 1st)'."""
    how = _("by road") if by_road else _("in a straight line")
    head = _("%(rank)s: %(distance)s %(how)s, ETA %(eta)s") % {
        "rank": ordinal(rank),
        "distance": distance(metres),
        "how": how,
        "eta": duration(eta_s),
    }
    if rank > 1:
        if behind_s >= 1:
            head += _(" (%(behind)s after the 1st)") % {"behind": duration(behind_s)}
        elif behind_s <= -1:  # a crew that is not ideal, nearer than the ideal 1st
            head += _(" (%(ahead)s sooner than the 1st)") % {"ahead": duration(-behind_s)}
        else:
            head += _(" (as fast as the 1st)")
    if not by_road:
        head += _(" (x%(detour)s for detours at %(speed).0f km/h)") % {
            "detour": detour,
            "speed": speed_kmh,
        }
    return head


def reason_preempts(*, work_order_id: int, priority: int | None, category: str | None) -> str:
    what = category_label(category).lower() if category else ""
    return _("preempts WO-%(id)s (P%(priority)s %(category)s)") % {
        "id": work_order_id,
        "priority": priority,
        "category": what,
    }


def reason_shift(*, round_the_clock: bool, shift_end: str) -> str:
    if round_the_clock:
        return _("on shift round the clock")
    return _("on shift until %(time)s") % {"time": shift_end}


def reason_position_age(seconds: float) -> str:
    return _("position %(age)s old") % {"age": duration(seconds)}


def skills_text(skills: tuple[str, ...]) -> str:
    """'has leak survey + make safe' (the rule's skills the crew has)."""
    return _skills_text(skills, get_language() or "en")


@functools.cache
def _skills_text(skills: tuple[str, ...], language: str) -> str:
    if not skills:
        return _("no special skill needed")
    return _("has %(skills)s") % {"skills": " + ".join(skill_label(s).lower() for s in skills)}


def ordinal(n: int) -> str:
    """'2nd' in English, '第2' in Chinese: one message per English suffix."""
    if 10 <= n % 100 <= 20 or n % 10 not in (1, 2, 3):
        said = pgettext("rank of a crew", "%(n)sth")
    elif n % 10 == 1:
        said = pgettext("rank of a crew", "%(n)sst")
    elif n % 10 == 2:
        said = pgettext("rank of a crew", "%(n)snd")
    else:
        said = pgettext("rank of a crew", "%(n)srd")
    return said % {"n": n}


def distance(metres: float) -> str:
    return f"{metres:.0f} m" if metres < 1000 else f"{metres / 1000:.1f} km"


def duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
