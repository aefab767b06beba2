"""Every crew a recommendation could name, kept in this process's memory and brought up to date
by one call to PostgreSQL per recommendation.

The recommender's question (who is on shift, free, skilled, and nearest by road) is asked many
times a minute of crews that change a few times a minute. So each process keeps the crews,
their vans (with each van's place on the road graph worked out once per move) and their live
work orders as arrays, and each recommendation first calls `dispatch_board_read` (migration
dispatch.0011): one statement, one snapshot, which returns the rows changed since the board's
cursor and the new cursor. When nothing changed that costs a few index steps, and the ranking
is numpy masks plus one bounded road search.

Why it is never stale: every insert and update of a crew, van, work order or incident is
stamped with its transaction id (maps.0001), and the cursor is the oldest transaction still
running when the board last read, so anything committed since carries a stamp at or after it.
Deletes stamp one row that makes the board load everything again. A caller whose transaction
has itself written what the board reads is told so by the same call, and its recommendation is
answered by SQL instead (dispatch.recommend): a board must only hold what is committed, or a
rollback would leave it wrong with nothing to tell it so.
"""

import threading
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.db import connection

from dispatch.models import Crew, WorkOrder
from dispatch.roads import Hung, Revision, RoadGraph, Snap

READ_SQL = "SELECT * FROM dispatch_board_read(%s, %s, %s, %s, %s)"
NO_WORK = np.iinfo(np.int32).max  # the priority of a crew with no live work order
_LIVE = frozenset(WorkOrder.ACTIVE_STATUSES)


@dataclass(frozen=True)
class Head:
    """What the call read besides the changed rows."""

    revision: Revision
    skills: list[str]  # the category rule's, now
    incident_xy: tuple[float, float]  # in the board's projection
    known: bool = True  # False: no rule has this category (the caller asked for no case type)


@dataclass(frozen=True)
class Candidates:
    """Crews able to take the job, as indexes into the board's arrays."""

    slots: np.ndarray
    preempting: np.ndarray  # bool per slot: busy, offered to be taken off less urgent work
    k_of_slot: np.ndarray  # by slot: its place in `slots` (-1: not a candidate)


@dataclass
class CrewBoard:
    """Crews by slot (a crew keeps its slot until the board loads everything again)."""

    srid: int | None = None
    cursor: int = 0
    revision: Revision | None = None  # of the roads the snaps below were made on
    slot_of: dict[int, int] = field(default_factory=dict)
    size: int = 0
    crew_id: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    name: list[str] = field(default_factory=list)
    station: list[str] = field(default_factory=list)
    skill_bits: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    shift_start: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    shift_end: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    available: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    busy: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    x: np.ndarray = field(default_factory=lambda: np.zeros(0))  # NaN: no van or no fix
    y: np.ndarray = field(default_factory=lambda: np.zeros(0))
    fix_at: np.ndarray = field(default_factory=lambda: np.zeros(0))  # epoch seconds, NaN: none
    edge: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    along: np.ndarray = field(default_factory=lambda: np.zeros(0))
    leg_m: np.ndarray = field(default_factory=lambda: np.zeros(0))
    work_priority: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    work_id: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    work_category: list[str | None] = field(default_factory=list)
    van_crew: dict[int, int | None] = field(default_factory=dict)  # van -> crew holding it
    crew_van: dict[int, int] = field(default_factory=dict)
    live: dict[int, tuple[int, int, str]] = field(default_factory=dict)  # wo -> crew, prio, cat
    crew_live: dict[int, set[int]] = field(default_factory=dict)
    skill_bit: dict[str, int] = field(default_factory=dict)
    # Who could take a job changes when a crew, a work order or a van's presence does, not
    # when a van moves: candidate lists are kept (per question) until one of those changes.
    _candidates: dict[tuple[Any, ...], "Candidates"] = field(default_factory=dict)
    _boundaries: np.ndarray | None = None  # every shift's start and end, sorted
    _unsnapped: list[int] = field(default_factory=list)  # slots whose van moved
    hung: Hung | None = None  # every placed van, hung off the ends of its stretch of road
    lock: threading.Lock = field(default_factory=threading.Lock)

    # --- reading -----------------------------------------------------------------------

    def read(self, *, graph: RoadGraph, category: str, lon: float, lat: float) -> Head | None:
        """Bring the board up to date in the caller's transaction and return the head, or
        None when that transaction has written what the board reads (ask SQL instead).

        The caller holds `lock`.
        """
        if self.srid != graph.srid:
            self.reset(srid=graph.srid)
        with connection.cursor() as cursor:
            cursor.execute(READ_SQL, [self.cursor, category, lon, lat, graph.srid])
            rows = cursor.fetchall()
        kind = rows[0][0]
        if kind == "w":
            return None
        head = rows[0]
        if head[1] < self.cursor:  # an older snapshot than the board's: leave the board be
            return None
        if head[3]:  # everything follows
            self.reset(srid=graph.srid)
        self._apply(rows)
        self.cursor = head[1]
        return Head(
            revision=(head[2] or 0, head[5]),
            skills=sorted(filter(None, (head[7] or "").split(","))),
            incident_xy=(head[9], head[10]),
            known=head[7] is not None,  # a rule without skills reads '' here, not NULL
        )

    def reset(self, *, srid: int) -> None:
        keep = self.lock
        self.__init__()  # type: ignore[misc]
        self.lock = keep
        self.srid = srid

    def snaps_update(self, graph: RoadGraph) -> None:
        """Place every van that moved on this graph (all of them when the roads changed)."""
        n = self.size
        if graph.revision != self.revision:
            self.revision = graph.revision
            self._unsnapped = np.flatnonzero(~np.isnan(self.x[:n])).tolist()
            self.edge[:] = -1
            self.hung = None if graph.empty else Hung(graph.node_count, len(self.crew_id))
        if graph.empty:  # nothing to place them on; new roads will place them all
            self._unsnapped = []
        if not self._unsnapped:
            return
        todo = np.unique(self._unsnapped)
        self._unsnapped = []
        placed = todo[~np.isnan(self.x[todo])]
        self.edge[todo] = -1  # a van that lost its position hangs nowhere
        if len(placed):
            snap = graph.snap(np.column_stack([self.x[placed], self.y[placed]]))
            self.edge[placed] = snap.edge
            self.along[placed] = snap.along
            self.leg_m[placed] = snap.leg_m
        assert self.hung is not None
        self.hung.hang(graph, todo, self.edge)

    def snaps(self) -> Snap:
        """Every slot's place on the roads (by slot; read only those of placed vans)."""
        return Snap(self.edge, self.along, self.leg_m)

    # --- choosing ----------------------------------------------------------------------

    def candidates(
        self,
        *,
        skills: list[str],
        seconds_of_day: float,
        preempt_below: int | None,
        exclude: set[int],
    ) -> Candidates:
        """Slots of crews that could take the job: a van with a position, every skill, on
        shift, not excluded; free, or (`preempt_below` given) busy whose most urgent live
        work order is less urgent than that priority."""
        n = self.size
        if any(s not in self.skill_bit for s in skills):
            return self._found(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=bool))
        need = sum(1 << self.skill_bit[s] for s in skills)
        if self._boundaries is None:
            self._boundaries = np.unique(np.concatenate([self.shift_start[:n], self.shift_end[:n]]))
        # Between two consecutive shift boundaries the same crews are on shift.
        when = int(np.searchsorted(self._boundaries, seconds_of_day, side="right"))
        key = (need, preempt_below, frozenset(exclude), when)
        if (found := self._candidates.get(key)) is None:
            if len(self._candidates) > 256:  # many exclusion lists: start the cache again
                self._candidates.clear()
            found = self._candidates[key] = self._candidates_find(
                need=need, t=seconds_of_day, preempt_below=preempt_below, exclude=exclude
            )
        return found

    def _candidates_find(
        self, *, need: int, t: float, preempt_below: int | None, exclude: set[int]
    ) -> "Candidates":
        n = self.size
        start, end = self.shift_start[:n], self.shift_end[:n]
        # A shift whose end is not after its start runs past midnight (equal: round the clock).
        on_shift = np.where(start < end, (start <= t) & (t < end), (start <= t) | (t < end))
        able = ~np.isnan(self.x[:n]) & ((self.skill_bits[:n] & need) == need) & on_shift
        if exclude:
            able &= ~np.isin(self.crew_id[:n], list(exclude))
        free = able & self.available[:n]
        if preempt_below is None:
            slots = np.flatnonzero(free)
            return self._found(slots, np.zeros(len(slots), dtype=bool))
        taken = able & self.busy[:n] & (self.work_priority[:n] > preempt_below)
        taken &= self.work_priority[:n] != NO_WORK
        slots = np.flatnonzero(free | taken)
        return self._found(slots, taken[slots])

    def _found(self, slots: np.ndarray, preempting: np.ndarray) -> "Candidates":
        k_of_slot = np.full(len(self.crew_id), -1, dtype=np.int32)
        k_of_slot[slots] = np.arange(len(slots))
        return Candidates(slots, preempting, k_of_slot)

    # --- applying changed rows ---------------------------------------------------------

    def _apply(self, rows: list[tuple[Any, ...]]) -> None:
        moved: list[int] = []
        touched_crews: set[int] = set()
        changed = False
        for row in rows[1:]:
            kind = row[0]
            if kind == "v":
                changed |= self._van(row, moved)
            elif kind == "c":
                self._crew(row)
                changed = True
            elif kind == "o":
                self._work_order(row, touched_crews)
                changed = True
        for crew_id in touched_crews:
            self._most_urgent(crew_id)
        if changed:
            self._candidates.clear()
            self._boundaries = None
        self._unsnapped.extend(moved)  # placed on the roads again before the next ranking

    def _slot(self, crew_id: int) -> int:
        slot = self.slot_of.get(crew_id)
        if slot is not None:
            return slot
        if self.size == len(self.crew_id):
            self._grow(max(64, 2 * self.size))
        slot = self.size
        self.size += 1
        self.slot_of[crew_id] = slot
        self.crew_id[slot] = crew_id
        self.name.append("")
        self.station.append("")
        self.work_category.append(None)
        self.x[slot] = self.y[slot] = np.nan
        self.fix_at[slot] = np.nan
        self.edge[slot] = -1
        self.work_priority[slot] = NO_WORK
        self.work_id[slot] = 0
        return slot

    def _grow(self, capacity: int) -> None:
        def grown(a: np.ndarray) -> np.ndarray:
            out = np.zeros((capacity, *a.shape[1:]), dtype=a.dtype)
            out[: len(a)] = a
            return out

        for name in [
            "crew_id",
            "skill_bits",
            "shift_start",
            "shift_end",
            "available",
            "busy",
            "x",
            "y",
            "fix_at",
            "edge",
            "along",
            "leg_m",
            "work_priority",
            "work_id",
        ]:
            setattr(self, name, grown(getattr(self, name)))
        self.edge[self.size :] = -1
        if self.hung is not None:
            self.hung = self.hung.grown(capacity)

    def _crew(self, row: tuple[Any, ...]) -> None:
        _kind, crew_id, _ref, start, end, name, station, skills, status = row[:9]
        slot = self._slot(crew_id)
        self.name[slot] = name
        self.station[slot] = station
        self.shift_start[slot] = start
        self.shift_end[slot] = end
        self.skill_bits[slot] = self._bits(skills)
        self.available[slot] = status == Crew.Status.AVAILABLE
        self.busy[slot] = status == Crew.Status.BUSY

    def _bits(self, skills: str) -> int:
        bits = 0
        for skill in filter(None, skills.split(",")):
            if (bit := self.skill_bit.get(skill)) is None:
                bit = self.skill_bit[skill] = len(self.skill_bit)  # < 63 skills: a few today
            bits |= 1 << bit
        return bits

    def _van(self, row: tuple[Any, ...], moved: list[int]) -> bool:
        """Apply a van's row; True when a crew gained or lost a position (not just moved)."""
        van_id, crew_id, x, y, fix_at = row[1], row[2], row[9], row[10], row[11]
        before = self.van_crew.get(van_id)
        changed = False
        if before is not None and before != crew_id and self.crew_van.get(before) == van_id:
            del self.crew_van[before]  # the crew it left has no van now
            slot = self.slot_of[before]
            self.x[slot] = self.y[slot] = np.nan
            self.fix_at[slot] = np.nan
            changed = True
        self.van_crew[van_id] = crew_id
        if crew_id is None:
            return changed
        self.crew_van[crew_id] = van_id
        slot = self._slot(crew_id)  # its crew's row came first if it is new
        changed |= np.isnan(self.x[slot]) != (x is None)
        self.x[slot], self.y[slot] = (np.nan, np.nan) if x is None else (x, y)
        self.fix_at[slot] = np.nan if fix_at is None else fix_at
        moved.append(slot)
        return bool(changed)

    def _work_order(self, row: tuple[Any, ...], touched: set[int]) -> None:
        wo_id, crew_id, priority, category, status = row[1], row[2], row[3], row[5], row[8]
        before = self.live.pop(wo_id, None)
        if before is not None:
            self.crew_live[before[0]].discard(wo_id)
            touched.add(before[0])
        if status in _LIVE:
            # A crew on site holds its job as if it were P0: never preempted (as the SQL path).
            held = status not in WorkOrder.CANCELLABLE_STATUSES
            self.live[wo_id] = (crew_id, 0 if held else priority, category)
            self.crew_live.setdefault(crew_id, set()).add(wo_id)
            touched.add(crew_id)

    def _most_urgent(self, crew_id: int) -> None:
        """The crew's most urgent live job, lowest id first among equals (as the SQL path)."""
        slot = self._slot(crew_id)
        jobs = self.crew_live.get(crew_id) or ()
        best = min(((self.live[w][1], w) for w in jobs), default=None)
        if best is None:
            self.work_priority[slot] = NO_WORK
            self.work_id[slot] = 0
            self.work_category[slot] = None
        else:
            self.work_priority[slot], self.work_id[slot] = best
            self.work_category[slot] = self.live[best[1]][2]


board = CrewBoard()  # one per process
