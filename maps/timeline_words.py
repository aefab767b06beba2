"""What each kind of timeline event says, in one line, for the page and the exports."""

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.translation import gettext as _

from dispatch.choices import Channel
from dispatch.models import Incident, Milestone, WorkOrder

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise  # a dev dependency: for the type only

STATUS = dict(WorkOrder.Status.choices)
INCIDENT_STATUS = dict(Incident.Status.choices)
MILESTONE = dict(Milestone.choices)

KIND_LABELS = {
    "call.received": "Call received",
    "call.joined": "Call joined the incident",
    "call.answered": "Call answered and closed",
    "incident.opened": "Incident opened",
    "incident.priority_raised": "Priority raised",
    "incident.status": "Incident status",
    "incident.closed": "Incident closed",
    "incident.cancelled": "Incident cancelled",
    "incident.merged": "Incident merged into another",
    "incident.merged_in": "Another incident merged in",
    "incident.referred": "Incident referred to another agency",
    "sla.not_applicable": "SLA clocks stopped (not applicable)",
    "incident.supply_cause": "Supply cause found",
    "incident.isolation_traced": "Isolation traced",
    "incident.note": "Note",
    "crews.recommended": "Crews recommended",
    "crews.none_available": "No crew available",
    "work_order.assigned": "Crew assigned",
    "work_order.accepted": "Crew accepted",
    "work_order.rejected": "Crew rejected the job",
    "work_order.en_route": "Crew en route",
    "work_order.on_site": "Crew on site",
    "work_order.made_safe": "Made safe",
    "work_order.completed": "Work completed",
    "work_order.cancelled": "Work order cancelled",
    "work_order.arrival_detected": "Arrival detected",
    "work_order.arrival_cancelled": "Arrival cancelled (drove past)",
    "work_order.eta": "ETA changed",
    "work_order.findings": "Findings reported",
    "work_order.photo": "Photo added",
    "work_order.stale_update": "Late report kept",
    "sla.started": "SLA clocks started",
    "sla.met": "SLA milestone met",
    "sla.breached": "SLA breached",
    "crew.duty": "Crew duty changed",
}

# The response in stages, each ending at the moment one SLA milestone counts.


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind) or kind.replace(".", ": ").replace("_", " ").capitalize()


def duration_text(seconds: float | None) -> str:
    """'45 s', '6 min 05 s', '5 min', '1 h 02 min 03 s', '12 h': to the second, as the timeline
    is, without the zeros a round SLA allowance would carry."""
    if seconds is None:
        return ""
    sign, total = ("-" if seconds < 0 else ""), round(abs(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        tail = (
            ""
            if not (minutes or secs)
            else f" {minutes:02d} min" + (f" {secs:02d} s" if secs else "")
        )
        return f"{sign}{hours} h{tail}"
    if minutes:
        return f"{sign}{minutes} min" + (f" {secs:02d} s" if secs else "")
    return f"{sign}{secs} s"


def _moment(value: datetime | str | None) -> datetime | None:
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None
    return value


def clock(
    moment: datetime | str | None, *, date: bool = False, day_of: datetime | str | None = None
) -> str:
    """Local time to the second (ISO strings from an event's data too), with the days since
    `day_of` when it falls on a later one: a 12-hour clock due at 07:08 is tomorrow's."""
    when = _moment(moment)
    if when is None:
        return moment if isinstance(moment, str) else ""
    local = timezone.localtime(when)
    text = f"{local:{'%Y-%m-%d %H:%M:%S' if date else '%H:%M:%S'}}"
    reference = _moment(day_of)
    if reference is not None and not date:
        days = (local.date() - timezone.localtime(reference).date()).days
        text += f" ({days:+d} d)" if days else ""
    return text


def _metres(value: float) -> str:
    return f"{value:,.0f}"


def _far(metres: float) -> str:
    """A distance as a crew reads it: metres, or kilometres past one."""
    return f"{metres:.0f} m" if metres < 1000 else f"{metres / 1000:.1f} km"


def _fix_text(distance_m: float, accuracy_m: float | None) -> str:
    if accuracy_m is None:
        return _("fix %(distance)s m away, accuracy not reported") % {
            "distance": _metres(distance_m)
        }
    return _("fix %(distance)s m away, accuracy %(accuracy)s m") % {
        "distance": _metres(distance_m),
        "accuracy": _metres(accuracy_m),
    }


def arrival_mark(evidence: dict[str, Any] | None) -> str:
    """What backs an arrival, in words: 'verified: fix 12 m away, accuracy 5 m' or
    'unverified: van 1,164 m away' (or 'unverified: no position'); empty when it was never
    judged (arrivals recorded before the check existed)."""
    if not evidence:
        return ""
    distance = evidence.get("distance_m")
    if evidence.get("verified"):
        fix = _fix_text(distance or 0, evidence.get("accuracy_m"))
        return _("verified: %(fix)s") % {"fix": fix}
    if distance is None:
        return _("unverified: no position")
    return _("unverified: van %(distance)s m away") % {"distance": _metres(distance)}


def _name(names: Mapping[str, "StrOrPromise"], key: Any) -> str:
    return str(names.get(str(key), key or "?"))


def _words(data: dict[str, Any]) -> str:
    """A dictionary in words ('leak grade 2; cause corrosion'), empty values left out."""
    parts = []
    for key, value in data.items():
        if value not in (None, "", [], {}):
            shown = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
            parts.append(f"{key.replace('_', ' ')} {shown}")
    return "; ".join(parts)


def _received_text(d: dict[str, Any]) -> str:
    """'Phone call from 138..., <address>, customer <account>'; for a role that takes no
    calls the number and account arrive as "(hidden)" (dispatch.redaction) and read so."""
    channel = f"{_name({c.value: str(c.label) for c in Channel}, d.get('channel'))} call"
    if d.get("phone"):
        channel += " " + _("from %(phone)s") % {"phone": d["phone"]}
    extra = [
        d.get("address"),
        d.get("customer") and _("customer %(account)s") % {"account": d["customer"]},
    ]
    text = ", ".join([channel, *(str(x) for x in extra if x)])
    if d.get("description"):  # the caller's own words, as the call taker wrote them down
        text += "; " + _("said: %(words)s") % {"words": d["description"]}
    return text


def _offer_text(d: dict[str, Any]) -> str:
    crews = d.get("crews") or []
    if not crews:
        return "no crew could be offered"
    top = crews[0]
    km = f", {top['distance_m'] / 1000:.1f} km" if top.get("distance_m") is not None else ""
    return (
        f"{len(crews)} offered; top: {top.get('crew_name')} "
        f"(ETA {duration_text(top.get('eta_seconds'))}{km})"
    )


def _none_available_text(d: dict[str, Any]) -> str:
    """No ideal crew for the system to send: the next best left for a dispatcher."""
    crews = d.get("crews") or []
    why = f" ({d['why']})" if d.get("why") else ""
    if not crews:
        return _("no crew could be offered") + why
    top = crews[0]
    lacks = "; ".join(str(lack.get("text", "")) for lack in top.get("lacks") or [])
    return _(
        "no ideal crew%(why)s; %(n)s next best left for a dispatcher, top: %(crew)s%(lacks)s"
    ) % {
        "why": why,
        "n": len(crews),
        "crew": top.get("crew_name", ""),
        "lacks": f" ({lacks})" if lacks else "",
    }


def _assigned_text(d: dict[str, Any]) -> str:
    offered = d.get("recommendation") or {}
    return "".join(
        (
            str(d.get("crew", "")),
            f", recommended #{offered['rank']}" if offered.get("rank") else "",
            f", ETA {duration_text(offered['eta_seconds'])}"
            if offered.get("eta_seconds") is not None
            else "",
            f" ({offered['why']})" if offered.get("why") else "",
            _crew_move_text(d),
        )
    )


def _crew_move_text(d: dict[str, Any]) -> str:
    """What else the dispatch did (dispatch.services.crew_moves): as first responder, taking
    the crew off another job, or in place of another crew."""
    parts: list[str] = []
    if d.get("first_responder"):
        lacks = ", ".join(str(s) for s in d.get("lacks") or [])
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
    return "".join(f"; {p}" for p in parts)


def _status_text(d: dict[str, Any], crew: str, to: str) -> str:
    rest = _words({k: v for k, v in d.items() if k not in ("from", "evidence", "arrival")})
    mark = arrival_mark(d.get("arrival"))
    return "".join(
        (
            f"{crew}: {_name(STATUS, d.get('from'))} → {STATUS[to]}",
            " (" + _("confirmed by the geofence") + ")" if "evidence" in d else "",
            f" ({mark})" if mark else "",
            f"; {rest}" if rest else "",
        )
    )


def _opened_text(d: dict[str, Any]) -> str:
    where = f", main {d['segment']}" if d.get("segment") else ""
    if where and d.get("segment_distance_m") is not None:
        where += f" at {d['segment_distance_m']:.0f} m"
    triage = _words({"triage": d["triage"]}) if d.get("triage") else ""
    return f"{d.get('reference', '')} P{d.get('priority', '?')}, station {d.get('station')}" + (
        where + (f"; {triage}" if triage else "")
    )


def _summary(kind: str, d: dict[str, Any], crew: str, arrival: dict[str, Any] | None) -> str:
    status = kind.removeprefix("work_order.")
    if kind == "work_order.assigned":
        return _assigned_text(d)
    if kind.startswith("work_order.") and status in STATUS:
        return _status_text(d, crew, status)
    match kind:
        case "call.received":
            return _received_text(d)
        case "incident.note":
            return str(d.get("text", ""))
        case "crews.none_available":
            return _none_available_text(d)
        case "call.joined":
            return _joined_text(d)
        case "incident.opened":
            return _opened_text(d)
        case "incident.priority_raised":
            reason = d.get("reason")
            reason = "; ".join(map(str, reason)) if isinstance(reason, list) else reason
            return f"to P{d.get('priority', '?')}: {reason or ''}"
        case "incident.status":
            return (
                f"{_name(INCIDENT_STATUS, d.get('from'))} → {_name(INCIDENT_STATUS, d.get('to'))}"
                f" ({d.get('because', '')})"
            )
        case "incident.closed" | "incident.cancelled" | "incident.merged" | "incident.referred":
            return _ended_text(d)
        case "incident.merged_in":
            return _("%(reference)s merged in; %(reports)s reports now") % {
                "reference": d.get("from_reference", "?"),
                "reports": d.get("reports", "?"),
            }
        case "sla.not_applicable":
            return _("not applicable from now: %(clocks)s") % {
                "clocks": ", ".join(_name(MILESTONE, m).lower() for m in d.get("milestones", []))
            }
        case "incident.supply_cause":
            return f"suspected main #{d.get('suspected_segment_id')} from {d.get('calls')} calls"
        case "incident.isolation_traced":
            valves = d.get("valves_to_close") or []
            away = d.get("valve_distances_m") or []
            road = d.get("valve_road_m") or []
            if valves and len(road) == len(valves):  # the crew's drive, from the incident on
                valves = [
                    (
                        _("%(valve)s %(far)s by road from the incident")
                        if n == 0
                        else _("then %(valve)s %(far)s further")
                    )
                    % {"valve": v, "far": _far(m)}
                    for n, (v, m) in enumerate(zip(valves, road, strict=True))
                ]
            elif len(away) == len(valves):  # nearest first, with how far each is from the main
                valves = [f"{v} {_far(m)}" for v, m in zip(valves, away, strict=True)]
            return (
                f"{len(valves)} valves to close ({', '.join(valves)}), "
                f"{d.get('isolated_mains', 0)} mains isolated, "
                f"{d.get('premises_cut_off', 0)} premises cut off"
            )
        case "crews.recommended":
            return _offer_text(d)
        case "work_order.arrival_detected":
            fix = d.get("fix") or {}
            at = clock(fix.get("fix_at"))
            if fix.get("distance_m") is None:  # detected before fixes carried their distance
                return f"{crew}: van within the arrival radius, fix at {at}"
            evidence = _fix_text(fix["distance_m"], fix.get("accuracy_m"))
            return f"{crew}: van within the arrival radius, fix at {at} ({evidence})"
        case "work_order.arrival_cancelled":
            return f"{crew}: drove past, arrival withdrawn"
        case "work_order.eta":
            was = f" (was {clock(d['previous'])})" if d.get("previous") else ""
            return f"{crew}: ETA {clock(d.get('eta'))}{was}"
        case "work_order.findings":
            return f"{crew}: {_words(d)}"
        case "work_order.photo":
            return f"{crew}: {d.get('caption') or 'photo'}"
        case "work_order.stale_update":
            mark = arrival_mark(d.get("arrival"))
            return (
                f"{crew}: reported {_name(STATUS, d.get('reported'))} "
                f"while already {_name(STATUS, d.get('status'))}" + (f" ({mark})" if mark else "")
            )
        case "sla.started":
            due = (d.get("due") or {}).items()
            first = d.get("from")
            return "due: " + ", ".join(
                f"{_name(MILESTONE, m).lower()} {clock(t, day_of=first)}" for m, t in due
            )
        case "sla.met":
            late = d.get("late_seconds", 0)
            verdict = "on time" if d.get("on_time") else f"late by {duration_text(late)}"
            # The on-site clock is only as good as the arrival that stopped it.
            mark = arrival_mark(arrival) if d.get("milestone") == Milestone.ON_SITE else ""
            return f"{_name(MILESTONE, d.get('milestone'))}: {verdict}" + (
                f" ({mark})" if mark else ""
            )
        case "sla.breached":
            return f"{_name(MILESTONE, d.get('milestone'))}: due {clock(d.get('due_at'))}, not met"
        case "crew.duty":
            return f"{d.get('crew', '')}: {d.get('from', '')} → {d.get('reported', '')}"
    return _words(d)


def event_summary(
    kind: str, data: dict[str, Any], crew: str = "", arrival: dict[str, Any] | None = None
) -> str:
    """What the event says, for a reader: its data in words, never a raw dump. `arrival` is
    the evidence of the arrival that stopped the on-site clock, for that clock's events."""
    try:
        return _summary(kind, data or {}, crew, arrival)
    except (TypeError, ValueError, KeyError, AttributeError):
        # An event written before its data changed shape still reads, and the page stands.
        return _words(data or {})


def _joined_text(d: dict[str, Any]) -> str:
    text = _("report %(n)s of this incident") % {"n": d.get("reports", "?")}
    if d.get("counted") is False:
        # A repeat from one source within the window: shown, but not counted toward priority.
        text += "; " + _(
            "a repeat from the same %(source)s as call %(call)s within %(minutes)s min: "
            "not counted toward priority"
        ) % {"source": d.get("same"), "call": d.get("repeat_of"), "minutes": d.get("window_min")}
    return text


def _ended_text(d: dict[str, Any]) -> str:
    """'false alarm: neighbour's barbecue', 'the same fault reported twice, into GX-...',
    'not our network, to Water Co.'"""
    reasons = dict(Incident.EndReason.choices)
    text = str(reasons.get(d.get("reason", ""), d.get("reason", "")))
    if d.get("into_reference"):
        text += ", " + _("into %(reference)s") % {"reference": d["into_reference"]}
    if d.get("agency"):
        text += ", " + _("to %(agency)s") % {"agency": d["agency"]}
    return text + (f": {d['note']}" if d.get("note") else "")
