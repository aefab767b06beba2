"""What each kind of timeline event says, as one sentence in the reader's language: who did
what ("Dispatcher Wang Wei sent Repair crew 2 (recommended #1, ETA 6 min)"), built whole per
kind from the vocabulary, never English word order glued from fragments."""

import re
from datetime import datetime
from typing import Any

from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, override

from desk.words import case_words
from dispatch.models import Incident, Milestone
from maps.timeline_words.vocabulary import (
    CHANNEL,
    DUTY,
    FIELD_LABELS,
    INCIDENT_STATUS,
    MILESTONE,
    SKILL,
    SOURCES,
    STATUS,
    WHY,
    EventNames,
    _clauses,
    _far,
    _field,
    _fix_text,
    _list,
    _lower,
    _name,
    _tr,
    _with,
    _words,
    arrival_mark,
    clock,
    duration_text,
    findings_text,
)


def _received_text(d: dict[str, Any], actor: str) -> str:
    """'Call taker Li Na took a call from 138... (Phone)'; for a role that takes no calls the
    number and account arrive as "(hidden)" (dispatch.redaction) and read so."""
    words = {"actor": actor, "phone": d.get("phone"), "channel": _name(CHANNEL, d.get("channel"))}
    if actor and d.get("phone"):
        said = _("%(actor)s took a call from %(phone)s (%(channel)s)")
    elif actor:
        said = _("%(actor)s took a call (%(channel)s)")
    elif d.get("phone"):
        said = _("Call from %(phone)s (%(channel)s)")
    else:
        said = _("Call (%(channel)s)")
    return _clauses(
        (
            said % words,
            _("address: %(address)s") % {"address": d["address"]} if d.get("address") else "",
            _("customer account: %(account)s") % {"account": d["customer"]}
            if d.get("customer")
            else "",
            # The caller's own words, as the call taker wrote them down.
            _("the caller said: %(words)s") % {"words": d["description"]}
            if d.get("description")
            else "",
        )
    )


def _joined_text(d: dict[str, Any]) -> str:
    text = _("The call joined the incident as report %(n)s") % {"n": d.get("reports", "?")}
    if d.get("counted") is False:
        # A repeat from one source within the window: shown, but not counted toward priority.
        repeat = _(
            "a repeat from the same %(source)s as call %(call)s within %(minutes)s min: "
            "not counted toward priority"
        ) % {
            "source": _name(SOURCES, d.get("same")),
            "call": d.get("repeat_of"),
            "minutes": d.get("window_min"),
        }
        text = _clauses((text, repeat))
    return text


def _answered_text(d: dict[str, Any], actor: str) -> str:
    words = {"actor": actor, "note": d.get("note")}
    if d.get("note"):
        said = (
            _("%(actor)s answered the call and closed it: %(note)s")
            if actor
            else _("The call was answered and closed: %(note)s")
        )
    else:
        said = (
            _("%(actor)s answered the call and closed it")
            if actor
            else _("The call was answered and closed")
        )
    return said % words


def _opened_text(d: dict[str, Any], actor: str, names: EventNames) -> str:
    words = {
        "actor": actor,
        "reference": d.get("reference", ""),
        "priority": d.get("priority", "?"),
        "station": names.station(d.get("station")),
    }
    said = (
        _("%(actor)s opened %(reference)s at P%(priority)s for station %(station)s")
        if actor
        else _("%(reference)s opened at P%(priority)s for station %(station)s")
    ) % words
    where = ""
    if d.get("segment") and d.get("segment_distance_m") is not None:
        where = _("main %(segment)s, %(distance)s m away") % {
            "segment": d["segment"],
            "distance": f"{d['segment_distance_m']:.0f}",
        }
    elif d.get("segment"):
        where = _("main %(segment)s") % {"segment": d["segment"]}
    triage = d.get("triage") or []
    reasons = _list(names.triage(r) for r in (triage if isinstance(triage, list) else [triage]))
    return _clauses(
        (said, where, _("triage: %(reasons)s") % {"reasons": reasons} if reasons else "")
    )


_REPORTS = re.compile(r"^(\d+) independent reports$")
_MERGED = re.compile(r"^merged (\S+)$")


def _reason_text(reason: Any) -> str:
    """Why the priority rose, as dispatch.services wrote it (in English), in words."""
    if isinstance(reason, list):
        return _list(_reason_text(r) for r in reason)
    text = str(reason or "")
    if m := _REPORTS.match(text):
        return _("%(n)s independent reports") % {"n": m[1]}
    if m := _MERGED.match(text):
        return _("%(reference)s merged in") % {"reference": m[1]}
    return _tr(text)


def _raised_text(d: dict[str, Any]) -> str:
    words = {"priority": d.get("priority", "?"), "reason": _reason_text(d.get("reason"))}
    if words["reason"]:
        return _("Priority raised to P%(priority)s: %(reason)s") % words
    return _("Priority raised to P%(priority)s") % words


def _because_text(because: Any, crew: str) -> str:
    """An incident's status changed because...: 'Crew 2 on site' as that step's sentence."""
    text = str(because or "")
    with override("en"):  # dispatch.services.incident_end writes the reason's English label
        ended = {str(label): label for _code, label in Incident.EndReason.choices}
    if text in ended:
        return str(ended[text])
    if text.endswith(" assigned"):
        return _("%(crew)s dispatched") % {"crew": text.removesuffix(" assigned")}
    for code in STATUS:
        words = code.replace("_", " ")
        if text.endswith(" " + words) and code in STATUS_SENTENCES:
            return _status_sentence(code, text.removesuffix(" " + words))
    if text == "no crew left on it":
        return _("no crew left on it")
    return _tr(text)


def _incident_status_text(d: dict[str, Any], crew: str) -> str:
    words = {
        "from": _name(INCIDENT_STATUS, d.get("from")),
        "to": _name(INCIDENT_STATUS, d.get("to")),
    }
    said = _("Incident status: %(from)s → %(to)s") % words
    because = _because_text(d.get("because"), crew)
    return _with(said, [because])


def _ended_text(kind: str, d: dict[str, Any], actor: str) -> str:
    """'Dispatcher Wang Wei closed the incident: false alarm; note: neighbour's barbecue',
    '... merged the incident into GX-...: the same fault reported twice', '... referred the
    incident to Water Co.: not our network'."""
    reasons = dict(Incident.EndReason.choices)
    words = {
        "actor": actor,
        "reason": _name(reasons, d.get("reason", "")),
        "reference": d.get("into_reference", "?"),
        "agency": d.get("agency", "?"),
    }
    match kind, bool(actor):
        case "incident.closed", True:
            said = _("%(actor)s closed the incident: %(reason)s")
        case "incident.closed", False:
            said = _("The incident was closed: %(reason)s")
        case "incident.cancelled", True:
            said = _("%(actor)s cancelled the incident: %(reason)s")
        case "incident.cancelled", False:
            said = _("The incident was cancelled: %(reason)s")
        case "incident.merged", True:
            said = _("%(actor)s merged the incident into %(reference)s: %(reason)s")
        case "incident.merged", False:
            said = _("The incident was merged into %(reference)s: %(reason)s")
        case "incident.referred", True:
            said = _("%(actor)s referred the incident to %(agency)s: %(reason)s")
        case _:
            said = _("The incident was referred to %(agency)s: %(reason)s")
    note = _field(FIELD_LABELS["note"], d["note"]) if d.get("note") else ""
    return _clauses((said % words, note))


def _merged_in_text(d: dict[str, Any], actor: str) -> str:
    words = {
        "actor": actor,
        "reference": d.get("from_reference", "?"),
        "reports": d.get("reports", "?"),
    }
    if actor:
        return _("%(actor)s merged %(reference)s into this incident; %(reports)s reports now") % (
            words
        )
    return _("%(reference)s was merged into this incident; %(reports)s reports now") % words


def _not_applicable_text(d: dict[str, Any]) -> str:
    clocks = _list(_lower(MILESTONE, m) for m in d.get("milestones", []))
    return _("These clocks no longer apply: %(clocks)s") % {"clocks": clocks}


def _isolation_text(d: dict[str, Any]) -> str:
    valves = d.get("valves_to_close") or []
    away = d.get("valve_distances_m") or []
    road = d.get("valve_road_m") or []
    shown = list(map(str, valves))
    if valves and len(road) == len(valves):  # the crew's drive, from the incident on
        shown = [
            (
                _("%(valve)s %(far)s by road from the incident")
                if n == 0
                else _("then %(valve)s %(far)s further")
            )
            % {"valve": v, "far": _far(m)}
            for n, (v, m) in enumerate(zip(valves, road, strict=True))
        ]
    elif len(away) == len(valves):  # nearest first, with how far each is from the main
        shown = [
            _("%(valve)s %(far)s") % {"valve": v, "far": _far(m)}
            for v, m in zip(valves, away, strict=True)
        ]
    return _(
        "%(n)s valves to close (%(valves)s), %(mains)s mains isolated, "
        "%(premises)s premises cut off"
    ) % {
        "n": len(valves),
        "valves": _list(shown),
        "mains": d.get("isolated_mains", 0),
        "premises": d.get("premises_cut_off", 0),
    }


def _offer_text(d: dict[str, Any], actor: str) -> str:
    crews = d.get("crews") or []
    if not crews:
        return _("No crew could be offered")
    top = crews[0]
    details = [_("ETA %(eta)s") % {"eta": duration_text(top.get("eta_seconds"))}]
    if top.get("distance_m") is not None:
        details.append(f"{top['distance_m'] / 1000:.1f} km")
    words = {"actor": actor, "n": len(crews), "crew": top.get("crew_name")}
    said = (
        _("%(actor)s asked for crews: %(n)s offered, best %(crew)s")
        if actor
        else _("%(n)s crews offered, best %(crew)s")
    ) % words
    return _with(said, details)


def _lacks_crew(top: dict[str, Any]) -> str:
    lacks = [_tr(lack.get("text", "")) for lack in top.get("lacks") or []]
    return _with(str(top.get("crew_name", "")), lacks)


def _none_available_text(d: dict[str, Any]) -> str:
    """No ideal crew for the system to send: the next best left for a dispatcher."""
    crews = d.get("crews") or []
    why = _name(WHY, d["why"]) if d.get("why") else ""
    if not crews:
        if why:
            return _("No crew could be offered (%(why)s)") % {"why": why}
        return _("No crew could be offered")
    words = {"why": why, "n": len(crews), "crew": _lacks_crew(crews[0])}
    if why:
        return (
            _("No ideal crew (%(why)s): %(n)s next best left for a dispatcher, top: %(crew)s")
            % words
        )
    return _("No ideal crew: %(n)s next best left for a dispatcher, top: %(crew)s") % words


def _assigned_text(d: dict[str, Any], actor: str) -> str:
    """'Dispatcher Wang Wei sent Repair crew 2 (recommended #1, ETA 6 min)'."""
    offered = d.get("recommendation") or {}
    words = {"actor": actor, "crew": d.get("crew", "")}
    said = (_("%(actor)s sent %(crew)s") if actor else _("%(crew)s dispatched")) % words
    details = [
        _("recommended #%(rank)s") % {"rank": offered["rank"]} if offered.get("rank") else "",
        _("ETA %(eta)s") % {"eta": duration_text(offered["eta_seconds"])}
        if offered.get("eta_seconds") is not None
        else "",
        _name(WHY, offered["why"]) if offered.get("why") else "",
    ]
    return _clauses((_with(said, details), *_crew_moves(d)))


def _crew_moves(d: dict[str, Any]) -> list[str]:
    """What else the dispatch did (dispatch.services.crew_moves): as first responder, taking
    the crew off another job, or in place of another crew."""
    parts: list[str] = []
    if d.get("first_responder"):
        lacks = _list(_lower(SKILL, s) for s in d.get("lacks") or [])
        parts.append(
            _("as first responder (lacks %(skills)s)") % {"skills": lacks}
            if lacks
            else _("as first responder")
        )
    for taken in d.get("preempted") or []:
        parts.append(_("taken off %(reference)s") % {"reference": taken.get("reference", "")})
    moved = d.get("reassigned_from") or {}
    if moved:
        parts.append(
            _("in place of %(crew)s: %(reason)s")
            % {"crew": moved.get("crew", ""), "reason": moved.get("reason", "")}
        )
    return parts


STATUS_SENTENCES = ("accepted", "rejected", "en_route", "on_site", "made_safe", "completed")


def _status_sentence(status: str, crew: str) -> str:
    words = {"crew": crew}
    match status:
        case "accepted":
            return _("%(crew)s accepted the job") % words
        case "rejected":
            return _("%(crew)s rejected the job") % words
        case "en_route":
            return _("%(crew)s set off for the site") % words
        case "on_site":
            return _("%(crew)s arrived on site") % words
        case "made_safe":
            return _("%(crew)s made the site safe") % words
        case "completed":
            return _("%(crew)s completed the work") % words
        case "cancelled":
            return _("%(crew)s was taken off the job") % words
    return _("%(crew)s: %(status)s") % {"crew": crew, "status": _name(STATUS, status)}


# What a status event's data holds beside the findings a crew may send with it.
STATUS_KEYS = ("from", "evidence", "arrival", "reason", "note", "preempted_by", "replaced_by")


def _status_text(d: dict[str, Any], crew: str, to: str) -> str:
    """'Repair crew 2 arrived on site (confirmed by the geofence)', 'Crew 3 rejected the job:
    vehicle problem', 'Crew 3 made the site safe; leak grade: 1; cause: corrosion'."""
    said = _status_sentence(to, crew)
    if d.get("reason"):
        said = _("%(sentence)s: %(reason)s") % {"sentence": said, "reason": _tr(d["reason"])}
    details = [
        _("confirmed by the geofence") if "evidence" in d else "",
        arrival_mark(d.get("arrival")),
        _("for %(reference)s") % {"reference": d["preempted_by"]} if d.get("preempted_by") else "",
    ]
    rest = findings_text(
        {k: v for k, v in d.items() if k not in STATUS_KEYS and not k.endswith("_incident")}
    )
    note = _field(FIELD_LABELS["note"], d["note"]) if d.get("note") else ""
    return _clauses((_with(said, details), note, rest))


def _arrival_detected_text(d: dict[str, Any], crew: str, day_of: Any) -> str:
    fix = d.get("fix") or {}
    words = {"crew": crew, "time": clock(fix.get("fix_at"), day_of=day_of)}
    said = _("The van of %(crew)s came within the arrival radius at %(time)s") % words
    if fix.get("distance_m") is None:  # detected before fixes carried their distance
        return said
    return _with(said, [_fix_text(fix["distance_m"], fix.get("accuracy_m"))])


def _eta_text(d: dict[str, Any], crew: str, day_of: Any) -> str:
    words = {
        "crew": crew,
        "time": clock(d.get("eta"), day_of=day_of),
        "previous": clock(d.get("previous"), day_of=day_of),
    }
    if d.get("previous"):
        return _("%(crew)s now expected at %(time)s (was %(previous)s)") % words
    return _("%(crew)s expected at %(time)s") % words


def _stale_text(d: dict[str, Any], crew: str) -> str:
    words = {
        "crew": crew,
        "reported": _lower(STATUS, d.get("reported")),
        "status": _lower(STATUS, d.get("status")),
    }
    said = _("%(crew)s reported “%(reported)s” late, when the job was already “%(status)s”") % words
    return _with(said, [arrival_mark(d.get("arrival"))])


def _started_text(d: dict[str, Any], day_of: Any) -> str:
    first = d.get("from") or day_of
    due = _list(
        _("%(milestone)s by %(time)s")
        % {"milestone": _lower(MILESTONE, m), "time": clock(t, day_of=first)}
        for m, t in (d.get("due") or {}).items()
    )
    return _("The clocks started; due: %(due)s") % {"due": due}


def _met_text(d: dict[str, Any], arrival: dict[str, Any] | None) -> str:
    words = {
        "milestone": _name(MILESTONE, d.get("milestone")),
        "late": duration_text(d.get("late_seconds", 0)),
    }
    said = (
        _("%(milestone)s: met on time")
        if d.get("on_time")
        else _("%(milestone)s: met %(late)s late")
    ) % words
    # The on-site clock is only as good as the arrival that stopped it.
    mark = arrival_mark(arrival) if d.get("milestone") == Milestone.ON_SITE else ""
    return _with(said, [mark])


def _breached_text(d: dict[str, Any], day_of: Any) -> str:
    return _("%(milestone)s: due %(time)s, not met") % {
        "milestone": _name(MILESTONE, d.get("milestone")),
        "time": clock(d.get("due_at"), day_of=day_of),
    }


def _duty_text(kind: str, d: dict[str, Any]) -> str:
    words = {
        "crew": d.get("crew", ""),
        "from": _lower(DUTY, d.get("from")),
        "to": _lower(DUTY, d.get("reported")),
    }
    if kind == "crew.duty_stale":
        return _("%(crew)s reported “%(to)s” late: a newer report stands") % words
    return _("%(crew)s went from “%(from)s” to “%(to)s”") % words


def _photo_text(d: dict[str, Any], crew: str) -> str:
    if d.get("caption"):
        return _("%(crew)s added a photo: %(caption)s") % {"crew": crew, "caption": d["caption"]}
    return _("%(crew)s added a photo") % {"crew": crew}


def _supply_text(kind: str, d: dict[str, Any]) -> str:
    notices = d.get("notices", 0)
    words = {"premises": d.get("premises", "?"), "notices": notices}
    if kind == "supply.restored":
        said = ngettext(
            "Supply restored to %(premises)s premises; %(notices)s notice sent",
            "Supply restored to %(premises)s premises; %(notices)s notices sent",
            notices,
        )
    else:
        said = ngettext(
            "Supply cut off to %(premises)s premises; %(notices)s notice sent",
            "Supply cut off to %(premises)s premises; %(notices)s notices sent",
            notices,
        )
    return said % words


def _callback_text(d: dict[str, Any], actor: str) -> str:
    words = {"actor": actor, "satisfaction": d.get("satisfaction")}
    if d.get("reached") and d.get("satisfaction") is not None:
        said = (
            _("%(actor)s called the caller back: reached, satisfaction %(satisfaction)s")
            if actor
            else _("The caller was called back: reached, satisfaction %(satisfaction)s")
        )
    elif d.get("reached"):
        said = (
            _("%(actor)s called the caller back: reached")
            if actor
            else _("The caller was called back: reached")
        )
    else:
        said = (
            _("%(actor)s tried to call the caller back: not reached")
            if actor
            else _("A call back was tried: the caller was not reached")
        )
    return _with(said % words, [_("late") if d.get("late") else ""])


def _escalated_text(d: dict[str, Any], day_of: Any) -> str:
    told = len(d.get("recipients") or [])
    return ngettext(
        "%(milestone)s overdue (due %(time)s): escalated to level %(level)s, %(unit)s; "
        "%(n)s person told",
        "%(milestone)s overdue (due %(time)s): escalated to level %(level)s, %(unit)s; "
        "%(n)s people told",
        told,
    ) % {
        "milestone": _name(MILESTONE, d.get("milestone")),
        "time": clock(d.get("due_at"), day_of=day_of),
        "level": d.get("level", "?"),
        "unit": d.get("unit", "?"),
        "n": told,
    }


def _summary(
    kind: str,
    d: dict[str, Any],
    crew: str,
    arrival: dict[str, Any] | None,
    actor: str,
    day_of: Any,
    names: EventNames,
) -> str:
    status = kind.removeprefix("work_order.")
    crew = crew or str(d.get("crew") or "") or _("The crew")
    if kind == "work_order.assigned":
        return _assigned_text(d, actor)
    if kind.startswith("work_order.") and status in STATUS:
        return _status_text(d, crew, status)
    match kind:
        case "call.received":
            return _received_text(d, actor)
        case "call.joined":
            return _joined_text(d)
        case "call.answered":
            return _answered_text(d, actor)
        case "incident.note":  # the writer's words, as written: the actor column names them
            return str(d.get("text", ""))
        case "incident.opened":
            return _opened_text(d, actor, names)
        case "incident.priority_raised":
            return _raised_text(d)
        case "incident.status":
            return _incident_status_text(d, crew)
        case "incident.closed" | "incident.cancelled" | "incident.merged" | "incident.referred":
            return _ended_text(kind, d, actor)
        case "incident.merged_in":
            return _merged_in_text(d, actor)
        case "sla.not_applicable":
            return _not_applicable_text(d)
        case "incident.supply_cause" if d.get("suspected_device"):
            return _(
                "Suspected cause: %(device)s is open, from %(calls)s calls; "
                "%(premises)s customers out"
            ) % {
                "device": d.get("suspected_device"),
                "calls": d.get("calls"),
                "premises": d.get("premises_out"),
            }
        case "incident.supply_cause" if d.get("suspected_station"):
            return _("Suspected cause: %(station)s, from %(calls)s calls") % {
                "station": d.get("suspected_station"),
                "calls": d.get("calls"),
            }
        case "incident.supply_cause":
            return _("Suspected cause: main #%(segment)s, from %(calls)s calls") % {
                "segment": d.get("suspected_segment_id"),
                "calls": d.get("calls"),
            }
        case "incident.isolation_traced":
            return _isolation_text(d)
        case "crews.recommended":
            return _offer_text(d, actor)
        case "crews.none_available":
            return _none_available_text(d)
        case "work_order.arrival_detected":
            return _arrival_detected_text(d, crew, day_of)
        case "work_order.arrival_cancelled":
            return _("%(crew)s only drove past: the arrival was withdrawn") % {"crew": crew}
        case "work_order.eta":
            return _eta_text(d, crew, day_of)
        case "work_order.findings":
            return _("%(crew)s reported findings. %(findings)s") % {
                "crew": crew,
                "findings": capfirst(findings_text(d)),
            }
        case "work_order.photo":
            return _photo_text(d, crew)
        case "work_order.stale_update":
            return _stale_text(d, crew)
        case "sla.started":
            return _started_text(d, day_of)
        case "sla.met":
            return _met_text(d, arrival)
        case "sla.breached":
            return _breached_text(d, day_of)
        case "crew.duty" | "crew.duty_stale":
            return _duty_text(kind, d)
        case "supply.interrupted" | "supply.restored":
            return _supply_text(kind, d)
        case "callback.scheduled":
            callbacks = len(d.get("callbacks") or [])
            return ngettext(
                "%(n)s call-back due by %(time)s", "%(n)s call-backs due by %(time)s", callbacks
            ) % {
                "n": callbacks,
                "time": clock(d.get("due_at"), day_of=day_of),
            }
        case "callback.recorded" | "callback.attempted":
            return _callback_text(d, actor)
        case "appointment.booked" | "appointment.moved":
            words = {
                "reference": d.get("reference", ""),
                "time": clock(d.get("starts_at"), day_of=day_of),
            }
            if kind == "appointment.moved":
                return _("Appointment %(reference)s moved to %(time)s") % words
            return _("Appointment %(reference)s booked for %(time)s") % words
        case "appointment.cancelled":
            return _("Appointment %(reference)s cancelled") % {"reference": d.get("reference", "")}
        case "appointment.work_order_created":
            return _("Field job made from appointment %(reference)s") % {
                "reference": d.get("reference", "")
            }
        case "callback.given_up":
            return _("The caller was not reached within the retry window: call-back given up")
        case "complaint.replied":
            words = {"actor": actor, "text": d.get("text", "")}
            if actor:
                return _("%(actor)s replied to the complaint: %(text)s") % words
            return _("The complaint was replied to: %(text)s") % words
        case "sla.escalated":
            return _escalated_text(d, day_of)
    if kind.startswith("case."):  # a desk case's step on a field job's timeline
        return case_words(kind, d, actor or str(_("the system")))
    return _words(d)


def event_summary(
    kind: str,
    data: dict[str, Any],
    crew: str = "",
    arrival: dict[str, Any] | None = None,
    *,
    actor: str = "",
    day_of: datetime | str | None = None,
    names: EventNames | None = None,
) -> str:
    """What the event says, as a sentence in the reader's language: its data in words, never
    a raw dump. `actor` is who did it as actor_text names them, `day_of` the day its times are
    read against (the incident's first call; today without one), `arrival` the evidence of
    the arrival that stopped the on-site clock, for that clock's events; `names`, shared by
    the events of one list, reads stations and case types once."""
    try:
        return _summary(kind, data or {}, crew, arrival, actor, day_of, names or EventNames())
    except (TypeError, ValueError, KeyError, AttributeError):
        # An event written before its data changed shape still reads, and the page stands.
        return _words(data or {})
