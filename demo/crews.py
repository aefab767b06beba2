"""Demo crews and their vans, spread over the stations' territories, the same for a seed."""

import random
from dataclasses import dataclass
from datetime import time, timedelta
from typing import Any

from django.contrib.gis.geos import Point
from django.db import connection, transaction
from django.utils import timezone

from demo.people import demo_crew_login_place
from dispatch.choices import Skill
from dispatch.models import Crew
from fleet.models import Vehicle
from gis.models import OrgUnit

DAY_SHIFT = (time(8, 0), time(20, 0))
NIGHT_SHIFT = (time(20, 0), time(8, 0))  # runs past midnight
NIGHT_SHARE = 0.45
STATUS_WEIGHTS = {Crew.Status.AVAILABLE: 85, Crew.Status.BUSY: 10, Crew.Status.BREAK: 5}
OFF_ROAD_M = 25.0  # a van is parked on the street or just off it, in a yard
BATCH = 2000


@dataclass(frozen=True)
class _Place:
    lon: float
    lat: float
    station_id: int


# A heat or a power crew's skills: every crew does the common work, some the specialist.
UTILITY_SKILLS = {
    "heat": ([Skill.HEAT_PIPES], [Skill.HEAT_SUBSTATIONS]),
    "power": ([Skill.LINE_WORK], [Skill.TRANSFORMERS, Skill.CABLE_WORK]),
}
CREW_NAMES = {"gas": "抢修{n:04d}班", "heat": "供热抢修{n:04d}班", "power": "电力抢修{n:04d}班"}


def demo_skills(rng: random.Random, utility: str = "gas") -> list[str]:
    """One crew's skills: for gas mostly emergency crews, some welders and meter
    specialists; for heat and power the common work and, for some, the specialist."""
    if utility in UTILITY_SKILLS:
        common, special = UTILITY_SKILLS[utility]
        return sorted({*common, *(s for s in special if rng.random() < 0.5)})
    if rng.random() < 0.08:  # a meter specialist: meters and service lines, no leak work
        return [Skill.METERS, Skill.SERVICE_LINES]
    skills = {Skill.LEAK_SURVEY, Skill.MAKE_SAFE}
    if rng.random() < 0.6:
        skills.add(Skill.SERVICE_LINES)
    if rng.random() < 0.3:
        skills.add(Skill.PE_WELDING)
    if rng.random() < 0.15:
        skills.add(Skill.METERS)
    if rng.random() < 0.12:
        skills.add(Skill.STEEL_WELDING)
        if rng.random() < 0.4:  # high-pressure work needs steel welders
            skills.add(Skill.HIGH_PRESSURE)
    return sorted(skills)


@transaction.atomic
def demo_crews_load(*, count: int, seed: int, utility: str = "gas") -> int:
    """Create `count` crews of the stations serving `utility`, each with a van parked on or
    near a road, and put the demo crew login on one of gas's; returns the count."""
    if count < 1:
        return 0
    rng = random.Random(f"{seed}:{utility}" if utility != "gas" else seed)  # noqa: S311 - a seeded generator for a repeatable demo
    places = _places(rng, count, utility)
    start = Crew.objects.count() + 1  # numbers continue after crews already there
    now = timezone.now()
    crews = []
    for n, place in enumerate(places, start=start):
        shift = NIGHT_SHIFT if rng.random() < NIGHT_SHARE else DAY_SHIFT
        crews.append(
            Crew(
                name=CREW_NAMES[utility].format(n=n),
                station_id=place.station_id,
                skills=demo_skills(rng, utility),
                shift_start=shift[0],
                shift_end=shift[1],
                status=rng.choices(list(STATUS_WEIGHTS), weights=list(STATUS_WEIGHTS.values()))[0],
            )
        )
    Crew.objects.bulk_create(crews, batch_size=BATCH)
    vehicles = [
        Vehicle(
            device_id=f"VAN-{n:04d}",
            registration=f"津E·{n:05d}",
            crew=crew,
            last_point=Point(place.lon, place.lat, srid=4326),
            last_fix_at=now - timedelta(seconds=rng.uniform(5, 120)),
            speed_kmh=0.0,
            heading=round(rng.uniform(0, 360), 1),
            battery=rng.randint(40, 100),
        )
        for n, (crew, place) in enumerate(zip(crews, places, strict=True), start=start)
    ]
    Vehicle.objects.bulk_create(vehicles, batch_size=BATCH)
    with connection.cursor() as cursor:
        # Fresh statistics now, not when autovacuum gets round to it: without them the planner
        # takes thousands of crews for a handful and sorts them all instead of walking the
        # GiST index out from an incident.
        cursor.execute("ANALYZE dispatch_crew, fleet_vehicle")
    if utility == "gas":
        demo_crew_login_place()  # the demo's crew login gets a crew and a van to work with
    return len(crews)


def demo_crews_delete() -> int:
    """Delete every crew and van (crews with work orders are protected and stop this)."""
    Vehicle.objects.all().delete()
    deleted, _by_model = Crew.objects.all().delete()
    return deleted


def _places(rng: random.Random, count: int, utility: str) -> list[_Place]:
    """Positions on the roads (longer roads get more vans), each with its station."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, ST_Length(geom::geography) FROM network_road ORDER BY id")
        roads = cursor.fetchall()
    if not OrgUnit.objects.filter(
        tier=OrgUnit.Tier.STATION, utilities__contains=[utility]
    ).exists():
        raise ValueError(
            f"no station serves {utility}: load the demo organisation first (load_demo)"
        )
    if not roads:
        return _places_in_territories(rng, count, utility)
    picked = rng.choices([r[0] for r in roads], weights=[r[1] for r in roads], k=count)
    along = [rng.random() for _ in range(count)]
    off = [rng.uniform(0, OFF_ROAD_M) for _ in range(count)]
    bearing = [rng.uniform(0, 360) for _ in range(count)]
    return _with_stations(
        """SELECT u.n, ST_Project(ST_LineInterpolatePoint(r.geom, u.f)::geography,
                                  u.off, radians(u.bearing))::geometry
           FROM unnest(%s::bigint[], %s::float8[], %s::float8[], %s::float8[])
                WITH ORDINALITY AS u(road, f, off, bearing, n)
           JOIN network_road r ON r.id = u.road""",
        [picked, along, off, bearing],
        utility,
    )


def _places_in_territories(rng: random.Random, count: int, utility: str) -> list[_Place]:
    # No roads loaded: random points inside the stations' territories (ST_GeneratePoints is
    # repeatable for a seed).
    return _with_stations(
        """SELECT row_number() OVER (), d.geom FROM (
               SELECT (ST_Dump(ST_GeneratePoints(ST_Union(territory), %s, %s))).geom
               FROM network_orgunit WHERE tier = %s AND territory IS NOT NULL
               AND %s = ANY(utilities)) d""",
        [count, rng.randint(1, 2**31 - 1), OrgUnit.Tier.STATION, utility],
        utility,
    )


def _with_stations(points_sql: str, params: list[Any], utility: str) -> list[_Place]:
    """Run `points_sql` (n, point) and give each point the station serving `utility` whose
    territory holds it."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""WITH p AS ({points_sql})
                SELECT ST_X(p.geom), ST_Y(p.geom), s.id FROM p AS p(n, geom)
                CROSS JOIN LATERAL (
                    SELECT o.id FROM network_orgunit o WHERE o.tier = %s
                    AND %s = ANY(o.utilities)
                    ORDER BY ST_Distance(o.territory, p.geom) NULLS LAST, o.id LIMIT 1) s
                ORDER BY p.n""",  # noqa: S608 - points_sql is one of two constants above
            [*params, OrgUnit.Tier.STATION, utility],
        )
        return [_Place(x, y, station) for x, y, station in cursor.fetchall()]
