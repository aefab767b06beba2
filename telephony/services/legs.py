"""The one place call legs change: each normalized phone event (telephony.events) is applied
here, idempotently. A moment only ever moves earlier (rang, queued, answered) or is set once
(ended), and the status is recomputed from the moments, so the same events replayed, or
arriving out of order, or once more after a reconnect, end in the same record."""

import logging
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from config.counters import counter_increment
from config.push import push_to_user
from telephony.events import Kind, PhoneEvent
from telephony.models import CallLeg, Extension, PhoneSystem

log = logging.getLogger(__name__)
Status = CallLeg.Status
# What the columns hold: a phone system's longer value is cut, not refused.
LIMITS = {"caller_number": 32, "dialled_number": 32, "queue": 80, "extension": 32, "recording": 500}


def _earliest(current: datetime | None, new: datetime) -> datetime:
    return new if current is None or new < current else current


def status_of(leg: CallLeg) -> str:
    """The status a leg's moments mean."""
    if leg.ended_at is None:
        if leg.answered_at is not None:
            return Status.TALKING
        return (
            Status.QUEUED if leg.role == CallLeg.Role.CALLER and leg.queued_at else Status.RINGING
        )
    if leg.transferred_to:
        return Status.TRANSFERRED
    if leg.answered_at is not None:
        return Status.COMPLETED
    return Status.ABANDONED if leg.role == CallLeg.Role.CALLER else Status.MISSED


def _leg(system: PhoneSystem, uid: str, event: PhoneEvent) -> CallLeg:
    leg, _made = CallLeg.objects.select_for_update().get_or_create(
        system=system,
        leg_uid=uid,
        defaults={
            "call_uid": event.call,
            "role": CallLeg.Role.AGENT if uid != event.call else CallLeg.Role.CALLER,
            "status": Status.RINGING,
        },
    )
    return leg


def _fill(leg: CallLeg, event: PhoneEvent) -> None:
    """Facts that a later event may know and an earlier one did not: set once, never blanked."""
    for field, value in (
        ("caller_number", event.caller),
        ("dialled_number", event.dialled),
        ("queue", event.queue),
        ("extension", event.extension if leg.role == CallLeg.Role.AGENT else ""),
        ("recording", event.recording),
    ):
        if value and not getattr(leg, field):
            setattr(leg, field, value[: LIMITS[field]])
    if leg.extension and leg.agent_id is None:
        found = Extension.objects.filter(system=leg.system, number=leg.extension).first()
        leg.agent_id = found.user_id if found else None


def _apply(leg: CallLeg, event: PhoneEvent) -> None:
    at = event.at
    if event.kind in (Kind.CREATED, Kind.RINGING):
        leg.rang_at = _earliest(leg.rang_at, at)
    elif event.kind == Kind.QUEUED:
        leg.queued_at = _earliest(leg.queued_at, at)
    elif event.kind == Kind.ANSWERED:
        leg.answered_at = _earliest(leg.answered_at, at)
    elif event.kind == Kind.TRANSFERRED:
        leg.transferred_to = leg.transferred_to or event.transfer_to or "?"
    elif event.kind in (Kind.ENDED, Kind.ABANDONED):
        leg.ended_at = leg.ended_at or at
    leg.rang_at = leg.rang_at or at  # a leg first heard of late still has a start


def _pop(leg: CallLeg) -> None:
    """The first time an agent's phone rings (or, if its ringing was never heard, answers)
    for a caller, their console is sent who is calling: once per leg, never after it ended."""
    if leg.role != CallLeg.Role.AGENT or leg.agent_id is None or leg.popped_at is not None:
        return
    if leg.ended_at is not None:
        return
    phone = leg.caller_number or (
        CallLeg.objects.filter(system=leg.system, leg_uid=leg.call_uid)
        .values_list("caller_number", flat=True)
        .first()
        or ""
    )
    leg.popped_at = timezone.now()
    push_to_user(
        leg.agent_id,
        "screen_pop",
        {"phone": phone, "leg": f"{leg.system_id}:{leg.leg_uid}", "queue": leg.queue},
    )
    counter_increment("telephony.screen_pop")


@transaction.atomic
def phone_event_apply(*, system: PhoneSystem, event: PhoneEvent) -> CallLeg:
    """Apply one event to its leg (made if new); an agent answering answers the caller's
    leg too. Returns the agent's or caller's leg the event was about."""
    leg = _leg(system, event.leg, event)
    _fill(leg, event)
    _apply(leg, event)
    leg.status = status_of(leg)
    _pop(leg)
    leg.save()
    if event.kind == Kind.ANSWERED and event.agent_leg:
        caller = _leg(
            system, event.call, PhoneEvent(Kind.CREATED, event.call, event.call, event.at)
        )
        caller.answered_at = _earliest(caller.answered_at, event.at)
        caller.rang_at = caller.rang_at or event.at
        caller.status = status_of(caller)
        caller.save()
    counter_increment(f"telephony.event.{event.kind.value}")
    return leg


@transaction.atomic
def legs_reconcile(
    *, system: PhoneSystem, live: dict[str, list[PhoneEvent]], seen_at: datetime
) -> list[CallLeg]:
    """After a (re)connect: the channels the phone system has now (`live`, by leg id, with
    what it says of each: created, answered) are made or kept; the legs we thought open that
    it no longer has ended while we were away, seen now. Returns the legs ended so."""
    for events in live.values():
        for event in events:
            phone_event_apply(system=system, event=event)
    gone = list(
        CallLeg.objects.select_for_update()
        .filter(system=system, ended_at__isnull=True)
        .exclude(leg_uid__in=list(live))
    )
    for leg in gone:
        leg.ended_at = max(seen_at, leg.rang_at or seen_at)
        leg.end_unseen = True
        leg.status = status_of(leg)
        leg.save()
        log.warning("phone system %s: leg %s ended while disconnected", system.pk, leg.leg_uid)
        counter_increment("telephony.leg.end_unseen")
    return gone
