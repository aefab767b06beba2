"""Where an Open311 request is: lat/long, our premise id (address_id), or an address in words
geocoded like the console's. Resolved before anything is stored, so a request we cannot place
is refused whole."""

from dataclasses import dataclass

from django.contrib.gis.geos import Point

from alerts.open311.errors import bad_request
from gis.geocoding import Candidate, geocode
from gis.models import OrgUnit, Premise
from gis.selectors import org_unit_station_for_point

# The geocoder's own scale: 1.0 exact, 0.9 one premise though a part was left out, 0.85 at
# most for a landmark found by similarity; 0.5 several premises fit, below that a guess.
# A crew sent to a guess is a crew sent to the wrong door: below this, ask for better.
ACCEPT_SCORE = 0.6
CANDIDATES_SHOWN = 3


@dataclass(frozen=True)
class Place:
    point: Point
    premise: Premise | None
    address_text: str
    geocode_method: str
    station: OrgUnit


def _geocoded(text: str) -> Candidate:
    candidates = geocode(text, limit=CANDIDATES_SHOWN + 1)
    if not candidates:
        raise bad_request(
            f"address_string {text!r} matches no address, landmark or corner we know: "
            "send lat and long"
        )
    best = candidates[0]
    tied = len(candidates) > 1 and candidates[1].score >= best.score
    if best.score < ACCEPT_SCORE or tied:
        shown = "; ".join(c.label for c in candidates[:CANDIDATES_SHOWN])
        raise bad_request(
            f"address_string {text!r} is not precise enough (it may mean: {shown}): "
            "give the full address with building, unit and room, or send lat and long"
        )
    return best


def place_resolve(
    *,
    lat: float | None,
    long: float | None,
    address_string: str,
    address_id: str,
    utility: str = "gas",
) -> Place:
    """The point, premise and station of a request; a 400 when it cannot be placed with us."""
    premise = None
    if address_id:
        premise = Premise.objects.filter(asset_id=address_id).first()
        if premise is None:
            raise bad_request(f"address_id {address_id!r} is not an address we supply")
    if lat is not None and long is not None:
        point, method = Point(long, lat, srid=4326), "coordinates"
    elif premise is not None:
        point, method = premise.geom, "premise"
    elif address_string:
        found = _geocoded(address_string)
        point, method = found.point, found.method
        if found.kind == "premise" and found.id is not None:
            premise = Premise.objects.get(pk=found.id)
    else:
        raise bad_request("a location is required: lat and long, address_string or address_id")
    station = org_unit_station_for_point(point, utility)
    if station is None:
        raise bad_request(
            f"the location ({point.y:.6f}, {point.x:.6f}) is outside the area we serve "
            f"for {utility}"
        )
    text = address_string or (premise.full_text if premise else "")
    return Place(
        point=point, premise=premise, address_text=text, geocode_method=method, station=station
    )
