"""From what a caller said to the premise, road, landmark or corner it means.

The order of work keeps the common case cheap on a million premises: the text is parsed, the
road name is resolved in memory against the few hundred road names (typos included), and the
premise is then found by equality through the premise_address btree, a fraction of a
millisecond. A road reached through a typo counts only if the numbers written exist on it.
When the parts written do not exist together, the answer is the road as written (or nothing),
never a neighbouring premise passed off as the one asked for; when they fit several premises,
all are returned with a middling score. Trigram search over every premise is the last resort,
for text whose road the gazetteer cannot place.
"""

import re
from collections.abc import Iterable
from dataclasses import replace

from django.contrib.gis.geos import Point

from gis.address import search_key
from gis.geocoding.candidates import Candidate, Nearest, ReverseGeocode
from gis.geocoding.gazetteer import SUBSTRING_DISTANCE, Gazetteer, RoadMatch, gazetteer
from gis.geocoding.normalize import has_cjk
from gis.geocoding.parse import ParsedAddress, parse_address, without_asides
from gis.geocoding.places import (
    EDIT_PENALTY,
    FUZZY_WEIGHT,
    corners,
    landmarks,
    road_candidates,
    roads_asked,
)
from gis.geocoding.selectors import (
    PlaceRow,
    PremiseRow,
    premise_list_by_address,
    premise_list_similar,
    premise_nearest,
    road_nearest,
)
from gis.geocoding.spoken import simplified
from gis.geocoding.western import western_candidates

SCORE_EXACT = 1.0
SCORE_UNIQUE = 0.9  # one premise fits, though the text left a part out
SCORE_AMBIGUOUS = 0.5  # several premises fit equally
SCORE_ROAD_FALLBACK = 0.4  # an address whose number the road does not have
SCORE_SIBLING = 0.35  # ...which 友谊道 has, when 友谊路 was written: offered after the road
# ...and 友谊道 has every building, unit and room said, as one premise: callers swap 路 and 道
# far more often than they name a flat that happens to exist on the road's sibling.
SCORE_SIBLING_WHOLE = 0.6
SCORE_PARTIAL = 0.3  # the number exists, a building/unit/room written does not
SCORE_OTHER_READING = 0.9  # the text fits when read another way ("一楼" as a floor, not 1号楼)
DISTRICT_PENALTY = 0.1  # the district written is not the premise's
SEVERAL_ROADS_PENALTY = 0.1  # the same address exists on more than one road the text may mean
PARTS = ("building", "unit", "room")
MAX_TEXT = 300  # as long as Premise.full_text; a pasted page would only cost time
# Roads a slip may point at, tried one indexed lookup each: one edit from 州道 reaches a dozen
# names (琼州道, 兰州道, 苏州道...), and the numbers written decide among them.
MAX_ROADS = 16


def geocode(text: str, *, limit: int = 5) -> list[Candidate]:
    """Candidates for an address, landmark or corner as written, best first; [] if none fits."""
    text = without_asides(simplified(text[:MAX_TEXT])) if text else ""
    if not text.strip() or limit < 1:
        return []
    names = gazetteer()
    corner = corners(text, names)
    if corner:
        return corner[:limit]
    parsed, matches = _resolved(parse_address(text, districts=names.districts), names)
    if parsed.house_number:
        found = _address(parsed, matches, names, limit=limit)
    else:
        found = landmarks(text, names, limit=limit) + roads_asked(parsed, matches, limit=limit)
    return _ranked(found)[:limit]


def reverse_geocode(point: Point) -> ReverseGeocode:
    """The nearest premise and the nearest road to a point, with distances in metres."""
    return ReverseGeocode(
        premise=_nearest(premise_nearest(point=point)), road=_nearest(road_nearest(point=point))
    )


def _nearest(row: PlaceRow | None) -> Nearest | None:
    if row is None or row.id is None:
        return None
    return Nearest(row.id, row.label, row.point, row.value)


def _ranked(found: Iterable[Candidate]) -> list[Candidate]:
    best: dict[tuple[str, int | None, str], Candidate] = {}
    for c in found:
        key = (c.kind, c.id, c.label)
        if key not in best or best[key].score < c.score:
            best[key] = c
    return sorted(best.values(), key=lambda c: -c.score)  # stable: equal scores keep order


def _resolved(parsed: ParsedAddress, names: Gazetteer) -> tuple[ParsedAddress, list[RoadMatch]]:
    """The roads the text may mean, closest first (and the parse, if the district was a road)."""
    matches = _road_matches(parsed, parsed.road, names)
    if parsed.road_unsplit:
        whole = _road_matches(parsed, parsed.road_unsplit, names)
        if whole and (not matches or whole[0].distance < matches[0].distance):
            return replace(parsed, district="", road=parsed.road_unsplit), whole
    return parsed, matches


def _road_matches(parsed: ParsedAddress, road: str, names: Gazetteer) -> list[RoadMatch]:
    found = names.match_local(road) if road else []
    if parsed.road_en:
        found += names.match_english(parsed.road_en, parsed.road_en_suffix)
    for run in parsed.latin_runs:  # "jiefangdao", "Hämeentie": local names in Latin letters
        found += names.match_latin(run)
    matches: dict[str, RoadMatch] = {}
    for m in found:
        if parsed.extra and m.distance < SUBSTRING_DISTANCE:
            m = RoadMatch(m.road, SUBSTRING_DISTANCE)  # "Youyi Road Primary School"
        if m.road.name not in matches or matches[m.road.name].distance > m.distance:
            matches[m.road.name] = m
    return sorted(matches.values(), key=lambda m: m.distance)


def _address(
    parsed: ParsedAddress, matches: list[RoadMatch], names: Gazetteer, *, limit: int
) -> list[Candidate]:
    with_premises = [m for m in matches if m.road.has_premises][:MAX_ROADS]
    if parsed.house_letter or parsed.house_range:
        found = western_candidates(parsed, with_premises, limit=limit)
    else:
        found = _on_roads(parsed, with_premises, limit=limit)
    if found:
        return found
    for reading in _other_readings(parsed):
        found = _on_roads(reading, with_premises, limit=limit)
        if found:
            return [_capped(c, SCORE_OTHER_READING) for c in found]
    as_written = [m for m in matches if m.distance == 0][:1]
    if not as_written:
        return _similar(parsed, names, limit=limit)
    siblings = [RoadMatch(s, 0.0) for s in names.siblings(as_written[0].road) if s.has_premises]
    return [
        *road_candidates(
            as_written, district=parsed.district, base=SCORE_ROAD_FALLBACK, method="structured"
        ),
        *_on_siblings(parsed, siblings, limit=limit),
        *_partial(parsed, as_written, limit=limit),
    ]


def _on_siblings(
    parsed: ParsedAddress, siblings: list[RoadMatch], *, limit: int
) -> list[Candidate]:
    """The address on the roads of the same stem, before the road as written when one
    premise there has every part said (at least a building, unit or room)."""
    # Read as if the sibling had been written, an exact answer is one premise with every part
    # (the district aside: a caller unsure of the road may be unsure of the district too).
    found = _on_roads(parsed, siblings, limit=limit)
    if not any(getattr(parsed, part) for part in PARTS):
        return [_capped(c, SCORE_SIBLING) for c in found]
    whole = [c for c in found if c.method == "exact"]
    if not whole and (parsed.district or parsed.district_en):
        anywhere = replace(parsed, district="", district_en="")
        whole = [c for c in _on_roads(anywhere, siblings, limit=limit) if c.method == "exact"]
    if len(whole) != 1:
        return [_capped(c, SCORE_SIBLING) for c in found]
    penalty = 0.0 if whole[0] in found else DISTRICT_PENALTY
    return [
        _capped(c, SCORE_SIBLING_WHOLE - penalty if c.id == whole[0].id else SCORE_SIBLING)
        for c in found
    ]


def _other_readings(parsed: ParsedAddress) -> list[ParsedAddress]:
    """Ways of reading the numbers that the first reading passed over."""
    readings = []
    if parsed.floor_or_building:  # "12号一楼商铺": the ground floor, not building 1
        readings.append(replace(parsed, building="", floor=parsed.building))
    if parsed.house_range:  # "3-5": number 3 or 5; or, written the Chinese way, 3号 5号楼
        low, high = parsed.house_range.split("-")
        readings += [replace(parsed, house_number=n, house_range="") for n in (low, high)]
    if parsed.house_letter:  # a staircase or suffix this network does not record
        readings.append(replace(parsed, house_letter=""))
    return readings


def _on_roads(parsed: ParsedAddress, matches: list[RoadMatch], *, limit: int) -> list[Candidate]:
    """Premises with every part written, on each road the text may mean."""
    found: list[Candidate] = []
    roads_with_hits = 0
    for match in matches:
        rows = premise_list_by_address(
            road_name=match.road.name,
            house_number=parsed.house_number,
            building=parsed.building,
            unit=parsed.unit,
            room=parsed.room,
            limit=limit + 1,
        )
        if 1 < len(rows) <= limit:  # all of them seen: the district written may pick one
            rows = [r for r in rows if not _wrong_district(r, parsed)] or rows
        roads_with_hits += bool(rows)
        found += _premise_candidates(rows[:limit], parsed, match, several=len(rows) > 1)
    if roads_with_hits > 1:
        found = [_capped(c, c.score - SEVERAL_ROADS_PENALTY) for c in found]
    return found


def _premise_candidates(
    rows: list[PremiseRow], parsed: ParsedAddress, match: RoadMatch, *, several: bool
) -> list[Candidate]:
    candidates = []
    for row in rows:
        complete = not several and not _left_out(row, parsed) and not parsed.unplaced
        base = SCORE_EXACT if complete else SCORE_AMBIGUOUS if several else SCORE_UNIQUE
        wrong_district = _wrong_district(row, parsed)
        score = base - EDIT_PENALTY * match.distance - DISTRICT_PENALTY * wrong_district
        exact = complete and match.distance == 0 and not wrong_district
        candidates.append(
            Candidate(
                "premise",
                row.id,
                row.full_text,
                row.geom,
                round(score, 3),
                "exact" if exact else "structured",
            )
        )
    return candidates


def _left_out(row: PremiseRow, parsed: ParsedAddress) -> bool:
    """The premise has a part the text did not give (a flat number, say)."""
    return any(getattr(row, part) and not getattr(parsed, part) for part in PARTS)


def _wrong_district(row: PremiseRow, parsed: ParsedAddress) -> bool:
    if parsed.district and row.district and parsed.district != row.district:
        return True
    written = f"{parsed.district_en} district"  # "hebei" alone is also in "Hebei Avenue"
    return bool(parsed.district_en) and written not in row.full_text_en.lower()


def _capped(candidate: Candidate, score: float) -> Candidate:
    """The candidate with its score lowered to `score` (no longer an exact answer)."""
    return Candidate(
        candidate.kind,
        candidate.id,
        candidate.label,
        candidate.point,
        round(max(min(candidate.score, score), 0.0), 3),
        "structured" if candidate.method == "exact" else candidate.method,
    )


def _partial(parsed: ParsedAddress, matches: list[RoadMatch], *, limit: int) -> list[Candidate]:
    """The number exists but a building, unit or room written does not: the premises of the
    deepest level that does exist, scored as the guesses they are."""
    given = [p for p in PARTS if getattr(parsed, p)]
    for keep in range(len(given) - 1, -1, -1):
        parts = {p: getattr(parsed, p) for p in given[:keep]}
        for match in matches:
            rows = premise_list_by_address(
                road_name=match.road.name, house_number=parsed.house_number, limit=limit, **parts
            )
            if rows:
                score = round(SCORE_PARTIAL - EDIT_PENALTY * match.distance, 3)
                return [
                    Candidate("premise", r.id, r.full_text, r.geom, score, "structured")
                    for r in rows
                ]
    return []


def _similar(parsed: ParsedAddress, names: Gazetteer, *, limit: int) -> list[Candidate]:
    """Trigram search over every premise, for an address whose road the gazetteer missed.

    Trigram similarity of whole addresses cannot tell roads apart (火星道23号1号楼2单元801
    scores higher against 南京道23号1号楼2单元801 than 南京大街23号... does), so a hit counts
    only on a road whose name stem the road text starts with, and with the house number
    written; the search is not run at all, at a million premises' cost, when no stem fits.
    """
    if not parsed.road or not has_cjk(parsed.road):
        return []
    key = search_key(
        f"{parsed.district}{parsed.road}{parsed.house_number}号"
        + (f"{parsed.building}号楼" if parsed.building else "")
        + (f"{parsed.unit}单元" if parsed.unit else "")
        + parsed.room
    )
    roads = {r.name for r in names.starting(search_key(parsed.road))}
    if not roads:
        return []
    numbers = set(re.findall(r"\d+", key))
    return [
        Candidate("premise", row.id, row.full_text, row.geom, round(FUZZY_WEIGHT * s, 3), "fuzzy")
        for row, s in premise_list_similar(key=key, limit=limit * 4)
        if row.road_name in roads and row.house_number in numbers
    ][:limit]
