"""The JSON body Traccar Client (9.0 and later) posts, as a fix.

`{"location": {"timestamp": ISO 8601, "coords": {"latitude", "longitude", "accuracy", "speed"
(m/s), "heading", "altitude"}, "battery": {"level": 0..1, "is_charging"}, ...}, "device_id": ...}`
with `Content-Type: application/json`, to the server URL typed into the app. It is the native
format of the background-location library the app is built on; the Traccar server reads it in
OsmAndProtocolDecoder.decodeJson (https://www.traccar.org/osmand/), and so do we: speed, heading
and battery level below 0 mean "not known" there, and are stored as NULL here (an accuracy of 0
or less too). The timestamp is read as OsmAnd's is (positions.fix_time_parsed): one without a
time zone is refused, since which zone it meant would be a guess.
"""

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

from fleet.positions import (
    Fix,
    FixRefusedError,
    accuracy_or_none,
    fix_checked,
    fix_time_parsed,
    number_or_none,
)

MPS_TO_KMH = 3.6


def traccar_body(data: object) -> Mapping[str, Any] | None:
    """The body if it is Traccar Client's JSON (a `location` object), else None."""
    if isinstance(data, Mapping) and isinstance(data.get("location"), Mapping):
        return data
    return None


def traccar_device_identifier(body: Mapping[str, Any]) -> str:
    identifier = body.get("device_id")
    return identifier if isinstance(identifier, str) else ""


def _timestamp(location: Mapping[str, Any]) -> float:
    raw = location.get("timestamp")
    if raw is None or raw == "":
        raise FixRefusedError(
            "missing_field", _("'timestamp' (ISO 8601) is required"), field="timestamp"
        )
    return fix_time_parsed(raw)


def traccar_fix(device_id: str, body: Mapping[str, Any], *, now: float) -> Fix:
    """A Traccar Client body as a fix, or FixRefusedError (its `field` names what is wrong)."""
    location = body["location"]
    coords = location.get("coords")
    if not isinstance(coords, Mapping):
        # Traccar takes the device's last position then; a fix without coordinates is none.
        raise FixRefusedError("missing_field", _("'location.coords' is required"), field="coords")
    lat = number_or_none(coords, "latitude", required=True)
    lon = number_or_none(coords, "longitude", required=True)
    assert lat is not None
    assert lon is not None
    speed = number_or_none(coords, "speed", unknown_below=0)
    battery = location.get("battery")
    level = (
        number_or_none(battery, "level", unknown_below=0) if isinstance(battery, Mapping) else None
    )
    return fix_checked(
        device_id=device_id,
        lat=lat,
        lon=lon,
        fix_at=_timestamp(location),
        now=now,
        source="osmand",
        accuracy_m=accuracy_or_none(coords, "accuracy"),
        altitude_m=number_or_none(coords, "altitude"),
        speed_kmh=None if speed is None else speed * MPS_TO_KMH,
        course_deg=number_or_none(coords, "heading", unknown_below=0),
        battery=None if level is None else level * 100,
    )
