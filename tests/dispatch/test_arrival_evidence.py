"""Arrival with evidence: a fix raises an arrival only when its accuracy fits the geofence, and
an "on site" the van's positions do not back is kept but marked unverified, with the distance."""

from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone

from dispatch.arrival import moves_apply
from dispatch.choices import Skill
from dispatch.models import Crew, WorkOrder
from dispatch.services.arrivals import arrival_fix_fits
from dispatch.services.work_orders import (
    work_order_arrival_confirm,
    work_order_transition,
)
from fleet.models import Vehicle
from fleet.positions import Fix, Moved, positions_store
from gis.models import OrgUnit, Premise
from tests.dispatch.conftest import make_crew
from tests.dispatch.live_work import live_work_order

# About 1,200 m north of the incident (a degree of latitude is about 111 km).
FAR_DEG = 0.0108


@dataclass
class Job:
    work_order: WorkOrder
    crew: Crew
    van: Vehicle
    site: Point


@pytest.fixture
def job(city: dict[str, OrgUnit], premise: Premise) -> Job:
    """A crew en route to a leak at a premise, its van 1.2 km away."""
    site = premise.geom
    far = Point(site.x, site.y + FAR_DEG, srid=4326)
    crew = make_crew(city["st-west"], "Evidence", far, (Skill.LEAK_SURVEY, Skill.MAKE_SAFE))
    work_order = live_work_order(
        crew,
        site,
        "leak_outdoor",
        priority=1,
        when=timezone.now() - timedelta(minutes=20),
        status=WorkOrder.Status.EN_ROUTE,
    )
    return Job(work_order, crew, crew.vehicle, site)


def _fixes(van: Vehicle, *fixes: tuple[datetime, Point, float | None]) -> list[Moved]:
    rows = [
        (van.id, Fix(van.device_id, at.timestamp(), p.x, p.y, accuracy_m=acc), at.timestamp())
        for at, p, acc in fixes
    ]
    return positions_store(rows).moved


def _tap_on_site(job: Job, at: datetime) -> WorkOrder:
    return work_order_transition(
        work_order_id=job.work_order.id,
        to="on_site",
        actor=None,
        actor_label=f"tablet {job.van.device_id}",
        at=at,
        device_time=at,
        client_event_id="tap-on-site",
    )


def test_the_rule_counts_a_fix_whose_accuracy_fits_the_fence() -> None:
    assert arrival_fix_fits(distance_m=30, accuracy_m=5)
    assert not arrival_fix_fits(distance_m=30, accuracy_m=None)  # says nothing of its error
    assert arrival_fix_fits(distance_m=10, accuracy_m=80)
    assert not arrival_fix_fits(distance_m=0, accuracy_m=5000)
    assert not arrival_fix_fits(distance_m=150, accuracy_m=5)  # outside the 100 m radius


def test_a_fix_with_5000_m_accuracy_at_the_incident_raises_no_arrival(job: Job) -> None:
    now = timezone.now()
    moved = _fixes(job.van, (now - timedelta(seconds=2), job.site, 5000.0))

    counts = moves_apply(moved, now=now)

    assert counts["arrivals_detected"] == 0
    assert counts["arrivals_too_inaccurate"] == 1
    work_order = WorkOrder.objects.get(pk=job.work_order.id)
    assert work_order.arrival_pending is None
    assert not work_order.events.filter(kind="work_order.arrival_detected").exists()


def test_a_good_fix_at_the_incident_raises_an_arrival_with_its_evidence(job: Job) -> None:
    now = timezone.now()
    moved = _fixes(job.van, (now - timedelta(seconds=2), job.site, 5.0))

    counts = moves_apply(moved, now=now)

    assert counts["arrivals_detected"] == 1
    assert counts["arrivals_too_inaccurate"] == 0
    pending = WorkOrder.objects.get(pk=job.work_order.id).arrival_pending
    assert pending is not None
    assert pending["accuracy_m"] == 5.0
    assert pending["distance_m"] < 1
    assert pending["radius_m"] == 100

    work_order = work_order_arrival_confirm(work_order_id=job.work_order.id)

    assert work_order is not None
    work_order.refresh_from_db()
    assert work_order.status == "on_site"
    assert work_order.arrival_verified is True
    evidence = work_order.arrival_evidence
    assert evidence is not None
    assert evidence["accuracy_m"] == 5.0
    assert evidence["distance_m"] < 1
    on_site = work_order.events.get(kind="work_order.on_site")
    assert on_site.data["arrival"]["verified"] is True


def test_a_manual_on_site_1_2_km_away_is_accepted_but_unverified_with_the_distance(
    job: Job,
) -> None:
    tap = timezone.now()
    far = Point(job.site.x, job.site.y + FAR_DEG, srid=4326)
    _fixes(
        job.van,
        (tap - timedelta(minutes=4), far, 5.0),
        (tap - timedelta(minutes=1), far, 5.0),
        # A wild fix at the incident: it cannot vouch for the crew being there.
        (tap - timedelta(seconds=30), job.site, 5000.0),
    )

    work_order = _tap_on_site(job, tap)

    work_order.refresh_from_db()
    assert work_order.status == "on_site"
    assert work_order.arrived_at == tap
    assert work_order.arrival_verified is False
    evidence = work_order.arrival_evidence
    assert evidence is not None
    assert 1150 < evidence["distance_m"] < 1250
    assert evidence["accuracy_m"] == 5.0
    on_site = work_order.events.get(kind="work_order.on_site")
    assert on_site.data["arrival"]["verified"] is False
    assert on_site.data["arrival"]["distance_m"] == evidence["distance_m"]
    job.work_order.incident.refresh_from_db()
    assert job.work_order.incident.status == "on_site"  # accepted: crews lose GPS


def test_a_manual_on_site_with_no_position_at_all_says_so(
    city: dict[str, OrgUnit], premise: Premise
) -> None:
    crew = make_crew(city["st-west"], "Blind", premise.geom)
    Vehicle.objects.filter(crew=crew).update(last_point=None)
    work_order = live_work_order(
        crew,
        premise.geom,
        "leak_outdoor",
        priority=1,
        when=timezone.now(),
        status=WorkOrder.Status.EN_ROUTE,
    )

    work_order_transition(work_order_id=work_order.id, to="on_site", actor=None)

    work_order.refresh_from_db()
    assert work_order.status == "on_site"
    assert work_order.arrival_verified is False
    assert work_order.arrival_evidence is not None
    assert work_order.arrival_evidence["distance_m"] is None


def test_a_manual_on_site_with_a_recent_good_fix_inside_the_fence_is_verified(job: Job) -> None:
    tap = timezone.now()
    near = Point(job.site.x, job.site.y + 0.0003, srid=4326)  # about 33 m
    _fixes(job.van, (tap - timedelta(minutes=3), near, 8.0))

    work_order = _tap_on_site(job, tap)

    work_order.refresh_from_db()
    assert work_order.arrival_verified is True
    evidence = work_order.arrival_evidence
    assert evidence is not None
    assert 25 < evidence["distance_m"] < 40
    assert evidence["accuracy_m"] == 8.0


def test_a_good_fix_older_than_the_window_does_not_verify_a_tap(job: Job) -> None:
    tap = timezone.now()
    far = Point(job.site.x, job.site.y + FAR_DEG, srid=4326)
    _fixes(
        job.van,
        (tap - timedelta(minutes=30), job.site, 5.0),
        (tap - timedelta(minutes=20), far, 5.0),  # then it drove off; silent since
    )

    work_order = _tap_on_site(job, tap)

    work_order.refresh_from_db()
    assert work_order.arrival_verified is False
    assert work_order.arrival_evidence is not None
    # Nothing in the window: the van's last known position (1.2 km away) is the one shown.
    assert 1150 < work_order.arrival_evidence["distance_m"] < 1250


def test_a_late_tap_that_moves_the_arrival_earlier_is_judged_at_its_own_time(job: Job) -> None:
    now = timezone.now()
    far = Point(job.site.x, job.site.y + FAR_DEG, srid=4326)
    _fixes(job.van, (now - timedelta(minutes=6), far, 5.0))
    moves_apply(_fixes(job.van, (now - timedelta(seconds=5), job.site, 5.0)), now=now)
    work_order_arrival_confirm(work_order_id=job.work_order.id)  # verified, at the good fix

    # The tablet's queue delivers an "on site" tapped 6 minutes ago, 1.2 km out.
    _tap_on_site(job, now - timedelta(minutes=6))

    work_order = WorkOrder.objects.get(pk=job.work_order.id)
    assert work_order.arrived_at == now - timedelta(minutes=6)
    assert work_order.arrival_verified is False
    stale = work_order.events.get(kind="work_order.stale_update")
    assert stale.data["arrival"]["verified"] is False
    assert 1150 < stale.data["arrival"]["distance_m"] < 1250
