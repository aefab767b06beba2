"""Any way a caller or call taker writes an address, turned into its parts.

Chinese order runs from the district down to the room ("河西区友谊路32号3号楼2单元501"),
English order from the room up ("Room 501, Unit 2, Building 3, No. 32 Youyi Road, Hexi
District"). Rather than one grammar per order, the text is cut into tokens (a number with the
word that marks it, a run of Chinese characters, a run of English words) and each number is
read by its marker; unmarked numbers fill the parts still missing, in address order.

Choices where usage is ambiguous:
- "N楼" is a building ("3楼2单元") unless it can only be a floor: after the unit, after the
  room, or when the room that follows starts with N ("5楼501" is room 501 on the 5th floor).
- "N号" after the house number is a building ("32号3号2单元501"), after the unit a room.
- "a-b-c" after the house number is building-unit-room; "a-b-c-d" is number-building-unit-room;
  "a-b" after the house number is building-room (the unit left open).
- A bare number fills the house number first; after it, a number of three or more digits is
  the room, a shorter one the building, then the unit.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from gis.geocoding.normalize import CJK, english_key, english_suffix, prepare

_KEYWORDS = {
    "room": "room",
    "rm": "room",
    "flat": "room",
    "apt": "room",
    "apartment": "room",
    "suite": "room",
    "unit": "unit",
    "entrance": "unit",
    "building": "building",
    "bldg": "building",
    "bld": "building",
    "blk": "building",
    "block": "building",
    "tower": "building",
    "number": "house",
    "num": "house",
    "no": "house",
    "house": "house",
    "floor": "floor",
    "flr": "floor",
    "fl": "floor",
}
_MARKS = {
    "号楼": "building",
    "#楼": "building",
    "#": "building",
    "栋": "building",
    "幢": "building",
    "座": "building",
    "单元": "unit",
    "门": "unit",
    "号房": "room",
    "室": "room",
    "层": "floor",
    "f": "floor",
    "号": "number",
    "楼": "building_or_floor",
}


def _alternation(words: Iterable[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_TOKEN = re.compile(
    r"(?P<short>\d+(?:\s*[-/]\s*\d+)+)"
    rf"|(?:(?P<kw>{_alternation(_KEYWORDS)})(?![a-z])\.?\s*[#:]?\s*|#\s*)(?P<kwnum>\d+)"
    r"|(?P<ord>\d+(?:st|nd|rd|th))(?![a-z])(?:\s*(?P<ordfloor>floor|flr|fl)(?![a-z]))?"
    rf"|(?P<num>\d+)\s*(?P<mark>{_alternation(_MARKS)})?(?![a-z])"
    r"|(?P<word>[a-z][a-z']*)"
    rf"|(?P<han>[{CJK}]+)"
    r"|(?P<sep>[,，;；、|()（）]+)"
)
_DISTRICT_WORDS = frozenset({"district", "dist", "qu"})
_STOPWORDS = frozenset({"tianjin", "city", "china", "prc", "the", "of", "near", "at", "in"})
_CITY_PREFIX = re.compile(rf"^(?:中国)?[{CJK}]{{2,3}}?市")
# Two or three characters and 区/县, but not a housing estate (阳光小区, 和平社区, 软件园区).
_DISTRICT = re.compile(rf"^[{CJK}]{{2,3}}?(?<![小社园])[区县]")
_NUMERIC = frozenset({"short", "part", "num"})
_FILLER = re.compile(r"^(?:我家在|我家住|地址是|地址|住在|位于|在)")


class Token(NamedTuple):
    kind: str  # short, part, num, word, han, sep
    value: str
    part: str = ""  # for "part": which part the marker or keyword names


@dataclass(frozen=True)
class ParsedAddress:
    """The parts found in one text; empty strings for parts the text does not give."""

    district: str = ""
    district_en: str = ""
    road: str = ""  # the local road text as written (folded), e.g. 友谊道 or 友宜道
    road_unsplit: str = ""  # district short name and road together, if it may be one name
    road_en: str = ""  # English stem key, e.g. "youyi"
    road_en_suffix: str = ""  # canonical English road word, e.g. "avenue"
    house_number: str = ""
    building: str = ""
    unit: str = ""
    room: str = ""
    floor: str = ""
    extra: str = ""  # words left over beside the road ("小学", "primary school")

    @property
    def has_road(self) -> bool:
        return bool(self.road or self.road_en)


@dataclass
class _Parts:
    values: dict[str, str] = field(default_factory=dict)

    def get(self, part: str) -> str:
        return self.values.get(part, "")

    def put(self, part: str, value: str) -> None:
        self.values.setdefault(part, value)

    def put_bare(self, value: str) -> None:
        if not self.get("house"):
            self.put("house", value)
        elif len(value) >= 3 and not self.get("room"):
            self.put("room", value)
        else:
            for part in ("building", "unit", "room"):
                if not self.get(part):
                    self.put(part, value)
                    return


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    for m in _TOKEN.finditer(text):
        if m["short"]:
            tokens.append(Token("short", "-".join(_number(n) for n in re.findall(r"\d+", m[0]))))
        elif m["kwnum"]:
            part = _KEYWORDS[m["kw"]] if m["kw"] else "house"
            tokens.append(Token("part", _number(m["kwnum"]), part))
        elif m["ord"]:
            kind = "part" if m["ordfloor"] else "word"
            tokens.append(Token(kind, m["ord"][:-2] if m["ordfloor"] else m["ord"], "floor"))
        elif m["num"]:
            mark = _MARKS.get(m["mark"] or "", "")
            tokens.append(Token("part" if mark else "num", _number(m["num"]), mark))
        elif m["word"]:
            tokens.append(Token("word", m["word"]))
        elif m["han"]:
            tokens.append(Token("han", m["han"]))
        else:
            tokens.append(Token("sep", m[0]))
    return tokens


def _number(digits: str) -> str:
    return str(int(digits))


def _read_numbers(tokens: list[Token]) -> _Parts:
    parts = _Parts()
    numeric = [t for t in tokens if t.kind in _NUMERIC]
    for i, token in enumerate(numeric):
        following = numeric[i + 1] if i + 1 < len(numeric) else None
        if token.kind == "short":
            _read_short(parts, token.value.split("-"))
        elif token.kind == "num":
            parts.put_bare(token.value)
        elif token.part == "number":
            if not parts.get("house"):
                parts.put("house", token.value)
            elif not parts.get("unit") and not parts.get("building"):
                parts.put("building", token.value)
            else:
                parts.put("room", token.value)
        elif token.part == "building_or_floor":
            parts.put("floor" if _is_floor(parts, token, following) else "building", token.value)
        else:
            parts.put(token.part, token.value)
    return parts


def _is_floor(parts: _Parts, token: Token, following: Token | None) -> bool:
    if parts.get("unit") or parts.get("room"):
        return True
    room_next = following is not None and (following.kind == "num" or following.part == "room")
    nxt = following.value if following is not None and room_next else ""
    return nxt.startswith(token.value) and len(nxt) == len(token.value) + 2


def _read_short(parts: _Parts, numbers: list[str]) -> None:
    if not parts.get("house"):
        parts.put("house", numbers.pop(0))
    if len(numbers) >= 3:
        for part, value in zip(("building", "unit", "room"), numbers, strict=False):
            parts.put(part, value)
    elif len(numbers) == 2:
        first = "unit" if parts.get("building") else "building"
        parts.put(first, numbers[0])
        parts.put("room", numbers[1])
    elif numbers:
        parts.put_bare(numbers[0])


def _local_text(tokens: list[Token]) -> str:
    """The Chinese runs before the first number (district and road), else the first after."""
    first = next((i for i, t in enumerate(tokens) if t.kind in _NUMERIC), len(tokens))
    before = [t.value for t in tokens[:first] if t.kind == "han"]
    if before:
        return "".join(before)
    return next((t.value for t in tokens[first:] if t.kind == "han"), "")


def _split_district(text: str, districts: frozenset[str]) -> tuple[str, str, str]:
    """("河西区", "友谊道", "") from "天津市河西区友谊道"; districts known by name or by regex.

    A district written without 区 may be the start of a road name (河北二道 is a road, not
    河北区 + 二道), so the text as it stood is returned as well.
    """
    text = _FILLER.sub("", _CITY_PREFIX.sub("", text))
    for district in sorted(districts, key=len, reverse=True):
        short = district.rstrip("区县")
        if text.startswith(district) and len(text) > len(district):
            return district, text[len(district) :], ""
        if short and text.startswith(short) and len(text) > len(short):
            return district, text[len(short) :], text
    m = _DISTRICT.match(text)
    if m and len(text) > m.end():
        return m[0], text[m.end() :], ""
    return "", text, ""


def _word_runs(tokens: list[Token]) -> list[list[str]]:
    runs: list[list[str]] = [[]]
    for token in tokens:
        if token.kind == "word":
            runs[-1].append(token.value)
        elif runs[-1]:
            runs.append([])
    return [run for run in runs if run]


def _english(tokens: list[Token]) -> tuple[str, str, str, str]:
    """(district, road stem key, road word, leftover words) from the English words."""
    district, candidates = "", list[list[str]]()
    for run in _word_runs(tokens):
        cut = next((i for i, w in enumerate(run) if w in _DISTRICT_WORDS and i > 0), None)
        if cut is not None:
            district = district or " ".join(run[:cut])
            run = run[cut + 1 :]
        run = [w for w in run if w not in _STOPWORDS]
        if run:
            candidates.append(run)
    for run in candidates:
        at = next((i for i, w in enumerate(run) if i > 0 and english_suffix(w)), None)
        if at is not None:
            leftover = " ".join(run[at + 1 :])
            return district, english_key(" ".join(run[:at])), english_suffix(run[at]), leftover
    if candidates:
        longest = max(candidates, key=lambda run: len(run))
        return district, english_key(" ".join(longest)), "", ""
    return district, "", "", ""


def parse_address(text: str, *, districts: frozenset[str] = frozenset()) -> ParsedAddress:
    """The parts of an address as written; `districts` are the local district names known."""
    tokens = tokenize(prepare(text))
    parts = _read_numbers(tokens)
    district, road, unsplit = _split_district(_local_text(tokens), districts)
    if not district:  # a district written after the road: "友谊道32号，河西区"
        written = (t.value for t in tokens if t.kind == "han" and _DISTRICT.fullmatch(t.value))
        district = next(written, "")
    district_en, road_en, suffix, leftover = _english(tokens)
    return ParsedAddress(
        district=district,
        district_en=district_en,
        road=road,
        road_unsplit=unsplit,
        road_en=road_en,
        road_en_suffix=suffix,
        house_number=parts.get("house"),
        building=parts.get("building"),
        unit=parts.get("unit"),
        room=parts.get("room"),
        floor=parts.get("floor"),
        extra=leftover,
    )


_CORNER_TAIL = re.compile(r"(?:十字路口|丁字路口|交叉口|交口|路口|口|附近|一带|交汇处)+$")
_CORNER_EN = re.compile(
    r"^(?:the )?(?:corner|junction|intersection|crossing) of |"
    r" (?:junction|intersection|crossing|corner)$"
)
_JOIN_LOCAL = re.compile(r"与|和|跟|及|同|交|、|&|/")
_JOIN_EN = re.compile(r"\s+(?:and|at|x)\s+|\s*[&/]\s*")


def intersection_sides(text: str) -> list[tuple[str, str]]:
    """Every way to read the text as "road A meets road B": "友谊路与解放道交口",
    "Youyi Rd & Jiefang Ave". Several splits when a joining word could sit inside a name
    (和 in 呼和浩特道); the caller keeps the one whose sides are both roads."""
    text = prepare(text)
    if re.search(r"\d(?!\d*(?:st|nd|rd|th)\b)", text):
        return []  # a number makes it an address, not a corner
    if re.search(f"[{CJK}]", text):
        text = _FILLER.sub("", _CORNER_TAIL.sub("", text))
        joins = _JOIN_LOCAL
    else:
        text = _CORNER_EN.sub("", text)
        joins = _JOIN_EN
    sides = [(text[: m.start()].strip(), text[m.end() :].strip()) for m in joins.finditer(text)]
    return [(a, b) for a, b in sides if a and b]
