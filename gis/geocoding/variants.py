"""Ways callers and call takers write a known address, generated from a seed.

The geocoder's tests and its benchmark both measure it on the same kinds of variants, so a
figure in bench/RESULTS.md and a test's pass mean the same thing. Each variant still names
exactly one premise: a typo never produces another real road name, and every part is kept.
"""

import random
import re
from dataclasses import dataclass

KINDS = (
    "full",
    "no_district",
    "no_hao",
    "abbreviated",
    "shorthand",
    "full_width",
    "spaced",
    "typo",
    "english",
    "loose_english",
    "english_typo",
    "numerals",
)
# Characters a slip of an input method may put in a road name; none is an address word.
_TYPO_CHARACTERS = (
    "的一是在不了有人这中大为上个我以要他时来用们生到作地于出就分对成会可主发年动同工"
)
_ENGLISH_ROAD_WORDS = {
    "road": ("Rd", "Road", "rd", "ROAD", "Rd."),
    "avenue": ("Ave", "Avenue", "ave", "Av", "Ave."),
}
_FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
_CN_DIGITS = "零一二三四五六七八九"


@dataclass(frozen=True)
class KnownAddress:
    """A premise's address as stored (Premise columns of the same names)."""

    id: int
    district: str
    road_name: str
    house_number: str
    building: str
    unit: str
    room: str
    full_text: str
    full_text_en: str

    @property
    def flat(self) -> bool:
        return bool(self.building)

    def english_road(self) -> tuple[str, str]:
        """("Youyi", "avenue") from "..., No. 32 Youyi Avenue, Hexi District"."""
        m = re.search(r"No\. \d+ (.+?) (\w+), ", self.full_text_en)
        return (m[1], m[2].lower()) if m else ("", "")


def address_variant(
    address: KnownAddress, *, kind: str, rng: random.Random, road_names: frozenset[str]
) -> str:
    """One way of writing `address`, of the given kind (one of KINDS).

    `road_names` holds every road's local name and lower-case English stem ("youyi"): a typo
    that lands on one of them would be another address, not a slip.
    """
    return _WRITERS[kind](address, rng, road_names)


def _local(
    a: KnownAddress,
    *,
    district: bool = True,
    road: str = "",
    hao: str = "号",
    parts: tuple[str, str, str] = ("号楼", "单元", ""),
) -> str:
    text = f"{a.district if district else ''}{road or a.road_name}{a.house_number}{hao}"
    if a.flat:
        if not hao and text[-1].isdigit():
            text += " "  # without 号, "32" and "3号楼" would run together
        text += f"{a.building}{parts[0]}{a.unit}{parts[1]}{a.room}{parts[2]}"
    return text


def _typo(name: str, rng: random.Random, taken: frozenset[str], letters: str) -> str:
    for _ in range(100):
        at = rng.randrange(len(name))
        operation = rng.choice(("wrong", "missing", "extra"))
        if operation == "wrong":
            typo = name[:at] + rng.choice(letters) + name[at + 1 :]
        elif operation == "missing" and len(name) > 2:
            typo = name[:at] + name[at + 1 :]
        else:
            typo = name[:at] + rng.choice(letters) + name[at:]
        if typo != name and typo not in taken:
            return typo
    raise ValueError(f"no typo of {name} that is not another road")


def _full(a: KnownAddress, rng: random.Random, taken: frozenset[str]) -> str:
    return a.full_text


def _no_district(a: KnownAddress, rng: random.Random, taken: frozenset[str]) -> str:
    return _local(a, district=False)


def _no_hao(a: KnownAddress, rng: random.Random, taken: frozenset[str]) -> str:
    return _local(a, district=rng.random() < 0.5, hao="")


def _abbreviated(a: KnownAddress, rng: random.Random, taken: frozenset[str]) -> str:
    if not a.flat:
        return _local(a, hao="號")
    building = rng.choice(("栋", "幢", "#楼", "#", "号楼"))
    unit = rng.choice(("门", "单元")) if building != "号楼" else "门"
    return _local(a, district=rng.random() < 0.5, parts=(building, unit, rng.choice(("室", ""))))


def _shorthand(a: KnownAddress, rng: random.Random, taken: frozenset[str]) -> str:
    head = f"{a.district if rng.random() < 0.5 else ''}{a.road_name}{a.house_number}号"
    return f"{head}{a.building}-{a.unit}-{a.room}" if a.flat else head


def _full_width(a: KnownAddress, rng: random.Random, taken: frozenset[str]) -> str:
    return _local(a, district=rng.random() < 0.5).translate(_FULL_WIDTH)


def _spaced(a: KnownAddress, rng: random.Random, taken: frozenset[str]) -> str:
    road = " ".join(a.road_name) if rng.random() < 0.5 else a.road_name
    pieces = [a.district, road, f"{a.house_number} 号"]
    if a.flat:
        pieces += [f"{a.building} 号楼", f"{a.unit} 单元", a.room]
    return "  ".join(pieces) if rng.random() < 0.3 else " ".join(pieces)


def _typo_local(a: KnownAddress, rng: random.Random, taken: frozenset[str]) -> str:
    road = _typo(a.road_name, rng, taken, _TYPO_CHARACTERS)
    return _local(a, district=rng.random() < 0.5, road=road)


def _english(a: KnownAddress, rng: random.Random, taken: frozenset[str]) -> str:
    return a.full_text_en


def _loose_english(
    a: KnownAddress, rng: random.Random, taken: frozenset[str], stem: str = ""
) -> str:
    name, road_word = a.english_road()
    road = f"{stem or name} {rng.choice(_ENGLISH_ROAD_WORDS.get(road_word, (road_word,)))}"
    number = rng.choice((a.house_number, f"No.{a.house_number}", f"no {a.house_number}"))
    if not a.flat:
        return f"{number} {road}"
    building = f"{rng.choice(('bldg', 'Bldg.', 'Block', 'blk', 'building'))} {a.building}"
    unit = f"{rng.choice(('unit', 'Unit', 'entrance'))} {a.unit}"
    room = f"{rng.choice(('rm', 'Room', 'flat', 'Apt'))} {a.room}"
    if rng.random() < 0.5:
        return f"{number} {road} {building} {unit} {room}"
    return f"{room}, {building}, {unit}, {number} {road}"


def _english_typo(a: KnownAddress, rng: random.Random, taken: frozenset[str]) -> str:
    name, _ = a.english_road()
    stem = _typo(name.lower(), rng, taken, "abcdefghijklmnopqrstuvwxyz")
    return _loose_english(a, rng, taken, stem=stem)


def _numerals(a: KnownAddress, rng: random.Random, taken: frozenset[str]) -> str:
    """Digits spoken one by one, as speech-to-text writes them: 三二号三号楼二单元五零一."""

    def spoken(digits: str) -> str:
        return "".join(_CN_DIGITS[int(d)] for d in digits)

    text = f"{a.road_name}{spoken(a.house_number)}号"
    if a.flat:
        text += f"{spoken(a.building)}号楼{spoken(a.unit)}单元{spoken(a.room)}室"
    return text


_WRITERS = {
    "full": _full,
    "no_district": _no_district,
    "no_hao": _no_hao,
    "abbreviated": _abbreviated,
    "shorthand": _shorthand,
    "full_width": _full_width,
    "spaced": _spaced,
    "typo": _typo_local,
    "english": _english,
    "loose_english": _loose_english,
    "english_typo": _english_typo,
    "numerals": _numerals,
}
