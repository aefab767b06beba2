"""Every report figure worked out again from the timeline events alone: no moment column, no
SQL of the reports, only IncidentEvent rows read in Python (and each incident's station and
case type, which no event changes). The thresholds are the shipped ones: a work order within
5 minutes, made safe within 12 hours, a repeat within 30 days, the presets as shipped."""

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from dispatch.models import Incident, IncidentEvent

WORK_ORDER = timedelta(minutes=5)
MADE_SAFE = timedelta(hours=12)
REPEAT = timedelta(days=30)
ESCAPES = {"leak_indoor", "leak_outdoor", "third_party_damage"}
PRESETS = {  # code: (case types or None for all, highest priority or None, minutes, longest)
    "ofgem-1h": (ESCAPES, None, 60, None),
    "us-30min": (ESCAPES, None, 30, 120),
    "sgcc-95598": (None, 1, 45, None),
}
OUTCOME_KINDS = ("incident.opened", "call.joined", "call.answered", "case.opened")
ENDING_KINDS = ("incident.closed", "incident.cancelled", "incident.referred", "incident.merged")


def percentile(values: list[float], p: float) -> float:
    """PostgreSQL's percentile_cont: linear between the two nearest ranks."""
    ordered = sorted(values)
    position = p * (len(ordered) - 1)
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass
class Expected:
    count: int = 0
    hits: int = 0
    values: list[float] = field(default_factory=list)
    over: int = 0
    distribution: bool = False

    def _stat(self, make: Any) -> float | None:
        return make(self.values) if self.distribution and self.values else None

    @property
    def mean(self) -> float | None:
        return self._stat(lambda v: sum(v) / len(v))

    @property
    def median(self) -> float | None:
        return self._stat(lambda v: percentile(v, 0.5))

    @property
    def p90(self) -> float | None:
        return self._stat(lambda v: percentile(v, 0.9))

    @property
    def p97(self) -> float | None:
        return self._stat(lambda v: percentile(v, 0.97))

    @property
    def longest(self) -> float | None:
        return self._stat(max)


@dataclass
class Job:
    station_id: int
    category: str
    priority: int
    first_call: datetime | None = None
    work_order: datetime | None = None
    on_site: datetime | None = None
    verified: bool | None = None
    made_safe: datetime | None = None
    completed: datetime | None = None
    ended: datetime | None = None
    merged: bool = False
    dues: dict[str, datetime] = field(default_factory=dict)
    not_applicable: set[str] = field(default_factory=set)


def _when(e: IncidentEvent) -> datetime:
    return e.device_time or e.at


def _earliest(current: datetime | None, moment: datetime) -> datetime:
    return moment if current is None or moment < current else current


def _reported(e: IncidentEvent) -> str | None:
    """The step a work-order event reports: its own, or a late report of an earlier one."""
    if e.kind == "work_order.stale_update":
        return str(e.data.get("reported"))
    return e.kind.removeprefix("work_order.") if e.kind.startswith("work_order.") else None


def _jobs(events: list[IncidentEvent], received: dict[int, datetime]) -> dict[int, Job]:
    rows = Incident.objects.values_list("id", "station_id", "category", "priority")
    jobs = {pk: Job(station, category, priority) for pk, station, category, priority in rows}
    for e in events:
        job = jobs.get(e.incident_id) if e.incident_id else None
        if job is None:
            continue
        step = _reported(e)
        if e.kind in ("incident.opened", "call.joined") and e.call_id in received:
            job.first_call = _earliest(job.first_call, received[e.call_id])
        elif e.kind == "work_order.assigned":
            job.work_order = _earliest(job.work_order, e.at)
        elif step == "on_site":
            if job.on_site is None or _when(e) < job.on_site:
                job.on_site = _when(e)
                job.verified = bool((e.data.get("arrival") or {}).get("verified"))
        elif step == "made_safe":
            job.made_safe = _earliest(job.made_safe, _when(e))
        elif step == "completed":
            job.completed = _earliest(job.completed, _when(e))
        elif e.kind in ENDING_KINDS:
            job.ended = e.at
            job.merged = e.kind == "incident.merged"
        elif e.kind == "sla.started":
            job.dues.update({m: datetime.fromisoformat(d) for m, d in e.data["due"].items()})
        elif e.kind == "sla.not_applicable":
            job.not_applicable.update(e.data["milestones"])
    return jobs


def _minutes(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 60


def _share(hit: bool, value: float | None = None) -> Expected:
    return Expected(count=1, hits=int(hit), values=[value] if value is not None else [])


def recompute(
    *, start: datetime, end: datetime, now: datetime, station_id: int | None = None
) -> dict[str, Expected]:
    events = list(IncidentEvent.objects.order_by("at", "id"))
    received = {e.call_id: e.at for e in events if e.kind == "call.received" and e.call_id}
    jobs = _jobs(events, received)
    out: dict[str, Expected] = defaultdict(Expected)
    for key in ("dispatch_minutes", "arrival_minutes", "handling_seconds", "backlog_incidents"):
        out[key].distribution = True
    out["backlog_cases"].distribution = True
    out["callback_score"].distribution = True
    as_of = min(end, now)

    def add(
        key: str, hit: bool | None = None, value: float | None = None, over: bool = False
    ) -> None:
        out[key].count += 1
        out[key].hits += int(bool(hit))
        out[key].over += int(over)
        if value is not None:
            out[key].values.append(value)

    for job in jobs.values():
        if job.first_call is None or job.merged:
            continue
        if station_id is not None and job.station_id != station_id:
            continue
        first = job.first_call
        done = min((m for m in (job.completed, job.ended) if m is not None), default=None)
        if first < as_of and (done is None or done >= as_of):
            add("backlog_incidents", value=(as_of - first).total_seconds() / 3600)
        if not start <= first < end:
            continue
        add("incidents_opened")
        if job.work_order is not None or (job.ended is None and first + WORK_ORDER < now):
            add(
                "work_order_on_time",
                job.work_order is not None and job.work_order <= first + WORK_ORDER,
            )
        if job.work_order is not None:
            add("dispatch_minutes", value=_minutes(first, job.work_order))
        due = job.dues.get("on_site")
        if due is not None and (
            job.on_site is not None or ("on_site" not in job.not_applicable and due < now)
        ):
            add("arrival_on_clock", job.on_site is not None and job.on_site <= due)
        if job.on_site is not None:
            add("arrival_minutes", value=_minutes(first, job.on_site))
            add("arrival_verified", job.verified)
        if "made_safe" in job.dues and (
            job.made_safe is not None
            or ("made_safe" not in job.not_applicable and first + MADE_SAFE < now)
        ):
            add(
                "made_safe_on_time",
                job.made_safe is not None and job.made_safe <= first + MADE_SAFE,
            )
        for code, (categories, priority_max, minutes, longest) in PRESETS.items():
            if categories is not None and job.category not in categories:
                continue
            if priority_max is not None and job.priority > priority_max:
                continue
            limit = first + timedelta(minutes=minutes)
            if job.on_site is None and (job.ended is not None or limit >= now):
                continue
            waited = _minutes(first, job.on_site or now)
            add(
                f"preset:{code}",
                job.on_site is not None and job.on_site <= limit,
                _minutes(first, job.on_site) if job.on_site else None,
                over=longest is not None and waited > longest,
            )
    if station_id is None:
        _calls(events, received, start, end, add)
        _cases(events, start, end, now, as_of, add)
        _callbacks(events, start, end, now, add)
    return dict(out)


def _calls(
    events: list[IncidentEvent],
    received: dict[int, datetime],
    start: datetime,
    end: datetime,
    add: Any,
) -> None:
    closed: dict[int, datetime] = {}
    for e in events:
        if e.kind in OUTCOME_KINDS and e.call_id and e.call_id not in closed:
            closed[e.call_id] = e.at
    by_premise: dict[int, list[datetime]] = defaultdict(list)
    for e in events:
        if e.kind != "call.received":
            continue
        at, premise = e.at, e.data.get("premise")
        before = by_premise[premise] if premise else []
        if start <= at < end:
            add("calls_received")
            if premise:
                add("repeat_calls", any(at - REPEAT <= b <= at for b in before))
            if e.actor_id is not None and e.call_id in closed:
                opened = (
                    datetime.fromisoformat(e.data["opened_at"]) if e.data.get("opened_at") else at
                )
                add("handling_seconds", value=(closed[e.call_id] - opened).total_seconds())
        if premise:
            before.append(at)


def _cases(
    events: list[IncidentEvent],
    start: datetime,
    end: datetime,
    now: datetime,
    as_of: datetime,
    add: Any,
) -> None:
    opened: dict[int, IncidentEvent] = {}
    replied: dict[int, datetime] = {}
    closed: dict[int, datetime] = {}
    for e in events:
        case = e.data.get("case_id")
        if e.kind == "case.opened":
            opened[case] = e
        elif e.kind == "case.replied":
            replied.setdefault(case, e.at)
        elif e.kind == "case.closed":
            closed.setdefault(case, e.at)
    for case, e in opened.items():
        if e.at < as_of and (case not in closed or closed[case] >= as_of):
            add("backlog_cases", value=(as_of - e.at).total_seconds() / 3600)
        if not start <= e.at < end:
            continue
        add("cases_received")
        key = {"complaint": "complaint_reply_on_time", "report": "report_reply_on_time"}.get(
            e.data["category"]
        )
        due = datetime.fromisoformat(e.data["due_at"])
        if key and (case in replied or due < now):
            add(key, case in replied and replied[case] <= due)


def _callbacks(
    events: list[IncidentEvent], start: datetime, end: datetime, now: datetime, add: Any
) -> None:
    due: dict[int, datetime] = {}
    first: dict[int, datetime] = {}
    score: dict[int, int] = {}
    for e in events:
        if e.kind == "callback.scheduled":
            for callback in e.data["callbacks"]:
                due[callback] = datetime.fromisoformat(e.data["due_at"])
        elif e.kind == "callback.attempted":
            callback = e.data["callback"]
            first.setdefault(callback, e.at)
            if e.data.get("satisfaction") is not None:
                score[callback] = e.data["satisfaction"]
    for callback, when in due.items():
        if not start <= when < end:
            continue
        if callback in first or when < now:
            add("callback_on_time", callback in first and first[callback] <= when)
        if callback in score:
            add("callback_score", value=float(score[callback]))
