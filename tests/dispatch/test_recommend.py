"""Crew recommendation: who may go, ranked by driving time over the roads, and why."""

import random
from collections.abc import Callable, Iterator
from datetime import datetime, time, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import numpy as np
import pytest
import shapely
from django.contrib.gis.geos import LineString, Point
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from pytest_django import DjangoAssertNumQueries, DjangoDbBlocker

from demo.city.layout import city_generate
from demo.city.writer import UTM_SRID, city_origin
from demo.crews import demo_crews_load
from dispatch.choices import Category, Skill
from dispatch.models import CategoryRule, Crew, Incident, WorkOrder
from dispatch.recommend import ROAD, STRAIGHT_LINE, Recommendation, crew_recommend
from fleet.models import Vehicle
from fleet.roads import road_graph, road_graph_from_lines
from gis.models import OrgUnit, Premise, Road
from gis.services import network_revision_bump
from tests.dispatch.live_work import live_work_order

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
MORNING = datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)
DAY = (time(8, 0), time(20, 0))
NIGHT = (time(20, 0), time(8, 0))
LEAK = (Skill.LEAK_SURVEY, Skill.MAKE_SAFE)

Place = Callable[[float, float], Point]


@pytest.fixture(scope="module")
def place(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[Place]:
    """A demo city of 2,000 premises (6x6 blocks of 200 m; arterials on lines 0, 4 and 6) for
    the whole module, rolled back at its end; yields city metres (x east, y north) -> point."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command(
            "make_demo_city", "--premises", "2000", "--no-progress", "--replace", stdout=StringIO()
        )
        origin = city_origin(city_generate(seed=1, premises=2000))

        def at(x: float, y: float) -> Point:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT ST_X(p), ST_Y(p) FROM ST_Transform("
                    "ST_SetSRID(ST_MakePoint(%s, %s), %s), 4326) p",
                    [origin.x + x, origin.y + y, UTM_SRID],
                )
                lon, lat = cursor.fetchone()
            return Point(lon, lat, srid=4326)

        yield at
        transaction.set_rollback(True)


def _crew(
    name: str,
    at: Point,
    *,
    skills: tuple[str, ...] = LEAK,
    shift: tuple[time, time] = DAY,
    status: str = Crew.Status.AVAILABLE,
) -> Crew:
    crew = Crew.objects.create(
        name=name,
        station=OrgUnit.objects.get(code="st-central"),
        skills=list(skills),
        shift_start=shift[0],
        shift_end=shift[1],
        status=status,
    )
    Vehicle.objects.create(
        device_id=f"T-{name}", crew=crew, last_point=at, last_fix_at=MORNING - timedelta(seconds=30)
    )
    return crew


def _recommend(place: Place, **kwargs: object) -> list[Recommendation]:
    options: dict = {"point": place(800, 800), "category": Category.LEAK_INDOOR, "priority": 2}
    return crew_recommend(**{**options, "now": MORNING, **kwargs})


def _names(found: list[Recommendation]) -> list[str]:
    return [r.crew_name for r in found]


def test_crews_without_every_skill_or_a_van_position_are_never_recommended(place: Place) -> None:
    _crew("meters-only", place(800, 780), skills=(Skill.METERS,))
    _crew("survey-only", place(800, 760), skills=(Skill.LEAK_SURVEY,))
    _crew("full", place(800, 200), skills=(*LEAK, Skill.PE_WELDING))
    Vehicle.objects.filter(crew=_crew("no-fix", place(800, 790))).update(last_point=None)

    assert _names(_recommend(place)) == ["full"]
    assert _names(_recommend(place, category=Category.METER_FAULT, priority=3)) == ["meters-only"]


@pytest.mark.parametrize(
    ("local_time", "on_shift"),
    [
        (time(10, 0), {"day", "round-the-clock"}),
        (time(23, 30), {"night", "late", "round-the-clock"}),
        (time(2, 0), {"night", "late", "round-the-clock"}),  # past midnight
        (time(7, 0), {"night", "round-the-clock"}),  # "late" ended at 06:00
    ],
)
def test_only_crews_on_shift_are_recommended_including_shifts_past_midnight(
    place: Place, local_time: time, on_shift: set[str]
) -> None:
    _crew("day", place(800, 600), shift=DAY)
    _crew("night", place(800, 400), shift=NIGHT)
    _crew("late", place(600, 800), shift=(time(22, 0), time(6, 0)))
    _crew("round-the-clock", place(400, 800), shift=(time(0, 0), time(0, 0)))
    now = datetime.combine(MORNING.date(), local_time, tzinfo=SHANGHAI)

    assert set(_names(_recommend(place, now=now))) == on_shift


def test_busy_crews_are_offered_only_to_preempt_less_urgent_work_on_a_p1(place: Place) -> None:
    _crew("available", place(800, 0))
    _crew("off-shift", place(800, 650), status=Crew.Status.OFF_SHIFT)
    on_meter = _crew("on-a-meter-job", place(800, 600), status=Crew.Status.BUSY)
    on_leak = _crew("on-a-p1", place(600, 800), status=Crew.Status.BUSY)
    _crew("on-a-break", place(800, 700), status=Crew.Status.BREAK)
    meter_job = live_work_order(
        on_meter, place(1000, 1000), Category.METER_FAULT, priority=3, when=MORNING
    )
    live_work_order(on_leak, place(200, 200), Category.LEAK_INDOOR, priority=1, when=MORNING)

    p1 = _recommend(place, priority=1)
    p2 = _recommend(place, priority=2)

    assert _names(p1) == ["on-a-meter-job", "available"]
    assert p1[0].preempts_work_order_id == meter_job.id
    assert f"preempts WO-{meter_job.id} (P3 meter fault)" in p1[0].reason
    assert p1[1].preempts_work_order_id is None
    assert _names(p2) == ["available"]


def test_ranking_follows_road_travel_time_not_straight_line_distance(place: Place) -> None:
    # The incident is where two arterials (50 km/h) cross. "diagonal" is 283 m away in a
    # straight line but must drive 200 m of local street (30 km/h) and 200 m of arterial;
    # "arterial" is 400 m away, all of it along the arterial.
    _crew("diagonal", place(600, 600))
    _crew("arterial", place(800, 400))

    found = _recommend(place)

    assert _names(found) == ["arterial", "diagonal"]
    assert [r.method for r in found] == [ROAD, ROAD]
    assert found[0].eta_seconds == pytest.approx(400 / (50 / 3.6), abs=1)
    assert found[1].eta_seconds == pytest.approx(200 / (30 / 3.6) + 200 / (50 / 3.6), abs=1)
    assert found[0].distance_m == pytest.approx(400, abs=2)
    assert found[1].distance_m == pytest.approx(400, abs=2)


def test_without_roads_it_ranks_by_straight_line_times_the_detour_factor(place: Place) -> None:
    _crew("diagonal", place(600, 600))
    _crew("arterial", place(800, 400))
    Road.objects.all().delete()
    network_revision_bump()

    found = _recommend(place)

    assert _names(found) == ["diagonal", "arterial"]
    assert [r.method for r in found] == [STRAIGHT_LINE, STRAIGHT_LINE]
    assert found[0].distance_m == pytest.approx(200 * 2**0.5, rel=0.01)
    assert found[0].eta_seconds == pytest.approx(200 * 2**0.5 * 1.4 / (30 / 3.6), rel=0.01)
    assert "in a straight line" in found[0].reason


def test_reason_names_the_rank_distance_eta_and_skills(place: Place) -> None:
    _crew("arterial", place(800, 400))
    _crew("far", place(800, 0))

    first, second = _recommend(place)

    assert first.reason == (
        "1st: 400 m by road, ETA 29 s; has leak survey + make safe; on shift until 20:00"
    )
    assert second.reason.startswith("2nd: 800 m by road, ETA 58 s (29 s after the 1st); ")
    assert "has leak survey + make safe" in second.reason


def test_excluded_crews_are_left_out(place: Place) -> None:
    near = _crew("near", place(800, 600))
    _crew("far", place(800, 0))

    assert _names(_recommend(place)) == ["near", "far"]
    assert _names(_recommend(place, exclude_crew_ids=[near.id])) == ["far"]


def test_an_edited_rule_is_seen_at_once(place: Place) -> None:
    _crew("welder", place(800, 0), skills=(*LEAK, Skill.PE_WELDING))
    _crew("surveyor", place(800, 600))
    assert _names(_recommend(place)) == ["surveyor", "welder"]

    CategoryRule.objects.filter(category=Category.LEAK_INDOOR).update(
        skills=[*LEAK, Skill.PE_WELDING]
    )

    assert _names(_recommend(place)) == ["welder"]


def test_a_recommendation_is_one_query_once_warm(
    place: Place, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    # The K nearest capable crews, the road revision and the rule's skills: one query.
    demo_crews_load(count=60, seed=2)
    point = place(800, 800)

    def leak() -> list[Recommendation]:
        return crew_recommend(point=point, category=Category.LEAK_INDOOR, priority=1, now=MORNING)

    def meter() -> list[Recommendation]:
        return crew_recommend(point=point, category=Category.METER_FAULT, priority=3, now=MORNING)

    def complaint() -> list[Recommendation]:  # a rule that needs no skill
        return crew_recommend(point=point, category=Category.COMPLAINT, priority=4, now=MORNING)

    for warm_up in (leak, meter, complaint):  # the road graph and each rule, once per process
        warm_up()

    with django_assert_num_queries(1):
        assert len(leak()) == 5
    with django_assert_num_queries(1):
        assert meter()
    with django_assert_num_queries(1):
        assert len(complaint()) == 5


def test_a_busy_crew_is_judged_by_its_most_urgent_live_job(place: Place) -> None:
    crew = _crew("two-jobs", place(800, 600), status=Crew.Status.BUSY)
    meter_job = live_work_order(
        crew, place(1000, 1000), Category.METER_FAULT, priority=3, when=MORNING
    )
    assert [r.preempts_work_order_id for r in _recommend(place, priority=1)] == [meter_job.id]

    # A P1 job on top of it: the crew is no longer one a P1 may take away.
    live_work_order(crew, place(200, 200), Category.LEAK_INDOOR, priority=1, when=MORNING)
    assert _recommend(place, priority=1) == []

    # Its P3 job's incident rises to P1 once the other job ended: still not.
    WorkOrder.objects.exclude(pk=meter_job.pk).update(status=WorkOrder.Status.COMPLETED)
    assert _names(_recommend(place, priority=1)) == ["two-jobs"]
    Incident.objects.filter(pk=meter_job.incident_id).update(priority=1)
    assert _recommend(place, priority=1) == []


def test_a_van_on_roads_cut_off_from_the_incident_keeps_its_straight_line_guess(
    place: Place,
) -> None:
    _crew("in-town", place(800, 0))
    # A lane joining no other road, 2 km east of the city, and a van on it.
    lane = place(3600, 800)
    Road.objects.create(
        asset_id="R-LANE",
        name="Lane",
        geom=LineString(place(3550, 800).coords, place(3650, 800).coords, srid=4326),
    )
    network_revision_bump()
    _crew("on-the-lane", lane)

    found = {r.crew_name: r for r in _recommend(place)}

    assert road_graph().parts > 1
    assert found["in-town"].method == ROAD
    assert found["on-the-lane"].method == STRAIGHT_LINE
    assert found["on-the-lane"].distance_m == pytest.approx(2800 + 0.0, rel=0.01)


def test_top_pick_is_the_brute_force_optimum(place: Place) -> None:
    demo_crews_load(count=150, seed=3)
    rng = random.Random(11)
    ids = sorted(Premise.objects.values_list("id", flat=True))
    points = [p.geom for p in Premise.objects.filter(id__in=rng.sample(ids, 200))]
    categories = [Category.LEAK_OUTDOOR, Category.METER_FAULT, Category.NO_GAS]

    matches = 0
    for n, point in enumerate(points):
        category = categories[n % len(categories)]
        picks = crew_recommend(point=point, category=category, priority=2, now=MORNING, limit=1)
        crew_id, seconds = _brute_force(point, category)
        matches += picks[0].crew_id == crew_id or abs(picks[0].eta_seconds - seconds) < 0.5

    rate = matches / len(points)
    assert rate >= 0.95, f"top pick = brute-force optimum for {rate:.1%} of {len(points)}"


def _brute_force(point: Point, category: str) -> tuple[int, float]:
    """Every capable crew's road time from one unbounded Dijkstra; the fastest."""
    needed = CategoryRule.objects.get(category=category).skills
    clock = MORNING.astimezone(SHANGHAI).time()
    capable = [
        c.id
        for c in Crew.objects.filter(status=Crew.Status.AVAILABLE, skills__contains=needed)
        if (c.shift_start <= clock < c.shift_end)
        or (c.shift_end <= c.shift_start and (clock >= c.shift_start or clock < c.shift_end))
    ]
    graph = road_graph()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT crew_id, ST_X(ST_Transform(last_point, %s)), ST_Y(ST_Transform(last_point, %s))"
            " FROM fleet_vehicle WHERE crew_id = ANY(%s) AND last_point IS NOT NULL",
            [graph.srid, graph.srid, capable],
        )
        rows = cursor.fetchall()
        cursor.execute(
            "SELECT ST_X(p), ST_Y(p) FROM ST_Transform(ST_GeomFromEWKT(%s), %s) p",
            [point.ewkt, graph.srid],
        )
        origin = cursor.fetchone()
    travel = graph.travel(origin_xy=origin, targets_xy=np.array([r[1:] for r in rows]))
    best = int(np.argmin(travel.seconds))
    return rows[best][0], float(travel.seconds[best])


def test_roads_crossing_mid_way_are_joined_where_they_cross() -> None:
    # Two 1 km roads crossing at their middles, one at 36 km/h, one at 72 km/h.
    lines = shapely.linestrings([[(0, 500), (1000, 500)], [(500, 0), (500, 1000)]])
    graph = road_graph_from_lines(lines=lines, speeds_kmh=np.array([36.0, 72.0]), srid=32650)

    travel = graph.travel(origin_xy=(0, 500), targets_xy=np.array([[500, 1000]]))

    assert graph.node_count == 5
    assert travel.seconds[0] == pytest.approx(500 / 10 + 500 / 20)
    assert travel.metres(0) == pytest.approx(1000)


def test_demo_crews_are_repeatable_spread_over_stations_and_parked_by_roads(place: Place) -> None:
    assert demo_crews_load(count=90, seed=4) == 90
    first = list(Vehicle.objects.order_by("device_id").values_list("device_id", "last_point"))
    skills = list(Crew.objects.order_by("name").values_list("skills", "shift_start"))
    Vehicle.objects.all().delete()
    Crew.objects.all().delete()
    demo_crews_load(count=90, seed=4)

    again = list(Vehicle.objects.order_by("device_id").values_list("device_id", "last_point"))
    assert again == first
    assert list(Crew.objects.order_by("name").values_list("skills", "shift_start")) == skills
    assert first[0][0] == "VAN-0001"
    assert set(Crew.objects.values_list("station__code", flat=True)) == {
        "st-west",
        "st-central",
        "st-east",
    }
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT max(d) FROM (SELECT (SELECT min(ST_Distance(v.last_point::geography,"
            " r.geom::geography)) FROM network_road r) d FROM fleet_vehicle v) q"
        )
        assert cursor.fetchone()[0] <= 26


def test_make_demo_crews_keeps_or_replaces_crews_as_asked(place: Place) -> None:
    call_command("make_demo_crews", "--count", "12", stdout=StringIO())
    with pytest.raises(CommandError, match="--replace"):
        call_command("make_demo_crews", "--count", "12", stdout=StringIO())
    out = StringIO()
    call_command("make_demo_crews", "--if-empty", stdout=out)
    assert "left as they are" in out.getvalue()
    call_command("make_demo_crews", "--count", "30", "--replace", stdout=StringIO())
    assert Crew.objects.count() == Vehicle.objects.count() == 30
