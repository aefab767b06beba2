"""What callers say, in the forms the parser reads: numbers as digits, simplified characters,
address words for their pinyin, Latin letters without accents.

Each rule is a class of speech, not a list of phrasings: a run of Chinese numerals (幺 and 两
and 洞 as dispatchers say them, 零 anywhere, digits mixed in) is a number wherever a number can
stand; a run of English number words ("five oh one", "thirty two", "one hundred seven") is one
number; a pinyin address word after a number ("19 hao", "2 danyuan") is that word.
"""

import re
import unicodedata
from functools import lru_cache

from opencc import OpenCC  # type: ignore[import-untyped]

from gis.address import chinese_digits

CJK = "\u3400-\u9fff"
_T2S = OpenCC("t2s")
# Variants OpenCC leaves (both forms are in use) that address text spells one way.
_VARIANTS = str.maketrans({"舖": "铺", "鋪": "铺", "衚": "胡", "衕": "同", "裏": "里"})
# Letters NFKD does not take apart: Nordic and German street names typed without them.
_LATIN = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "ß": "ss", "đ": "d", "ł": "l", "þ": "th"})

_ADDRESS_WORD = r"(?:号|栋|幢|座|单元|门|室|楼|层|户|#)"
_NUMERAL_RUN = re.compile(r"[零〇洞一幺二两三四五六七八九十百0-9]+")
# A numeral run is a number when an address word follows it ("三号楼", "一楼商铺"), or when it
# follows an address word or a road name ("二单元五零一", "解放道十九 三号楼"), unless a road
# word follows (长江二道 is a name).
_AFTER_NUMBER = re.compile(rf"^\s*{_ADDRESS_WORD}")
_BEFORE_NUMBER = re.compile(rf"(?:{_ADDRESS_WORD}|\d)\s*$")
_ROAD_BEFORE = re.compile(r"[道路街]\s*$")
_CORRECTION_BEFORE = re.compile(r"(?:不对|不是|说错了?|错了|我是说|应该是)\s*(?:是|应该是)?\s*$")
_NOT_A_WORD_NEXT = re.compile(r"^(?:$|[\s,，。;；、0-9])")
_ROAD_WORD_NEXT = re.compile(r"^(?:大道|大街|道|路|街|巷|胡同)")

_UNITS = {"zero": 0, "oh": 0, "o": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5}
_UNITS |= {"six": 6, "seven": 7, "eight": 8, "nine": 9}
_TEENS = {"ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14}
_TEENS |= {"fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60}
_TENS |= {"seventy": 70, "eighty": 80, "ninety": 90}
_ORDINALS = {"first": "1st", "second": "2nd", "third": "3rd", "fourth": "4th", "fifth": "5th"}
_NUMBER_WORD = "|".join(sorted([*_UNITS, *_TEENS, *_TENS, "hundred"], key=len, reverse=True))
_WORD_RUN = re.compile(
    rf"\b(?:{_NUMBER_WORD})\b(?:(?:\s+|\s*-\s*)(?:and\s+)?(?:{_NUMBER_WORD})\b)*"
)
_ORDINAL = re.compile(rf"\b({'|'.join(_ORDINALS)})\b")

# Pinyin address words after a number, as callers spell what they hear (longest first).
_PINYIN_MARKS = (
    (r"hao\s*lou", "号楼"),
    (r"dan\s*yuan", "单元"),
    (r"hao\s*fang", "号房"),
    (r"hao", "号"),
    (r"dong", "栋"),
    (r"zhuang", "幢"),
    (r"men", "门"),
    (r"shi", "室"),
    (r"ceng", "层"),
    (r"lou", "楼"),
    (r"hu", "户"),
)
_PINYIN_MARK = re.compile(
    r"(?<=\d)\s*(" + "|".join(f"(?:{p})" for p, _ in _PINYIN_MARKS) + r")(?![a-z])"
)
_PINYIN_WORDS = {"yilou": "1楼", "yiceng": "1层", "shangpu": "商铺", "dishang": "底商"}
_PINYIN_WORD = re.compile(rf"\b({'|'.join(_PINYIN_WORDS)})\b")


def simplified(text: str) -> str:
    """Traditional characters to simplified (OpenCC's table), so 衛津道 is 卫津道."""
    if not re.search(f"[{CJK}]", text):
        return text
    return str(_T2S.convert(text)).translate(_VARIANTS)


def latin_folded(text: str) -> str:
    """Accents off Latin letters (Hämeentie → Hameentie); CJK characters pass unchanged."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_LATIN))
    folded = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", folded)


def spoken_to_written(text: str) -> str:
    """Numbers said in words, and pinyin address words, as digits and characters.

    `text` is folded (lower case, NFKC) and simplified already.
    """
    if re.search("[a-z]", text):
        text = _ORDINAL.sub(lambda m: _ORDINALS[m[1]], text)
        text = _WORD_RUN.sub(lambda m: _english_number(m[0]), text)
        text = _PINYIN_WORD.sub(lambda m: _PINYIN_WORDS[m[1]], text)
        text = _PINYIN_MARK.sub(lambda m: _pinyin_mark(m[1]), text)
    if re.search(f"[{CJK}]", text):
        text = _NUMERAL_RUN.sub(lambda m: _chinese_run(m, text), text)
    return text


def _pinyin_mark(said: str) -> str:
    said = said.replace(" ", "")
    return next(word for pattern, word in _PINYIN_MARKS if re.fullmatch(pattern, said))


def _chinese_run(m: re.Match[str], text: str) -> str:
    run = m[0]
    if run.isdigit() or (set(run) <= {"洞"}):  # digits already; 洞 alone is 洞庭, not zero
        return run
    before, after = text[: m.start()], text[m.end() :]
    if _ROAD_WORD_NEXT.match(after):
        return run
    after_road = _ROAD_BEFORE.search(before) and _NOT_A_WORD_NEXT.match(after)  # not 十字路口
    corrected = _CORRECTION_BEFORE.search(before)  # "…不对 是五零二"
    if not (_AFTER_NUMBER.match(after) or _BEFORE_NUMBER.search(before) or after_road or corrected):
        return run
    return chinese_digits(run)


def _english_number(run: str) -> str:
    """ "five oh one" → 501 (digit by digit), "thirty two" → 32, "five hundred one" → 501,
    "five twenty" → 520: each group said is written in turn."""
    words = [w for w in re.split(r"[\s-]+", run) if w and w != "and"]
    if len(words) == 1 and words[0] in ("oh", "o"):
        return run
    out: list[str] = []
    i = 0
    while i < len(words):
        word = words[i]
        value, i = _UNITS.get(word, _TEENS.get(word, _TENS.get(word, 1))), i + 1
        if word == "hundred" or (word in _UNITS and i < len(words) and words[i] == "hundred"):
            i += word != "hundred"
            value, i = _below_hundred(words, i, value * 100)
        elif word in _TENS:
            value, i = _below_hundred(words, i - 1, 0)
        out.append(str(value))
    return "".join(out)


def _below_hundred(words: list[str], i: int, value: int) -> tuple[int, int]:
    """Add the tens and units said from words[i] on ("... twenty one", "... seven")."""
    if i < len(words) and words[i] in _TEENS:
        return value + _TEENS[words[i]], i + 1
    if i < len(words) and words[i] in _TENS:
        value, i = value + _TENS[words[i]], i + 1
    if i < len(words) and _UNITS.get(words[i], 0) > 0:
        value, i = value + _UNITS[words[i]], i + 1
    return value, i


@lru_cache(maxsize=20_000)
def sounds(ch: str) -> frozenset[str]:
    """The readings of a character without tones (every reading of a polyphone)."""
    from pypinyin import Style, pinyin

    if not re.fullmatch(f"[{CJK}]", ch):
        return frozenset({ch})
    return frozenset(pinyin(ch, style=Style.NORMAL, heteronym=True)[0])


# Sounds that speakers (and speech-to-text) confuse: retroflex and flat initials, n/l, front
# and back nasal finals, voiced and voiceless stops.
_NEAR = (
    ("zh", "z"),
    ("ch", "c"),
    ("sh", "s"),
    ("l", "n"),
    ("t", "d"),
    ("p", "b"),
    ("k", "g"),
    ("ing", "in"),
    ("eng", "en"),
    ("ang", "an"),
)


@lru_cache(maxsize=20_000)
def _near_sound(reading: str) -> str:
    for a, b in _NEAR[:7]:
        if reading.startswith(a):
            reading = b + reading[len(a) :]
            break
    for a, b in _NEAR[7:]:
        if reading.endswith(a):
            return reading[: -len(a)] + b
    return reading


SAME_SOUND = 0.3  # 位 for 卫: the same syllable, another character
NEAR_SOUND = 0.6  # 兰 for 南, 提 for 堤: a syllable speakers confuse


def char_cost(a: str, b: str) -> float:
    """The cost of hearing `b` where `a` was meant: 0, a sound-alike, or a wrong character."""
    if a == b:
        return 0.0
    sa, sb = sounds(a), sounds(b)
    if sa & sb:
        return SAME_SOUND
    if {_near_sound(s) for s in sa} & {_near_sound(s) for s in sb}:
        return NEAR_SOUND
    return 1.0


def sound_distance(a: str, b: str) -> float:
    """Position by position, for two texts of one length: the sum of `char_cost`."""
    return sum(char_cost(x, y) for x, y in zip(a, b, strict=True))


@lru_cache(maxsize=4096)
def sound_key(text: str) -> str:
    """One reading per character, joined: what the text sounds like ("weijindao")."""
    from pypinyin import Style, lazy_pinyin

    return "".join(lazy_pinyin(text, style=Style.NORMAL, errors="default"))
