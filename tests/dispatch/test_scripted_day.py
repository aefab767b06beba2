"""A scripted day at the hotline: 200 calls, planted duplicates and a planted supply fault."""

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from io import StringIO

import pytest
from django.contrib.gis.geos import GEOSGeometry
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

from demo.org import demo_organisation_load
from dispatch.models import Call, Incident, User
from dispatch.roles import Role
from dispatch.selectors import incident_duplicates
from dispatch.services import user_create
from dispatch.services.intake import (
    CallInput,
    call_answer,
    call_join_incident,
    call_open_incident,
    call_receive,
)
from gis.models import Premise, Source
from gis.selectors import isolation_for_segment, premise_ids_cut_off

pytestmark = pytest.mark.django_db

CALLS = 200
LEAKS, LEAK_REPEATS = 12, 3  # twelve leaks, each reported by three more callers nearby
SUPPLY_CALLS = 8  # one pressure-zone fault, eight callers without gas
ANSWERED = {"consultation", "billing"}
# Office cases (complaints, connections...) are the desk's: tests/desk/test_scripted_week.py.
QUIET = [
    "meter_fault",
    "repair",
    "inspection",
    "consultation",
    "billing",
]


@dataclass
class Planned:
    at: datetime
    category: str
    premise: Premise
    group: str  # calls of one group must end up on one incident ("" = a call of its own)
    hazards: list[str] = field(default_factory=list)


def _far_apart(premises: list[Premise], count: int, metres: float) -> list[Premise]:
    """Premises at least `metres` apart (the demo city's coordinates are projected metres
    off the WGS 84 grid, so compare on the real spheroid through GEOS transform)."""
    chosen: list[tuple[Premise, GEOSGeometry]] = []
    for premise in premises:
        here = premise.geom.transform(32650, clone=True)
        if all(here.distance(p) >= metres for _q, p in chosen):
            chosen.append((premise, here))
        if len(chosen) == count:
            break
    assert len(chosen) == count, "the demo city is too small for this script"
    return [q for q, _p in chosen]


def _script(rng: random.Random, start: datetime) -> list[Planned]:
    premises = list(Premise.objects.select_related("service_segment").order_by("asset_id"))
    rng.shuffle(premises)
    plan: list[Planned] = []
    leak_sites = _far_apart(premises, LEAKS, 450)
    for n, site in enumerate(leak_sites):
        at = start + timedelta(minutes=40 * n)
        plan.append(Planned(at, "leak_outdoor", site, f"leak{n}"))
        neighbours = Premise.objects.filter(
            road_name=site.road_name, house_number=site.house_number
        ).exclude(pk=site.pk)
        for k, other in enumerate(neighbours.order_by("asset_id")[:LEAK_REPEATS]):
            plan.append(
                Planned(
                    at + timedelta(minutes=3 + 4 * k),
                    "leak_outdoor",
                    other,
                    f"leak{n}",
                    ["strong_smell"] if k == 0 else [],
                )
            )
    # A zone fed by one regulator (two-fed zones have no single upstream main to suspect).
    single_fed = (
        Source.objects.filter(kind="regulator")
        .values("zone")
        .annotate(n=Count("id"))
        .filter(n=1)
        .order_by("zone")
        .values_list("zone", flat=True)
    )
    zone_name = list(single_fed)[len(single_fed) // 2]
    zone = [p for p in premises if p.service_segment and p.service_segment.zone == zone_name]
    for k, premise in enumerate(sorted(zone, key=lambda p: p.asset_id)[::97][:SUPPLY_CALLS]):
        category = "no_gas" if k % 2 == 0 else "low_pressure"
        plan.append(Planned(start + timedelta(hours=6, minutes=5 * k), category, premise, "supply"))
    # Calls of their own come from buildings no other call comes from (flats of one building
    # share a point, and two meter faults there would rightly be one incident).
    used = {(p.premise.geom.x, p.premise.geom.y) for p in plan}
    singles = []
    for premise in premises:
        if (premise.geom.x, premise.geom.y) not in used:
            used.add((premise.geom.x, premise.geom.y))
            singles.append(premise)
    while len(plan) < CALLS:
        premise = singles.pop()
        plan.append(
            Planned(
                start + timedelta(minutes=rng.randrange(8 * 60, 16 * 60)),
                rng.choice(QUIET),
                premise,
                "",
            )
        )
    return sorted(plan, key=lambda p: p.at)


def _take(call: Planned, taker: User, incident_of: dict[str, int]) -> Call:
    """What a call taker does: store, look for duplicates, join, open or answer."""
    stored = call_receive(
        data=CallInput(category=call.category, premise_id=call.premise.id, hazards=call.hazards),
        taker=taker,
        received_at=call.at,
    )
    duplicates = incident_duplicates(
        category=stored.category,
        point=stored.point,
        at=call.at,
        segment_id=call.premise.service_segment_id,
    )
    if call.category in ANSWERED:
        call_answer(call_id=stored.id, actor=taker, at=call.at)
    elif duplicates:
        call_join_incident(
            call_id=stored.id, incident_id=duplicates[0].incident.id, actor=taker, at=call.at
        )
    else:
        incident = call_open_incident(call_id=stored.id, actor=taker, at=call.at)
        incident_of.setdefault(call.group or f"call{stored.id}", incident.id)
    stored.refresh_from_db()  # the services above linked it to its incident
    return stored


@pytest.fixture
def town_dispatcher(db: None) -> User:
    """The default demo city (20,000 premises, 3 km across: room for twelve leak sites)."""
    call_command("make_demo_city", "--no-progress", stdout=StringIO())
    return user_create(
        username="day",
        password="pw",
        role=Role.DISPATCHER,
        org_unit=demo_organisation_load()["gx-city"],
    )


def test_a_scripted_day_of_200_calls(town_dispatcher: User) -> None:
    dispatcher = town_dispatcher
    start = timezone.localtime().replace(hour=8, minute=0, second=0, microsecond=0)
    plan = _script(random.Random(20261122), start)
    incident_of: dict[str, int] = {}
    taken = [(planned, _take(planned, dispatcher, incident_of)) for planned in plan]
    assert len(taken) == CALLS

    # Every planted group became exactly one incident, with all its calls on it.
    for group in {p.group for p, _c in taken if p.group}:
        incident_ids = {c.incident_id for p, c in taken if p.group == group}
        assert len(incident_ids) == 1, f"{group} was split over {incident_ids}"
        (incident_id,) = incident_ids
        assert incident_id is not None, f"{group} made no incident"
        incident = Incident.objects.get(pk=incident_id)
        assert incident.report_count == sum(1 for p, _c in taken if p.group == group)
    # A leak with a caller smelling it strongly was raised to P1.
    assert Incident.objects.get(pk=incident_of["leak0"]).priority == 1

    # Calls of their own never merged; consultations and billing made no incident.
    for planned, call in taken:
        call.refresh_from_db()
        if planned.category in ANSWERED:
            assert (call.outcome, call.incident_id) == (Call.Outcome.ANSWERED, None)
        elif not planned.group:
            assert call.outcome == Call.Outcome.NEW_INCIDENT
    expected = LEAKS + 1 + sum(1 for p, _c in taken if not p.group and p.category not in ANSWERED)
    assert Incident.objects.count() == expected

    # The supply fault: its suspected main, isolated, cuts off every caller's premise.
    supply = Incident.objects.get(pk=incident_of["supply"])
    assert supply.suspected_cause_id is not None
    cut_off = set(premise_ids_cut_off(isolation_for_segment(segment_id=supply.suspected_cause_id)))
    assert {p.premise.pk for p, _c in taken if p.group == "supply"} <= cut_off

    # Every incident's timeline tells its story in order: opened at its first call, then each
    # further call as it came, every time at or after the one before.
    for incident in Incident.objects.all():
        events = list(incident.events.order_by("at", "id").values_list("kind", "at", "call_id"))
        first_call = incident.calls.order_by("received_at").first()
        assert first_call is not None
        assert events[0][:2] == ("incident.opened", first_call.received_at)
        joined = [call for kind, _at, call in events if kind == "call.joined"]
        assert joined == list(
            incident.calls.exclude(pk=first_call.pk)
            .order_by("received_at")
            .values_list("pk", flat=True)
        )
        assert [at for _k, at, _c in events] == sorted(at for _k, at, _c in events)
