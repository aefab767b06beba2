"""(No tests here.) A small month for the monthly report's tests: November 2026 in the demo
organisation (the city company and its three stations), written with the ORM as the moment
columns and the SLA clocks the services would have written, so each arrival's minutes are
known exactly."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.gis.geos import Point

from demo.org import CITY_NORTH, CITY_SOUTH, STATIONS, demo_organisation_load
from dispatch.models import Call, Incident, IncidentDeadline
from gis.models import OrgUnit

MONTH = date(2026, 11, 1)
ON_SITE_CLOCK = timedelta(minutes=30)


@dataclass(frozen=True)
class Job:
    reference: str
    station: str
    day: int
    hour: int
    arrival: float | None  # minutes from the first call; None: never reached
    verified: bool | None = True
    work_order: float = 3  # minutes


JOBS = (
    Job("GX-2611-001", "st-west", 3, 9, 12),
    Job("GX-2611-002", "st-west", 8, 14, 48),
    Job("GX-2611-003", "st-west", 17, 22, None),
    Job("GX-2611-004", "st-central", 5, 10, 20),
    Job("GX-2611-005", "st-central", 12, 16, 35, verified=False, work_order=7),
    Job("GX-2611-006", "st-central", 21, 8, 25),
    Job("GX-2611-007", "st-east", 9, 11, 15),
    Job("GX-2611-008", "st-east", 26, 19, 62, verified=None),
)
ARRIVALS = [j.arrival for j in JOBS if j.arrival is not None]
MISSED = ["GX-2611-008", "GX-2611-002", "GX-2611-005", "GX-2611-003"]  # the worst first
EXTRA_CALLS = 5  # calls that needed no crew (advice, no smell of gas)


def _point(code: str) -> Point:
    west, east = next((w, e) for c, _n, w, e in STATIONS if c == code)
    return Point((west + east) / 2, (CITY_SOUTH + CITY_NORTH) / 2, srid=4326)


def month_make() -> dict[str, OrgUnit]:
    units = demo_organisation_load()
    zone = ZoneInfo(settings.TIME_ZONE)
    for job in JOBS:
        first = datetime(2026, 11, job.day, job.hour, 5, tzinfo=zone)
        arrived = first + timedelta(minutes=job.arrival) if job.arrival is not None else None
        station = units[job.station]
        incident = Incident.objects.create(
            reference=job.reference,
            category="leak_indoor",
            priority=1,
            status=Incident.Status.RESOLVED if arrived else Incident.Status.DISPATCHED,
            point=_point(job.station),
            address_text=f"{station.name}辖区 {job.reference[-3:]}号",
            station=station,
            created_at=first,
            first_call_at=first,
            channel="phone",
            work_order_at=first + timedelta(minutes=job.work_order),
            accepted_at=first + timedelta(minutes=job.work_order + 1),
            on_site_at=arrived,
            on_site_verified=job.verified if arrived else None,
            made_safe_at=arrived + timedelta(minutes=20) if arrived else None,
            completed_at=arrived + timedelta(minutes=90) if arrived else None,
        )
        IncidentDeadline.objects.create(
            incident=incident, milestone="on_site", due_at=first + ON_SITE_CLOCK, met_at=arrived
        )
        IncidentDeadline.objects.create(
            incident=incident, milestone="made_safe", due_at=first + timedelta(hours=12)
        )
        Call.objects.create(
            received_at=first,
            opened_at=first,
            closed_at=first + timedelta(minutes=2),
            unit=station,
            category="leak_indoor",
            point=incident.point,
            incident=incident,
        )
    for n in range(EXTRA_CALLS):
        at = datetime(2026, 11, 2 + 5 * n, 10, 0, tzinfo=zone)
        Call.objects.create(received_at=at, unit=units["st-central"], category="leak_indoor")
    return units
