"""The crew board: each process's copy of the crews, kept current by one call per
recommendation, must answer exactly as the SQL path does, whatever was committed in between,
and never hold what a transaction wrote but did not commit."""

import random
from collections.abc import Callable
from datetime import datetime, time, timedelta
from io import StringIO
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.contrib.gis.db.models import Extent
from django.contrib.gis.geos import LineString, Point
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from dispatch import recommend
from dispatch.choices import Category, Skill
from dispatch.crew_board import board
from dispatch.demo_crews import demo_crews_load
from dispatch.models import CategoryRule, Crew, Incident, Vehicle, WorkOrder
from dispatch.recommend import ROAD, STRAIGHT_LINE, Recommendation, crew_recommend
from dispatch.recommend_words import category_label
from dispatch.roads import road_graph
from gis.models import Premise, Road
from gis.services import network_revision_bump
from tests.dispatch.live_work import live_work_order

pytestmark = pytest.mark.django_db(transaction=True)

SHANGHAI = ZoneInfo("Asia/Shanghai")
MORNING = datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)
EN_ROUTE = WorkOrder.Status.EN_ROUTE
CATEGORIES = [
    (Category.LEAK_INDOOR, 1),
    (Category.LEAK_OUTDOOR, 2),
    (Category.NO_GAS, 3),
    (Category.METER_FAULT, 3),
    (Category.THIRD_PARTY_DAMAGE, 1),
    (Category.COMPLAINT, 4),
]

Ask = Callable[..., list[Recommendation]]


@pytest.fixture
def city() -> list[Point]:
    """A committed demo city of 2,000 premises with 120 crews; 24 incident points in it."""
    call_command("make_demo_city", "--premises", "2000", "--no-progress", stdout=StringIO())
    demo_crews_load(count=120, seed=4)
    road_graph()  # built once per process, as a web worker's first recommendation would
    category_label(Category.REPAIR)  # the case types' names, read once per process likewise
    rng = random.Random(5)
    ids = sorted(Premise.objects.values_list("id", flat=True))
    return [p.geom for p in Premise.objects.filter(id__in=rng.sample(ids, 24)).order_by("id")]


def _by_board(point: Point, category: str, priority: int, **kwargs: Any) -> list[Recommendation]:
    """crew_recommend, checked to have been answered by the board: its one call, no SQL."""
    with CaptureQueriesContext(connection) as sent:
        found = crew_recommend(
            point=point, category=category, priority=priority, now=MORNING, **kwargs
        )
    assert [q["sql"].split("(")[0] for q in sent.captured_queries] == [
        "SELECT * FROM dispatch_board_read"
    ]
    return found


def _by_sql(point: Point, category: str, priority: int, **kwargs: object) -> list[Recommendation]:
    exclude = list(kwargs.pop("exclude_crew_ids", []))  # type: ignore[call-overload]
    ranked, skills, _graph = recommend._by_sql_ranked(
        point=point,
        category=category,
        priority=priority,
        now=MORNING,
        limit=int(kwargs.pop("limit", 5)),  # type: ignore[call-overload]
        exclude=exclude,
        graph=road_graph(),
    )
    return recommend._recommendations(ranked, skills=skills)


def _agree(points: list[Point], **kwargs: object) -> int:
    """Board and SQL give the same answers at every point, each category; how many crews."""
    named = 0
    for n, point in enumerate(points):
        category, priority = CATEGORIES[n % len(CATEGORIES)]
        board_says = _by_board(point, category, priority, **kwargs)
        sql_says = _by_sql(point, category, priority, **kwargs)
        assert board_says == sql_says, (n, category, priority)
        named += len(board_says)
    return named


def _at(crew: Crew) -> Point:
    """Where the crew's van is."""
    at = Vehicle.objects.get(crew=crew).last_point
    assert at is not None
    return at


def _answered_by_sql(sent: CaptureQueriesContext) -> None:
    """The board's call said no (nothing applied), then the K-nearest query answered."""
    first, *rest = [q["sql"] for q in sent.captured_queries]
    assert first.startswith("SELECT * FROM dispatch_board_read")
    assert any("ORDER BY v.last_point <->" in sql for sql in rest)


def _same(point: Point, category: str, priority: int) -> list[Recommendation]:
    board_says = _by_board(point, category, priority)
    assert board_says == _by_sql(point, category, priority)
    return board_says


def test_the_board_answers_as_sql_does_after_every_kind_of_committed_change(
    city: list[Point],
) -> None:
    rng = random.Random(9)
    assert _agree(city) > 60
    crews = list(Crew.objects.select_related("vehicle").order_by("id"))

    # Vans move (the tracker's update), one loses its fix.
    for crew in rng.sample(crews, 30):
        van = crew.vehicle
        assert van.last_point is not None
        van.last_point = Point(van.last_point.x + rng.uniform(-0.004, 0.004), van.last_point.y)
        van.last_fix_at = MORNING - timedelta(minutes=rng.randint(0, 40))
        van.save()
    Vehicle.objects.filter(pk=crews[0].vehicle.pk).update(last_point=None)
    _agree(city)

    # Crews change status, skills and shifts.
    changed = rng.sample(crews[1:], 20)
    for crew in changed:
        crew.status = rng.choice(list(Crew.Status))
        crew.skills = sorted(rng.sample(list(Skill.values), rng.randint(1, 4)))
        crew.shift_start, crew.shift_end = rng.choice(
            [(time(8), time(20)), (time(20), time(8)), (time(0), time(0)), (time(11), time(19))]
        )
        crew.save()
    _agree(city)

    # Busy crews on live work of each priority: a P1 may take them off the less urgent.
    busy = rng.sample([c for c in crews[1:] if c not in changed], 12)
    orders = []
    for n, crew in enumerate(busy):
        Crew.objects.filter(pk=crew.pk).update(
            status=Crew.Status.BUSY, shift_start=time(0), shift_end=time(0)
        )
        orders.append(
            live_work_order(
                crew,
                city[n],
                Category.METER_FAULT,
                priority=2 + n % 3,
                when=MORNING,
                status=WorkOrder.Status.EN_ROUTE,
            )
        )
    _agree(city)

    # An incident's priority rises, another job ends, a second job is added to one crew:
    # each takes its crew out of those a P1 may call away (a complaint needs no skill).
    called_away: dict[int, int | None] = {}
    for crew in busy[:3]:
        at = _at(crew)
        offered = {r.crew_id: r.preempts_work_order_id for r in _same(at, Category.COMPLAINT, 1)}
        called_away[crew.id] = offered.get(crew.id)
    assert called_away == {crew.id: orders[n].id for n, crew in enumerate(busy[:3])}
    Incident.objects.filter(pk=orders[0].incident_id).update(priority=1)
    WorkOrder.objects.filter(pk=orders[1].pk).update(status=WorkOrder.Status.COMPLETED)
    live_work_order(
        busy[2],
        city[5],
        Category.LEAK_OUTDOOR,
        priority=1,
        when=MORNING,
        status=WorkOrder.Status.EN_ROUTE,
    )
    for crew in busy[:3]:
        at = _at(crew)
        assert crew.id not in [r.crew_id for r in _same(at, Category.COMPLAINT, 1)]
    _agree(city)

    # A van changes crews, another is taken off its crew, a crew and a van are new.
    Vehicle.objects.filter(pk=crews[3].vehicle.pk).update(crew=None)
    Vehicle.objects.filter(pk=crews[4].vehicle.pk).update(crew=crews[3])
    fresh = Crew.objects.create(
        name="fresh",
        station=crews[5].station,
        skills=[Skill.LEAK_SURVEY, Skill.MAKE_SAFE],
        shift_start=time(0),
        shift_end=time(0),
    )
    Vehicle.objects.create(device_id="T-fresh", crew=fresh, last_point=city[7], last_fix_at=MORNING)
    assert "fresh" in [r.crew_name for r in _by_board(city[7], Category.LEAK_INDOOR, 2)]
    _agree(city)

    # Deletes leave no stamp on a row: the board starts again.
    loaded = board.size
    Crew.objects.filter(pk=fresh.pk).delete()
    assert "fresh" not in [r.crew_name for r in _by_board(city[7], Category.LEAK_INDOOR, 2)]
    assert board.size == loaded - 1
    _agree(city)

    # The rule's skills and the exclusions apply at once.
    CategoryRule.objects.filter(category=Category.NO_GAS).update(skills=[Skill.PE_WELDING])
    nearest = _by_board(city[2], Category.NO_GAS, 3)[0]
    _agree(city, exclude_crew_ids=[nearest.crew_id])
    assert _agree(city, limit=1) == len(city)


def test_what_a_transaction_wrote_is_seen_by_it_through_sql_and_never_reaches_the_board(
    city: list[Point],
) -> None:
    point = city[0]
    first = _by_board(point, Category.LEAK_INDOOR, 2)[0]

    with transaction.atomic():
        Crew.objects.filter(pk=first.crew_id).update(status=Crew.Status.BREAK)
        with CaptureQueriesContext(connection) as sent:
            inside = crew_recommend(
                point=point, category=Category.LEAK_INDOOR, priority=2, now=MORNING
            )
        _answered_by_sql(sent)
        assert first.crew_id not in [r.crew_id for r in inside]
        transaction.set_rollback(True)

    # The board never took the rolled-back break: the crew is offered again.
    assert _by_board(point, Category.LEAK_INDOOR, 2)[0] == first


def test_a_transaction_that_wrote_only_calls_and_incidents_still_uses_the_board(
    city: list[Point],
) -> None:
    crew = Crew.objects.order_by("id").first()
    assert crew is not None
    with transaction.atomic():
        Incident.objects.create(
            reference="T-new",
            category=Category.LEAK_INDOOR,
            priority=1,
            point=city[3],
            station=crew.station,
            created_at=MORNING,
        )
        # An incident of its own without live work: nothing the board holds depends on it.
        assert _by_board(city[3], Category.LEAK_INDOOR, 1) == _by_sql(
            city[3], Category.LEAK_INDOOR, 1
        )
        # Live work on it would: from then on this transaction is answered by SQL.
        WorkOrder.objects.create(
            incident=Incident.objects.get(reference="T-new"),
            crew=crew,
            status=WorkOrder.Status.ASSIGNED,
            created_at=MORNING,
            status_changed_at=MORNING,
        )
        with CaptureQueriesContext(connection) as sent:
            crew_recommend(point=city[3], category=Category.LEAK_INDOOR, priority=1, now=MORNING)
        _answered_by_sql(sent)
        transaction.set_rollback(True)


def test_when_the_roads_change_the_board_places_every_van_on_the_new_ones(
    city: list[Point],
) -> None:
    assert _agree(city) > 60
    assert {r.method for r in _by_board(city[0], Category.LEAK_INDOOR, 2)} == {ROAD}

    # Half the roads closed: vans are placed again on what is left, and times change.
    before = _by_board(city[0], Category.LEAK_INDOOR, 2)
    ids = sorted(Road.objects.values_list("id", flat=True))
    Road.objects.filter(id__in=ids[::2]).delete()
    network_revision_bump()
    _rebuilt(city[0])  # the graph is built again from PostGIS, once
    after = _by_board(city[0], Category.LEAK_INDOOR, 2)
    assert [r.eta_seconds for r in after] != [r.eta_seconds for r in before]
    _agree(city)

    # A lane joining no other road, 2 km east of the city, and the top crew's van on it: that
    # crew is cut off from every incident by road, and keeps its straight-line guess.
    cut_off = after[0].crew_id
    _west, south, east, north = Road.objects.aggregate(e=Extent("geom"))["e"]
    x, y = east + 0.02, (south + north) / 2
    Road.objects.create(
        asset_id="R-LANE", name="Lane", geom=LineString((x - 0.0005, y), (x + 0.0005, y))
    )
    network_revision_bump()
    Vehicle.objects.filter(crew_id=cut_off).update(last_point=Point(x, y + 0.0001, srid=4326))
    _rebuilt(city[0])
    assert road_graph().parts > 1
    everyone = _by_board(city[0], Category.LEAK_INDOOR, 2, limit=500)
    assert everyone == _by_sql(city[0], Category.LEAK_INDOOR, 2, limit=500)
    assert {r.method for r in everyone if r.crew_id == cut_off} == {STRAIGHT_LINE}
    assert ROAD in {r.method for r in everyone}  # (half the roads closed cut off some more)
    _agree(city)

    # No roads at all: straight lines, from the board as from SQL.
    Road.objects.all().delete()
    network_revision_bump()
    _rebuilt(city[0])
    assert {r.method for r in _by_board(city[0], Category.LEAK_INDOOR, 2)} == {STRAIGHT_LINE}
    _agree(city)


def _rebuilt(point: Point) -> None:
    with CaptureQueriesContext(connection) as sent:
        crew_recommend(point=point, category=Category.LEAK_INDOOR, priority=2, now=MORNING)
    assert any("FROM network_road" in q["sql"] for q in sent.captured_queries)
