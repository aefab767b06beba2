"""What each step of a case says on its timeline, one whole sentence per kind in the reader's
language (the map timeline's words, maps/timeline_words, read these for `case.*` too)."""

from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from dispatch.models import IncidentEvent
from dispatch.redaction import hidden_text


def local_time(iso: Any) -> str:
    """An event's ISO time as the reader's clock shows it (the server's zone), to the minute."""
    at = parse_datetime(iso) if isinstance(iso, str) else None
    return f"{timezone.localtime(at):%Y-%m-%d %H:%M}" if at else "-"


def actor_name(event: IncidentEvent) -> str:
    if event.actor is not None:
        return event.actor.get_full_name() or event.actor.get_username()
    return _("the system")


def case_sentence(event: IncidentEvent, *, identity: bool) -> str:
    """The sentence for one event of a case's timeline; the caller's number only with
    `identity` (the reader may read the caller)."""
    return case_words(event.kind, event.data or {}, actor_name(event), identity=identity)


def case_words(kind: str, d: dict[str, Any], who: str, *, identity: bool = False) -> str:
    """One event's sentence from its kind, data and actor's name (the map timeline reads the
    `case.*` events of an incident here too)."""
    if kind == "call.received":
        phone = d.get("phone") if identity else hidden_text()
        return _("Call received from %(phone)s") % {"phone": phone or _("an unknown number")}
    if kind == "case.opened":
        if d.get("raised_by"):
            return _("%(who)s raised the case from field job %(job)s") % {
                "who": who,
                "job": d["raised_by"],
            }
        return _("%(who)s opened the case") % {"who": who}
    if kind == "case.assigned":
        to = d.get("handler") or d.get("department") or d.get("unit")
        return _("%(who)s assigned it to %(to)s") % {"who": who, "to": to}
    if kind == "case.started":
        return _("%(who)s started work on it") % {"who": who}
    if kind == "case.sent_up":
        return _("%(who)s sent it to the second tier (%(to)s) for an answer") % {
            "who": who,
            "to": d.get("to"),
        }
    if kind == "case.answered":
        return _("%(who)s answered for the desk that asked: %(text)s") % {
            "who": who,
            "text": d.get("text", ""),
        }
    if kind == "case.replied":
        late = _(" (late)") if d.get("late") else ""
        return _("%(who)s replied to the customer%(late)s: %(text)s") % {
            "who": who,
            "late": late,
            "text": d.get("text", ""),
        }
    if kind == "case.called_back":
        if d.get("reached"):
            return _("Customer called back: score %(score)s") % {"score": d.get("score") or "-"}
        return _("Customer not reached after every call-back attempt")
    if kind == "case.checked":
        done = _("ticked") if d.get("done") else _("unticked")
        return _("%(who)s %(done)s: %(step)s") % {"who": who, "done": done, "step": d.get("label")}
    if kind == "case.closed":
        return _("%(who)s closed the case") % {"who": who}
    if kind == "case.urged":
        return _("Urged (督办): due %(due)s") % {"due": local_time(d.get("due_at"))}
    if kind == "case.overdue":
        return _("Overdue: escalated to the supervisors")
    if kind == "case.field_job":
        return _("%(who)s started field job %(job)s") % {"who": who, "job": d.get("incident")}
    if kind == "callback.scheduled":
        return _("Call-back due by %(due)s") % {"due": local_time(d.get("due_at"))}
    if kind == "callback.attempted":
        if d.get("reached"):
            return _("%(who)s called the customer back: score %(score)s") % {
                "who": who,
                "score": d.get("satisfaction") or "-",
            }
        return _("%(who)s tried to call the customer back: not reached") % {"who": who}
    if kind == "callback.given_up":
        return _("The caller was not reached within the retry window: call-back given up")
    if kind == "case.identity_read":
        return _("%(who)s read the caller's identity") % {"who": who}
    return kind
