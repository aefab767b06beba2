"""One language on a page: English left on a page meant to be Chinese (the words of the code's
own strings that did not go through translation) and Chinese left on one meant to be English,
told apart from the data a utility typed in (names, addresses, ids), which stays as typed."""

import re
from collections.abc import Collection, Iterable

# Tokens a Chinese page may carry in Latin letters: abbreviations a Chinese control room uses
# as they are, units, file formats, products by name, and the other language's name in the
# switch. Compared in any case. A page's own allowances (an example in a help text, a header's
# name) are passed as `data`, not added here.
ALLOWED = {
    *("SLA", "ETA", "GPS", "MQTT", "ID", "IDs", "API", "SMS", "CAP", "IVR", "QR", "OK", "CO"),
    *("GIS", "HTTP", "GET", "POST", "IP", "UTF", "BOM", "GBK", "GB", "MB", "SHA", "XML", "LDAP"),
    *("CSV", "XLSX", "JSON", "PDF", "Excel", "GeoJSON", "Open311", "OsmAnd", "Traccar"),
    *("OwnTracks", "JPEG", "PNG", "WebP", "WKT", "WGS", "txt", "gz", "gzip"),
    *("km", "m", "min", "s", "h", "kPa", "MPa", "mm", "km/h", "ms", "PE", "DN", "Ø"),
    *("English", "Leaflet", "OpenStreetMap", "OSM", "PostGIS", "Django"),
    *("Alt", "Ctrl", "Shift", "Enter", "Esc", "Tab", "jk", "GX", "WO"),  # keys as printed
    *("OpenAPI", "Redis", "Celery", "Mosquitto", "PostgreSQL"),  # products, by name
    *("Control", "Command", "Mac"),  # Django's own Chinese names these keys so
}
# What an English page may carry in Chinese: the switch names the language in itself.
ALLOWED_CHINESE = ("简体中文", "中文")
# A word: two Latin letters or more in a row, in a token without digits or a dot inside (a
# reference such as GX-2026-000012, an asset id V-0042, P1, a file name users.csv.gz or a key
# progress.dispatched is an identifier, not a word).
_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.'’/&-]*")
_WORD = re.compile(r"[A-Za-z]{2,}")
# E-mail addresses and links are data wherever they are shown.
_ADDRESS = re.compile(r"\S+@\S+|https?://\S+")
# Chinese: ideographs, and the full-width and CJK punctuation that comes with them.
_CHINESE = re.compile(r"[\u3400-\u9fff\uff01-\uff5e\u3000-\u303f]+")


def _words(text: str) -> Iterable[str]:
    for token in _TOKEN.findall(_ADDRESS.sub(" ", text)):
        token = token.strip(".'’/-&")
        code = "." in token or any(c.isdigit() for c in token)
        if token and not code and _WORD.search(token):
            yield token


def data_words(values: Iterable[str | None]) -> set[str]:
    """The Latin words in the utility's own data (crew, station and people's names, streets):
    shown as typed, in any language."""
    return {word.lower() for value in values if value for word in _words(value)}


def without(text: str, values: Iterable[str | None]) -> str:
    """`text` with each of `values` (a whole name, address, command or sentence of data) taken
    out where it stands as a whole, longest first so none is cut by a shorter one: "Main St"
    goes, "Main" alone stays to be judged, "crew" is not taken out of "crews"."""
    for value in sorted({v for v in values if v}, key=len, reverse=True):
        before = r"(?<![A-Za-z0-9])" if value[0].isascii() and value[0].isalnum() else ""
        after = r"(?![A-Za-z0-9])" if value[-1].isascii() and value[-1].isalnum() else ""
        text = re.sub(f"{before}{re.escape(value)}{after}", " ", text)
    return text


def _lines(found: Iterable[tuple[list[str], str]]) -> list[str]:
    return [f"{' '.join(words)}    <- {line.strip()[:120]}" for words, line in found if words]


def stray_english(text: str, data: Collection[str] = (), *, strip: Iterable[str] = ()) -> list[str]:
    """Each Latin word in `text` that is neither allowed nor part of the data, with its line:
    what a Chinese reader would see untranslated. `data` holds single words (data_words);
    `strip`, whole values taken out first (see without)."""
    allowed = {a.lower() for a in ALLOWED} | {d.lower() for d in data}
    return _lines(
        ([w for w in _words(line) if w.lower() not in allowed], line)
        for line in without(text, strip).splitlines()
    )


def stray_chinese(text: str, strip: Iterable[str] = ()) -> list[str]:
    """Each run of Chinese in `text` that is not data (`strip`, whole values) nor the switch's
    own name, with its line: what an English reader would see untranslated."""
    text = without(text, [*strip, *ALLOWED_CHINESE])
    return _lines((_CHINESE.findall(line), line) for line in text.splitlines())
