"""Candidates that are not a premise: roads, landmarks and corners."""

import re

from gis.address import search_key
from gis.geocoding.candidates import Candidate, Method
from gis.geocoding.gazetteer import (
    MISSING_SUFFIX_DISTANCE,
    STEM_DISTANCE,
    SUBSTRING_DISTANCE,
    Gazetteer,
    RoadMatch,
)
from gis.geocoding.intersections import intersection_sides
from gis.geocoding.normalize import english_key, english_split, has_cjk, prepare
from gis.geocoding.parse import ParsedAddress
from gis.geocoding.selectors import (
    PlaceRow,
    intersection_points,
    landmark_list_by_name,
    road_get_by_name,
)

SCORE_ROAD_ASKED = 0.7  # the text names a road and nothing more
SCORE_ROAD_AND_MORE = 0.5  # the text names a road and goes on: "友谊路附近", "友谊路医阮"
SCORE_CORNER = 0.9
EDIT_PENALTY = 0.15  # per edit between a name as written and as it is
FUZZY_WEIGHT = 0.8  # a trigram hit on a premise scores this times its similarity
LANDMARK_SIMILAR_MAX = 0.85  # a landmark found by similarity scores its similarity, up to this
LANDMARK_MIN_SIMILARITY = 0.5
SCORE_KIND_WORD = 0.85  # a landmark named with another word for its kind: 商场 for 购物中心
CORNER_GAP_M = 25.0
CORNER_PAIRS_TRIED = 9


def road_candidates(
    matches: list[RoadMatch], *, district: str, base: float, method: Method
) -> list[Candidate]:
    """The named roads themselves, each at the middle of its (district's) geometry."""
    candidates = []
    for match in matches:
        if not match.road.has_geometry:
            continue
        row = road_get_by_name(name=match.road.name, district=district)
        if row is None or row.id is None:
            continue
        score = round(base - EDIT_PENALTY * match.distance, 3)
        chosen: Method = method if match.distance == 0 else "fuzzy"
        candidates.append(Candidate("road", row.id, row.label, row.point, score, chosen))
    return candidates


def roads_asked(parsed: ParsedAddress, matches: list[RoadMatch], *, limit: int) -> list[Candidate]:
    """A text that is only a road name: the road, if the name is close enough to trust alone.

    With no number to confirm it, one edit in a three-character name (中山路 for 微山路) is
    another road, not a slip; longer names and English stems may carry one edit per four
    characters. A name inside a longer text counts when the text opens with it ("友谊路附近"),
    not when it merely ends with it (中山东路 is not 山东路).
    """
    trusted = [m for m in matches if _trusted_alone(m, parsed)]
    if not trusted:
        return []
    best = trusted[0].distance
    return road_candidates(
        [m for m in trusted if m.distance == best][:limit],
        district=parsed.district,
        base=SCORE_ROAD_AND_MORE if best == SUBSTRING_DISTANCE else SCORE_ROAD_ASKED,
        method="exact",
    )


def _trusted_alone(match: RoadMatch, parsed: ParsedAddress) -> bool:
    key = search_key(parsed.road)
    if match.distance == SUBSTRING_DISTANCE:
        return not parsed.road or key.startswith(match.road.key)
    if match.distance <= MISSING_SUFFIX_DISTANCE:
        return True  # as written, or English without its road word
    written = len(key) if parsed.road else len(parsed.road_en)
    return match.distance < STEM_DISTANCE and match.distance <= written / 4


# What callers call a kind of place, in groups of words for the same kind: the network may
# name a place 养老院 and the caller say 敬老院 or 老年公寓, or the other way round. Longest
# first within a group, so that 菜市场 is read before the 市场 inside it.
_KIND_WORDS = (
    ("老年公寓", "养老中心", "养老院", "敬老院", "老人院", "福利院", "托老所"),
    ("购物中心", "购物广场", "百货大楼", "商场", "商城", "百货"),
    ("农贸市场", "菜市场", "菜场", "菜市", "市场"),
    ("地铁站", "地铁口", "轻轨站", "地铁"),
    ("街道办事处", "街道办", "办事处"),
    ("幼儿园", "托儿所"),
    ("小学", "学校"),
    (
        "old people's home",
        "retirement home",
        "elderly home",
        "nursing home",
        "care home",
    ),
    ("department store", "shopping centre", "shopping center", "shopping mall", "mall"),
    ("food market", "wet market", "market"),
    ("underground station", "subway station", "metro station", "subway", "metro"),
    ("sub-district office", "subdistrict office", "street office", "community office"),
    ("kindergarten", "pre-school", "preschool", "nursery"),
    ("elementary school", "primary school", "school"),
)


def _kind_variants(text: str) -> list[str]:
    """The text with its word for a kind of place replaced by each other word for it."""
    variants = []
    for group in _KIND_WORDS:
        said = next((w for w in group if re.search(_kind_word(w), text)), None)
        if said is not None:
            variants += [
                re.sub(_kind_word(said), other, text, count=1) for other in group if other != said
            ]
    return variants


def _kind_word(word: str) -> str:
    return re.escape(word) if has_cjk(word) else rf"\b{re.escape(word)}\b"


def _landmarks_by_kind_word(text: str, *, limit: int) -> list[Candidate]:
    """Landmarks named with another word for their kind ("枫林路商场" for 枫林路购物中心),
    in one query: the variants go as one string, and a name found inside it is found in one."""
    variants = _kind_variants(text)
    if not variants:
        return []
    local = "\n".join(search_key(v) for v in variants) if has_cjk(text) else ""
    english = "" if local else "\n".join(prepare(v) for v in variants)
    rows = landmark_list_by_name(local=local, english=english, limit=limit, similar=False)
    return [
        Candidate("landmark", r.id, r.label, r.point, SCORE_KIND_WORD, "landmark") for r in rows
    ]


def landmarks(text: str, names: Gazetteer, *, limit: int) -> list[Candidate]:
    """Landmarks by Chinese or English name, or with another word for their kind; failing
    that, a name heard or typed with slips ("有谊路小学", "友谊路小雪"), scored by how far
    off; similar names by trigrams last."""
    local = search_key(text) if has_cjk(text) else ""
    rows = landmark_list_by_name(local=local, english=prepare(text), limit=limit, similar=False)
    if not rows:
        by_kind = _landmarks_by_kind_word(prepare(text), limit=limit)
        if by_kind:
            return by_kind
    heard = names.match_landmark(local) if local and not rows else None
    if heard is not None:
        name, distance = heard
        rows = landmark_list_by_name(local=name, english="", limit=limit, similar=False)
        score = round(min(LANDMARK_SIMILAR_MAX, 0.9 - EDIT_PENALTY * distance), 3)
        return [Candidate("landmark", r.id, r.label, r.point, score, "landmark") for r in rows]
    if not rows:
        rows = landmark_list_by_name(local=local, english=prepare(text), limit=limit)
    return [
        Candidate("landmark", r.id, r.label, r.point, _landmark_score(r), "landmark")
        for r in rows
        if r.value >= LANDMARK_MIN_SIMILARITY
    ]


def _landmark_score(row: PlaceRow) -> float:
    if row.value >= 1.0:
        return 0.95
    if row.value >= 0.9:
        return 0.9
    return round(min(row.value, LANDMARK_SIMILAR_MAX), 3)


def corners(text: str, names: Gazetteer) -> list[Candidate]:
    """Where two roads cross: "友谊路与解放道交口", "卫津道琼州路口", "Youyi Rd & Jiefang Ave".

    Each side may name more than one road (a slip, a missing 路/道); the closest pair of names
    whose roads do cross wins; parallel roads have no corner and are passed over.
    """
    pairs = sorted(
        {
            (a, b)
            for side_a, side_b in intersection_sides(text)
            for a in _side(side_a, names)
            for b in _side(side_b, names)
            if a.road.name != b.road.name
        },
        key=lambda pair: (pair[0].distance + pair[1].distance, pair[0].road.name),
    )
    for a, b in pairs[:CORNER_PAIRS_TRIED]:
        points = intersection_points(road_a=a.road.name, road_b=b.road.name, gap_m=CORNER_GAP_M)
        if points:
            score = round(SCORE_CORNER - EDIT_PENALTY * (a.distance + b.distance), 3)
            label = f"{a.road.name}与{b.road.name}交口"
            return [
                Candidate("intersection", None, label, p, score, "intersection") for p in points
            ]
    return []


def _side(text: str, names: Gazetteer) -> list[RoadMatch]:
    if has_cjk(text):
        found = names.match_local(text)
    else:
        found = names.match_english(*english_split(text)) + names.match_latin(english_key(text))
        found = sorted(found, key=lambda m: m.distance)
    return [m for m in found[:3] if m.road.has_geometry and m.distance < STEM_DISTANCE]
