"""Reads of issued CAP messages for the public feeds."""

from django.utils import timezone

from alerts.cap.profiles import EXPIRES
from alerts.models import CapMessage


def cap_message_list_current() -> list[CapMessage]:
    """Each incident's newest message until it expires, newest first: what hubs should hold.
    A Cancel stays listed for its own lifetime, so a hub polling now and then still sees it."""
    newest = (
        CapMessage.objects.filter(sent__gt=timezone.now() - EXPIRES)
        .order_by("incident_id", "-sent", "-id")
        .distinct("incident_id")
    )
    return sorted(newest, key=lambda m: (m.sent, m.pk), reverse=True)


def cap_message_xml_get(identifier: str) -> str | None:
    """The message exactly as issued, or None."""
    return CapMessage.objects.filter(identifier=identifier).values_list("xml", flat=True).first()
