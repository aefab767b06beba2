"""House numbers with a letter or a range ("Paasivuorenkatu 5 B", "Mannerheimintie 3-5").

Networks record them differently: the letter in the house number ("5 B", "5b") or as the
staircase (house_number 12, building or unit "A"), a range as one number ("3-5"). The premises
of the road whose house number starts the same way are read once, and each is compared with
what the caller said, part by part: it is exact only when every part said is there and the
premise has no part the caller left out.
"""

import re

from gis.geocoding.candidates import Candidate
from gis.geocoding.gazetteer import RoadMatch
from gis.geocoding.parse import ParsedAddress
from gis.geocoding.places import EDIT_PENALTY
from gis.geocoding.selectors import PremiseRow, premise_list_by_numbers

SCORE_EXACT = 1.0
SCORE_UNIQUE = 0.9
SCORE_AMBIGUOUS = 0.5
ROWS_READ = 300  # a staircase house holds dozens of flats; a compound's hundreds stay below


def house_key(number: str) -> str:
    """ "5 B", "5b", "5-B" → "5b"; "3 – 5" → "3-5"."""
    text = re.sub(r"[\s/]+", "", number.lower().replace("–", "-"))
    return re.sub(r"(?<=\d)-(?=[a-z])", "", text)


def _spellings(parsed: ParsedAddress) -> list[str]:
    number, letter = parsed.house_number, parsed.house_letter
    if parsed.house_range:
        low, high = parsed.house_range.split("-")
        return [f"{low}-{high}", f"{low} - {high}", f"{low}–{high}", f"{low} – {high}"]
    found = [number]
    for shown in (letter, letter.upper()):
        found += [f"{number}{shown}", f"{number} {shown}", f"{number}-{shown}"]
    return found


def _fits(row: PremiseRow, parsed: ParsedAddress) -> tuple[bool, bool]:
    """(every part said is on the premise, the premise has a part not said)."""
    said_house = house_key(parsed.house_range or parsed.house_number + parsed.house_letter)
    letter = parsed.house_letter
    rest = {p: getattr(row, p).lower() for p in ("building", "unit", "room")}
    if house_key(row.house_number) == said_house:
        pass
    elif letter and row.house_number == parsed.house_number and letter in rest.values():
        rest = {p: v for p, v in rest.items() if v != letter}  # the letter is the staircase
    else:
        return False, False
    said = [v for v in (parsed.building, parsed.unit, parsed.room) if v]
    on_premise = [v for v in rest.values() if v]
    fits = all(v in on_premise for v in said)
    return fits, len(on_premise) > len(said)


def western_candidates(
    parsed: ParsedAddress, matches: list[RoadMatch], *, limit: int
) -> list[Candidate]:
    """Premises that fit a lettered or ranged house number on each road the text may mean."""
    found: list[Candidate] = []
    for match in matches:
        rows = premise_list_by_numbers(
            road_name=match.road.name, house_numbers=_spellings(parsed), limit=ROWS_READ
        )
        fitting = [(row, more) for row in rows for fits, more in [_fits(row, parsed)] if fits]
        for row, more in fitting[:limit]:
            several = len(fitting) > 1
            base = SCORE_AMBIGUOUS if several else SCORE_UNIQUE if more else SCORE_EXACT
            exact = base == SCORE_EXACT and match.distance == 0 and not parsed.unplaced
            score = round(base - EDIT_PENALTY * match.distance, 3)
            if not exact:
                score = min(score, SCORE_UNIQUE)
            found.append(
                Candidate(
                    "premise",
                    row.id,
                    row.full_text,
                    row.geom,
                    score,
                    "exact" if exact else "structured",
                )
            )
        if found:
            return found
    return found
