"""Two scripted days on the demo city, played through the call takers', dispatchers' and
crews' own services, each step at its own time (so the clocks run by the day's season and by
each place's area class): a heating-season morning for the heat company, a storm evening for
the power company. `manage.py play_demo_day` plays one on the demo; tests/demo/test_days.py
checks what each day must show against the networks as the database holds them.

Heating morning: no-heat calls from two buildings of one substation (one outage, its
buildings told once the second call confirms it), then from a building of another substation
on the same primary network (the suspicion moves to the main, the newly cold told), and a
heating leak on a primary main elsewhere (a heat crew sent, the supply and return valves traced, the
buildings left cold told); each repaired, and everyone told the heat is back.

Storm evening: a wire down in town (sent at once), outage calls behind both transformers of
one lateral in town (the fuse; its customers told); in the rural east, calls behind both
transformers of a lateral (its fuse, the 95598 rural clocks), then behind both of the lateral
beside it (another outage at its own fuse); each restored.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from django.contrib.gis.db.models.functions import Distance
from django.contrib.gis.geos import Point
from django.db import connection

from dispatch.models import Call, Crew, Incident, User, WorkOrder
from dispatch.selectors import category_rule_get, incident_duplicates
from dispatch.services.intake import (
    CallInput,
    call_join_incident,
    call_open_incident,
    call_receive,
)
from dispatch.services.isolation import incident_isolation_trace
from dispatch.services.work_orders import work_order_dispatch, work_order_transition
from gis.heat.grouping import no_heat_groups_for_calls
from gis.heat.trace import heat_isolation_for_segment
from gis.models import PipeSegment, PowerDevice, Premise, ServiceArea, Source

DAYS = ("heating", "storm")


class DayError(Exception):
    """The demo city lacks what the day needs (say what to load)."""


@dataclass
class DayRecord:
    """What a played day did, for its checks and the command's report."""

    incidents: dict[str, Incident] = field(default_factory=dict)
    calls: dict[str, Call] = field(default_factory=dict)
    picks: dict[str, int] = field(default_factory=dict)  # the network elements chosen
    lines: list[str] = field(default_factory=list)

    def say(self, at: datetime, text: str) -> None:
        self.lines.append(f"{at:%H:%M} {text}")


@dataclass
class _Player:
    taker: User
    dispatcher: User
    record: DayRecord

    def call(self, name: str, at: datetime, category: str, premise: Premise) -> Call:
        call = call_receive(
            data=CallInput(
                category=category,
                premise_id=premise.pk,
                caller_phone=_phone_of(premise),
                address_text=premise.full_text,
            ),
            taker=self.taker,
            received_at=at,
        )
        self.record.calls[name] = call
        return call

    def open(self, name: str, call: Call, at: datetime) -> Incident:
        incident = call_open_incident(call_id=call.pk, actor=self.taker, at=at)
        self.record.incidents[name] = incident
        self.record.say(at, f"{incident.reference} {incident.category} opened ({name})")
        return incident

    def join(self, name: str, call: Call, at: datetime) -> Incident:
        """Join the call to the incident the call taker is offered as its duplicate."""
        offered = incident_duplicates(
            category=call.category, point=call.point, at=at, premise_id=call.premise_id
        )
        if self.record.incidents[name].pk not in [d.incident.pk for d in offered]:
            raise DayError(f"call {call.pk} was not offered {name} as its duplicate")
        incident = call_join_incident(
            call_id=call.pk, incident_id=self.record.incidents[name].pk, actor=self.taker, at=at
        )
        self.record.incidents[name] = incident
        self.record.say(at, f"{incident.reference} joined by call {call.pk}")
        return incident

    def repair(self, name: str, at: datetime, *, trace: bool = False) -> WorkOrder:
        """Send a crew with the case type's skills from the incident's station; it accepts,
        arrives (tracing the valves first when asked) and completes an hour later."""
        incident = self.record.incidents[name]
        skills = category_rule_get(incident.category).skills
        crew = (
            Crew.objects.filter(station=incident.station, skills__contains=skills)
            .order_by("code")
            .first()
        )
        if crew is None:
            raise DayError(f"no crew of {incident.station} has {skills}: run make_demo_crews")
        order = WorkOrder.objects.filter(
            incident=incident, status__in=WorkOrder.ACTIVE_STATUSES
        ).first() or work_order_dispatch(
            incident_id=incident.pk, crew_id=crew.pk, actor=self.dispatcher, at=at
        )
        if trace:
            incident_isolation_trace(incident_id=incident.pk, actor=self.dispatcher, at=at)
        steps = (("accepted", 2), ("en_route", 3), ("on_site", 30), ("completed", 90))
        for to, minutes in steps:
            order = work_order_transition(
                work_order_id=order.pk,
                to=to,
                actor=None,
                actor_label="tablet",
                at=at + timedelta(minutes=minutes),
            )
        self.record.say(at, f"{incident.reference} repaired by {crew}")
        return order


def _phone_of(premise: Premise) -> str:
    customer = premise.customers.exclude(phones=[]).order_by("account_no").first()
    return customer.phones[0] if customer else ""


def _rural_west_edge() -> float:
    """The longitude where the demo's rural area starts (its west edge)."""
    area = ServiceArea.objects.filter(area_class="rural").order_by("id").first()
    if area is None:
        raise DayError("no rural service area: run load_demo")
    return float(area.geom.extent[0])


def _premises_of_station(station_id: int, count: int) -> list[Premise]:
    found = list(
        Premise.objects.filter(heat_station_id=station_id, customers__isnull=False)
        .distinct()
        .order_by("id")[:count]
    )
    if len(found) < count:
        raise DayError(f"substation {station_id} has fewer than {count} customers' buildings")
    return found


# ---- the heating-season morning ---------------------------------------------------------


def _substations_on_one_main(rural_x: float) -> tuple[int, int]:
    """Two town substations whose buildings' no-heat calls group onto one primary main."""
    placed = Source.objects.filter(utility="heat", kind="substation").order_by("id")
    stations = [s.pk for s in placed.only("id", "geom") if s.geom.x < rural_x]
    for first in stations:
        (one,) = _premises_of_station(first, 1)
        for second in stations:
            if second == first:
                continue
            (two,) = _premises_of_station(second, 1)
            groups = no_heat_groups_for_calls([(1, one.pk, None), (2, two.pk, None)])
            if len(groups) == 1 and groups[0].cause == "main":
                return first, second
    raise DayError("no two substations share a primary main: run make_demo_city")


def _heat_main_to_break(spared: set[int]) -> PipeSegment:
    """The primary supply pipe whose isolation leaves the fewest buildings cold (but some),
    none of them behind the `spared` substations, furthest east on a tie."""
    pipes = PipeSegment.objects.filter(
        utility="heat", circuit="supply", pressure_class="high", status="in_service"
    ).order_by("id")
    best: tuple[int, float, PipeSegment] | None = None
    for pipe in pipes:
        trace = heat_isolation_for_segment(segment_id=pipe.pk)
        cold = len(trace.premise_ids_without_heat)
        if not cold or spared & set(trace.substations_without_heat):
            continue
        if best is None or (cold, -pipe.geom.centroid.x) < best[:2]:
            best = (cold, -pipe.geom.centroid.x, pipe)
    if best is None:
        raise DayError("no primary heat main leaves buildings cold: run make_demo_city")
    return best[2]


def _premise_near(point: Point) -> Premise:
    premise = Premise.objects.filter(customers__isnull=False).order_by(_distance_to(point)).first()
    if premise is None:
        raise DayError("the demo city has no customers: run make_demo_city")
    return premise


def _distance_to(point: Point) -> Distance:
    return Distance("geom", point)


def heating_day(
    taker: User, dispatcher: User, start: datetime, *, repairs: bool = True
) -> DayRecord:
    """Play the heating-season morning from `start` (06:40 or so, in the season); without
    `repairs` the incidents are left open (for the wall)."""
    record = DayRecord()
    play = _Player(taker, dispatcher, record)
    rural_x = _rural_west_edge()
    first_station, second_station = _substations_on_one_main(rural_x)
    record.picks |= {"substation": first_station, "other_substation": second_station}
    a, b = _premises_of_station(first_station, 2)
    (c,) = _premises_of_station(second_station, 1)
    at = start
    play.open("cold", play.call("cold-1", at, "no_heat", a), at + timedelta(minutes=2))
    at += timedelta(minutes=8)
    play.join("cold", play.call("cold-2", at, "no_heat", b), at + timedelta(minutes=1))
    at += timedelta(minutes=17)
    play.join("cold", play.call("cold-3", at, "no_heat", c), at + timedelta(minutes=1))
    main = _heat_main_to_break({first_station, second_station})
    record.picks["leak_main"] = main.pk
    leak_at = main.geom.interpolate_normalized(0.5)
    leak_at.srid = main.geom.srid
    at = start + timedelta(hours=3, minutes=20)
    leak = call_receive(
        data=CallInput(
            category="heat_leak",
            point=leak_at,
            address_text=_premise_near(leak_at).full_text,
            hazards=["hot_water_steam"],
        ),
        taker=taker,
        received_at=at,
    )
    record.calls["leak"] = leak
    play.open("leak", leak, at + timedelta(minutes=2))
    if repairs:
        play.repair("leak", at + timedelta(minutes=5), trace=True)
        play.repair("cold", start + timedelta(minutes=40))
    return record


# ---- the storm evening ------------------------------------------------------------------

_LATERALS = """
WITH d AS (SELECT id, kind, feeder, geom, ST_Transform(geom, 32650) m FROM network_powerdevice)
SELECT f.id, ST_X(f.geom), array_agg(t.id ORDER BY ST_Y(t.m)), f.feeder
FROM d f JOIN d t
  ON t.kind = 'transformer' AND t.feeder = f.feeder
 AND abs(ST_X(t.m) - ST_X(f.m)) < 0.5 AND ST_Y(t.m) > ST_Y(f.m) AND ST_Y(t.m) - ST_Y(f.m) < 800
WHERE f.kind = 'fuse'
GROUP BY f.id, f.geom, f.feeder HAVING count(*) = 2
ORDER BY f.feeder, ST_X(f.geom)
"""


def power_laterals() -> list[tuple[int, float, list[int], str]]:
    """(fuse, longitude, its two transformers, feeder) of every lateral of the demo's power
    network (demo.city.power_layout: two transformers north of each lateral's fuse)."""
    with connection.cursor() as cursor:
        cursor.execute(_LATERALS)
        return [(f, x, list(t), feeder) for f, x, t, feeder in cursor.fetchall()]


def _first_premise(transformer: int) -> Premise:
    premise = (
        Premise.objects.filter(transformer_id=transformer, customers__isnull=False)
        .order_by("id")
        .first()
    )
    if premise is None:
        raise DayError(f"transformer {transformer} supplies no customer")
    return premise


Lateral = tuple[int, list[int]]  # a fuse and its two transformers


def _storm_laterals(rural_x: float) -> tuple[Lateral, Lateral, Lateral]:
    """A lateral in town behind no recloser; the last lateral of another feeder, in the rural
    east, and its neighbour behind the same recloser."""
    reclosers = dict(PowerDevice.objects.filter(kind="recloser").values_list("feeder", "geom"))
    laterals = power_laterals()
    rural = [
        (f, x, t, feeder)
        for f, x, t, feeder in laterals
        if x > rural_x and feeder in reclosers and x > reclosers[feeder].x
    ]
    if not rural:
        raise DayError("the demo's power network has no lateral in the rural area")
    fuse, x, transformers, feeder = rural[-1]
    neighbours = [
        (f, t) for f, fx, t, fd in laterals if fd == feeder and reclosers[feeder].x < fx < x
    ]
    town = [
        (f, t)
        for f, fx, t, fd in laterals
        if fd != feeder and fx < rural_x and (fd not in reclosers or fx < reclosers[fd].x)
    ]
    if not neighbours or not town:
        raise DayError("the demo's power network is too small for the storm: make_demo_city")
    return town[len(town) // 2], (fuse, transformers), neighbours[-1]


def storm_day(taker: User, dispatcher: User, start: datetime, *, repairs: bool = True) -> DayRecord:
    """Play the storm evening from `start` (18:00 or so); without `repairs` the incidents
    are left open (for the wall)."""
    record = DayRecord()
    play = _Player(taker, dispatcher, record)
    rural_x = _rural_west_edge()
    (town_fuse, town_transformers), rural, neighbour = _storm_laterals(rural_x)
    record.picks |= {"town_fuse": town_fuse, "rural_fuse": rural[0], "neighbour_fuse": neighbour[0]}
    at = start
    # A wire down by the town lateral: sent at once.
    wire = _first_premise(town_transformers[0])
    call = call_receive(
        data=CallInput(
            category="wire_down",
            point=wire.geom,
            address_text=wire.full_text,
            hazards=["sparks_fire"],
        ),
        taker=taker,
        received_at=at,
    )
    record.calls["wire"] = call
    play.open("wire", call, at + timedelta(minutes=1))
    at += timedelta(minutes=6)
    # Both transformers of the town lateral out: its fuse.
    for n, transformer in enumerate(town_transformers, start=1):
        call = play.call(f"town-{n}", at, "power_outage", _first_premise(transformer))
        step: Callable[[str, Call, datetime], Incident] = play.open if n == 1 else play.join
        step("town", call, at + timedelta(minutes=1))
        at += timedelta(minutes=4)
    # In the rural east: both transformers of a lateral (its fuse), then both of the
    # lateral beside it, behind the same recloser: not offered as the first outage (no one
    # device explains them all), so another outage, at its own fuse.
    at += timedelta(minutes=20)
    for name, (_fuse, transformers) in (("rural", rural), ("rural-next", neighbour)):
        for n, transformer in enumerate(transformers, start=1):
            call = play.call(f"{name}-{n}", at, "power_outage", _first_premise(transformer))
            step = play.open if n == 1 else play.join
            step(name, call, at + timedelta(minutes=1))
            at += timedelta(minutes=7)
    if repairs:
        play.repair("wire", start + timedelta(minutes=5))
        play.repair("town", start + timedelta(minutes=30))
        play.repair("rural", start + timedelta(minutes=60))
        play.repair("rural-next", start + timedelta(minutes=75))
    return record


class Play(Protocol):
    def __call__(
        self, taker: User, dispatcher: User, start: datetime, *, repairs: bool = True
    ) -> DayRecord: ...


PLAYS: dict[str, Play] = {
    "heating": heating_day,
    "storm": storm_day,
}
