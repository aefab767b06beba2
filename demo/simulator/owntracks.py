"""OwnTracks as a tablet speaks it: the topic, the tracker id and the `location` payload."""

import json

from fleet.mqtt import topic


def tracker_id(device_id: str) -> str:
    """OwnTracks' `tid`: two characters, by default the end of the device's name."""
    return ("".join(c for c in device_id if c.isalnum())[-2:] or "sv").rjust(2, "0")


def owntracks_topic(device_id: str) -> str:
    """The topic a device publishes its positions on (`<user>` is its MQTT username)."""
    return topic(f"owntracks/{device_id}/van")


def owntracks_payload(
    *, lon: float, lat: float, tst: int, acc: int, vel_kmh: int, cog: int, batt: int, tid: str
) -> bytes:
    """An OwnTracks `location` message as the Android app sends it on a timer in move mode."""
    body = {
        "_type": "location",
        "lat": round(lat, 7),  # about a centimetre: more would only be noise
        "lon": round(lon, 7),
        "tst": tst,
        "acc": acc,
        "vel": vel_kmh,
        "cog": cog,
        "batt": batt,
        "tid": tid,
        "t": "t",  # triggered by the timer
        "conn": "m",  # on the mobile network
    }
    return json.dumps(body, separators=(",", ":")).encode()
