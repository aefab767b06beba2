"""What each step of a case says on its timeline, one whole sentence per kind in the reader's
language (the map timeline's words, maps/timeline_words, read these for `case.*` too)."""

from typing import Any

from django.utils.translation import gettext as _

from dispatch.models import IncidentEvent
from dispatch.redaction import hidden_text


def actor_name(event: IncidentEvent) -> str:
    if event.actor is not None:
        return event.actor.get_full_name() or event.actor.get_username()
    return _("the system")


def case_sentence(event: IncidentEvent, *, identity: bool) -> str:
    """The sentence for one event of a case's timeline; the caller's number only with
    `identity` (the reader may read the caller)."""
    d: dict[str, Any] = event.data or {}
    who = actor_name(event)
    kind = event.kind
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
        return _("Urged (督办): due %(due)s") % {"due": str(d.get("due_at", ""))[:16]}
    if kind == "case.overdue":
        return _("Overdue: escalated to the supervisors")
    if kind == "case.field_job":
        return _("%(who)s started field job %(job)s") % {"who": who, "job": d.get("incident")}
    if kind == "case.identity_read":
        return _("%(who)s read the caller's identity") % {"who": who}
    return kind
