"""The moments the reports measure, kept on the incident and the call beside the timeline.

Each is the first time it happened: a late report of an earlier arrival (a tablet's offline
queue) moves it back, a later one leaves it. The services that make a moment happen call these
in the same transaction as the timeline event that records it, so the figure and the proof
never disagree (tests/reports recomputes every figure from the events).
"""

from datetime import datetime

from django.db.models import Q

from dispatch.models import Call, Incident

MOMENTS = ("work_order_at", "accepted_at", "on_site_at", "made_safe_at", "completed_at")


def incident_moment_note(
    *, incident: Incident, moment: str, at: datetime, verified: bool | None = None
) -> None:
    """Record `moment` at `at` unless it already happened earlier; an arrival carries whether
    the van's positions back it (that of the earliest arrival is the one that counts)."""
    if moment not in MOMENTS:
        raise ValueError(f"unknown moment {moment!r}")
    fields = {moment: at, **({"on_site_verified": verified} if moment == "on_site_at" else {})}
    earlier = Q(**{f"{moment}__isnull": True}) | Q(**{f"{moment}__gt": at})
    if Incident.objects.filter(earlier, pk=incident.pk).update(**fields):
        for name, value in fields.items():
            setattr(incident, name, value)


def call_closed_note(call: Call, at: datetime, unit_id: int | None = None) -> None:
    """The call's outcome was decided at `at` (its handling time ends here), and it counts for
    `unit_id` (an incident's station, a case's desk) when given; the caller saves both with
    the outcome (update_fields CLOSED_FIELDS)."""
    call.closed_at = at if call.closed_at is None else call.closed_at
    if unit_id is not None:
        call.unit_id = unit_id


CLOSED_FIELDS = ["closed_at", "unit"]


def call_first_noted(*, incident_id: int, call: Call) -> None:
    """An incident's first call: its time and channel (a call joined later that was received
    earlier, as a linked hotline's report can be, moves the time back)."""
    Incident.objects.filter(
        Q(first_call_at__isnull=True) | Q(first_call_at__gt=call.received_at), pk=incident_id
    ).update(first_call_at=call.received_at, channel=call.channel)


def call_phone_moments_note(
    *,
    call_id: int,
    rang_at: datetime | None,
    answered_at: datetime | None,
    abandoned_at: datetime | None = None,
) -> None:
    """The phone system's moments of the call (from its telephony leg): when it rang in, was
    answered by an agent, or was abandoned. Each is set once; a later report changes nothing."""
    for name, at in (
        ("rang_at", rang_at),
        ("answered_at", answered_at),
        ("abandoned_at", abandoned_at),
    ):
        if at is not None:
            Call.objects.filter(pk=call_id, **{f"{name}__isnull": True}).update(**{name: at})
