"""A recommendation is never empty while there are crews: when fewer than `limit` crews could go
as the rule asks, the next best follow, each with what it lacks, and only an ideal crew is ever
sent without a person choosing it."""

from collections.abc import Callable, Iterator
from datetime import datetime, time, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.contrib.gis.geos import Point
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pytest_django import DjangoDbBlocker

from demo.city.layout import city_generate
from demo.city.writer import UTM_SRID, city_origin
from dispatch.choices import Category, Skill
from dispatch.models import CategoryRule, Crew, Incident, IncidentDeadline, IncidentEvent, WorkOrder
from dispatch.models.rules import Milestone
from dispatch.recommend import Recommendation, crew_recommend
from dispatch.services.assign import incident_dispatch_next
from fleet.models import Vehicle
from gis.models import OrgUnit
from tests.dispatch.live_work import live_work_order

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
MORNING = datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)
DAY = (time(8, 0), time(20, 0))
NIGHT = (time(20, 0), time(8, 0))
ROUND_THE_CLOCK = (time(0, 0), time(0, 0))
WELDER = (Skill.MAKE_SAFE, Skill.PE_WELDING)
FIRST_RESPONDER = (Skill.LEAK_SURVEY, Skill.MAKE_SAFE)
DAMAGE = Category.THIRD_PARTY_DAMAGE  # a P1 whose rule asks for make safe + PE welding

Place = Callable[[float, float], Point]


# The city is built once for the tests in TestInOneTransaction and rolled back when they are
# done (class scope, so it is gone before the transactional test at the end commits its own).
@pytest.fixture(scope="class")
def place(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[Place]:
    """A demo city of 2,000 premises, rolled back at the end; yields city metres (x east,
    y north) -> point."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command(
            "make_demo_city", "--premises", "2000", "--no-progress", "--replace", stdout=StringIO()
        )
        yield _city_point
        transaction.set_rollback(True)


def _city_point(x: float, y: float) -> Point:
    origin = city_origin(city_generate(seed=1, premises=2000))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ST_X(p), ST_Y(p) FROM ST_Transform("
            "ST_SetSRID(ST_MakePoint(%s, %s), %s), 4326) p",
            [origin.x + x, origin.y + y, UTM_SRID],
        )
        lon, lat = cursor.fetchone()
    return Point(lon, lat, srid=4326)


def _crew(
    name: str,
    at: Point,
    *,
    skills: tuple[str, ...],
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


def _offered(place: Place, **kwargs: object) -> list[Recommendation]:
    """What a dispatcher is offered for a P1 third-party damage at the city's centre."""
    if "point" not in kwargs:
        kwargs["point"] = place(800, 800)
    options: dict = {"category": DAMAGE, "priority": 1, "now": MORNING, "next_best": True}
    return crew_recommend(**{**options, **kwargs})


def _by_name(found: list[Recommendation]) -> dict[str, Recommendation]:
    return {r.crew_name: r for r in found}


def _when(iso: object) -> datetime:
    assert isinstance(iso, str)
    return datetime.fromisoformat(iso)


def _busy_welder(place: Place, *, on_site_since: datetime) -> tuple[Crew, WorkOrder]:
    """A welder on site at another P1 (so not one a P1 may take it off)."""
    crew = _crew("welder-busy", place(800, 600), skills=WELDER, status=Crew.Status.BUSY)
    job = live_work_order(
        crew,
        place(800, 600),
        DAMAGE,
        priority=1,
        when=on_site_since,
        status=WorkOrder.Status.ON_SITE,
    )
    return crew, job


def _incident(at: Point) -> Incident:
    return Incident.objects.create(
        reference="T-DAMAGE-1",
        category=DAMAGE,
        priority=1,
        point=at,
        station=OrgUnit.objects.get(code="st-central"),
        created_at=timezone.now(),
    )


class TestInOneTransaction:
    """Scenes set in the test's own transaction, on one city."""

    def test_p1_needing_pe_welding_with_no_welder_free_offers_the_first_responder(
        self,
        place: Place,
    ) -> None:
        _crew("first-responder", place(800, 400), skills=FIRST_RESPONDER)
        _crew("meters-only", place(800, 200), skills=(Skill.METERS,))
        _busy_welder(place, on_site_since=MORNING - timedelta(minutes=20))

        assert crew_recommend(point=place(800, 800), category=DAMAGE, priority=1, now=MORNING) == []
        found = _offered(place)

        assert [r.crew_name for r in found] == ["first-responder", "meters-only", "welder-busy"]
        first = found[0]
        assert not first.ideal
        assert first.can_make_safe
        assert first.lacks == [{"kind": "skill", "skill": "pe_welding", "text": "lacks PE welding"}]
        assert first.reason.startswith("1st: 400 m by road, ETA 29 s; lacks PE welding; ")
        assert "has make safe" in first.reason
        meters = found[1]
        assert [lack["skill"] for lack in meters.lacks] == ["make_safe", "pe_welding"]
        assert not meters.can_make_safe
        assert "has " not in meters.reason  # it has none of them: its lacks say so
        assert [r.rank for r in found] == [1, 2, 3]

    def test_a_busy_welder_is_offered_with_about_when_it_is_free(self, place: Place) -> None:
        _crew("first-responder", place(800, 400), skills=FIRST_RESPONDER)
        _crew_busy, job = _busy_welder(place, on_site_since=MORNING - timedelta(minutes=20))

        busy = _by_name(_offered(place))["welder-busy"]

        # On site since 09:40, a typical job (an hour): free about 10:40.
        [lack] = busy.lacks
        assert lack["kind"] == "busy"
        assert lack["work_order_id"] == job.id
        assert _when(lack["until"]) == MORNING + timedelta(minutes=40)
        reference = job.incident.reference
        assert lack["text"] == f"busy on {reference} until about 10:40"
        assert f"busy on {reference} until about 10:40" in busy.reason
        assert busy.can_make_safe
        assert not busy.ideal
        assert busy.preempts_work_order_id is None

        # A crew on a break since 09:50 is back about 10:20.
        resting = _crew("resting", place(800, 0), skills=WELDER, status=Crew.Status.BREAK)
        Crew.objects.filter(pk=resting.pk).update(duty_reported_at=MORNING - timedelta(minutes=10))
        [lack] = _by_name(_offered(place))["resting"].lacks
        assert lack["work_order_id"] is None
        assert _when(lack["until"]) == MORNING + timedelta(minutes=20)
        assert lack["text"] == "on a break until about 10:20"

        # A "completed" clock due sooner says when such a job is done.
        IncidentDeadline.objects.create(
            incident=job.incident,
            milestone=Milestone.COMPLETED,
            due_at=MORNING + timedelta(minutes=15),
        )
        [lack] = _by_name(_offered(place))["welder-busy"].lacks
        assert _when(lack["until"]) == MORNING + timedelta(minutes=15)
        assert lack["text"].endswith("until about 10:15")

    def test_a_crew_on_site_at_a_less_urgent_job_is_never_offered_to_preempt(
        self, place: Place
    ) -> None:
        """A P1 may take a crew off a P3 on its way, never off one it is working at."""
        on_site = _crew("welder-on-site", place(800, 600), skills=WELDER, status=Crew.Status.BUSY)
        held = live_work_order(
            on_site,
            place(800, 600),
            Category.REPAIR,
            priority=3,
            when=MORNING,
            status=WorkOrder.Status.ON_SITE,
        )
        driving = _crew("welder-driving", place(800, 500), skills=WELDER, status=Crew.Status.BUSY)
        called_off = live_work_order(
            driving,
            place(800, 500),
            Category.REPAIR,
            priority=3,
            when=MORNING,
            status=WorkOrder.Status.EN_ROUTE,
        )

        ideal = crew_recommend(point=place(800, 800), category=DAMAGE, priority=1, now=MORNING)
        assert [(r.crew_name, r.preempts_work_order_id) for r in ideal] == [
            ("welder-driving", called_off.id)
        ]
        offered = _by_name(_offered(place))
        assert offered["welder-driving"].ideal
        stays = offered["welder-on-site"]
        assert (stays.ideal, stays.preempts_work_order_id) == (False, None)
        assert [lack["kind"] for lack in stays.lacks] == ["busy"]
        assert stays.lacks[0]["work_order_id"] == held.id

    def test_off_shift_crews_come_last_with_when_their_shift_starts(self, place: Place) -> None:
        _crew("night-welder", place(800, 700), skills=WELDER, shift=NIGHT)
        _crew("went-home", place(800, 650), skills=WELDER, status=Crew.Status.OFF_SHIFT)
        _busy_welder(place, on_site_since=MORNING - timedelta(minutes=20))
        _crew("first-responder", place(800, 0), skills=FIRST_RESPONDER)

        found = _offered(place)

        assert [r.crew_name for r in found] == [
            "first-responder",  # free now, lacks a skill
            "welder-busy",  # free about 10:40
            "night-welder",  # back at 20:00
            "went-home",  # said it was off: back tomorrow at 08:00
        ]
        night = found[2]
        assert night.lacks == [
            {
                "kind": "off_shift",
                "from": datetime(2026, 3, 2, 20, 0, tzinfo=SHANGHAI).isoformat(),
                "text": "off shift until 20:00",
            }
        ]
        assert "off shift until 20:00" in night.reason
        assert "on shift until" not in night.reason
        assert _when(found[3].lacks[0]["from"]) == datetime(2026, 3, 3, 8, 0, tzinfo=SHANGHAI)

    def test_ideal_crews_come_first_with_nothing_lacking_and_the_rest_fill_the_list(
        self,
        place: Place,
    ) -> None:
        _crew("first-responder", place(800, 780), skills=FIRST_RESPONDER)  # nearest, not ideal
        _crew("welder-near", place(800, 400), skills=WELDER)
        _crew("welder-far", place(800, 0), skills=WELDER)
        on_meter = _crew("welder-on-a-meter-job", place(600, 800), skills=WELDER, status="busy")
        meter_job = live_work_order(
            on_meter, place(0, 0), Category.METER_FAULT, priority=3, when=MORNING
        )

        found = _offered(place, limit=4)

        assert [r.crew_name for r in found] == [
            "welder-on-a-meter-job",  # a P1 may take it off less urgent work: ideal
            "welder-near",
            "welder-far",
            "first-responder",
        ]
        assert [r.ideal for r in found] == [True, True, True, False]
        assert [r.lacks for r in found[:3]] == [[], [], []]
        assert found[0].preempts_work_order_id == meter_job.id
        assert "preempts WO-" in found[0].reason
        assert "lacks" not in found[0].reason
        assert found[3].lacks[0]["text"] == "lacks PE welding"
        assert "sooner than the 1st" in found[3].reason  # nearer, yet it lacks a skill

    def test_with_enough_ideal_crews_the_next_best_cost_nothing(
        self, place: Place, django_assert_num_queries: Callable
    ) -> None:
        _crew("welder-near", place(800, 400), skills=WELDER)
        _crew("welder-far", place(800, 0), skills=WELDER)
        _crew("first-responder", place(800, 780), skills=FIRST_RESPONDER)
        here = place(800, 800)
        ideal_only = _offered(place, point=here, limit=2, next_best=False)  # warm: rule, roads

        with django_assert_num_queries(1):  # the ideal crews' query, and nothing more
            both = _offered(place, point=here, limit=2)
        assert both == ideal_only
        assert [r.crew_name for r in both] == ["welder-near", "welder-far"]

    def test_the_list_is_empty_only_without_crews(self, place: Place) -> None:
        assert _offered(place) == []

        _crew("far-off-shift", place(0, 0), skills=(Skill.METERS,), shift=NIGHT, status="off_shift")

        [only] = _offered(place)
        assert only.crew_name == "far-off-shift"
        assert [lack["kind"] for lack in only.lacks] == ["skill", "skill", "off_shift"]

    def test_case_types_are_data_and_an_unknown_one_is_refused(self, place: Place) -> None:
        CategoryRule.objects.create(
            category="gas_theft",
            label_en="Gas theft",
            label_zh="偷气",
            base_priority=3,
            skills=[Skill.METERS],
        )
        meters = _crew("meters", place(800, 400), skills=(Skill.METERS,), status="busy")
        live_work_order(meters, place(0, 0), "gas_theft", priority=3, when=MORNING)
        _crew("surveyor", place(800, 0), skills=FIRST_RESPONDER)

        found = _offered(place, category="gas_theft", priority=1)

        assert [r.crew_name for r in found] == ["meters", "surveyor"]
        assert "(P3 gas theft)" in found[0].reason  # its name from the row, not an enum
        with pytest.raises(ValueError, match="unknown category"):
            _offered(place, category="no_such_case_type")

    def test_auto_dispatch_never_sends_a_crew_that_is_not_ideal(self, place: Place) -> None:
        # The system's own clock: these crews work round the clock.
        responder = _crew(
            "first-responder", place(800, 780), skills=FIRST_RESPONDER, shift=ROUND_THE_CLOCK
        )
        incident = _incident(place(800, 800))

        assert incident_dispatch_next(incident_id=incident.id, why="P1 auto-dispatch") is None

        assert not WorkOrder.objects.filter(incident=incident).exists()
        none = IncidentEvent.objects.get(incident=incident, kind="crews.none_available")
        assert none.data["why"] == "P1 auto-dispatch"
        [offered] = none.data["crews"]
        assert offered["crew_id"] == responder.id
        assert offered["ideal"] is False
        assert offered["can_make_safe"] is True
        assert offered["lacks"][0]["text"] == "lacks PE welding"

        # A welder, further away than the first responder: the one sent.
        welder = _crew("welder", place(800, 0), skills=WELDER, shift=ROUND_THE_CLOCK)
        sent = incident_dispatch_next(incident_id=incident.id, why="P1 auto-dispatch")
        assert sent is not None
        assert sent.crew_id == welder.id
        recommended = IncidentEvent.objects.filter(incident=incident, kind="crews.recommended")
        assert [c["crew_name"] for c in recommended.last().data["crews"]] == [  # type: ignore[union-attr]
            "welder",
            "first-responder",
        ]


@pytest.mark.django_db(transaction=True)
def test_committed_changes_are_seen_at_once_and_the_next_best_cost_one_query_more() -> None:
    """Crews committed by others: every recommendation reads them as they are now."""
    call_command("make_demo_city", "--premises", "2000", "--no-progress", stdout=StringIO())
    assert sorted(CategoryRule.objects.get(category=DAMAGE).skills) == sorted(WELDER)
    here = _city_point(800, 800)
    welder = _crew("welder", here, skills=WELDER)
    _crew("first-responder", here, skills=FIRST_RESPONDER)
    _crew("night-welder", here, skills=WELDER, shift=NIGHT)
    crew_recommend(point=here, category=DAMAGE, priority=1, now=MORNING)  # roads, rule: read

    with CaptureQueriesContext(connection) as sent:
        found = crew_recommend(point=here, category=DAMAGE, priority=1, now=MORNING, next_best=True)

    assert len(sent.captured_queries) == 2  # the ideal crews' query, the next best's
    assert "ORDER BY v.last_point <->" in sent.captured_queries[0]["sql"]
    assert [(r.crew_name, r.ideal) for r in found] == [
        ("welder", True),
        ("first-responder", False),
        ("night-welder", False),
    ]

    Crew.objects.filter(pk=welder.pk).update(status=Crew.Status.BREAK)  # committed at once
    found = crew_recommend(point=here, category=DAMAGE, priority=1, now=MORNING, next_best=True)
    assert [(r.crew_name, r.ideal) for r in found] == [
        ("first-responder", False),
        ("welder", False),  # on a break: one of the next best now
        ("night-welder", False),
    ]
    with pytest.raises(ValueError, match="unknown category"):
        crew_recommend(point=here, category="no_such_case_type", priority=1, now=MORNING)
