"""Text clean-up before parsing, road-name spelling rules and a bounded edit distance."""

import re

from gis.address import fold, numerals_to_digits
from gis.geocoding.spoken import latin_folded, simplified, spoken_to_written

CJK = "\u3400-\u9fff"
_SPACE_BY_CJK = re.compile(rf"\s+(?=[{CJK}])|(?<=[{CJK}])\s+")
_SPACES = re.compile(r"\s+")
# "长江2道" is 长江二道: a lone digit between a name and a road word is the road's ordinal.
_ROAD_ORDINAL = re.compile(rf"(?<=[{CJK}])([1-9])(?=(?:大道|大街|路|道|街))")
_ORDINAL_CN = "零一二三四五六七八九"
_DASHES = str.maketrans({"‐": "-", "‑": "-", "–": "-", "—": "-", "―": "-", "~": "-"})

# Local road words, longest first so 大道 is not read as 道.
LOCAL_SUFFIXES = ("大道", "大街", "胡同", "路", "道", "街", "巷", "里")
# English road words and their abbreviations, to one spelling. Pinyin suffixes are accepted
# because callers spell what they see on Tianjin street signs (Youyi Lu, Weijin Dao).
ENGLISH_SUFFIXES = {
    "road": "road",
    "rd": "road",
    "lu": "road",
    "avenue": "avenue",
    "ave": "avenue",
    "av": "avenue",
    "dao": "avenue",
    "street": "street",
    "st": "street",
    "str": "street",
    "jie": "street",
    "boulevard": "boulevard",
    "blvd": "boulevard",
    "lane": "lane",
    "ln": "lane",
    "highway": "highway",
    "hwy": "highway",
}


def prepare(text: str) -> str:
    """Fold, simplify, write numbers said in words as digits (gis.geocoding.spoken), and drop
    the spaces a CJK text does not need.

    Spaces between two numbers stay: "32 3 2 501" is four numbers, not one.
    """
    text = spoken_to_written(latin_folded(simplified(fold(text))).translate(_DASHES))
    text = numerals_to_digits(text)
    text = _SPACE_BY_CJK.sub("", text)
    text = _ROAD_ORDINAL.sub(lambda m: _ORDINAL_CN[int(m.group(1))], text)
    return _SPACES.sub(" ", text).strip()


def has_cjk(text: str) -> bool:
    return re.search(f"[{CJK}]", text) is not None


def local_split(name: str) -> tuple[str, str]:
    """友谊道 → ("友谊", "道"); a name without a road word has an empty suffix."""
    for suffix in LOCAL_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)], suffix
    return name, ""


def english_key(words: str) -> str:
    """The comparable form of an English name or stem: lower case, no spaces or apostrophes."""
    return re.sub(r"[\s'’.\-]+", "", words.lower())


def english_suffix(word: str) -> str:
    """The canonical road word for a written one, a slip included ("raod", "avenu"); or ""."""
    if word in ENGLISH_SUFFIXES:
        return ENGLISH_SUFFIXES[word]
    if len(word) < 4:
        return ""  # too short to tell a slip from another word
    near = {
        canonical
        for written, canonical in ENGLISH_SUFFIXES.items()
        if len(written) >= 4 and edit_distance(word, written, limit=1) <= 1
    }
    return near.pop() if len(near) == 1 else ""


def english_split(name_en: str) -> tuple[str, str]:
    """Stem key and road word: "Changjiang 2nd Avenue" → ("changjiang2nd", "avenue")."""
    words = name_en.lower().split()
    suffix = english_suffix(words[-1]) if len(words) > 1 else ""
    if suffix:
        return english_key(" ".join(words[:-1])), suffix
    return english_key(name_en), ""


def edit_distance(a: str, b: str, *, limit: int) -> int:
    """Optimal string alignment distance (a swap of two neighbours is one edit), or limit + 1.

    Stops as soon as no alignment can stay within `limit`, so comparing a query with a few
    hundred names costs little.
    """
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return min(previous[len(b)], limit + 1)


def deletions(text: str, *, depth: int) -> set[str]:
    """Every string made by deleting up to `depth` characters (the symmetric-delete index)."""
    found = {text}
    frontier = {text}
    for _ in range(depth):
        frontier = {s[:i] + s[i + 1 :] for s in frontier for i in range(len(s))}
        found |= frontier
    return {s for s in found if s}
