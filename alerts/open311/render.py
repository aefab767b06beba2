"""Open311 answers in JSON or XML, with GeoReport v2's element names.

A record is a dict in the spec's field order. In JSON a list of records is an array; in XML
it is a root element holding one element per record (`<service_requests><request>...`).
A list inside a record (discovery's endpoints and formats, a definition's attributes) is
wrapped the same way, its items named by ITEM_NAMES.
"""

import json
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from xml.etree.ElementTree import Element, SubElement, tostring

from django.http import HttpResponse
from django.utils import timezone

FORMATS = ("json", "xml")
CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
ITEM_NAMES = {"endpoints": "endpoint", "formats": "format", "attributes": "attribute"}
XML_DECLARATION = b'<?xml version="1.0" encoding="utf-8"?>\n'
# XML 1.0 has no way to write these, escaped or not; text from any channel (a pasted
# description, an old import) may hold them, and one would make the whole document unreadable.
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

Record = Mapping[str, Any]


def w3c(moment: datetime | None) -> str | None:
    """A W3C date-time with the offset of the utility's time zone: 2026-11-22T14:05:09+08:00."""
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else None


def _xml_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return XML_ILLEGAL.sub("", str(value))


def _xml_fill(parent: Element, record: Record) -> None:
    for name, value in record.items():
        child = SubElement(parent, name)
        if isinstance(value, Sequence) and not isinstance(value, str):
            for item in value:
                grandchild = SubElement(child, ITEM_NAMES[name])
                if isinstance(item, Mapping):
                    _xml_fill(grandchild, item)
                else:
                    grandchild.text = _xml_text(item)
        else:
            child.text = _xml_text(value)


def _xml(root: Element, status: int) -> HttpResponse:
    body = XML_DECLARATION + tostring(root, encoding="utf-8", xml_declaration=False)
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES["xml"])


def _json(data: Any, status: int) -> HttpResponse:
    return HttpResponse(
        json.dumps(data, ensure_ascii=False), status=status, content_type=CONTENT_TYPES["json"]
    )


def records_response(
    fmt: str, *, root: str, item: str, records: Sequence[Record], status: int = 200
) -> HttpResponse:
    """A list: a JSON array, or `<root><item>...</item>...</root>`."""
    if fmt == "json":
        return _json(list(records), status)
    element = Element(root)
    for record in records:
        _xml_fill(SubElement(element, item), record)
    return _xml(element, status)


def record_response(fmt: str, *, root: str, record: Record) -> HttpResponse:
    """One object: a JSON object, or `<root>...</root>` (discovery, a service definition)."""
    if fmt == "json":
        return _json(dict(record), 200)
    element = Element(root)
    _xml_fill(element, record)
    return _xml(element, 200)


def errors_response(fmt: str, status: int, descriptions: Sequence[str]) -> HttpResponse:
    """The spec's error shape: `[{"code": 400, "description": "..."}]` or
    `<errors><error><code>400</code><description>...</description></error></errors>`."""
    errors = [{"code": status, "description": d} for d in descriptions]
    return records_response(
        fmt if fmt in FORMATS else "json",
        root="errors",
        item="error",
        records=errors,
        status=status,
    )
