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
    "户": "room",
    "层": "floor",
    "f": "floor",
    "号": "number",
    "楼": "building_or_floor",
}


def _alternation(words: Iterable[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


# A telephone number said after the address ("…502 电话13812345678", "022-23456789") is how
# to call back, not a part of the address.
_PHONE = r"(?<!\d)(?:1[3-9]\d{9}|0\d{2,3}-\d{7,8})(?![\d-])"
# Marks that begin another word: "502楼下" is the flat and where the caller stands (楼下,
# 楼上, 楼道, 楼梯, 楼顶); "501 座机…" is the flat and a landline.
_NOT_A_MARK_BEFORE = {"楼": "下上道梯顶", "座": "机位"}
_MARK = "|".join(
    re.escape(m) + (f"(?![{_NOT_A_MARK_BEFORE[m]}])" if m in _NOT_A_MARK_BEFORE else "")
    for m in sorted(_MARKS, key=len, reverse=True)
)

_TOKEN = re.compile(
    rf"(?P<phone>{_PHONE})"
    r"|(?P<short>\d+(?:\s*[-/]\s*\d+)+)"
    rf"|(?:(?P<kw>{_alternation(_KEYWORDS)})(?![a-z])\.?\s*[#:]?\s*|(?P<hash>#)\s*)(?P<kwnum>\d+)"
    r"|(?P<ord>\d+(?:st|nd|rd|th))(?![a-z])(?:\s*(?P<ordfloor>floor|flr|fl)(?![a-z]))?"
    r"|(?P<postcode>\d{5,6})(?!\d)"
    r"|(?P<lettered>\d+)\s?(?P<letter>[a-eg-z])(?![a-z'])"
    rf"|(?P<num>\d+)\s*(?:(?P<mark>{_MARK})(?!道))?(?![a-z])"
    r"|(?P<word>[a-z][a-z']*)"
    rf"|(?P<han>[{CJK}]+)"
    r"|(?P<sep>[,，;；、|()（）]+)"
)
_DISTRICT_WORDS = frozenset({"district", "dist", "qu"})
_STOPWORDS = frozenset({"tianjin", "city", "china", "prc", "the", "of", "near", "at", "in"})
_CITY_PREFIX = re.compile(rf"^(?:中国)?[{CJK}]{{2,3}}?市")
# Two or three characters and 区/县, but not a housing estate (阳光小区, 和平社区, 软件园区).
_DISTRICT = re.compile(rf"^[{CJK}]{{2,3}}?(?<![小社园])[区县]")
_NUMERIC = frozenset({"short", "part", "num", "lettered"})
FILLER = re.compile(r"^(?:我家在|我家住|地址是|地址|住在|位于|在)")
# After the address, what the caller says about it: "…501 有煤气味", "…号 厨房漏气了".
_COMPLAINT = re.compile(r"[有气味漏闻坏没请快着爆报修了嘶晕不疼烧响冒]")


# How far and which way from the place: "医院往南100米", "路口东边五十米左右", "50 m north of".
_ASIDE = re.compile(
    r"(?:往|向|朝)?[东南西北]{1,2}(?:边|侧|面|方向)?(?:大概|大约|约)?"
    r"[0-9０-９零一二两三四五六七八九十百几]+多?(?:米|公里|步)(?:左右)?"
    r"|\b\d+\s*(?:m|metres|meters|yards|yds)\s+(?:north|south|east|west)\w*(?:\s+of)?\b",
    re.IGNORECASE,
)


def without_asides(text: str) -> str:
    """The text without a distance and direction from the place, whose number is no part
    of an address."""
    return _ASIDE.sub(" ", text)


class Token(NamedTuple):
    kind: str  # short, part, num, lettered, postcode, phone, word, han, sep
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
    house_letter: str = ""  # "b" of "Paasivuorenkatu 5 B" or "5b"
    house_range: str = ""  # "3-5" of "Mannerheimintie 3-5": also the house_number then
    postcode: str = ""
    unplaced: tuple[str, ...] = ()  # numbers read that no part took: never an exact answer
    floor_or_building: bool = False  # the building came from "N楼", which may be a floor
    latin_runs: tuple[str, ...] = ()  # each run of Latin words, as one key ("jiefangdao")

    @property
    def has_road(self) -> bool:
        return bool(self.road or self.road_en)


@dataclass
class _Parts:
    values: dict[str, str] = field(default_factory=dict)
    unplaced: list[str] = field(default_factory=list)
    western: bool = False  # "Hämeentie 12 A 4": a number after the house is the flat

    def get(self, part: str) -> str:
        return self.values.get(part, "")

    def put(self, part: str, value: str) -> None:
        if part in self.values and self.values[part] != value:
            self.unplaced.append(value)
        self.values.setdefault(part, value)

    def put_bare(self, value: str) -> None:
        if not self.get("house"):
            self.put("house", value)
        elif (len(value) >= 3 or self.western) and not self.get("room"):
            self.put("room", value)
        else:
            for part in ("building", "unit", "room"):
                if not self.get(part):
                    self.put(part, value)
                    return
            self.unplaced.append(value)


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    for m in _TOKEN.finditer(text):
        if m["phone"]:
            tokens.append(Token("phone", m[0]))
        elif m["short"]:
            tokens.append(Token("short", "-".join(_number(n) for n in re.findall(r"\d+", m[0]))))
        elif m["kwnum"]:
            part = _KEYWORDS[m["kw"]] if m["kw"] else "hash"
            tokens.append(Token("part", _number(m["kwnum"]), part))
        elif m["postcode"]:
            tokens.append(Token("postcode", m["postcode"]))
        elif m["lettered"]:
            tokens.append(Token("lettered", _number(m["lettered"]), m["letter"]))
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


def _read_numbers(tokens: list[Token], *, latin: bool) -> _Parts:
    parts = _Parts()
    numeric = _address_numbers(tokens)
    hashed = [t.value for t in numeric if t.part == "hash"]
    numeric = [t for t in numeric if t.part != "hash"]
    for i, token in enumerate(numeric):
        following = numeric[i + 1] if i + 1 < len(numeric) else None
        if token.kind == "short":
            numbers = token.value.split("-")
            if latin and not parts.get("house") and _is_range(numbers):
                parts.put("house", token.value)
                parts.put("range", token.value)
                parts.western = True
            else:
                _read_short(parts, numbers)
        elif token.kind == "lettered":
            if not parts.get("house"):
                parts.put("house", token.value)
                parts.put("letter", token.part)
                parts.western = latin
            else:
                parts.put_bare(token.value)
                parts.put("letter", token.part)
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
    for value in hashed:  # "#501": the house number if none other, else a flat or building
        parts.put_bare(value)
    floor, room = parts.get("floor"), parts.get("room")
    if floor and room and len(room) <= 2:  # "5楼01", "五楼一号", "5楼1户": room 501
        parts.values["room"] = f"{floor}{int(room):02d}"
    return parts


def _address_numbers(tokens: list[Token]) -> list[Token]:
    """The numeric tokens of the address: none from what the caller says after it."""
    numeric: list[Token] = []
    for token in tokens:
        if token.kind in _NUMERIC:
            numeric.append(token)
        elif token.kind == "han" and numeric and _COMPLAINT.search(token.value):
            break
    return numeric


# "…五零一 噢不对 是五零二": the caller takes a number back; the one said after replaces it.
_CORRECTION = re.compile(r"不对|不是|说错|错了|我是说|应该是")


def _split_correction(tokens: list[Token]) -> tuple[list[Token], list[Token]]:
    """The tokens up to a correction, and the numbers said after it (before any complaint)."""
    for i, token in enumerate(tokens):
        if token.kind == "han" and _CORRECTION.search(token.value):
            if any(t.kind in _NUMERIC for t in tokens[:i]):
                rest = [Token("han", _CORRECTION.split(token.value)[-1]), *tokens[i + 1 :]]
                return tokens[:i], _address_numbers(rest)
            break
    return tokens, []


def _correct(parts: _Parts, corrections: list[Token]) -> None:
    """Each corrected number replaces the part it names, or the part of as many digits."""
    for token in corrections:
        named = {"number": "house"}.get(token.part, token.part)
        if token.kind == "part" and named in ("house", "building", "unit", "room", "floor"):
            parts.values[named] = token.value
            continue
        same = [
            p
            for p in ("room", "house", "building", "unit")
            if token.kind == "num" and len(parts.get(p)) == len(token.value)
        ]
        if same:
            parts.values[same[0]] = token.value
        else:
            parts.unplaced.append(token.value)


def _is_range(numbers: list[str]) -> bool:
    """ "3-5" as a Western house number: two numbers, the second a little higher."""
    if len(numbers) != 2:
        return False
    low, high = int(numbers[0]), int(numbers[1])
    return low < high <= low + 20


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
    elif len(numbers) == 2 and parts.get("unit") and not parts.get("room"):
        floor, door = numbers  # "1门5-2": the flat as floor and door, room 502
        parts.put("room", f"{int(floor)}{int(door):02d}")
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
    text = FILLER.sub("", _CITY_PREFIX.sub("", text))
    inside = [text.find(d) for d in districts if 0 < text.find(d) <= 4]
    if inside:  # "天津河北区…": a city named without 市 before the district
        text = text[min(inside) :]
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
    town = False  # the words after a postcode name the town
    for token in tokens:
        if token.kind == "word":
            if not town:
                runs[-1].append(token.value)
        elif token.kind == "postcode":
            town = True
        elif token.kind != "sep" or not town:
            town = False
            if runs[-1]:
                runs.append([])
    return [run for run in runs if run]


def _english(tokens: list[Token]) -> tuple[str, str, str, str]:
    """(district, road stem key, road word, leftover words) from the English words."""
    district, candidates = "", list[list[str]]()
    for run in _word_runs(tokens):
        named, run = _district_words(run)
        district = district or named
        run = [w for w in run if w not in _STOPWORDS]
        if run:
            candidates.append(run)
    for run in candidates:
        at = next((i for i, w in enumerate(run) if i > 0 and english_suffix(w)), None)
        if at is None and len(run) == 1:  # pinyin run together: "jiefangdao"
            stem, suffix = _glued_suffix(run[0])
            if suffix:
                return district, stem, suffix, ""
        if at is not None:
            leftover = " ".join(run[at + 1 :])
            return district, english_key(" ".join(run[:at])), english_suffix(run[at]), leftover
    if candidates:
        longest = max(candidates, key=lambda run: len(run))
        return district, english_key(" ".join(longest)), "", ""
    return district, "", "", ""


_GLUED = re.compile(r"^([a-z]{3,}?)(dajie|dadao|dao|lu|jie)$")


def _glued_suffix(word: str) -> tuple[str, str]:
    m = _GLUED.match(word)
    return (
        (m[1], english_suffix(m[2]) or english_suffix({"dajie": "jie"}.get(m[2], "dao")))
        if m
        else ("", "")
    )


def _district_words(run: list[str]) -> tuple[str, list[str]]:
    """("hongqiao", [...]) from "weijin ave hongqiao district" or "hexi district youyi rd"."""
    cut = next((i for i, w in enumerate(run) if w in _DISTRICT_WORDS and i > 0), None)
    if cut is None:
        return "", run
    road_end = next((i for i in range(cut - 1, 0, -1) if english_suffix(run[i])), None)
    if road_end is not None:  # the road, then the district: keep the road
        return " ".join(run[road_end + 1 : cut]), run[: road_end + 1]
    return " ".join(run[:cut]), run[cut + 1 :]


def _latin_runs(tokens: list[Token]) -> tuple[str, ...]:
    runs = []
    for run in _word_runs(tokens):
        _, words = _district_words(run)
        words = [w for w in words if w not in _STOPWORDS]
        key = english_key(" ".join(words))
        if key:
            runs.append(key)
    return tuple(runs)


def parse_address(text: str, *, districts: frozenset[str] = frozenset()) -> ParsedAddress:
    """The parts of an address as written; `districts` are the local district names known."""
    prepared = prepare(text)
    latin = not re.search(f"[{CJK}]", prepared)
    tokens = tokenize(prepared) if latin else _road_first(tokenize(prepared))
    said, corrections = _split_correction(tokens)
    parts = _read_numbers(said, latin=latin)
    _correct(parts, corrections)
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
        house_letter=parts.get("letter"),
        house_range=parts.get("range"),
        postcode=next((t.value for t in tokens if t.kind == "postcode"), ""),
        unplaced=tuple(parts.unplaced),
        floor_or_building=_floor_or_building(tokens, parts),
        latin_runs=_latin_runs(tokens),
    )


_FLAT_PARTS = frozenset({"building", "unit", "room", "building_or_floor", "floor"})


def _road_first(tokens: list[Token]) -> list[Token]:
    """ "3号楼1单元202 长江道7号" read as "长江道7号 3号楼1单元202": a Chinese text that opens
    with the flat names the road after it, and the numbers are read in address order."""
    if not tokens or tokens[0].part not in _FLAT_PARTS:
        return tokens
    road = next((i for i, t in enumerate(tokens) if t.kind == "han"), None)
    return tokens if road is None else tokens[road:] + tokens[:road]


def _floor_or_building(tokens: list[Token], parts: _Parts) -> bool:
    """The building was read from "N楼" with no unit or flat after it: "12号一楼商铺" is the
    ground floor of a shop as likely as building 1."""
    said = [t for t in tokens if t.kind == "part" and t.part == "building_or_floor"]
    return bool(said) and said[0].value == parts.get("building") and not parts.get("unit")
