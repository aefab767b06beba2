"""The next best crews, for when fewer than `limit` crews could go as the rule asks.

A recommendation is never empty while the utility has crews: a P1 whose rule asks for PE
welding, with no welder free, still gets a list, so the dispatcher chooses, or sends a first
responder (`can_make_safe`) to make the site safe while the specialist follows. After the ideal
crews (dispatch.recommend) come, in this order, each with what it lacks (`lacks`):

1. crews free now (on shift and available; for a P1 also those busy on less urgent work, taken
   off it as the ideal ones are) that lack some of the rule's skills: fewest missing first;
2. crews busy on other work or on a break: by when they could be there (busy until + driving);
3. crews off shift: by when they could be there (their next shift's start + driving).

Within each kind, fewest missing skills first, then the earliest on site, then the crew id.
The crews considered are those crew_recommend considers: every crew whose van has a position,
of any station, less the ones excluded. One query fetches the nearest FALLBACK_K of them in
that order (by straight line within a kind), and driving times over the roads rank them as
crew_recommend ranks (a van on roads cut off from the incident's keeps its straight-line
guess, as `method` says). It runs only when the ideal crews are too few, and costs nothing
otherwise; when it runs, its query reads every crew in scope and its road search, having no
floor to stop at, covers every road (bench/recommend.py, all five from here: about 15-20 ms
at 1,000 crews, 40-65 ms at 10,000).

"Busy until" is an estimate, from the crew's most urgent live work order:

- not on site yet: its arrival (the work order's ETA, or now) plus JOB_S, a typical job;
- on site: arrival plus JOB_S; made safe: that moment plus AFTER_MADE_SAFE_S;
- a job already past that is taken to need OVERRUN_S more from now;
- an incident with a running "completed" SLA clock (SlaPolicy, milestone completed) due sooner
  than that is taken to be done by its due time: the utility set that clock for such jobs.

A crew on a break is back about BREAK_S after it said so on its tablet. These are planning
figures for ranking and for the words a dispatcher reads ("until about 14:20"), not a
standard; the dispatcher can always call the crew.
"""

import functools
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from django.contrib.gis.geos import Point
from django.db import connection
from django.utils import timezone

from dispatch import recommend_words as words
from dispatch.choices import Priority, Skill
from dispatch.models import Crew, WorkOrder
from dispatch.models.rules import Milestone
from dispatch.recommend import (
    DEFAULT_SPEED_KMH,
    DETOUR_FACTOR,
    FIRST_K,
    ROAD,
    STRAIGHT_LINE,
    _Row,
    _Timed,
)
from fleet.roads import RoadGraph, Travel

FALLBACK_K = FIRST_K  # candidates fetched (or 8 per crew wanted, if more)
JOB_S = 60 * 60  # a typical job, from arrival on site to done
AFTER_MADE_SAFE_S = 30 * 60  # from made safe to handed over or done
OVERRUN_S = 15 * 60  # what a job already past those is taken to need still
BREAK_S = 30 * 60  # a break

FREE, BUSY, OFF = 0, 1, 2  # the kinds, in the order they are offered

_LIVE = ", ".join(f"'{s}'" for s in WorkOrder.ACTIVE_STATUSES)
_CANCELLABLE = ", ".join(f"'{s}'" for s in WorkOrder.CANCELLABLE_STATUSES)  # never off site
_POINT = "ST_Transform(ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326), %(srid)s)"
# Each crew's most urgent live work order (the job a P1 would take it off, as the ideal query
# picks it), with the incident's running "completed" clock. Crews are put in order without
# leaving WGS 84 (degrees of longitude scaled to the incident's latitude: right to well under
# a percent across a city), and only the K kept are projected: a transform into the roads'
# projection costs tens of microseconds a point, too dear for every crew. The skills missing
# are counted one `@>` per skill of the rule ({missing}): a subquery per crew costs more than
# the rest of the query.
_SQL = f"""
WITH live AS (
  SELECT DISTINCT ON (wo.crew_id) wo.crew_id, wo.id, i.reference, i.priority, i.category,
    wo.status, wo.eta, coalesce(wo.arrived_at, wo.status_changed_at) AS arrived,
    wo.status_changed_at,
    (SELECT min(d.due_at) FROM dispatch_incidentdeadline d
     WHERE d.incident_id = i.id AND d.milestone = %(completed)s AND d.met_at IS NULL
       AND d.not_applicable_at IS NULL) AS completed_due
  FROM dispatch_workorder wo JOIN dispatch_incident i ON i.id = wo.incident_id
  WHERE wo.status IN ({_LIVE})
  ORDER BY wo.crew_id, i.priority, wo.id
), crew AS (
  SELECT c.id, c.name, o.code, c.skills, c.status, c.duty_reported_at,
    extract(epoch FROM c.shift_start)::integer AS start_s,
    extract(epoch FROM c.shift_end)::integer AS end_s,
    CASE WHEN c.shift_start < c.shift_end
         THEN c.shift_start <= %(t)s AND %(t)s < c.shift_end
         ELSE c.shift_start <= %(t)s OR %(t)s < c.shift_end END AS on_shift,
    extract(epoch FROM v.last_fix_at)::float8 AS fix_at, v.last_point,
    {{missing}} AS missing,
    ((ST_X(v.last_point) - %(lon)s) * %(shrink)s) ^ 2 + (ST_Y(v.last_point) - %(lat)s) ^ 2
      AS far,
    l.id AS wo_id, l.reference, l.priority, l.category, l.status AS wo_status, l.eta,
    l.arrived, l.status_changed_at, l.completed_due
  FROM dispatch_crew c
  JOIN fleet_vehicle v ON v.crew_id = c.id
  JOIN network_orgunit o ON o.id = c.station_id
  LEFT JOIN live l ON l.crew_id = c.id
  WHERE v.last_point IS NOT NULL AND c.id <> ALL(%(exclude)s)
), kept AS (
  SELECT crew.*,
    CASE WHEN status = %(off_shift)s OR NOT on_shift THEN {OFF}
         WHEN status = %(available)s
           OR (%(preempting)s AND status = %(busy)s AND priority > %(priority)s
               AND wo_status IN ({_CANCELLABLE})) THEN {FREE}
         ELSE {BUSY} END AS kind
  FROM crew
  ORDER BY kind, missing, far, id
  LIMIT %(k)s
)
SELECT k.id, k.name, k.code, k.skills, k.status, k.duty_reported_at, k.start_s, k.end_s,
  k.fix_at, ST_X(van.p), ST_Y(van.p), ST_X(h.p), ST_Y(h.p), k.kind, k.wo_id, k.reference,
  k.priority, k.category, k.wo_status, k.eta, k.arrived, k.status_changed_at, k.completed_due
FROM kept k
CROSS JOIN LATERAL (SELECT ST_Transform(k.last_point, %(srid)s) AS p) van
CROSS JOIN (SELECT {_POINT} AS p) h"""  # noqa: S608 - constants; every value is bound


@dataclass(frozen=True)
class _Candidate:
    row: _Row
    kind: int
    lacks: tuple[dict[str, Any], ...]
    has: tuple[str, ...]
    missing: int
    start: datetime | None  # when it could set out (None: not known)


def crews_next_best(
    *,
    point: Point,
    skills: list[str],
    priority: int,
    now: datetime,
    count: int,
    exclude: list[int],
    graph: RoadGraph,
) -> list[_Timed]:
    """Up to `count` crews that are not ideal for the job, best first, with what each lacks."""
    raw = _fetch(
        point=point,
        skills=skills,
        priority=priority,
        now=now,
        exclude=exclude,
        graph=graph,
        k=max(FALLBACK_K, 8 * count),
    )
    if not raw:
        return []
    incident_xy = (raw[0][11], raw[0][12])
    found = [_candidate(r, skills=skills, now=now, incident_xy=incident_xy) for r in raw]
    eta, travel = _times(graph, incident_xy=incident_xy, found=found)

    def key(i: int) -> tuple[int, int, bool, float, int]:
        c = found[i]
        wait_s = 0.0 if c.start is None else max(0.0, (c.start - now).total_seconds())
        return (c.kind, c.missing, c.start is None, wait_s + eta[i], c.row.crew_id)

    best = sorted(range(len(found)), key=key)[:count]
    return [_timed(found[i], float(eta[i]), travel, i) for i in best]


def _timed(c: _Candidate, eta_s: float, travel: Travel | None, i: int) -> _Timed:
    """The candidate as ranked, with its route's length (walked only for those chosen)."""
    if travel is not None and travel.reachable[i] and math.isfinite(travel.seconds[i]):
        metres, method = travel.metres(i), ROAD
    else:
        metres, method = c.row.metres, STRAIGHT_LINE
    return _Timed(c.row, eta_s, metres, method, lacks=c.lacks, has=c.has)


@functools.cache
def _sql(skills: int) -> str:
    """The query for a rule of so many skills."""
    missing = " + ".join(
        f"(NOT c.skills @> ARRAY[%(skill_{n})s]::varchar[])::integer" for n in range(skills)
    )
    return _SQL.format(missing=missing or "0")


def _fetch(
    *,
    point: Point,
    skills: list[str],
    priority: int,
    now: datetime,
    exclude: list[int],
    graph: RoadGraph,
    k: int,
) -> list[tuple[Any, ...]]:
    params: dict[str, Any] = {
        "lon": point.x,
        "lat": point.y,
        "srid": graph.srid,
        "skills": skills,
        "t": timezone.localtime(now).time(),
        "exclude": exclude,
        "priority": priority,
        "preempting": priority == Priority.P1,
        "available": Crew.Status.AVAILABLE,
        "busy": Crew.Status.BUSY,
        "off_shift": Crew.Status.OFF_SHIFT,
        "completed": Milestone.COMPLETED,
        "k": k,
        "shrink": math.cos(math.radians(point.y)),
        **{f"skill_{n}": skill for n, skill in enumerate(skills)},
    }
    with connection.cursor() as cursor:
        cursor.execute(_sql(len(skills)), params)
        return cursor.fetchall()


def _candidate(
    r: tuple[Any, ...], *, skills: list[str], now: datetime, incident_xy: tuple[float, float]
) -> _Candidate:
    (crew_id, name, station, crew_skills, status, duty_at, start_s, end_s, fix_at, x, y) = r[:11]
    kind, wo_id, reference, wo_priority, wo_category = r[13:18]
    missing = [s for s in skills if s not in crew_skills]
    lacks = [words.lack_skill(s) for s in missing]
    start: datetime | None = now
    preempts = kind == FREE and status == Crew.Status.BUSY
    if status in (Crew.Status.BUSY, Crew.Status.BREAK) and not preempts:
        until = _busy_until(r, status=status, duty_at=duty_at, now=now)
        lacks.append(
            words.lack_busy(
                work_order_id=wo_id,
                reference=reference,
                until=until,
                on_break=status == Crew.Status.BREAK,
            )
        )
        start = until
    if kind == OFF:
        back = _next_shift_start(start_s, end_s, now=now)
        lacks.append(words.lack_off_shift(back=back))
        start = None if back is None else max(back, start or back)
    row = _Row(
        crew_id=crew_id,
        crew_name=name,
        station_code=station,
        shift_end=f"{end_s // 3600:02d}:{end_s % 3600 // 60:02d}",
        round_the_clock=start_s == end_s,
        fix_age_s=None if fix_at is None else now.timestamp() - fix_at,
        xy=(x, y),
        metres=math.hypot(x - incident_xy[0], y - incident_xy[1]),
        degrees=0.0,
        work_order_id=wo_id if preempts else None,
        work_order_priority=wo_priority if preempts else None,
        work_order_category=wo_category if preempts else None,
        can_make_safe=Skill.MAKE_SAFE in crew_skills,
    )
    return _Candidate(
        row=row,
        kind=kind,
        lacks=tuple(lacks),
        has=tuple(s for s in skills if s in crew_skills),
        missing=len(missing),
        start=start,
    )


def _busy_until(
    r: tuple[Any, ...], *, status: str, duty_at: datetime | None, now: datetime
) -> datetime | None:
    """About when a busy crew is free again (see the module's docstring); None: not known."""
    if status == Crew.Status.BREAK:
        return None if duty_at is None else max(duty_at + timedelta(seconds=BREAK_S), now)
    wo_id, wo_status, eta, arrived, changed_at, completed_due = r[14], *r[18:23]
    if wo_id is None:  # busy with no live job on the record
        return None
    if wo_status == WorkOrder.Status.MADE_SAFE:
        end = changed_at + timedelta(seconds=AFTER_MADE_SAFE_S)
    elif wo_status == WorkOrder.Status.ON_SITE:
        end = arrived + timedelta(seconds=JOB_S)
    else:  # not there yet
        end = max(eta or now, now) + timedelta(seconds=JOB_S)
    end = max(end, now + timedelta(seconds=OVERRUN_S))
    if completed_due is not None and now < completed_due < end:
        end = completed_due
    return end


def _next_shift_start(start_s: int, end_s: int, *, now: datetime) -> datetime | None:
    """When the crew's shift next starts, local time (None: it works round the clock)."""
    if start_s == end_s:
        return None
    local = timezone.localtime(now)
    at = local.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(seconds=start_s)
    return at if at > local else at + timedelta(days=1)


def _times(
    graph: RoadGraph, *, incident_xy: tuple[float, float], found: list[_Candidate]
) -> tuple[np.ndarray, Travel | None]:
    """Driving times, and the search they came from (None: no roads), as dispatch.recommend
    ranks: by road; a van on roads cut off from the incident's keeps its straight-line guess."""
    straight_mps = DEFAULT_SPEED_KMH / 3.6 / DETOUR_FACTOR
    eta = np.array([c.row.metres for c in found]) / straight_mps
    if graph.empty:
        return eta, None
    travel = graph.travel(origin_xy=incident_xy, targets_xy=np.array([c.row.xy for c in found]))
    by_road = travel.reachable & np.isfinite(travel.seconds)
    return np.where(by_road, travel.seconds, eta), travel
