"""Which crews to send to an incident, best first, and why.

A crew may go when it is on shift, available, has a van with a known position and every skill
the category's rule asks for (and, for a P1, when it is busy on less urgent work: offered as a
preemption). Crews are ranked by driving time over the roads (fleet.roads: one Dijkstra from
the incident); with no roads loaded, time is the straight line x DETOUR_FACTOR at
DEFAULT_SPEED_KMH.

One query finds the K crews nearest the incident in a straight line that could take the job
(walking the GiST index on the vans' positions out from the incident), and the road search
ranks them. Nothing about the crews is kept between recommendations: each reads them as they
are now, in the caller's own transaction. What is kept is the road graph (built once per
process per network revision, which the same query reads) and each rule's skills (which the
same query checks).

Why K candidates are enough, and when they are not: no route is shorter than the straight line,
and nothing on the way is faster than the fastest road, so a crew at least D metres away needs
at least D / top speed. Every crew the query left out is at least as far as the K-th one it
returned, which gives a floor on their times. Ranks that beat that floor are final; when fewer
than `limit` do (a sparse skill, a crew count too thin for K), K grows and the query runs again.
The Dijkstra stops at the floor too, since nothing slower can be in the answer. So the top pick
is the best over all crews, not just over the K nearest.

Those are the ideal crews (`ideal`, nothing in `lacks`). Asked for `next_best` (the dispatcher's
list, dispatch.services.assign), a list with fewer than `limit` of them is filled with the next
best, each with what it lacks (dispatch.recommend_fallback); when there are enough, that costs
nothing. The case type is checked against the rules (data, not an enum) by the same query that
reads its skills: an unknown one raises ValueError.
"""

import math
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

import numpy as np
from django.contrib.gis.geos import Point
from django.db import connection
from django.utils import timezone

from dispatch import recommend_words as words
from dispatch.choices import Priority, Skill
from dispatch.models import CategoryRule, Crew, WorkOrder
from fleet.roads import Revision, RoadGraph, road_graph, road_graph_cached

DETOUR_FACTOR = 1.4  # roads are about this much longer than the straight line, in a city grid
DEFAULT_SPEED_KMH = 30.0
FIRST_K = 40  # candidates the first query asks for; enough for the floor to hold almost always
WIDEN = 4  # K grows by this factor when the floor does not settle the ranking
STALE_FIX_S = 15 * 60  # an older position is mentioned in the reason

ROAD = "road"
STRAIGHT_LINE = "straight_line"

# Degrees to metres, a floor for the bound only: `<->` on SRID 4326 orders by planar degrees,
# and a degree of longitude shrinks toward the poles. Taking it one degree poleward of the
# incident, and 1% under, keeps the floor below the truth for any crew in the same city.
_METRES_PER_DEGREE_LAT = 110_574.0
_METRES_PER_DEGREE_LON_EQUATOR = 111_320.0


@dataclass(frozen=True)
class Recommendation:
    rank: int
    crew_id: int
    crew_name: str
    station_code: str
    eta_seconds: float
    distance_m: float
    method: str  # ROAD or STRAIGHT_LINE
    preempts_work_order_id: int | None
    reason: str
    ideal: bool  # on shift, free (or preemptable for a P1), every skill: lacks nothing
    # What keeps a crew from being ideal, each {"kind": "skill" | "busy" | "off_shift", ...,
    # "text"} (dispatch.recommend_words); empty for an ideal crew.
    lacks: list[dict[str, Any]]
    can_make_safe: bool  # a first responder: can make the site safe while a specialist comes


@dataclass(frozen=True)
class _Row:
    crew_id: int
    crew_name: str
    station_code: str
    shift_end: str  # HH:MM
    round_the_clock: bool
    fix_age_s: float | None  # how old the van's position was at `now`
    xy: tuple[float, float]  # projected, in the road graph's SRID (metres)
    metres: float  # straight line to the incident
    degrees: float  # what the KNN ordered by
    work_order_id: int | None
    work_order_priority: int | None
    work_order_category: str | None
    can_make_safe: bool = False


@dataclass(frozen=True)
class _Fetched:
    rows: list[_Row]
    revision: Revision | None  # of the roads, read in the same query (None: no rows)
    skills: list[str] | None  # the category rule's skills now, read in the same query (None:
    # no rows came back, or no rule has the category)
    incident_xy: tuple[float, float]
    floor_m: float  # every crew left out is at least this far (inf: none left out)


_POINT = "ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326)"
# Every row also carries what the answer depends on, read in the same snapshot as the crews
# (each an InitPlan, run once): the road revision (is the cached graph current?), the rule's
# skills (is the cached rule current?), and the incident in the graph's projection.
_HEAD = """(SELECT n.revision FROM network_networkrevision n WHERE n.id = 1),
    (SELECT n.changed_at::text FROM network_networkrevision n WHERE n.id = 1),
    (SELECT array_to_string(r.skills, ',') FROM dispatch_categoryrule r
     WHERE r.category = %(category)s)"""
_CREW = f"""
    c.id, c.name, o.code, to_char(c.shift_end, 'HH24:MI'), c.shift_start = c.shift_end,
    EXTRACT(EPOCH FROM v.last_fix_at)::float8,
    ST_X(ST_Transform(v.last_point, %(srid)s)), ST_Y(ST_Transform(v.last_point, %(srid)s)),
    v.last_point <-> {_POINT}, %(make_safe)s = ANY(c.skills)"""
_WITH_HEAD = f"""{_CREW}, {_HEAD},
    ST_X(ST_Transform({_POINT}, %(srid)s)), ST_Y(ST_Transform({_POINT}, %(srid)s))"""
_NO_HEAD = f"{_CREW}, NULL::bigint, NULL::text, NULL::text, NULL::float8, NULL::float8"
_JOINS = """
    FROM dispatch_crew c
    JOIN fleet_vehicle v ON v.crew_id = c.id
    JOIN network_orgunit o ON o.id = c.station_id"""
# The skills are a literal (not a subquery on the rule) so that the planner can estimate how
# many crews have them, and walk the GiST index on the van's position out from the incident
# (KNN) checking each crew as it goes, rather than sort every qualifying crew.
# A shift whose end is not after its start runs past midnight (equal: round the clock).
_FILTERS = """
    v.last_point IS NOT NULL
    AND c.skills @> %(skills)s::varchar[]
    AND CASE WHEN c.shift_start < c.shift_end
             THEN c.shift_start <= %(t)s AND %(t)s < c.shift_end
             ELSE c.shift_start <= %(t)s OR %(t)s < c.shift_end END
    AND c.id <> ALL(%(exclude)s)"""
_AVAILABLE = f"""
    (SELECT {_WITH_HEAD}, NULL::bigint, NULL::integer, NULL::varchar {_JOINS}
     WHERE c.status = %(available)s AND {_FILTERS}
     ORDER BY v.last_point <-> {_POINT} LIMIT %(k)s)"""
# A busy crew may be taken off its job only if its most urgent live job is less urgent. Live
# jobs are few, and the partial unique index on them (work_order_one_active_per_crew) finds
# them, so this branch starts from them and sorts by distance: a KNN walk would have to pass
# every crew that is not busy first. Sorted in metres, its K-th row bounds the rest.
_LIVE = ", ".join(f"'{s}'" for s in WorkOrder.ACTIVE_STATUSES)  # the index's own predicate
# A crew on site holds its job as if it were P0: never taken off it (crew_moves refuses).
_HELD = ", ".join(
    f"'{s}'" for s in WorkOrder.ACTIVE_STATUSES if s not in WorkOrder.CANCELLABLE_STATUSES
)
_PREEMPTABLE = f"""
    (SELECT {_NO_HEAD}, w.id, w.priority, w.category
     FROM (SELECT DISTINCT ON (wo.crew_id) wo.crew_id, wo.id,
             CASE WHEN wo.status IN ({_HELD}) THEN 0 ELSE i.priority END AS priority,
             i.category
           FROM dispatch_workorder wo JOIN dispatch_incident i ON i.id = wo.incident_id
           WHERE wo.status IN ({_LIVE})
           ORDER BY wo.crew_id, 3, wo.id) w
     JOIN dispatch_crew c ON c.id = w.crew_id
     JOIN fleet_vehicle v ON v.crew_id = c.id
     JOIN network_orgunit o ON o.id = c.station_id
     WHERE c.status = %(busy)s AND w.priority > %(priority)s AND {_FILTERS}
     ORDER BY ST_Distance(ST_Transform(v.last_point, %(srid)s), ST_Transform({_POINT}, %(srid)s))
     LIMIT %(k)s)"""  # noqa: S608 - assembled from constants; every value is bound
_ONE_BRANCH = _AVAILABLE
_TWO_BRANCHES = f"{_AVAILABLE} UNION ALL {_PREEMPTABLE}"
_HEAD_ONLY = f"SELECT {_HEAD}"

_rule_skills: dict[str, list[str]] = {}  # category -> skills, checked by every query
# Columns of a crew row: the crew (_CREW), the head (_HEAD, or NULLs), the job it would leave.
_H = 10  # the head's first column
_W = 15  # the work order's first column


def crew_recommend(
    *,
    point: Point,
    category: str,
    priority: int,
    now: datetime,
    limit: int = 5,
    exclude_crew_ids: Collection[int] = (),
    next_best: bool = False,
) -> list[Recommendation]:
    """Up to `limit` crews for an incident at `point`, fastest to arrive first; with
    `next_best`, fewer than `limit` ideal crews are followed by the next best."""
    if limit < 1:
        return []
    if timezone.is_naive(now):
        now = timezone.make_aware(now)
    if point.srid not in (None, 4326):
        point = cast(Point, point.transform(4326, clone=True))
    ranked, skills, graph = _ranked(
        point=point,
        category=category,
        priority=priority,
        now=now,
        limit=limit,
        exclude=list(exclude_crew_ids),
        graph=road_graph_cached() or road_graph(),  # the query says if the roads changed
    )
    if next_best and len(ranked) < limit:
        from dispatch.recommend_fallback import crews_next_best  # it builds on this module

        ranked += crews_next_best(
            point=point,
            skills=skills,
            priority=priority,
            now=now,
            count=limit - len(ranked),
            exclude=[*exclude_crew_ids, *(t.row.crew_id for t in ranked)],
            graph=graph,
        )
    return _recommendations(ranked, skills=skills)


def _ranked(
    *,
    point: Point,
    category: str,
    priority: int,
    now: datetime,
    limit: int,
    exclude: list[int],
    graph: RoadGraph,
) -> tuple[list["_Timed"], list[str], RoadGraph]:
    """The K nearest capable crews SQL finds, K growing as needed, ranked; the rule's skills
    and the road graph they were ranked on."""
    if (skills := _rule_skills.get(category)) is None:
        skills = _skills_needed(category)
    k = FIRST_K
    while True:
        found = _candidates_fetch(
            point=point,
            skills=skills,
            category=category,
            priority=priority,
            now=now,
            srid=graph.srid,
            k=k,
            exclude=exclude,
        )
        if found.skills is None:  # nobody qualified: was that with the rule as it is now?
            revision, current = _head_fetch(category)
            if current == skills:  # (the next best, if asked for, drive on today's roads)
                return [], skills, road_graph(revision=revision)
            skills = _rule_skills[category] = current
            continue
        if found.skills != skills:  # the rule was edited: ask again with its new skills
            skills = _rule_skills[category] = found.skills
            continue
        if found.revision != graph.revision:  # the roads changed: rebuild, ask again
            graph = road_graph(revision=found.revision)
            continue
        ranked = _rank(graph=graph, found=found, limit=limit)
        if ranked is not None:
            return ranked, found.skills, graph
        k *= WIDEN


def _skills_needed(category: str) -> list[str]:
    """The rule's skills, read once per process and category (every query checks them)."""
    rule = CategoryRule.objects.filter(category=category).values_list("skills", flat=True)
    found = rule.first()
    if found is None:
        raise ValueError(f"unknown category {category!r}")
    skills = _rule_skills[category] = sorted(found)
    return skills


def _candidates_fetch(
    *,
    point: Point,
    skills: list[str],
    category: str,
    priority: int,
    now: datetime,
    srid: int,
    k: int,
    exclude: list[int],
) -> _Fetched:
    preempting = priority == Priority.P1
    params: dict[str, Any] = {
        "lon": point.x,
        "lat": point.y,
        "srid": srid,
        "skills": skills,
        "category": category,
        "priority": priority,
        "t": timezone.localtime(now).time(),
        "k": k,
        "exclude": exclude,
        "available": Crew.Status.AVAILABLE,
        "busy": Crew.Status.BUSY,
        "make_safe": Skill.MAKE_SAFE.value,
    }
    with connection.cursor() as cursor:
        cursor.execute(_TWO_BRANCHES if preempting else _ONE_BRANCH, params)
        raw = cursor.fetchall()
    if not raw:
        return _Fetched([], None, None, (0.0, 0.0), math.inf)
    head = raw[0]  # the available crews come first, and carry the head
    if head[_H + 3] is None:  # only preemptable crews came back: read the head apart
        revision, current = _head_fetch(category)
        head = (*head[:_H], *revision, ",".join(current), *_project(point, srid))
    elif head[_H + 2] is None:  # no rule has the category (any more)
        raise ValueError(f"unknown category {category!r}")
    revision_n, changed_at, rule, ix, iy = head[_H : _H + 5]
    rows = _rows(raw, incident_xy=(ix, iy), now=now)
    return _Fetched(
        rows=rows,
        revision=(revision_n or 0, changed_at),
        skills=_split(rule),
        incident_xy=(ix, iy),
        floor_m=_floor_m(rows, k=k, latitude=point.y),
    )


def _rows(
    raw: list[tuple[Any, ...]], *, incident_xy: tuple[float, float], now: datetime
) -> list[_Row]:
    ix, iy = incident_xy
    at = now.timestamp()
    return [
        _Row(
            crew_id=r[0],
            crew_name=r[1],
            station_code=r[2],
            shift_end=r[3],
            round_the_clock=r[4],
            fix_age_s=None if r[5] is None else at - r[5],
            xy=(r[6], r[7]),
            metres=math.hypot(r[6] - ix, r[7] - iy),
            degrees=r[8],
            work_order_id=r[_W],
            work_order_priority=r[_W + 1],
            work_order_category=r[_W + 2],
            can_make_safe=r[9],
        )
        for r in raw
    ]


def _floor_m(rows: list[_Row], *, k: int, latitude: float) -> float:
    """How far every crew the query left out is, at least (inf: it left none out).

    A branch that returned K rows may have left crews out, none nearer than its K-th.
    """
    floor = math.inf
    available = [r.degrees for r in rows if r.work_order_id is None]
    if len(available) >= k:
        floor = max(available) * _metres_per_degree_floor(latitude)
    busy = [r.metres for r in rows if r.work_order_id is not None]
    if len(busy) >= k:  # sorted in projected metres; 1% under for the projection's scale
        floor = min(floor, 0.99 * max(busy))
    return floor


def _head_fetch(category: str) -> tuple[Revision, list[str]]:
    """The road revision and the rule's skills, for when no crew row came back to carry them."""
    with connection.cursor() as cursor:
        cursor.execute(_HEAD_ONLY, {"category": category})
        revision, changed_at, skills = cursor.fetchone()
    if skills is None:  # a rule without skills reads '', no rule at all NULL
        raise ValueError(f"unknown category {category!r}")
    return (revision or 0, changed_at), _split(skills)


def _project(point: Point, srid: int) -> tuple[float, float]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT ST_X(p), ST_Y(p) FROM ST_Transform({_POINT}, %(srid)s) p",  # noqa: S608
            {"lon": point.x, "lat": point.y, "srid": srid},
        )
        x, y = cursor.fetchone()
    return x, y


def _split(skills: str | None) -> list[str]:
    return sorted(filter(None, (skills or "").split(",")))


@dataclass(frozen=True)
class _Timed:
    row: _Row
    eta_s: float
    metres: float
    method: str
    lacks: tuple[dict[str, Any], ...] = ()  # empty: an ideal crew
    has: tuple[str, ...] | None = None  # the rule's skills it has (None: every one)


def _rank(*, graph: RoadGraph, found: _Fetched, limit: int) -> list[_Timed] | None:
    """The best `limit` candidates by time, or None when the floor does not settle them."""
    rows = found.rows
    straight_mps = DEFAULT_SPEED_KMH / 3.6 / DETOUR_FACTOR
    metres = np.array([r.metres for r in rows])
    eta = metres / straight_mps
    method = np.full(len(rows), STRAIGHT_LINE, dtype=object)
    travel = None
    if graph.empty:
        floor_s = found.floor_m / straight_mps
    else:
        travel = graph.travel(
            origin_xy=found.incident_xy,
            targets_xy=np.array([r.xy for r in rows]),
            within_m=found.floor_m,
        )
        floor_s = travel.limit_s
        # A van on roads that do not connect to the incident's keeps the straight-line guess
        # (never below the floor: DETOUR_FACTOR / DEFAULT_SPEED is slower than any road).
        eta = np.where(travel.reachable, travel.seconds, eta)
        method = np.where(travel.reachable, ROAD, method)
    settled = np.flatnonzero(eta <= floor_s)
    if len(settled) < limit and math.isfinite(floor_s):
        return None
    busy = np.array([r.work_order_id is not None for r in rows])
    ids = np.array([r.crew_id for r in rows])
    # Fastest first; at equal times an available crew before one taken off another job.
    order = settled[np.lexsort((ids[settled], busy[settled], eta[settled]))][:limit]
    return [
        _Timed(
            rows[i],
            float(eta[i]),
            travel.metres(int(i)) if travel is not None and method[i] == ROAD else rows[i].metres,
            str(method[i]),
        )
        for i in order
    ]


def _metres_per_degree_floor(latitude: float) -> float:
    poleward = math.radians(min(abs(latitude) + 1.0, 89.0))
    return 0.99 * min(_METRES_PER_DEGREE_LAT, _METRES_PER_DEGREE_LON_EQUATOR * math.cos(poleward))


def _recommendations(ranked: list[_Timed], *, skills: list[str]) -> list[Recommendation]:
    first_eta = ranked[0].eta_s if ranked else 0.0
    return [
        Recommendation(
            rank=n,
            crew_id=t.row.crew_id,
            crew_name=t.row.crew_name,
            station_code=t.row.station_code,
            eta_seconds=round(t.eta_s, 1),
            distance_m=round(t.metres, 1),
            method=t.method,
            preempts_work_order_id=t.row.work_order_id,
            reason=_reason(n, t, behind_s=t.eta_s - first_eta, skills=skills),
            ideal=not t.lacks,
            lacks=list(t.lacks),
            can_make_safe=t.row.can_make_safe,
        )
        for n, t in enumerate(ranked, start=1)
    ]


def _reason(rank: int, t: _Timed, *, behind_s: float, skills: list[str]) -> str:
    """One sentence a dispatcher reads: why this crew ranks where it does, and what it lacks."""
    row = t.row
    parts = [
        words.reason_head(
            rank=rank,
            metres=t.metres,
            eta_s=t.eta_s,
            behind_s=behind_s,
            by_road=t.method == ROAD,
            detour=DETOUR_FACTOR,
            speed_kmh=DEFAULT_SPEED_KMH,
        )
    ]
    if row.work_order_id is not None:
        parts.append(
            words.reason_preempts(
                work_order_id=row.work_order_id,
                priority=row.work_order_priority,
                category=row.work_order_category,
            )
        )
    parts.extend(str(lack["text"]) for lack in t.lacks)
    has = tuple(skills) if t.has is None else t.has
    if has or not skills:  # (a crew with none of the skills needed: its lacks say so)
        parts.append(words.skills_text(has))
    if not any(lack["kind"] == words.OFF_SHIFT for lack in t.lacks):
        parts.append(
            words.reason_shift(round_the_clock=row.round_the_clock, shift_end=row.shift_end)
        )
    if row.fix_age_s is not None and row.fix_age_s > STALE_FIX_S:
        parts.append(words.reason_position_age(row.fix_age_s))
    return "; ".join(parts)
