"""Customers' addresses to premises, through the geocoder, at a city's scale.

The geocoder answers one text in about 2-3 ms (bench/geocode.py): 600,000 accounts one by one
would take half an hour. Its own first step is cheap and in memory: parse the text, resolve the
road name against the gazetteer. So every address is parsed here the geocoder's way, and those
whose road is written exactly are looked up together, with one join on the premise_address
index that the geocoder's own exact lookup uses. An address that finds exactly one premise
with every part written, in the district written, is what `geocode()` scores 1.0 ("exact").
Everything else (a typo, a missing flat number, an English road the gazetteer reaches only
approximately) goes to `geocode()` itself, and is accepted only when its best answer is one
premise scored at least ACCEPT_SCORE: a guess is listed for a person to check, never linked.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils.translation import gettext as _

from gis.geocoding import ParsedAddress, geocode, parse_address
from gis.geocoding.gazetteer import Gazetteer, gazetteer
from gis.models import Premise

# A premise fits uniquely with one slip in the road name (1.0 less the geocoder's 0.15 edit
# penalty), or uniquely with a part left out (0.9); several premises fitting equally score 0.5.
ACCEPT_SCORE = 0.85
Progress = Callable[[int], None]


@dataclass(frozen=True)
class AddressMatch:
    premise_id: int | None
    how: str  # "exact", "geocoder", or "" when unmatched
    reason: str = ""  # why no premise, for a person to act on


def premises_by_asset_id(asset_ids: Sequence[str]) -> dict[str, int]:
    """Premise ids of the asset ids given (those that exist)."""
    wanted = sorted({a for a in asset_ids if a})
    found: dict[str, int] = {}
    for start in range(0, len(wanted), 10_000):
        chunk = wanted[start : start + 10_000]
        found.update(Premise.objects.filter(asset_id__in=chunk).values_list("asset_id", "id"))
    return found


def addresses_match(
    texts: Sequence[str], *, progress: Progress | None = None
) -> list[AddressMatch]:
    """One match per text, in order; equal texts are matched once."""
    distinct = list(dict.fromkeys(t.strip() for t in texts))
    names = gazetteer()
    keys: list[tuple[int, str, str, str, str, str]] = []
    parsed_all: list[ParsedAddress | None] = []
    roads: dict[tuple[str, str, str, str], str | None] = {}
    for i, text in enumerate(distinct):
        parsed = parse_address(text, districts=names.districts) if text else None
        parsed_all.append(parsed)
        road = _road_exact(parsed, names, roads) if parsed and parsed.house_number else None
        if road is not None and parsed is not None:
            keys.append((i, road, parsed.house_number, parsed.building, parsed.unit, parsed.room))
        if progress is not None and i % 1000 == 999:
            progress(i + 1)
    exact = _exact_premises(keys, parsed_all)
    matches: dict[str, AddressMatch] = {}
    for i, text in enumerate(distinct):
        if i in exact:
            matches[text] = AddressMatch(exact[i], "exact")
        elif not text:
            matches[text] = AddressMatch(None, "", _("no address given"))
        else:
            matches[text] = _geocoded(text)
    if progress is not None:
        progress(len(distinct))
    return [matches[t.strip()] for t in texts]


def _road_exact(
    parsed: ParsedAddress, names: Gazetteer, cache: dict[tuple[str, str, str, str], str | None]
) -> str | None:
    """The one road with premises that the text names exactly, or None (left to geocode())."""
    key = (parsed.road, parsed.road_unsplit, parsed.road_en, parsed.road_en_suffix)
    if key not in cache:
        found = []
        for road in (parsed.road, parsed.road_unsplit):
            found += names.match_local(road) if road else []
        if parsed.road_en:
            found += names.match_english(parsed.road_en, parsed.road_en_suffix)
        exact = {m.road.name for m in found if m.distance == 0 and m.road.has_premises}
        cache[key] = exact.pop() if len(exact) == 1 else None
    return cache[key]


def _exact_premises(
    keys: list[tuple[int, str, str, str, str, str]], parsed: list[ParsedAddress | None]
) -> dict[int, int]:
    """The premise of each key that fits exactly one, in the district written (if any)."""
    if not keys:
        return {}
    with transaction.atomic(), connection.cursor() as cursor:
        # Dropped at the end too: inside a caller's transaction, ON COMMIT comes late.
        cursor.execute(
            "DROP TABLE IF EXISTS t_import_address; "
            "CREATE TEMP TABLE t_import_address (i int, road_name text, house_number text, "
            "building text, unit text, room text) ON COMMIT DROP"
        )
        with cursor.copy(
            "COPY t_import_address (i, road_name, house_number, building, unit, room) FROM STDIN"
        ) as copy:
            for key in keys:
                copy.write_row(key)
        cursor.execute("ANALYZE t_import_address")
        cursor.execute("""
            SELECT k.i, count(*), min(p.id), min(p.district), min(p.full_text_en)
            FROM t_import_address k JOIN network_premise p
              ON p.road_name = k.road_name AND p.house_number = k.house_number
             AND p.building = k.building AND p.unit = k.unit AND p.room = k.room
            GROUP BY k.i
        """)
        rows = cursor.fetchall()
        cursor.execute("DROP TABLE t_import_address")
    found = {}
    for i, count, premise_id, district, text_en in rows:
        address = parsed[i]
        if count == 1 and address is not None and not _wrong_district(address, district, text_en):
            found[i] = premise_id
    return found


def _wrong_district(parsed: ParsedAddress, district: str, text_en: str) -> bool:
    """As the geocoder judges it: a district written that is not the premise's."""
    if parsed.district and district and parsed.district != district:
        return True
    return bool(parsed.district_en) and f"{parsed.district_en} district" not in text_en.lower()


def _geocoded(text: str) -> AddressMatch:
    candidates = geocode(text, limit=3)
    if not candidates:
        return AddressMatch(None, "", _("no premise, road or place matches this address"))
    best = candidates[0]
    if best.kind != "premise":
        return AddressMatch(
            None,
            "",
            _(
                "only a %(kind)s matches (%(label)s), no premise: check the number, building, "
                "unit and room"
            )
            % {"kind": best.kind, "label": best.label},
        )
    equal = [c for c in candidates if c.kind == "premise" and c.score == best.score]
    if len(equal) > 1:
        return AddressMatch(
            None,
            "",
            _("several premises fit (%s ...): add the building, unit or room")
            % ", ".join(c.label for c in equal[:2]),
        )
    if best.score < ACCEPT_SCORE:
        return AddressMatch(
            None,
            "",
            _(
                "the nearest premise, %(label)s, is only a guess (score %(score).2f): check the "
                "address or give premise_id"
            )
            % {"label": best.label, "score": best.score},
        )
    return AddressMatch(best.id, "geocoder")
