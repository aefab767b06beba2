"""Staff notes on an incident: one `incident.note` event each on the append-only timeline.

A note is an event, not a row of its own: it is said once, by someone, at a moment, and is
never edited, which is what the timeline already guarantees (the database refuses UPDATE and
DELETE on it), and the replay, the exports and the redaction rules then carry it for free.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from dispatch.access import Capability, user_may
from dispatch.errors import DispatchError, ForbiddenError, NotFoundError
from dispatch.models import Incident, IncidentEvent, User
from dispatch.selectors import user_covers_station
from dispatch.services.timeline import event_record

NOTE_KIND = "incident.note"
# Long enough for a hand-over ("valve V-12 seized, key from the depot, customer has a
# pacemaker alarm"); a page of text belongs in a report, not on a timeline line.
NOTE_MAX_CHARS = 2000


@dataclass(frozen=True)
class Note:
    id: int
    at: datetime
    actor: str
    text: str


def user_may_add_note(user: object) -> bool:
    """Those who work incidents: call takers and dispatchers (and their supervisors and
    administrators). A safety manager reviews afterwards and writes the review elsewhere; a
    crew reports findings from the tablet, which the timeline already records."""
    return user_may(user, Capability.CALL_INTAKE) or user_may(user, Capability.DISPATCH)


@transaction.atomic
def incident_note_add(*, incident_id: int, text: str, actor: User, at: datetime) -> Note:
    """Append a staff note to the incident's timeline."""
    if not user_may_add_note(actor):
        raise ForbiddenError(_("notes are written by call takers and dispatchers"))
    words = text.strip()
    if not words:
        raise DispatchError(_("write the note first: it is empty"), field="text")
    if len(words) > NOTE_MAX_CHARS:
        raise DispatchError(
            _("a note is at most %(max)d characters (this one has %(n)d): shorten it")
            % {"max": NOTE_MAX_CHARS, "n": len(words)},
            field="text",
        )
    incident = Incident.objects.filter(pk=incident_id).first()
    if incident is None:
        raise NotFoundError(_("no incident %(id)s") % {"id": incident_id})
    if not user_covers_station(actor, incident.station_id):
        raise ForbiddenError(
            _("%(reference)s is outside your organisation") % {"reference": incident.reference}
        )
    # No status check: a note after closing (a call-back's outcome, what the review found
    # missing) is as much part of the record as one written while the crew was on site.
    event = event_record(
        kind=NOTE_KIND, incident=incident, actor=actor, at=at, data={"text": words}
    )
    return _note_of(event)


def incident_notes_list(incident_id: int) -> list[Note]:
    """The incident's notes, oldest first (a read, kept beside the write it mirrors)."""
    events = IncidentEvent.objects.filter(incident_id=incident_id, kind=NOTE_KIND).order_by(
        "at", "id"
    )
    return [_note_of(e) for e in events]


def _note_of(event: IncidentEvent) -> Note:
    return Note(
        id=event.pk, at=event.at, actor=event.actor_label, text=str(event.data.get("text", ""))
    )
