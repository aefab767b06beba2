"""Turning one cell's text into a value, or a ValueError whose message tells the utility what
to write instead. Shared by the import-export widgets and the customers' bulk path."""

import re
from datetime import time

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from dispatch.choices import Skill
from dispatch.roles import Role

_LIST = re.compile(r"[;,，；、|/\s]+")
_PHONE_NOISE = re.compile(r"[\s\-()（）.]")
_PHONE = re.compile(r"\+?\d{5,20}")  # 95598 and 12345 hotlines up to international numbers
_SHIFT = re.compile(r"(\d{1,2}):?(\d{2})\s*(?:-|–|—|~|～|至|到)\s*(\d{1,2}):?(\d{2})")
_YES = frozenset({"1", "y", "yes", "true", "t", "x", "是", "√"})
_NO = frozenset({"", "0", "n", "no", "false", "f", "否"})


def items(text: str) -> list[str]:
    """A list written in one cell: separated by ; , 、 | / or spaces."""
    return [item for item in _LIST.split(text or "") if item]


def phone_clean(text: str) -> str:
    """One phone number, spaces, dashes and brackets removed."""
    number = _PHONE_NOISE.sub("", text or "")
    if not _PHONE.fullmatch(number):
        raise ValueError(
            _("%s is not a phone number: digits only (a leading + allowed), 5 to 20 of them") % text
        )
    return number


def phones_clean(text: str) -> list[str]:
    """Several numbers in one cell, separated by ; , 、 | or /, in the order written."""
    numbers = []
    for part in re.split(r"[;,，；、|/]+", text or ""):
        if part.strip():
            number = phone_clean(part)
            if number not in numbers:
                numbers.append(number)
    return numbers


def email_clean(text: str) -> str:
    text = (text or "").strip()
    if text:
        try:
            validate_email(text)
        except ValidationError as error:
            raise ValueError(_("%s is not an e-mail address") % text) from error
    return text


def flag_clean(text: str) -> bool:
    value = (text or "").strip().lower()
    if value in _YES:
        return True
    if value in _NO:
        return False
    raise ValueError(_("%s is not yes or no: write 1 or 0 (or leave it empty for no)") % text)


def skills_clean(text: str) -> list[str]:
    """Skill codes, sorted (so that the order written never counts as a change)."""
    written = items(text)
    valid = set(Skill.values)
    unknown = [s for s in written if s.lower() not in valid]
    if unknown:
        raise ValueError(
            _("unknown skill(s) %(unknown)s: the skill codes are %(valid)s")
            % {"unknown": ", ".join(unknown), "valid": ", ".join(Skill.values)}
        )
    return sorted({s.lower() for s in written})


def role_clean(text: str) -> str:
    value = (text or "").strip().lower().replace(" ", "_")
    if value not in Role.values:
        raise ValueError(
            _("unknown role %(role)s: the role codes are %(valid)s")
            % {"role": text, "valid": ", ".join(Role.values)}
        )
    return value


def shift_clean(text: str) -> tuple[time, time]:
    """'08:00-20:00' (or 0800-2000, 08:00~20:00, 08:00至20:00); an end before the start runs
    past midnight."""
    match = _SHIFT.fullmatch((text or "").strip())
    if match:
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if h1 < 24 and h2 < 24 and m1 < 60 and m2 < 60 and (h1, m1) != (h2, m2):
            return time(h1, m1), time(h2, m2)
    raise ValueError(
        _("%s is not a shift: write start-end as 08:00-20:00 (20:00-08:00 runs past midnight)")
        % text
    )
