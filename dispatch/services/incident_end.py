"""Ending a case: close, cancel, merge or refer an incident, each with a reason, on the timeline.

One door for all four: the incident's row is locked, the user must dispatch for its station,
no crew may still be on the job, and the incident must not have ended already. Its clocks not
yet met stop as not applicable (a closed incident's call-back and reply clocks run on: the
caller is still owed them), then an "incident.status" line lets the listeners (call-backs,
CAP alerts) hear of it in the same transaction.
"""

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from dispatch.access import Capability, user_may
from dispatch.errors import ConflictError, DispatchError, ForbiddenError, NotFoundError
from dispatch.models import Call, Incident, User, WorkOrder
from dispatch.selectors import user_covers_station
from dispatch.services.sla import RUN_AFTER_CLOSE, deadlines_start, deadlines_stop
from dispatch.services.timeline import event_record

S, R = Incident.Status, Incident.EndReason
# The reasons each ending takes: a hoax is cancelled, never "closed".
REASONS: dict[str, tuple[str, ...]] = {
    S.CLOSED: (R.WORK_COMPLETED, R.RESOLVED_ON_PHONE, R.NO_FAULT_FOUND, R.MADE_SAFE_HANDED_OVER),
    S.CANCELLED: (R.FALSE_ALARM, R.HOAX, R.OPENED_IN_ERROR),
    S.MERGED: (R.DUPLICATE, R.SAME_CAUSE),
    S.REFERRED: (R.NOT_OUR_NETWORK, R.EMERGENCY_SERVICES),
}
# A closing or a cancellation must say what was found; a merge names its survivor and a
# referral its agency, which say most of it.
NOTE_REQUIRED = (S.CLOSED, S.CANCELLED)
NOTE_MAX = 1000
AGENCY_MAX = 100
EVENT_KIND: dict[str, str] = {
    S.CLOSED: "incident.closed",
    S.CANCELLED: "incident.cancelled",
    S.MERGED: "incident.merged",
    S.REFERRED: "incident.referred",
}


def _locked(incident_id: int) -> Incident:
    incident = (
        Incident.objects.select_for_update(of=("self",))
        .select_related("station")
        .filter(pk=incident_id)
        .first()
    )
    if incident is None:
        raise NotFoundError(_("no incident %(id)s") % {"id": incident_id})
    return incident


def _check_actor(actor: User, incident: Incident) -> None:
    if not user_may(actor, Capability.DISPATCH):
        raise ForbiddenError(_("only dispatchers and supervisors end an incident"))
    if not user_covers_station(actor, incident.station_id):
        raise ForbiddenError(
            _("%(reference)s is outside your organisation") % {"reference": incident.reference}
        )


def _check_open(incident: Incident, to: str) -> None:
    """Refused once ended; a resolved incident (the crew finished) may only be closed."""
    if incident.status in Incident.ENDED_STATUSES:
        raise ConflictError(
            _("%(reference)s has already ended (%(status)s)")
            % {"reference": incident.reference, "status": incident.get_status_display().lower()}
        )
    if incident.status == S.RESOLVED and to != S.CLOSED:
        raise ConflictError(
            _("%(reference)s is resolved: a crew finished the work, so close it instead")
            % {"reference": incident.reference}
        )


def _check_no_crew(incident: Incident, hint: str) -> None:
    busy = [
        f"{w.crew.name} ({w.get_status_display().lower()})"
        for w in incident.work_orders.filter(status__in=WorkOrder.ACTIVE_STATUSES)
        .select_related("crew")
        .order_by("created_at")
    ]
    if busy:
        raise ConflictError(
            _("%(crews)s still on %(reference)s: %(hint)s")
            % {"crews": ", ".join(busy), "reference": incident.reference, "hint": hint},
            field="work_orders",
        )


def _reason_and_note(to: str, reason: str, note: str) -> tuple[str, str]:
    allowed = REASONS[to]
    choices = ", ".join(allowed)
    reason = (reason or "").strip()
    if not reason:
        raise DispatchError(
            _("give a reason: one of %(choices)s") % {"choices": choices}, field="reason"
        )
    if reason not in allowed:
        raise DispatchError(
            _("%(reason)s is not a reason to make an incident %(status)s: one of %(choices)s")
            % {"reason": reason, "status": S(to).label.lower(), "choices": choices},
            field="reason",
        )
    note = (note or "").strip()
    if to in NOTE_REQUIRED and not note:
        raise DispatchError(_("say in a few words what was found or said"), field="note")
    if len(note) > NOTE_MAX:
        raise DispatchError(
            _("a note is at most %(max)d characters") % {"max": NOTE_MAX}, field="note"
        )
    return reason, note


def _end(
    incident: Incident,
    *,
    to: str,
    reason: str,
    note: str,
    actor: User,
    at: datetime,
    data: dict[str, Any] | None = None,
) -> Incident:
    """The writes every ending shares; the checks are done and the row is locked."""
    was = incident.status
    incident.status, incident.ended_at = to, at
    incident.end_reason, incident.end_note = reason, note
    incident.save(
        update_fields=[
            "status",
            "ended_at",
            "end_reason",
            "end_note",
            "merged_into",
            "referred_to",
            "updated_at",
        ]
    )
    event_record(
        kind=EVENT_KIND[to],
        incident=incident,
        actor=actor,
        at=at,
        data={"from": was, "reason": reason, "note": note, **(data or {})},
    )
    # Closed: the call-back and reply clocks are still owed the callers, and the call-back
    # one starts only now (alerts.callbacks hears the status line below).
    keep = RUN_AFTER_CLOSE if to == S.CLOSED else ()
    deadlines_stop(incident=incident, at=at, because=to, keep=tuple(keep))
    with translation.override("en"):  # the timeline's data stays in one language
        because = str(R(reason).label)
    event_record(
        kind="incident.status",
        incident=incident,
        actor=actor,
        at=at,
        data={"from": was, "to": to, "because": because},
    )
    return incident


@transaction.atomic
def incident_close(
    *, incident_id: int, actor: User, reason: str, note: str, at: datetime | None = None
) -> Incident:
    """Close an incident: resolved on the phone, no fault found, made safe and handed over,
    or the crew's work completed."""
    incident = _locked(incident_id)
    _check_actor(actor, incident)
    _check_open(incident, S.CLOSED)
    reason, note = _reason_and_note(S.CLOSED, reason, note)
    _check_no_crew(incident, _("complete or cancel the work order first"))
    return _end(
        incident, to=S.CLOSED, reason=reason, note=note, actor=actor, at=at or timezone.now()
    )


@transaction.atomic
def incident_cancel(
    *, incident_id: int, actor: User, reason: str, note: str, at: datetime | None = None
) -> Incident:
    """Cancel an incident that should never have been one: a false alarm, a hoax, an error."""
    incident = _locked(incident_id)
    _check_actor(actor, incident)
    _check_open(incident, S.CANCELLED)
    reason, note = _reason_and_note(S.CANCELLED, reason, note)
    _check_no_crew(incident, _("complete or cancel the work order first"))
    return _end(
        incident, to=S.CANCELLED, reason=reason, note=note, actor=actor, at=at or timezone.now()
    )


@transaction.atomic
def incident_refer(
    *,
    incident_id: int,
    actor: User,
    agency: str,
    reason: str,
    note: str = "",
    at: datetime | None = None,
) -> Incident:
    """Hand an incident to another agency (named): it ends here, and no call-back is owed."""
    incident = _locked(incident_id)
    _check_actor(actor, incident)
    _check_open(incident, S.REFERRED)
    reason, note = _reason_and_note(S.REFERRED, reason, note)
    agency = (agency or "").strip()
    if not agency:
        raise DispatchError(_("name the agency it is referred to"), field="agency")
    if len(agency) > AGENCY_MAX:
        raise DispatchError(
            _("an agency's name is at most %(max)d characters") % {"max": AGENCY_MAX},
            field="agency",
        )
    _check_no_crew(incident, _("complete or cancel the work order first"))
    incident.referred_to = agency
    return _end(
        incident,
        to=S.REFERRED,
        reason=reason,
        note=note,
        actor=actor,
        at=at or timezone.now(),
        data={"agency": agency},
    )


@transaction.atomic
def incident_merge(
    *,
    incident_id: int,
    into_id: int,
    actor: User,
    reason: str,
    note: str = "",
    at: datetime | None = None,
) -> Incident:
    """Merge an incident into another open one: its calls move there and count there, and it
    ends as merged, pointing to the one that goes on. Returns the merged (ended) incident."""
    at = at or timezone.now()
    if into_id == incident_id:
        raise DispatchError(_("an incident cannot be merged into itself"), field="into_id")
    # Both rows locked, in id order, so two merges of the same pair cannot deadlock.
    rows = {
        i.pk: i
        for i in Incident.objects.select_for_update(of=("self",))
        .select_related("station")
        .filter(pk__in=[incident_id, into_id])
        .order_by("pk")
    }
    if incident_id not in rows:
        raise NotFoundError(_("no incident %(id)s") % {"id": incident_id})
    if into_id not in rows:
        raise NotFoundError(_("no incident %(id)s") % {"id": into_id}, field="into_id")
    incident, into = rows[incident_id], rows[into_id]
    _check_actor(actor, incident)
    _check_actor(actor, into)
    _check_open(incident, S.MERGED)
    if into.status not in Incident.OPEN_STATUSES:
        raise ConflictError(
            _("%(reference)s is %(status)s: merge into an open incident")
            % {"reference": into.reference, "status": into.get_status_display().lower()},
            field="into_id",
        )
    reason, note = _reason_and_note(S.MERGED, reason, note)
    _check_no_crew(
        incident,
        _("merge %(other)s into this one instead, or complete or cancel the work order first")
        % {"other": into.reference},
    )
    moved = _calls_move(incident, into, actor, at)
    incident.merged_into = into
    return _end(
        incident,
        to=S.MERGED,
        reason=reason,
        note=note,
        actor=actor,
        at=at,
        data={"into": into.pk, "into_reference": into.reference, "calls": moved},
    )


def _calls_move(incident: Incident, into: Incident, actor: User, at: datetime) -> list[int]:
    """The merged incident's calls become reports of `into`: counts add up, hazards join, the
    more urgent priority stands, and the clocks run from the earliest call of either."""
    moved = list(incident.calls.order_by("received_at", "id").values_list("pk", flat=True))
    first_before = into.calls.order_by("received_at").values_list("received_at", flat=True).first()
    Call.objects.filter(pk__in=moved).update(incident=into)
    priority_before = into.priority
    into.report_count += incident.report_count
    into.independent_report_count += incident.independent_report_count
    into.hazards = list(dict.fromkeys([*into.hazards, *incident.hazards]))
    into.priority = min(into.priority, incident.priority)
    into.save(
        update_fields=[
            "report_count",
            "independent_report_count",
            "hazards",
            "priority",
            "updated_at",
        ]
    )
    event_record(
        kind="incident.merged_in",
        incident=into,
        actor=actor,
        at=at,
        data={
            "from": incident.pk,
            "from_reference": incident.reference,
            "calls": moved,
            "reports": into.report_count,
            "independent_reports": into.independent_report_count,
        },
    )
    if into.priority != priority_before:
        event_record(
            kind="incident.priority_raised",
            incident=into,
            actor=actor,
            at=at,
            data={"priority": into.priority, "reason": f"merged {incident.reference}"},
        )
    first = into.calls.order_by("received_at").values_list("received_at", flat=True).first()
    if first is not None and (into.priority != priority_before or first != first_before):
        deadlines_start(incident=into, at=first, recorded_at=at)
    return moved
