"""A CAP 1.2 message as data, written to XML in the schema's element order, and read back."""

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import datetime
from io import StringIO
from xml.sax.xmlreader import AttributesImpl

from django.utils import timezone
from django.utils.xmlutils import SimplerXMLGenerator

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
_NS = {"cap": CAP_NS}


@dataclass(frozen=True)
class Area:
    desc: str
    polygons: tuple[str, ...] = ()
    circles: tuple[str, ...] = ()


@dataclass(frozen=True)
class Info:
    language: str
    categories: tuple[str, ...]
    event: str
    response_types: tuple[str, ...]
    urgency: str
    severity: str
    certainty: str
    expires: datetime
    sender_name: str
    headline: str
    description: str
    instruction: str
    areas: tuple[Area, ...]


@dataclass(frozen=True)
class Message:
    identifier: str
    sender: str
    sent: datetime
    msg_type: str
    incident: str
    references: tuple[str, ...] = ()
    infos: tuple[Info, ...] = field(default_factory=tuple)


def xml_attrs(values: dict[str, str] | None = None) -> "AttributesImpl[str]":
    """Attributes as the SAX writer's signature wants them."""
    return AttributesImpl(values or {})


def cap_time(moment: datetime) -> str:
    """CAP's date-time: local offset, whole seconds, and UTC written "-00:00" (3.3.2)."""
    text = timezone.localtime(moment).replace(microsecond=0).isoformat()
    return text[:-6] + "-00:00" if text.endswith("+00:00") else text


def _area(xml: SimplerXMLGenerator, area: Area) -> None:
    xml.startElement("area", xml_attrs())
    xml.addQuickElement("areaDesc", area.desc)
    for polygon in area.polygons:
        xml.addQuickElement("polygon", polygon)
    for circle in area.circles:
        xml.addQuickElement("circle", circle)
    xml.endElement("area")


def _info(xml: SimplerXMLGenerator, info: Info) -> None:
    xml.startElement("info", xml_attrs())
    xml.addQuickElement("language", info.language)
    for category in info.categories:
        xml.addQuickElement("category", category)
    xml.addQuickElement("event", info.event)
    for response in info.response_types:
        xml.addQuickElement("responseType", response)
    xml.addQuickElement("urgency", info.urgency)
    xml.addQuickElement("severity", info.severity)
    xml.addQuickElement("certainty", info.certainty)
    xml.addQuickElement("expires", cap_time(info.expires))
    xml.addQuickElement("senderName", info.sender_name)
    xml.addQuickElement("headline", info.headline)
    xml.addQuickElement("description", info.description)
    xml.addQuickElement("instruction", info.instruction)
    for area in info.areas:
        _area(xml, area)
    xml.endElement("info")


def cap_xml(message: Message) -> str:
    """The message as CAP 1.2 XML (elements in the order the schema's sequences require)."""
    out = StringIO()
    xml = SimplerXMLGenerator(out, "UTF-8")
    xml.startDocument()
    xml.startElement("alert", xml_attrs({"xmlns": CAP_NS}))
    xml.addQuickElement("identifier", message.identifier)
    xml.addQuickElement("sender", message.sender)
    xml.addQuickElement("sent", cap_time(message.sent))
    xml.addQuickElement("status", "Actual")
    xml.addQuickElement("msgType", message.msg_type)
    xml.addQuickElement("scope", "Public")
    if message.references:
        xml.addQuickElement("references", " ".join(message.references))
    xml.addQuickElement("incidents", message.incident)
    for info in message.infos:
        _info(xml, info)
    xml.endElement("alert")
    xml.endDocument()
    return out.getvalue()


@dataclass(frozen=True)
class Issued:
    """What a stored message said, read back from its XML (the record of what was sent)."""

    identifier: str
    sender: str
    sent: str
    msg_type: str
    headlines: dict[str, str]
    descriptions: dict[str, str]
    areas: dict[str, tuple[Area, ...]]

    @property
    def reference(self) -> str:
        """The extended identifier a later message cites in <references> (3.2.1)."""
        return f"{self.sender},{self.identifier},{self.sent}"

    def zone(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """Every polygon and circle of the first info: what the public was told to avoid."""
        return area_zone(next(iter(self.areas.values()), ()))


def area_zone(areas: tuple[Area, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The polygons and the circles of some areas, to tell whether a zone changed."""
    return (
        tuple(p for a in areas for p in a.polygons),
        tuple(c for a in areas for c in a.circles),
    )


def _text(node: ET.Element, path: str) -> str:
    return node.findtext(path, default="", namespaces=_NS)


def cap_read(xml: str) -> Issued:
    # Our own stored output, never outside input: the standard parser is safe here.
    root = ET.fromstring(xml.encode())  # noqa: S314
    infos = root.findall("cap:info", _NS)
    by_language = {_text(i, "cap:language") or "en-US": i for i in infos}
    return Issued(
        identifier=_text(root, "cap:identifier"),
        sender=_text(root, "cap:sender"),
        sent=_text(root, "cap:sent"),
        msg_type=_text(root, "cap:msgType"),
        headlines={k: _text(i, "cap:headline") for k, i in by_language.items()},
        descriptions={k: _text(i, "cap:description") for k, i in by_language.items()},
        areas={
            k: tuple(
                Area(
                    desc=_text(a, "cap:areaDesc"),
                    polygons=tuple(p.text or "" for p in a.findall("cap:polygon", _NS)),
                    circles=tuple(c.text or "" for c in a.findall("cap:circle", _NS)),
                )
                for a in i.findall("cap:area", _NS)
            )
            for k, i in by_language.items()
        },
    )
