"""English left on a page meant to be Chinese: the words of the code's own strings that did not
go through translation, told apart from the data a utility typed in (names, addresses, ids)."""

import re
from collections.abc import Collection, Iterable

# Tokens a Chinese page may carry in Latin letters: abbreviations a Chinese control room uses
# as they are, units, file formats, and the name of the other language in the switch.
ALLOWED = {
    *("SLA", "ETA", "GPS", "MQTT", "ID", "API", "SMS", "CAP", "IVR", "QR", "OK"),
    *("CSV", "XLSX", "JSON", "PDF", "Excel", "GeoJSON", "Open311", "OsmAnd", "Traccar"),
    *("JPEG", "PNG", "WebP", "WKT", "WGS"),
    *("km", "m", "min", "s", "h", "kPa", "MPa", "mm", "km/h", "ms", "PE", "Ø"),
    *("English", "Leaflet", "OpenStreetMap", "OSM", "PostGIS"),
    *("Alt", "Ctrl", "Shift", "Enter", "Esc", "Tab", "jk", "GX", "WO"),  # keys as printed
    *("OpenAPI", "Redis", "Celery", "Mosquitto", "PostgreSQL"),  # products, by name
    *("Control", "Command", "Mac"),  # Django's own Chinese names these keys so
}
# A word: two Latin letters or more in a row, in a token without digits (a reference such as
# GX-2026-000012, an asset id V-0042 or P1 is an identifier, not a word).
_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.'’/&-]*")
_WORD = re.compile(r"[A-Za-z]{2,}")


def _words(text: str) -> Iterable[str]:
    for token in _TOKEN.findall(text):
        token = token.strip(".'’/-&")
        if token and not any(c.isdigit() for c in token) and _WORD.search(token):
            yield token


def data_words(values: Iterable[str | None]) -> set[str]:
    """The Latin words in the utility's own data (crew, station and people's names, streets):
    shown as typed, in any language."""
    return {word.lower() for value in values if value for word in _words(value)}


def stray_english(text: str, data: Collection[str] = ()) -> list[str]:
    """Each Latin word in `text` that is neither allowed nor part of the data, with its line:
    what a Chinese reader would see untranslated."""
    allowed = {a.lower() for a in ALLOWED} | set(data)
    stray = []
    for line in text.splitlines():
        found = [w for w in _words(line) if w.lower() not in allowed]
        if found:
            stray.append(f"{' '.join(found)}    <- {line.strip()[:120]}")
    return stray
