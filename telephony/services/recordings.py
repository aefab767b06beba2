"""Recordings: the file of a recorded leg, found where this server reads the phone system's
recordings (never outside that directory, whatever the phone system said), and the quality
reviews supervisors write on them."""

import logging
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.counters import counter_increment
from dispatch.models import User
from telephony.models import CallLeg, RecordingReview

log = logging.getLogger(__name__)
COMMENTS_MAX = 2000


class ReviewError(ValueError):
    """A review that cannot be stored, in the reviewer's words."""


def recording_file(leg: CallLeg) -> Path | None:
    """The leg's recording on this server, or None (none made, its system's recordings not
    mounted here, a name outside the directory, or the file not there)."""
    system = leg.system
    if not leg.recording or not system.recordings_dir:
        return None
    name = leg.recording
    prefix = system.recordings_prefix
    if prefix and name.startswith(prefix):
        name = name[len(prefix) :]
    root = Path(system.recordings_dir).resolve()
    found = (root / name.lstrip("/")).resolve()
    if not found.is_relative_to(root):
        log.warning("leg %s names a recording outside %s: %r", leg.pk, root, leg.recording)
        counter_increment("telephony.recording.outside")
        return None
    return found if found.is_file() else None


def legs_recorded(call_ids: list[int]) -> list[CallLeg]:
    """The recorded legs of these call records: the agents' legs linked to them and every
    leg of the same phone calls, in the order they rang."""
    linked = CallLeg.objects.filter(call_id__in=call_ids).values_list("system_id", "call_uid")
    legs: list[CallLeg] = []
    for system_id, call_uid in set(linked):
        legs += CallLeg.objects.filter(system_id=system_id, call_uid=call_uid).exclude(recording="")
    return sorted(legs, key=lambda leg: (leg.rang_at is None, leg.rang_at, leg.pk))


@transaction.atomic
def review_add(*, leg: CallLeg, reviewer: User, score: int, comments: str) -> RecordingReview:
    """The one place a quality review is written."""
    if not 0 <= score <= 100:
        raise ReviewError(_("the score is 0 to 100"))
    comments = comments.strip()
    if len(comments) > COMMENTS_MAX:
        raise ReviewError(_("comments are at most %(n)s characters") % {"n": COMMENTS_MAX})
    review = RecordingReview.objects.create(
        leg=leg, reviewer=reviewer, score=score, comments=comments, created_at=timezone.now()
    )
    log.info("leg %s reviewed by %s: %s", leg.pk, reviewer, score)
    counter_increment("telephony.recording.reviewed")
    return review
