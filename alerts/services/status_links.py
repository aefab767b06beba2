"""The caller's status link: unguessable, one per call, valid a while after the last news."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from alerts.models import StatusLink
from dispatch.models import Call


def status_link_for(call: Call) -> StatusLink:
    """The call's link, made on first use; each message sent with it extends its life."""
    now = timezone.now()
    expires = now + timedelta(days=settings.STATUS_LINK_DAYS)
    link = StatusLink.objects.select_for_update().filter(call=call).first()
    if link is None:
        assert call.incident_id is not None, "a status link is for a call with an incident"
        return StatusLink.objects.create(
            token=secrets.token_urlsafe(24),  # 192 bits: not guessable, not enumerable
            incident_id=call.incident_id,
            call=call,
            created_at=now,
            expires_at=expires,
        )
    if link.expires_at < expires:
        link.expires_at = expires
        link.save(update_fields=["expires_at"])
    return link


def status_url(link: StatusLink) -> str:
    return f"{settings.SITE_URL.rstrip('/')}/s/{link.token}"
