"""What a safety manager replays: one incident's timeline, read whole and in order.

The events are those `GET /api/incidents/<id>/timeline/` returns (the incident's own, and its
calls' from before it existed); beside them, the response stages against the SLA clocks, the
crews offered and the one chosen, and each van's track from dispatch to arrival. Read only:
the timeline is append-only and this module never writes.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import connection
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dispatch.models import (
    Call,
    Incident,
    IncidentDeadline,
    IncidentEvent,
    Milestone,
    WorkOrder,
)
from dispatch.redaction import customer_data_redact
from fleet.models import VehiclePosition
from maps.timeline_words import (
    STATUS,
    EventNames,
    actor_text,
    arrival_mark,
    event_summary,
    kind_label,
)

TRACK_MAX = timedelta(hours=3)  # a van that never arrived: its first three hours, no more
TRACK_MAX_FIXES = 5000  # one fix every 2 s for those hours; more is noise on a city map
STAGES = (
    (gettext_lazy("Call to work order"), Milestone.WORK_ORDER),
    (gettext_lazy("Work order to arrival"), Milestone.ON_SITE),
    (gettext_lazy("Arrival to made safe"), Milestone.MADE_SAFE),
    (gettext_lazy("Made safe to completed"), Milestone.COMPLETED),
)
# A stage's verdict is a code (the page's colours key on it); these are its words.
VERDICTS = {
    "on time": gettext_lazy("on time"),
    "late": gettext_lazy("late"),
    "breached": gettext_lazy("breached"),
    "overdue": gettext_lazy("overdue"),
    "running": gettext_lazy("running"),
    "no SLA": gettext_lazy("no SLA"),
    "not reached": gettext_lazy("not reached"),
}


@dataclass(frozen=True)
class Event:
    id: int
    seq: int
    kind: str
    label: str
    summary: str
    at: datetime
    device_time: datetime | None
    actor: str
    lon: float | None
    lat: float | None
    call_id: int | None
    work_order_id: int | None
    data: dict[str, Any]
    since_call_s: float

    @property
    def family(self) -> str:
        return self.kind.split(".", 1)[0]

    @property
    def device_offset_s(self) -> float | None:
        """Device time minus server time, when they differ by a second or more."""
        if self.device_time is None:
            return None
        offset = (self.device_time - self.at).total_seconds()
        return offset if abs(offset) >= 1 else None


@dataclass(frozen=True)
class CallSeen:
    """One call as the viewer may read it: the caller's details only for roles that take
    calls (dispatch.redaction), "(hidden)" for the others."""

    id: int
    received_at: datetime
    channel: str
    caller_phone: str
    caller_name: str
    caller_email: str
    address_text: str
    outcome: str
    description: str  # the caller's words: the fault's record, not a contact detail

    @classmethod
    def of(cls, call: Call, viewer: Any) -> "CallSeen":
        caller = customer_data_redact(
            {"phone": call.caller_phone, "caller": call.caller_name, "email": call.caller_email},
            user=viewer,
        )
        return cls(
            id=call.id,
            received_at=call.received_at,
            channel=call.channel,
            caller_phone=caller["phone"],
            caller_name=caller["caller"],
            caller_email=caller["email"],
            address_text=call.address_text,
            outcome=call.outcome,
            description=call.description,
        )


@dataclass(frozen=True)
class Stage:
    name: str
    milestone: str
    start: datetime | None
    end: datetime | None
    due_at: datetime | None
    allowed_s: float | None  # what the SLA allows from the first call
    breached_at: datetime | None
    verdict: str  # on time, late, breached, overdue, running, no SLA, not reached
    margin_s: float | None  # to spare (positive) or late by (negative)
    # For the arrival stage: whether the van's positions back the arrival that ended it
    # (None: no arrival, or one recorded before arrivals were checked) and their evidence.
    arrival_verified: bool | None = None
    arrival: dict[str, Any] | None = None

    @property
    def seconds(self) -> float | None:
        return (self.end - self.start).total_seconds() if self.start and self.end else None

    @property
    def verdict_text(self) -> str:
        """The verdict as everyone must read it: an arrival's with what backs it."""
        verdict = str(VERDICTS.get(self.verdict, self.verdict))
        mark = arrival_mark(self.arrival)
        return _("%(verdict)s (%(mark)s)") % {"verdict": verdict, "mark": mark} if mark else verdict


@dataclass(frozen=True)
class Offer:
    """One recommendation: the crews offered, best first, and the one then sent."""

    event_id: int
    at: datetime
    actor: str
    crews: list[dict[str, Any]]
    chosen_crew_id: int | None


@dataclass(frozen=True)
class CrewOnJob:
    work_order_id: int
    crew_id: int
    crew: str
    station: str
    vehicle: str
    status: str
    assigned_at: datetime
    assigned_by: str
    rank: int | None  # its place in the recommendation the dispatcher acted on
    offered_eta_s: float | None
    arrived_at: datetime | None
    arrival_verified: bool | None = None
    arrival_evidence: dict[str, Any] | None = None

    @property
    def arrival_mark(self) -> str:
        return arrival_mark(self.arrival_evidence)

    @property
    def travel_s(self) -> float | None:
        return (self.arrived_at - self.assigned_at).total_seconds() if self.arrived_at else None


@dataclass(frozen=True)
class Fix:
    at: datetime
    lon: float
    lat: float
    speed_kmh: float | None
    course_deg: float | None


@dataclass(frozen=True)
class Track:
    work_order_id: int
    crew: str
    vehicle: str
    fixes: list[Fix]


@dataclass(frozen=True)
class Timeline:
    incident: Incident
    calls: list[CallSeen]
    first_call_at: datetime
    events: list[Event]
    stages: list[Stage]
    offers: list[Offer]
    crews: list[CrewOnJob]
    tracks: list[Track]

    @property
    def start(self) -> datetime:
        return min([self.first_call_at, *(e.at for e in self.events[:1])])

    @property
    def end(self) -> datetime:
        last = [e.at for e in self.events[-1:]] + [t.fixes[-1].at for t in self.tracks if t.fixes]
        return max([self.start, *last])


def incident_get_by_reference(reference: str) -> Incident | None:
    return Incident.objects.select_related("station", "segment").filter(reference=reference).first()


def timeline_get(
    incident: Incident, *, viewer: Any = None, now: datetime | None = None
) -> Timeline:
    """The whole replay of an incident, in a handful of queries whatever its length, as
    `viewer` may read it: callers' details only for roles that take calls (without a viewer,
    for nobody), so the page and every export made from it carry no more."""
    now = now or timezone.now()
    rows = list(
        # The incident's own events, and those of its calls from before it existed (the rule
        # of dispatch.api.console.incident_timeline).
        IncidentEvent.objects.filter(
            Q(incident=incident) | Q(call__incident=incident, incident__isnull=True)
        )
        .select_related("actor")
        .order_by("at", "id")
    )
    calls = [CallSeen.of(c, viewer) for c in incident.calls.order_by("received_at", "id")]
    first_call_at = calls[0].received_at if calls else incident.created_at
    orders = list(
        incident.work_orders.select_related("crew__station", "crew__vehicle").order_by(
            "created_at", "id"
        )
    )
    crew_of = {w.id: w.crew.name for w in orders}
    arrival = _arrival(orders)
    seen = [(row, customer_data_redact(row.data or {}, user=viewer)) for row in rows]
    # The call.received line reads the caller's words from the call itself: events written
    # before intake put them in the event's data have none of their own.
    said = {c.id: c.description for c in calls}
    actors = [actor_text(row.actor_label, row.actor) for row in rows]
    names = EventNames()
    events = [
        Event(
            id=row.id,
            seq=seq,
            kind=row.kind,
            label=kind_label(row.kind),
            summary=event_summary(
                row.kind,
                {"description": said.get(row.call_id or 0, ""), **data}
                if row.kind == "call.received"
                else data,
                crew_of.get(row.work_order_id or 0, ""),
                arrival.arrival_evidence if arrival else None,
                actor=actor,
                day_of=first_call_at,
                names=names,
            ),
            at=row.at,
            device_time=row.device_time,
            actor=actor,
            lon=row.point.x if row.point else None,
            lat=row.point.y if row.point else None,
            call_id=row.call_id,
            work_order_id=row.work_order_id,
            data=data,
            since_call_s=(row.at - first_call_at).total_seconds(),
        )
        for seq, ((row, data), actor) in enumerate(zip(seen, actors, strict=True), start=1)
    ]
    deadlines = {d.milestone: d for d in IncidentDeadline.objects.filter(incident=incident)}
    return Timeline(
        incident=incident,
        calls=calls,
        first_call_at=first_call_at,
        events=events,
        stages=_stages(first_call_at, orders, events, deadlines, now, arrival),
        offers=_offers(events),
        crews=_crews(orders, events),
        tracks=[t for w in orders if (t := _track(w, now)) is not None],
    )


def _arrival(orders: list[WorkOrder]) -> WorkOrder | None:
    """The work order whose arrival counts: the earliest (as dispatch.services.work_orders
    stops the on-site clock)."""
    arrived = [w for w in orders if w.arrived_at]
    return min(arrived, key=lambda w: (w.arrived_at, w.id)) if arrived else None


def _reached(milestone: str, orders: list[WorkOrder], events: list[Event]) -> datetime | None:
    """When the job first reached a milestone, from the work orders and their reports (device
    time first: a late report still counts at the time it was done)."""
    if milestone == Milestone.WORK_ORDER:
        return min((w.created_at for w in orders), default=None)
    if milestone == Milestone.ON_SITE:
        arrived = [w.arrived_at for w in orders if w.arrived_at]
        if arrived:
            return min(arrived)
    return min(
        (
            e.device_time or e.at
            for e in events
            if e.kind == f"work_order.{milestone}"
            or (e.kind == "work_order.stale_update" and e.data.get("reported") == milestone)
        ),
        default=None,
    )


def _stages(
    first_call_at: datetime,
    orders: list[WorkOrder],
    events: list[Event],
    deadlines: dict[str, IncidentDeadline],
    now: datetime,
    arrival: WorkOrder | None,
) -> list[Stage]:
    stages: list[Stage] = []
    start: datetime | None = first_call_at  # each stage starts where the one before ended
    for name, milestone in STAGES:
        deadline = deadlines.get(milestone)
        # The SLA counts its own met time; without a clock, the job's own record.
        end = (deadline.met_at if deadline else None) or _reached(milestone, orders, events)
        if milestone == Milestone.COMPLETED and deadline is None and end is None:
            continue  # most policies have no completion clock: no empty row for it
        verdict, margin = _verdict(deadline, end, now)
        judged = arrival if milestone == Milestone.ON_SITE and end is not None else None
        stages.append(
            Stage(
                name=str(name),
                milestone=milestone,
                start=start,
                end=end,
                due_at=deadline.due_at if deadline else None,
                allowed_s=(deadline.due_at - first_call_at).total_seconds() if deadline else None,
                breached_at=deadline.breached_at if deadline else None,
                verdict=verdict,
                margin_s=margin,
                arrival_verified=judged.arrival_verified if judged else None,
                arrival=judged.arrival_evidence if judged else None,
            )
        )
        start = end
    return stages


def _verdict(
    deadline: IncidentDeadline | None, end: datetime | None, now: datetime
) -> tuple[str, float | None]:
    if deadline is None:
        return ("no SLA", None) if end else ("not reached", None)
    if end is not None:
        margin = (deadline.due_at - end).total_seconds()
        return ("on time" if margin >= 0 else "late"), margin
    margin = (deadline.due_at - now).total_seconds()
    if deadline.breached_at is not None:
        return "breached", margin
    return ("overdue" if margin < 0 else "running"), margin


def _offers(events: list[Event]) -> list[Offer]:
    offers: list[Offer] = []
    chosen: dict[int, int] = {}
    for event in events:
        if event.kind == "crews.recommended":
            offers.append(
                Offer(event.id, event.at, event.actor, list(event.data.get("crews") or []), None)
            )
        elif event.kind == "work_order.assigned" and offers and offers[-1].event_id not in chosen:
            chosen[offers[-1].event_id] = event.data.get("crew_id") or 0
    return [
        Offer(o.event_id, o.at, o.actor, o.crews, chosen.get(o.event_id) or None) for o in offers
    ]


def _crews(orders: list[WorkOrder], events: list[Event]) -> list[CrewOnJob]:
    assigned = {e.work_order_id: e for e in events if e.kind == "work_order.assigned"}
    crews = []
    for w in orders:
        event = assigned.get(w.id)
        offered = (event.data.get("recommendation") if event else None) or {}
        vehicle = getattr(w.crew, "vehicle", None)
        crews.append(
            CrewOnJob(
                work_order_id=w.id,
                crew_id=w.crew_id,
                crew=w.crew.name,
                station=w.crew.station.name,
                vehicle=(vehicle.registration or vehicle.device_id) if vehicle else "",
                status=str(STATUS.get(w.status, w.status)),
                assigned_at=w.created_at,
                assigned_by=event.actor if event else "",
                rank=offered.get("rank"),
                offered_eta_s=offered.get("eta_seconds"),
                arrived_at=w.arrived_at,
                arrival_verified=w.arrival_verified,
                arrival_evidence=w.arrival_evidence,
            )
        )
    return crews


def _track(work_order: WorkOrder, now: datetime) -> Track | None:
    """The crew's van from dispatch until it arrived (or until the job ended without it)."""
    vehicle = getattr(work_order.crew, "vehicle", None)
    if vehicle is None:
        return None
    start = work_order.created_at
    if work_order.arrived_at:
        end = work_order.arrived_at
    elif work_order.status in WorkOrder.ACTIVE_STATUSES:
        end = now
    else:
        end = work_order.status_changed_at
    end = min(end, start + TRACK_MAX)
    # A range on fix_at, the partition key: only the days it spans are read.
    rows = (
        VehiclePosition.objects.filter(vehicle_id=vehicle.id, fix_at__gte=start, fix_at__lte=end)
        .order_by("fix_at")
        .values_list("fix_at", "point", "speed_kmh", "course_deg")[:TRACK_MAX_FIXES]
    )
    fixes = [Fix(at, p.x, p.y, speed, course) for at, p, speed, course in rows]
    return Track(
        work_order.id, work_order.crew.name, vehicle.registration or vehicle.device_id, fixes
    )


def timeline_bounds(timeline: Timeline, *, margin_m: float) -> list[float] | None:
    """West, south, east, north around everything the replay draws, `margin_m` wider (in
    metres, by PostGIS), or None when nothing has a place."""
    points = [(e.lon, e.lat) for e in timeline.events if e.lon is not None]
    points += [(f.lon, f.lat) for t in timeline.tracks for f in t.fixes]
    points.append((timeline.incident.point.x, timeline.incident.point.y))
    wkt = "MULTIPOINT(" + ",".join(f"({x!r} {y!r})" for x, y in points) + ")"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT ST_Extent("
            "ST_Buffer(ST_GeomFromText(%s, 4326)::geography, %s)::geometry) e) s",
            [wkt, margin_m],
        )
        row = cursor.fetchone()
    return [round(v, 6) for v in row] if row and row[0] is not None else None
