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


_TOKEN = re.compile(
    r"(?P<short>\d+(?:\s*[-/]\s*\d+)+)"
    rf"|(?:(?P<kw>{_alternation(_KEYWORDS)})(?![a-z])\.?\s*[#:]?\s*|(?P<hash>#)\s*)(?P<kwnum>\d+)"
    r"|(?P<ord>\d+(?:st|nd|rd|th))(?![a-z])(?:\s*(?P<ordfloor>floor|flr|fl)(?![a-z]))?"
    r"|(?P<postcode>\d{5,6})(?!\d)"
    r"|(?P<lettered>\d+)\s?(?P<letter>[a-eg-z])(?![a-z'])"
    rf"|(?P<num>\d+)\s*(?:(?P<mark>{_alternation(_MARKS)})(?!道))?(?![a-z])"
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
_FILLER = re.compile(r"^(?:我家在|我家住|地址是|地址|住在|位于|在)")
# After the address, what the caller says about it: "…501 有煤气味", "…号 厨房漏气了".
_COMPLAINT = re.compile(r"[有气味漏闻坏没请快着爆报修了嘶晕不疼烧响冒]")


class Token(NamedTuple):
    kind: str  # short, part, num, lettered, postcode, word, han, sep
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
        if m["short"]:
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
    tokens = tokenize(prepared)
    latin = not re.search(f"[{CJK}]", prepared)
    parts = _read_numbers(tokens, latin=latin)
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


def _floor_or_building(tokens: list[Token], parts: _Parts) -> bool:
    """The building was read from "N楼" with no unit or flat after it: "12号一楼商铺" is the
    ground floor of a shop as likely as building 1."""
    said = [t for t in tokens if t.kind == "part" and t.part == "building_or_floor"]
    return bool(said) and said[0].value == parts.get("building") and not parts.get("unit")


_CORNER_TAIL = re.compile(r"(?:十字路口|丁字路口|交叉口|交口|路口|口|附近|一带|交汇处)+$")
_CORNER_EN = re.compile(
    r"^(?:the )?(?:corner|junction|intersection|crossing) of |"
    r" (?:junction|intersection|crossing|corner)$"
)
_JOIN_LOCAL = re.compile(r"与|和|跟|及|同|交|、|&|/")
_JOIN_EN = re.compile(r"\s+(?:and|at|x)\s+|\s*[&/]\s*")


_ROAD_END = re.compile(r"(?:大道|大街|道|路|街)(?!口|$)")
_ROAD_END_EN = re.compile(r"\b(?:road|rd|avenue|ave|street|st|dao|lu|jie)\b\.?(?=\s+\w)")


def intersection_sides(text: str) -> list[tuple[str, str]]:
    """Every way to read the text as "road A meets road B": "友谊路与解放道交口",
    "Youyi Rd & Jiefang Ave", and without a joining word, "卫津道琼州路口" (common in
    Tianjin), "Weijin Ave Qiongzhou Rd". Several splits when a joining word could sit inside a
    name (和 in 呼和浩特道); the caller keeps the one whose sides are both roads."""
    text = prepare(text)
    if re.search(r"\d(?!\d*(?:st|nd|rd|th)\b)", text):
        return []  # a number makes it an address, not a corner
    local = bool(re.search(f"[{CJK}]", text))
    if local:
        # "琼州路口" is 琼州路 and its corner as often as 琼州 and 路口: both are tried.
        tail = _CORNER_TAIL.search(text)
        bare = _FILLER.sub("", text[: tail.start()] if tail else text)
        texts = [bare, bare + "路"] if tail and tail[0].startswith("路口") else [bare]
        joins, ends = _JOIN_LOCAL, _ROAD_END
    else:
        texts, joins, ends = [_CORNER_EN.sub("", text)], _JOIN_EN, _ROAD_END_EN
    sides: list[tuple[str, str]] = []
    for written in texts:
        split = [(written[: m.start()], written[m.end() :]) for m in joins.finditer(written)]
        if not split:
            split = [(written[: m.end()], written[m.end() :]) for m in ends.finditer(written)]
        if not split and not local and written.count(" ") == 1:  # "weijindao qiongzhoulu"
            split = [tuple(written.split(" "))]  # type: ignore[list-item]
        sides += [(a.strip(), b.strip()) for a, b in split if a.strip() and b.strip()]
    return list(dict.fromkeys(sides))
