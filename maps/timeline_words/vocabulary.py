"""The timeline's vocabulary: what each kind of event is called, durations and clock times,
who did it (a person with their role, a device in words), the words its data is stored in
(findings, causes, reasons) in the reader's language, and the names of what it keeps by code."""

import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import get_language, gettext_lazy, pgettext
from django.utils.translation import gettext as _

from dispatch.choices import Channel, Skill
from dispatch.models import CategoryRule, Incident, Milestone, WorkOrder
from dispatch.models.crews import Duty
from dispatch.roles import Role
from gis.models import OrgUnit

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise  # a dev dependency: for the type only

STATUS = dict(WorkOrder.Status.choices)
INCIDENT_STATUS = dict(Incident.Status.choices)
MILESTONE = dict(Milestone.choices)
ROLE = dict(Role.choices)
DUTY = dict(Duty.choices)
SKILL = dict(Skill.choices)
CHANNEL = dict(Channel.choices)

KIND_LABELS: dict[str, "StrOrPromise"] = {
    "call.received": gettext_lazy("Call received"),
    "call.joined": gettext_lazy("Call joined the incident"),
    "call.answered": gettext_lazy("Call answered and closed"),
    "incident.opened": gettext_lazy("Incident opened"),
    "incident.priority_raised": gettext_lazy("Priority raised"),
    "incident.status": gettext_lazy("Incident status"),
    "incident.closed": gettext_lazy("Incident closed"),
    "incident.cancelled": gettext_lazy("Incident cancelled"),
    "incident.merged": gettext_lazy("Incident merged into another"),
    "incident.merged_in": gettext_lazy("Another incident merged in"),
    "incident.referred": gettext_lazy("Incident referred to another agency"),
    "sla.not_applicable": gettext_lazy("SLA clocks stopped (not applicable)"),
    "incident.supply_cause": gettext_lazy("Supply cause found"),
    "incident.isolation_traced": gettext_lazy("Isolation traced"),
    "incident.note": gettext_lazy("Note"),
    "crews.recommended": gettext_lazy("Crews recommended"),
    "crews.none_available": gettext_lazy("No crew available"),
    "work_order.assigned": gettext_lazy("Crew assigned"),
    "work_order.accepted": gettext_lazy("Crew accepted"),
    "work_order.rejected": gettext_lazy("Crew rejected the job"),
    "work_order.en_route": gettext_lazy("Crew en route"),
    "work_order.on_site": gettext_lazy("Crew on site"),
    "work_order.made_safe": gettext_lazy("Made safe"),
    "work_order.completed": gettext_lazy("Work completed"),
    "work_order.cancelled": gettext_lazy("Work order cancelled"),
    "work_order.arrival_detected": gettext_lazy("Arrival detected"),
    "work_order.arrival_cancelled": gettext_lazy("Arrival cancelled (drove past)"),
    "work_order.eta": gettext_lazy("ETA changed"),
    "work_order.findings": gettext_lazy("Findings reported"),
    "work_order.photo": gettext_lazy("Photo added"),
    "work_order.stale_update": gettext_lazy("Late report kept"),
    "sla.started": gettext_lazy("SLA clocks started"),
    "sla.met": gettext_lazy("SLA milestone met"),
    "sla.breached": gettext_lazy("SLA breached"),
    "crew.duty": gettext_lazy("Crew duty changed"),
    "crew.duty_stale": gettext_lazy("Late duty report kept"),
    "supply.interrupted": gettext_lazy("Supply interrupted"),
    "supply.restored": gettext_lazy("Supply restored"),
    "callback.scheduled": gettext_lazy("Call-backs scheduled"),
    "callback.recorded": gettext_lazy("Call-back made"),
    "callback.attempted": gettext_lazy("Call-back attempted"),
    "callback.given_up": gettext_lazy("Call-back given up"),
    "case.opened": gettext_lazy("Desk case opened"),
    "appointment.booked": gettext_lazy("Appointment booked"),
    "appointment.moved": gettext_lazy("Appointment moved"),
    "appointment.cancelled": gettext_lazy("Appointment cancelled"),
    "appointment.work_order_created": gettext_lazy("Field job made from the appointment"),
    "case.field_job": gettext_lazy("Field job started from a desk case"),
    "complaint.replied": gettext_lazy("Complaint replied to"),
    "sla.escalated": gettext_lazy("SLA escalated"),
}

# Who acts without a person behind them (dispatch.services: actor_label).
DEVICES: dict[str, "StrOrPromise"] = {
    "system": gettext_lazy("System"),
    "geofence": gettext_lazy("Geofence"),
    "tracker": gettext_lazy("Van tracker"),
    "simulator": gettext_lazy("Simulator"),
}

# The findings a crew reports (field_app_api.api.FindingsIn), as the reader reads them.
FIELD_LABELS: dict[str, "StrOrPromise"] = {
    "leak_grade": gettext_lazy("leak grade"),
    "cause": gettext_lazy("cause"),
    "actions_taken": gettext_lazy("actions taken"),
    "valves_operated": gettext_lazy("valves operated"),
    "materials": gettext_lazy("materials"),
    "notes": gettext_lazy("notes"),
    "note": gettext_lazy("note"),
    "reason": gettext_lazy("reason"),
    "crews": gettext_lazy("crews"),
    "crew": gettext_lazy("crew"),
    "priority": gettext_lazy("priority"),
    "reference": gettext_lazy("reference"),
    "text": gettext_lazy("text"),
    "caption": gettext_lazy("caption"),
}
CAUSES: dict[str, "StrOrPromise"] = {
    "corrosion": gettext_lazy("corrosion"),
    "third_party_damage": gettext_lazy("third-party damage"),
    "joint_failure": gettext_lazy("joint failure"),
    "material_failure": gettext_lazy("material failure"),
    "ground_movement": gettext_lazy("ground movement"),
    "appliance": gettext_lazy("appliance"),
    "meter": gettext_lazy("meter"),
    "no_leak_found": gettext_lazy("no leak found"),
    "compensator_failure": gettext_lazy("expansion joint failure"),
    "substation_equipment": gettext_lazy("substation equipment"),
    "air_in_system": gettext_lazy("air in the radiators or risers"),
    "building_pipework": gettext_lazy("pipework inside the building"),
    "wind_or_storm": gettext_lazy("wind or storm"),
    "lightning": gettext_lazy("lightning"),
    "tree_contact": gettext_lazy("tree contact"),
    "equipment_failure": gettext_lazy("equipment failure"),
    "overload": gettext_lazy("overload"),
    "animal_contact": gettext_lazy("animal contact"),
    "customer_installation": gettext_lazy("fault in the customer's installation"),
    "no_fault_found": gettext_lazy("no fault found"),
    "other": gettext_lazy("other"),
}
# What a repeat call shares with the one it repeats (dispatch.services.intake._repeat_of).
SOURCES: dict[str, "StrOrPromise"] = {
    "phone": gettext_lazy("phone number"),
    "email": gettext_lazy("e-mail address"),
    "key": gettext_lazy("Open311 key"),
}
# Why the system tried to send a crew (dispatch.tasks).
WHY: dict[str, "StrOrPromise"] = {
    "P1 auto-dispatch": gettext_lazy("P1 automatic dispatch"),
    "auto-dispatch": gettext_lazy("automatic dispatch"),
    "previous crew passed": gettext_lazy("the previous crew passed"),
    "rejected": gettext_lazy("the crew rejected the job"),
}


def kind_label(kind: str) -> str:
    label = KIND_LABELS.get(kind)
    return str(label) if label else kind.replace(".", ": ").replace("_", " ").capitalize()


def duration_text(seconds: float | None) -> str:
    """'45 s', '6 min 05 s', '5 min', '1 h 02 min 03 s', '12 h' (zh '6分05秒'): to the second,
    as the timeline is, without the zeros a round SLA allowance would carry."""
    if seconds is None:
        return ""
    sign, total = ("-" if seconds < 0 else ""), round(abs(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    parts = {"h": hours, "min": f"{minutes:02d}", "s": f"{secs:02d}"}
    if hours:
        if secs:
            text = _("%(h)s h %(min)s min %(s)s s") % parts
        elif minutes:
            text = _("%(h)s h %(min)s min") % parts
        else:
            text = _("%(h)s h") % parts
    elif minutes:
        parts["min"] = str(minutes)
        text = (_("%(min)s min %(s)s s") if secs else _("%(min)s min")) % parts
    else:
        text = _("%(s)s s") % {"s": secs}
    return sign + text


def _moment(value: datetime | str | None) -> datetime | None:
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None
    return value


def _day(reference: datetime | str | None) -> date:
    moment = _moment(reference)
    return timezone.localtime(moment).date() if moment is not None else timezone.localdate()


def clock(
    moment: datetime | str | None, *, date: bool = False, day_of: datetime | str | None = None
) -> str:
    """Local time to the second (ISO strings from an event's data too), with the date when it
    falls on another day than `day_of` (today without one): '19:08:24', '11-23 07:08:24' (a
    12-hour clock due the next morning), '2025-12-31 23:59:00' in another year."""
    when = _moment(moment)
    if when is None:
        return moment if isinstance(moment, str) else ""
    local = timezone.localtime(when)
    reference = _day(day_of)
    if date or local.year != reference.year:
        return f"{local:%Y-%m-%d %H:%M:%S}"
    return f"{local:%H:%M:%S}" if local.date() == reference else f"{local:%m-%d %H:%M:%S}"


def actor_text(label: str, user: Any = None) -> str:
    """Who did it, as a reader names them: 'Dispatcher Wang Wei' (zh '调度员王伟') for a
    person, the device or service in words ('Geofence', 'Tablet VAN-7') for the others."""
    if user is not None:
        name = user.get_full_name() or user.get_username()
        role = ROLE.get(getattr(user, "role", ""))
        return _("%(role)s %(name)s") % {"role": role, "name": name} if role else name
    if label in DEVICES:
        return str(DEVICES[label])
    device = label.split(" ", 1)
    if len(device) == 2 and device[0] == "tablet":
        return _("Tablet %(device)s") % {"device": device[1]}
    if len(device) == 2 and device[0] == "device":
        return _("Device %(device)s") % {"device": device[1]}
    return label


# --- joining whole sentences and fields -----------------------------------------------------


def _list(items: Iterable[Any]) -> str:
    return pgettext("list separator", ", ").join(str(i) for i in items if i not in (None, ""))


def _clauses(parts: Iterable[str]) -> str:
    return pgettext("clause separator", "; ").join(p for p in parts if p)


def _with(sentence: str, details: Iterable[str]) -> str:
    """A sentence with what qualifies it in brackets: 'sent Crew 2 (recommended #1)'."""
    shown = pgettext("details separator", ", ").join(d for d in details if d)
    if not shown:
        return sentence
    return _("%(sentence)s (%(details)s)") % {"sentence": sentence, "details": shown}


def _field(label: Any, value: Any) -> str:
    return _("%(label)s: %(value)s") % {"label": label, "value": value}


def _tr(text: Any) -> str:
    """Words stored in English in an event's data (a choice's label, a fixed reason) in the
    reader's language when the catalogue has them; anything else as written."""
    text = "" if text is None else str(text)
    return _(text) if text.strip() else text


_TRIAGE = re.compile(r"^(?P<label>.+): (?P<priority>P\d)$")


class EventNames:
    """What events name by code (a station) or in the language of whoever wrote them (a case
    type in a triage reason), as the reader knows them: read once for a list of events, and
    only if one of them needs it."""

    @cached_property
    def stations(self) -> dict[str, str]:
        """Station code to name (an event keeps the code: a name can change)."""
        return dict(OrgUnit.objects.values_list("code", "name"))

    @cached_property
    def case_types(self) -> dict[str, str]:
        """A case type's name in English and in Chinese, to its name in the reader's."""
        zh = (get_language() or "en").lower().startswith("zh")
        names: dict[str, str] = {}
        for code, en, zh_name in CategoryRule.objects.values_list(
            "category", "label_en", "label_zh"
        ):
            shown = (zh_name or en or code) if zh else (en or zh_name or code)
            names.update({label: shown for label in (en, zh_name) if label})
        return names

    def station(self, code: Any) -> str:
        return self.stations.get(str(code), str(code or "?"))

    def triage(self, reason: Any) -> str:
        """A triage reason as kept ('Gas odour or leak inside a building: P1', 'Children or
        elderly present: P1'), in the reader's words: a case type by its name, a hazard
        through the catalogue."""
        text = "" if reason is None else str(reason)
        found = _TRIAGE.match(text)
        if found is None:
            return _tr(text)
        label = self.case_types.get(found["label"]) or _tr(found["label"])
        return f"{label}: {found['priority']}"


def _name(names: Mapping[str, "StrOrPromise"], key: Any) -> str:
    return str(names.get(str(key), key or "?"))


def _lower(names: Mapping[str, "StrOrPromise"], key: Any) -> str:
    """A choice's label inside a sentence: 'on site', not 'On site'; 'PE welding' and Chinese
    as they are."""
    label = _name(names, key)
    return label[:1].lower() + label[1:] if not label[1:2].isupper() else label


def _value(value: Any) -> str:
    if isinstance(value, list):
        return _list(_value(v) for v in value)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _words(data: dict[str, Any]) -> str:
    """A dictionary as labelled fields ('Leak grade: 2; cause: corrosion'), empty values left
    out: what an event of a kind or shape this module does not know still reads as."""
    parts = [
        _field(FIELD_LABELS.get(key) or key.replace("_", " "), _value(value))
        for key, value in data.items()
        if value not in (None, "", [], {})
    ]
    return capfirst(_clauses(parts)) or ""


def _valve(v: Any) -> str:
    if not isinstance(v, dict):
        return str(v)
    words = {"valve": v.get("asset_id", "?")}
    if v.get("operable") is False:
        if v.get("action") == "opened":
            return _("%(valve)s would not turn (to open)") % words
        return _("%(valve)s would not turn (to close)") % words
    if v.get("action") == "opened":
        return _("%(valve)s opened") % words
    if v.get("action") == "closed":
        return _("%(valve)s closed") % words
    return str(words["valve"])


def _material(m: Any) -> str:
    if not isinstance(m, dict):
        return str(m)
    return _("%(item)s: %(quantity)s %(unit)s") % {
        "item": m.get("item", ""),
        "quantity": _value(m.get("quantity", "")),
        "unit": m.get("unit", ""),
    }


def findings_text(d: dict[str, Any]) -> str:
    """A crew's findings as labelled fields, options in words: 'leak grade: 2; cause:
    corrosion; valves operated: V-12 closed' (zh '泄漏等级：2；原因：腐蚀；...')."""
    parts = []
    for key, value in d.items():
        if value in (None, "", [], {}):
            continue
        items = value if isinstance(value, list) else [value]
        if key == "cause":
            shown = _name(CAUSES, value)
        elif key == "actions_taken":
            shown = _list(_tr(a) for a in items)
        elif key == "valves_operated":
            shown = _list(_valve(v) for v in items)
        elif key == "materials":
            shown = _list(_material(m) for m in items)
        else:
            shown = _value(value)
        parts.append(_field(FIELD_LABELS.get(key) or key.replace("_", " "), shown))
    return _clauses(parts)


# --- distances and arrivals -----------------------------------------------------------------


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


# --- one sentence per kind ------------------------------------------------------------------
