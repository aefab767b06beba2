"""Where a public alert says the danger is: the street and number, the compound or landmark,
and the district, never the building, unit or room.

A CAP message goes to every alerting hub and stays there; a caller's flat in it would publish
where one household lives and that it smelled gas. The exact address stays on the call, the
incident and the timeline. From the premise's structured address when the call was matched to
one; else the typed text, cut before its first building, unit, room or floor as the geocoder's
parser reads them (Chinese order runs down to the room, English order starts from it).
"""

import re

from dispatch.models import Call, Incident
from gis.geocoding.normalize import prepare
from gis.geocoding.parse import ParsedAddress, Token, parse_address, tokenize
from gis.models import Premise

_SEGMENTS = re.compile(r"\s*[,，;；\n]+\s*")
_EDGE = " \t,，;；-#:、"


def _private(parsed: ParsedAddress) -> bool:
    return bool(parsed.building or parsed.unit or parsed.room or parsed.floor)


def _placed(parsed: ParsedAddress, text: str) -> bool:
    """Says where, rather than a left-over word: a road, number, district or Chinese name."""
    return bool(
        parsed.house_number
        or parsed.road_en_suffix
        or parsed.district
        or parsed.district_en
        or re.search(r"[\u3400-\u9fff]", text)
    )


def _tokens(text: str) -> list[Token]:
    return tokenize(prepare(text))


def _segment(text: str) -> str:
    """One comma-separated part of an address, with its flat left out ("" if nothing is left).

    A kept piece must read as the same tokens it was in the whole ("3号" cut from "3号楼" is
    a house number only once cut, so it is not kept)."""
    if not _private(parse_address(text)):
        return text
    whole = _tokens(text)
    # Chinese order: the longest start that names no flat ("友谊路32号|3号楼2单元501").
    for i in range(len(text) - 1, 0, -1):
        head = text[:i].strip(_EDGE)
        tokens = _tokens(head)
        if not head or whole[: len(tokens)] != tokens:
            continue
        parsed = parse_address(head)
        if not _private(parsed):
            if _placed(parsed, head):
                return head
            break
    # English order: the longest end that names no flat ("Flat 5 |12 High Street").
    for i in range(1, len(text)):
        tail = text[i:].strip(_EDGE)
        tokens = _tokens(tail)
        if not text[i - 1].isspace() or not tail or whole[len(whole) - len(tokens) :] != tokens:
            continue
        parsed = parse_address(tail)
        if not _private(parsed):
            return tail if parsed.road_en_suffix or parsed.road else ""
    return ""


def public_address(text: str) -> str:
    """`text` without its building, unit, room or floor; "" when nothing else is given."""
    kept: list[str] = []
    separators = [*_SEGMENTS.findall(text), ""]
    for part, separator in zip(_SEGMENTS.split(text), separators, strict=False):
        public = _segment(part.strip())
        if public:
            kept.append(public + separator.strip())
    joined = "".join(f"{k} " if k.endswith(",") else k for k in kept)
    return joined.strip(_EDGE)


def premise_public_address(premise: Premise) -> tuple[str, str]:
    """(local, English) of a premise's compound: district, road and number from its columns;
    the English form is its stored text with the flat's parts left out."""
    number = f"{premise.house_number}号" if premise.house_number else ""
    local = f"{premise.district}{premise.road_name}{number}"
    english = public_address(premise.full_text_en) if premise.full_text_en else ""
    return local, english or local


def incident_public_place(incident: Incident) -> tuple[str, str]:
    """(local, English) place of an incident for the public: the premise of its earliest
    call matched to one, else its address text with the flat cut off."""
    call = (
        Call.objects.filter(incident=incident, premise__isnull=False)
        .select_related("premise")
        .order_by("received_at", "pk")
        .first()
    )
    if call is not None and call.premise is not None:
        return premise_public_address(call.premise)
    public = public_address(incident.address_text)
    return public, public
