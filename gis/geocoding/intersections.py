"""Where two roads cross, as callers say it: the two sides of "A与B交口", "AB路口", "A & B"."""

import re

from gis.geocoding.normalize import CJK, prepare
from gis.geocoding.parse import FILLER

# The word for the corner ends the place; what follows is where from it or what is wrong
# there ("交叉口往东一点", "路口东北角那儿有味").
_CORNER_WORD = re.compile(r"十字路口|丁字路口|交叉路口|交叉口|交汇处|交口|路口|拐角|转角")
_CORNER_TAIL = re.compile(
    r"(?:十字路口|丁字路口|交叉路口|交叉口|交口|路口|口|附近|一带|交汇处|拐角|转角)+$"
)
_CORNER_EN = re.compile(
    r"^(?:the )?(?:corner|junction|intersection|crossing) of |"
    r" (?:junction|intersection|crossing|corner)$"
)
_JOIN_LOCAL = re.compile(r"与|和|跟|及|同|交|、|&|/")
_JOIN_EN = re.compile(r"\s+(?:and|at|x)\s+|\s*[&/]\s*")


_ROAD_END = re.compile(r"(?:大道|大街|道|路|街)(?!口|$)")
_ROAD_END_EN = re.compile(r"\b(?:road|rd|avenue|ave|street|st|dao|lu|jie)\b\.?(?=\s+\w)")


_ROAD_WORD_EN = re.compile(r"\b(?:road|rd|avenue|ave|street|st|dao|lu|jie)\b\.?")


def _up_to_road_word(text: str) -> str:
    m = _ROAD_WORD_EN.search(text)
    return text[: m.end()] if m else text


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
        cut = _CORNER_WORD.search(text)
        text = text[: cut.end()] if cut else text
        # "琼州路口" is 琼州路 and its corner as often as 琼州 and 路口: both are tried.
        tail = _CORNER_TAIL.search(text)
        bare = FILLER.sub("", text[: tail.start()] if tail else text)
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
        if not local:  # "Changjiang Ave and Dongting Rd near the school": up to the road word
            split = [(a, _up_to_road_word(b)) for a, b in split]
        sides += [(a.strip(), b.strip()) for a, b in split if a.strip() and b.strip()]
    return list(dict.fromkeys(sides))
