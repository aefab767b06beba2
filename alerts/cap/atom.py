"""The Atom feed of current CAP messages, as public alerting hubs poll it: one entry per
message, linking to its CAP XML (RFC 4287; the CAP-over-Atom shape the hubs read)."""

from collections.abc import Callable
from io import StringIO

from django.utils import timezone
from django.utils.xmlutils import SimplerXMLGenerator

from alerts.cap.document import cap_read, cap_time, xml_attrs
from alerts.cap.profiles import cap_sender_names
from alerts.models import CapMessage

ATOM_NS = "http://www.w3.org/2005/Atom"
CAP_TYPE = "application/cap+xml"


def _entry(xml: SimplerXMLGenerator, message: CapMessage, url: str) -> None:
    issued = cap_read(message.xml)
    headlines = [h for h in issued.headlines.values() if h]
    xml.startElement("entry", xml_attrs())
    xml.addQuickElement("id", url)  # a message never changes, so its address names it for good
    xml.addQuickElement("title", " / ".join(headlines) or issued.identifier)
    xml.addQuickElement("updated", issued.sent)
    xml.addQuickElement("published", issued.sent)
    xml.addQuickElement("summary", issued.descriptions.get("en-US", ""))
    xml.addQuickElement("category", attrs={"term": issued.msg_type})
    xml.addQuickElement("link", attrs={"rel": "alternate", "type": CAP_TYPE, "href": url})
    xml.endElement("entry")


def cap_atom(messages: list[CapMessage], *, feed_url: str, url_of: Callable[[str], str]) -> str:
    """The feed document; `url_of` turns an identifier into its message's absolute URL."""
    out = StringIO()
    xml = SimplerXMLGenerator(out, "utf-8")
    xml.startDocument()
    xml.startElement("feed", xml_attrs({"xmlns": ATOM_NS, "xml:lang": "zh-CN"}))
    xml.addQuickElement("id", feed_url)
    names = cap_sender_names()
    xml.addQuickElement("title", f"{names['zh-CN']} / {names['en-US']}: public gas alerts")
    newest = messages[0].sent if messages else timezone.now()
    xml.addQuickElement("updated", cap_time(newest))
    xml.startElement("author", xml_attrs())
    xml.addQuickElement("name", names["en-US"])
    xml.endElement("author")
    xml.addQuickElement("link", attrs={"rel": "self", "href": feed_url})
    for message in messages:
        _entry(xml, message, url_of(message.identifier))
    xml.endElement("feed")
    xml.endDocument()
    return out.getvalue()
