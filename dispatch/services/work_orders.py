"""Work orders: dispatch a crew, then every status change through one transition function."""

import logging
from datetime import datetime, timedelta
from typing import Any

from django.contrib.gis.geos import Point
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dispatch.errors import (
    ConflictError,
    DispatchError,
    ForbiddenError,
    InvalidTransitionError,
    NotFoundError,
)
from dispatch.models import Crew, Incident, Milestone, User, WorkOrder
from dispatch.selectors import user_may_dispatch
from dispatch.services.arrivals import arrival_evidence
from dispatch.services.field_reports import crew_status_settle
from dispatch.services.locks import work_order_locked
from dispatch.services.moments import incident_moment_note
from dispatch.services.sla import deadline_meet
from dispatch.services.timeline import event_record

S = WorkOrder.Status
ALLOWED: dict[str, set[str]] = {
    S.ASSIGNED: {S.ACCEPTED, S.REJECTED, S.CANCELLED},
    S.ACCEPTED: {S.EN_ROUTE, S.ON_SITE, S.CANCELLED},
    S.EN_ROUTE: {S.ON_SITE, S.CANCELLED},
    S.ON_SITE: {S.MADE_SAFE, S.COMPLETED},
    S.MADE_SAFE: {S.COMPLETED},
}
# How far along a job is: a tablet's late, older update must never move it back.
PROGRESS: dict[str, int] = {
    S.ASSIGNED: 0,
    S.ACCEPTED: 1,
    S.EN_ROUTE: 2,
    S.ON_SITE: 3,
    S.MADE_SAFE: 4,
    S.COMPLETED: 5,
}
# What the incident becomes, and which SLA clock stops, when its work order reaches a status.
INCIDENT_FOLLOWS: dict[str, tuple[str, str]] = {
    S.ON_SITE: (Incident.Status.ON_SITE, Milestone.ON_SITE),
    S.MADE_SAFE: (Incident.Status.MADE_SAFE, Milestone.MADE_SAFE),
    S.COMPLETED: (Incident.Status.RESOLVED, Milestone.COMPLETED),
}
FREES_CREW = {S.REJECTED, S.CANCELLED, S.COMPLETED}
ETA_EVENT_SHIFT = timedelta(minutes=5)  # an ETA that moves this much is worth a timeline line


@transaction.atomic
def work_order_dispatch(
    *,
    incident_id: int,
    crew_id: int,
    actor: User | None,
    recommendation: dict[str, Any] | None = None,
    at: datetime | None = None,
    first_responder: bool = False,
    preempt: bool = False,
    context: dict[str, Any] | None = None,
) -> WorkOrder:
    """Send a crew to an incident. `actor` None is the system (auto-dispatch, next crew).

    A crew without every skill the category needs goes only as a first responder; a crew on
    another job only by taking it off less urgent work (`preempt`, or a recommendation that
    said so). `context` adds to the timeline's line (a reassignment names the job it replaces).
    """
    # crew_moves builds on this module (its cancel goes through work_order_transition).
    from dispatch.services.crew_moves import crew_preempt, crew_skills_check

    at = at or timezone.now()
    incident = Incident.objects.select_for_update().filter(pk=incident_id).first()
    if incident is None:
        raise NotFoundError(f"no incident {incident_id}")
    if actor is not None and not user_may_dispatch(actor, incident.station):
        raise ForbiddenError(f"you may not dispatch to {incident.station}")
    if incident.status not in Incident.OPEN_STATUSES:
        raise ConflictError(f"{incident.reference} is {incident.get_status_display().lower()}")
    # The crew's jobs elsewhere first, in the order work_order_locked takes them (the work
    # order, its incident, its crew): a preemption that held the crew while it waited for a
    # tablet holding that job (and waiting for the crew) would deadlock.
    list(
        WorkOrder.objects.select_for_update()
        .filter(crew_id=crew_id, status__in=WorkOrder.ACTIVE_STATUSES)
        .exclude(incident_id=incident.pk)
        .select_related("incident", "crew")
        .order_by("id")
    )
    crew = Crew.objects.select_for_update().filter(pk=crew_id).first()
    if crew is None:
        raise NotFoundError(f"no crew {crew_id}", field="crew_id")
    if WorkOrder.objects.filter(
        incident=incident, crew=crew, status__in=WorkOrder.ACTIVE_STATUSES
    ).exists():
        raise ConflictError(f"{crew} already has this incident")
    lacks = crew_skills_check(incident=incident, crew=crew, first_responder=first_responder)
    preempted = crew_preempt(
        incident=incident,
        crew=crew,
        actor=actor,
        at=at,
        preempt=preempt,
        recommendation=recommendation,
    )
    work_order = WorkOrder.objects.create(
        incident=incident,
        crew=crew,
        created_at=at,
        status_changed_at=at,
        eta=_eta(recommendation, at),
        distance_m=(recommendation or {}).get("distance_m"),
    )
    crew.status = Crew.Status.BUSY
    crew.save(update_fields=["status"])
    event_record(
        kind="work_order.assigned",
        incident=incident,
        work_order=work_order,
        actor=actor,
        at=at,
        data={
            "crew": crew.name,
            "crew_id": crew.id,
            "recommendation": recommendation,
            **({"first_responder": True, "lacks": lacks} if lacks else {}),
            **({"preempted": preempted} if preempted else {}),
            **(context or {}),
        },
    )
    incident_advance(
        incident=incident,
        to=Incident.Status.DISPATCHED,
        actor=actor,
        at=at,
        because=f"{crew} assigned",
    )
    deadline_meet(incident=incident, milestone=Milestone.WORK_ORDER, at=at)
    incident_moment_note(incident=incident, moment="work_order_at", at=at)
    transaction.on_commit(lambda: _after_dispatch(work_order.pk))
    return work_order


def _eta(recommendation: dict[str, Any] | None, at: datetime) -> datetime | None:
    seconds = (recommendation or {}).get("eta_seconds")
    return at + timedelta(seconds=seconds) if seconds is not None else None


def _after_dispatch(work_order_id: int) -> None:
    from django.conf import settings

    from dispatch.tasks import work_order_accept_timeout_task

    # If Redis is down the work order stands; the dispatcher sees it unanswered on the wall.
    wait = settings.WORK_ORDER_ACCEPT_TIMEOUT_S
    try:
        work_order_accept_timeout_task.apply_async((work_order_id, wait), countdown=wait)
    except Exception:  # the broker's outage must not undo a dispatch
        logging.getLogger(__name__).exception("could not schedule the accept timeout")


@transaction.atomic
def work_order_transition(
    *,
    work_order_id: int,
    to: str,
    actor: User | None,
    actor_label: str = "",
    at: datetime | None = None,
    device_time: datetime | None = None,
    client_event_id: str | None = None,
    point: Point | None = None,
    data: dict[str, Any] | None = None,
    reason: str = "",
) -> WorkOrder:
    """The one door for a work order's status. Safe to replay: a client event id is applied
    once, and an update older than where the job already is is recorded, not applied.
    A cancellation needs a reason (`reason`, or `data["reason"]`), kept on the timeline."""
    at = at or timezone.now()
    work_order = work_order_locked(work_order_id, "incident", "crew")
    if to not in S.values:
        raise DispatchError(f"unknown status {to!r}", field="to")
    if client_event_id and work_order.events.filter(client_event_id=client_event_id).exists():
        return work_order  # a tablet replaying its queue
    current = work_order.status
    if to not in ALLOWED.get(current, set()):
        reported = client_event_id is not None  # a crew's own report, possibly late or early
        if not (reported and current in PROGRESS and to in PROGRESS):
            raise InvalidTransitionError(current, to)
        if PROGRESS[to] <= PROGRESS[current]:
            _late_report(
                work_order, to, at, actor, actor_label, device_time, client_event_id, point
            )
            return work_order
        # Ahead of where the job is: the steps between were done, their reports are still on
        # the way (a tablet's offline queue need not arrive in order). They are kept when they
        # come, as late reports. Only the crew's own reports (its members, its van's geofence)
        # may skip ahead: from a dispatcher's console the state table holds as declared.
        if actor is not None and not work_order.crew.members.filter(pk=actor.pk).exists():
            raise InvalidTransitionError(current, to)
    reason = (reason or str((data or {}).get("reason") or "")).strip()
    if to == S.CANCELLED and not reason:
        raise DispatchError(_("give a reason for taking the crew off the job"), field="reason")
    work_order.status, work_order.status_changed_at = to, at
    if data and to in (S.MADE_SAFE, S.COMPLETED):
        work_order.findings = {**work_order.findings, **data}
    if to == S.ON_SITE:
        work_order.arrival_pending = None
    arrival = _arrived(work_order, to, device_time or at)
    work_order.save(update_fields=["status", "status_changed_at", "findings", "arrival_pending"])
    event_record(
        kind=f"work_order.{to}",
        incident=work_order.incident,
        work_order=work_order,
        actor=actor,
        actor_label=actor_label,
        at=at,
        device_time=device_time,
        client_event_id=client_event_id,
        point=point,
        data={
            "from": current,
            **(data or {}),
            **({"reason": reason} if reason else {}),
            **({"arrival": arrival} if arrival else {}),
        },
    )
    _follow(work_order, to, device_time or at, actor)
    if to == S.ACCEPTED:
        incident_moment_note(incident=work_order.incident, moment="accepted_at", at=at)
    if to == S.REJECTED:
        incident_id = work_order.incident_id
        transaction.on_commit(lambda: _offer_next(incident_id))
    return work_order


def _arrived(work_order: WorkOrder, to: str, when: datetime) -> dict[str, Any] | None:
    """Arrival is the earliest report of being on site (regulators count it), judged against
    the van's positions then; returns that evidence when the arrival moved, else None."""
    if to != S.ON_SITE or (work_order.arrived_at is not None and when >= work_order.arrived_at):
        return None
    evidence = arrival_evidence(work_order, when)
    work_order.arrived_at = when
    work_order.arrival_verified = evidence["verified"]
    work_order.arrival_evidence = evidence
    work_order.save(update_fields=["arrived_at", "arrival_verified", "arrival_evidence"])
    incident_moment_note(
        incident=work_order.incident, moment="on_site_at", at=when, verified=evidence["verified"]
    )
    return evidence


def _late_report(
    work_order: WorkOrder,
    to: str,
    at: datetime,
    actor: User | None,
    actor_label: str,
    device_time: datetime | None,
    client_event_id: str | None,
    point: Point | None,
) -> None:
    """A report of a step the job is already past: recorded with its own time, and the clock
    it stops is stopped at that time, but the status does not move back."""
    when = device_time or at
    arrival = _arrived(work_order, to, when)
    event_record(
        kind="work_order.stale_update",
        incident=work_order.incident,
        work_order=work_order,
        actor=actor,
        actor_label=actor_label,
        at=at,
        device_time=device_time,
        client_event_id=client_event_id,
        point=point,
        data={
            "status": work_order.status,
            "reported": to,
            **({"arrival": arrival} if arrival else {}),
        },
    )
    if to in INCIDENT_FOLLOWS:
        deadline_meet(incident=work_order.incident, milestone=INCIDENT_FOLLOWS[to][1], at=when)
        _moment(work_order.incident, to, when)


# Made safe and completed are moments of the incident (an arrival is noted with its evidence).
_MOMENT_OF: dict[str, str] = {S.MADE_SAFE: "made_safe_at", S.COMPLETED: "completed_at"}


def _moment(incident: Incident, to: str, when: datetime) -> None:
    if to in _MOMENT_OF:
        incident_moment_note(incident=incident, moment=_MOMENT_OF[to], at=when)


def _follow(work_order: WorkOrder, to: str, when: datetime, actor: User | None) -> None:
    """The incident and the crew follow their work order."""
    incident = work_order.incident
    if to in INCIDENT_FOLLOWS:
        status, milestone = INCIDENT_FOLLOWS[to]
        incident_advance(
            incident=incident,
            to=status,
            actor=actor,
            at=when,
            because=f"{work_order.crew} {to.replace('_', ' ')}",
        )
        deadline_meet(incident=incident, milestone=milestone, at=when)
        _moment(incident, to, when)
    if to in FREES_CREW:  # free unless another job is live, or it said it is on a break
        crew_status_settle(work_order.crew)
    if (
        to in (S.REJECTED, S.CANCELLED)
        and not incident.work_orders.filter(status__in=WorkOrder.ACTIVE_STATUSES).exists()
    ):
        incident_advance(
            incident=incident,
            to=Incident.Status.OPEN,
            actor=actor,
            at=when,
            because="no crew left on it",
        )


# How far along an incident is. With several crews on one incident, a later crew's "on site"
# must not take back a "made safe" the first crew reported.
INCIDENT_PROGRESS: dict[str, int] = {
    Incident.Status.OPEN: 0,
    Incident.Status.DISPATCHED: 1,
    Incident.Status.ON_SITE: 2,
    Incident.Status.MADE_SAFE: 3,
    Incident.Status.RESOLVED: 4,
}


def incident_advance(
    *, incident: Incident, to: str, actor: User | None, at: datetime, because: str
) -> bool:
    """Move an incident's status forward (or back to open when no crew is left on it), with
    its own timeline event; returns whether it changed."""
    current = incident.status
    reopen = to == Incident.Status.OPEN and current == Incident.Status.DISPATCHED
    if not reopen and INCIDENT_PROGRESS.get(to, -1) <= INCIDENT_PROGRESS.get(current, -1):
        return False
    incident.status = to
    incident.save(update_fields=["status", "updated_at"])
    event_record(
        kind="incident.status",
        incident=incident,
        actor=actor,
        at=at,
        data={"from": current, "to": to, "because": because},
    )
    return True


def _offer_next(incident_id: int) -> None:
    from dispatch.tasks import incident_offer_next_crew_task

    try:
        incident_offer_next_crew_task.delay(incident_id)
    except Exception:  # a broker outage leaves the incident open for the dispatcher
        logging.getLogger(__name__).exception("could not queue the next crew offer")


@transaction.atomic
def work_order_arrival_detect(*, work_order_id: int, fix: dict[str, Any], at: datetime) -> bool:
    """The van has entered the incident's radius: hold the arrival for the window in which the
    crew may say it only drove past. Returns whether a new arrival is pending."""
    work_order = (
        WorkOrder.objects.select_for_update()
        .select_related("incident")
        .filter(pk=work_order_id, arrival_pending__isnull=True)
        .first()
    )
    if work_order is None or PROGRESS.get(work_order.status, 99) >= PROGRESS[S.ON_SITE]:
        return False
    if work_order.arrival_suppressed_until and at < work_order.arrival_suppressed_until:
        return False
    work_order.arrival_pending = {**fix, "detected_at": at.isoformat()}
    work_order.save(update_fields=["arrival_pending"])
    event_record(
        kind="work_order.arrival_detected",
        incident=work_order.incident,
        work_order=work_order,
        actor=None,
        actor_label="geofence",
        at=at,
        device_time=datetime.fromisoformat(fix["fix_at"]),
        point=Point(fix["lon"], fix["lat"], srid=4326),
        data={"fix": fix},
    )
    return True


@transaction.atomic
def work_order_arrival_cancel(
    *,
    work_order_id: int,
    actor: User | None,
    suppress_for: timedelta,
    at: datetime | None = None,
    device_time: datetime | None = None,
    client_event_id: str | None = None,
) -> WorkOrder:
    """The crew says it only drove past: drop the pending arrival and stop the geofence from
    raising it again for `suppress_for`."""
    at = at or timezone.now()
    work_order = work_order_locked(work_order_id)
    if client_event_id and work_order.events.filter(client_event_id=client_event_id).exists():
        return work_order
    if work_order.arrival_pending is None:
        raise ConflictError(
            "no arrival is waiting to be confirmed: it was confirmed already (report the status "
            "you are in instead) or none was detected"
        )
    dropped = work_order.arrival_pending
    work_order.arrival_pending = None
    work_order.arrival_suppressed_until = at + suppress_for
    work_order.save(update_fields=["arrival_pending", "arrival_suppressed_until"])
    event_record(
        kind="work_order.arrival_cancelled",
        incident=work_order.incident,
        work_order=work_order,
        actor=actor,
        at=at,
        device_time=device_time,
        client_event_id=client_event_id,
        data={"fix": dropped},
    )
    return work_order


def work_order_arrival_confirm(*, work_order_id: int) -> WorkOrder | None:
    """The window passed without a cancel: the crew is on site, at the time of the fix."""
    work_order = WorkOrder.objects.filter(pk=work_order_id).only("arrival_pending").first()
    if work_order is None or work_order.arrival_pending is None:
        return None
    fix = work_order.arrival_pending
    try:
        return work_order_transition(
            work_order_id=work_order_id,
            to=S.ON_SITE,
            actor=None,
            actor_label="geofence",
            device_time=datetime.fromisoformat(fix["fix_at"]),
            client_event_id=f"geofence-{fix['fix_at']}",
            point=Point(fix["lon"], fix["lat"], srid=4326),
            data={"evidence": fix},
        )
    except DispatchError:  # cancelled or reassigned meanwhile: nothing to confirm
        logging.getLogger(__name__).info("arrival on WO-%s no longer applies", work_order_id)
        return None


@transaction.atomic
def work_order_eta_update(
    *, work_order_id: int, eta: datetime, distance_m: float | None, at: datetime
) -> None:
    """A fresher ETA from the van's live position. The timeline gets an event only when it
    moves by ETA_EVENT_SHIFT or more from the last one it holds (a late crew, a detour), not at
    every refresh."""
    work_order = (
        WorkOrder.objects.select_for_update()
        .select_related("incident")
        .filter(pk=work_order_id, status__in=(S.ACCEPTED, S.EN_ROUTE))
        .first()
    )
    if work_order is None:
        return
    last = (
        work_order.events.filter(kind="work_order.eta")
        .order_by("-at", "-id")
        .values_list("data", flat=True)
        .first()
    )
    previous = (last or {}).get("eta")
    work_order.eta, work_order.eta_updated_at = eta, at
    if distance_m is not None:
        work_order.distance_m = distance_m
    work_order.save(update_fields=["eta", "eta_updated_at", "distance_m"])
    shifted = (
        previous is None
        or abs((eta - datetime.fromisoformat(previous)).total_seconds())
        >= ETA_EVENT_SHIFT.total_seconds()
    )
    if shifted:
        event_record(
            kind="work_order.eta",
            incident=work_order.incident,
            work_order=work_order,
            actor=None,
            actor_label="tracker",
            at=at,
            data={"eta": eta.isoformat(), "previous": previous, "distance_m": distance_m},
        )
