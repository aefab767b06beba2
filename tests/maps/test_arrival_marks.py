"""An arrival the van's positions do not back is never a plain "on time": the timeline, the SLA
table, the page and every export say it is unverified and how far away the van was."""

import csv
import io
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.gis.geos import Point
from django.test import Client
from django.utils import timezone

from dispatch.models import Crew, Incident, User, WorkOrder
from dispatch.services.intake import CallInput, call_open_incident, call_receive
from dispatch.services.work_orders import work_order_dispatch, work_order_transition
from fleet.positions import Fix, positions_store
from gis.models import OrgUnit, Premise
from maps.exports import timeline_csv, timeline_json, timeline_pdf
from maps.timeline import timeline_get
from tests.browser import SCREENSHOTS, WALL, chromium_page, sign_in
from tests.maps.test_timeline import Replayed, _pdf_text, demo, replayed  # noqa: F401 - fixtures

FAR_DEG = 0.0108  # about 1,200 m north


@dataclass
class Tapped:
    incident: Incident
    work_order: WorkOrder
    mark: str  # what every place must say of the arrival


@pytest.fixture
def tapped(demo: None) -> Tapped:  # noqa: F811
    """A P1 leak whose crew tapped "on site" 20 minutes after the call (on time by the clock)
    while its van's fixes, good ones, put it 1.2 km away."""
    t0 = (timezone.localtime() - timedelta(days=1)).replace(hour=10, minute=0, second=0)
    west = OrgUnit.objects.get(code="st-west")
    premise = Premise.objects.filter(geom__within=west.territory).order_by("asset_id").first()
    assert premise is not None
    calltaker = User.objects.get(username="calltaker")
    call = call_receive(
        data=CallInput(category="leak_outdoor", premise_id=premise.id, caller_phone="13800138000"),
        taker=calltaker,
        received_at=t0,
    )
    incident = call_open_incident(call_id=call.id, actor=calltaker, at=t0 + timedelta(seconds=40))
    crew = Crew.objects.filter(station=incident.station, vehicle__isnull=False).first()
    assert crew is not None
    work_order = work_order_dispatch(
        incident_id=incident.id, crew_id=crew.id, actor=None, at=t0 + timedelta(minutes=2)
    )
    van = crew.vehicle
    far = Point(incident.point.x, incident.point.y + FAR_DEG, srid=4326)
    tap = t0 + timedelta(minutes=20)
    fixes = [tap - timedelta(seconds=s) for s in (240, 120, 10)]
    positions_store(
        [(van.id, Fix(van.device_id, at.timestamp(), far.x, far.y, 5.0), 0.0) for at in fixes]
    )
    for to, minutes in (("accepted", 3), ("en_route", 4)):
        work_order_transition(
            work_order_id=work_order.id, to=to, actor=None, at=t0 + timedelta(minutes=minutes)
        )
    work_order_transition(
        work_order_id=work_order.id,
        to="on_site",
        actor=None,
        actor_label=f"tablet {van.device_id}",
        at=tap + timedelta(seconds=2),
        device_time=tap,
        client_event_id="tap-on-site",
    )
    work_order.refresh_from_db()
    incident.refresh_from_db()
    evidence = work_order.arrival_evidence
    assert evidence is not None
    assert 1150 < evidence["distance_m"] < 1250
    return Tapped(incident, work_order, f"unverified: van {evidence['distance_m']:,.0f} m away")


def test_the_sla_stage_and_the_crew_carry_the_unverified_mark(tapped: Tapped) -> None:
    timeline = timeline_get(tapped.incident)

    stage = next(s for s in timeline.stages if s.milestone == "on_site")
    assert stage.verdict == "on time"  # the clock's own verdict stands...
    assert stage.arrival_verified is False
    assert stage.verdict_text == f"on time ({tapped.mark})"  # ...never shown plain
    crew = timeline.crews[0]
    assert crew.arrival_verified is False
    assert crew.arrival_mark == tapped.mark
    summaries = {e.kind: e.summary for e in timeline.events}
    assert tapped.mark in summaries["work_order.on_site"]
    met = [e.summary for e in timeline.events if e.kind == "sla.met"]
    assert any("on time" in m and tapped.mark in m for m in met)


def test_json_and_csv_exports_say_the_arrival_is_unverified(tapped: Tapped) -> None:
    timeline = timeline_get(tapped.incident)

    body = timeline_json(timeline, exported_by="safety", exported_at=timezone.now())
    stage = next(s for s in body["stages"] if s["milestone"] == "on_site")
    assert stage["arrival_verified"] is False
    assert stage["verdict_text"] == f"on time ({tapped.mark})"
    assert stage["arrival_evidence"] == tapped.work_order.arrival_evidence
    assert body["crews"][0]["arrival_verified"] is False
    on_site = next(e for e in body["events"] if e["kind"] == "work_order.on_site")
    assert on_site["data"]["arrival"]["verified"] is False

    rows = list(csv.DictReader(io.StringIO(timeline_csv(timeline))))
    on_site_row = next(r for r in rows if r["kind"] == "work_order.on_site")
    assert tapped.mark in on_site_row["detail"]
    met = [r["detail"] for r in rows if r["kind"] == "sla.met"]
    assert any(tapped.mark in d for d in met)


def test_pdf_says_the_arrival_is_unverified(tapped: Tapped) -> None:
    timeline = timeline_get(tapped.incident)

    text = _pdf_text(timeline_pdf(timeline, exported_by="safety", exported_at=timezone.now()))

    assert text.count(tapped.mark) >= 3  # the SLA table, the crew, the events
    assert "on time " in text


def test_the_timeline_page_sla_table_says_unverified(tapped: Tapped) -> None:
    client = Client()
    client.force_login(User.objects.get(username="safety"))

    page = client.get(f"/incidents/{tapped.incident.reference}/timeline").content.decode()

    sla = page[page.index('id="h-sla"') : page.index('id="h-crew"')]
    assert tapped.mark in sla
    crew = page[page.index('id="h-crew"') : page.index('id="h-offers"')]
    assert tapped.mark in crew


def test_a_geofence_arrival_shows_its_fix_as_evidence(replayed: Replayed) -> None:  # noqa: F811
    timeline = timeline_get(replayed.incident)

    stage = next(s for s in timeline.stages if s.milestone == "on_site")
    assert stage.arrival_verified is True
    assert stage.verdict_text.startswith("on time (verified: fix ")
    assert "accuracy 8 m" in stage.verdict_text
    on_site = next(e for e in timeline.events if e.kind == "work_order.on_site")
    assert "verified: fix " in on_site.summary


def test_the_safety_manager_sees_the_unverified_arrival_in_chromium(
    transactional_db: None, tapped: Tapped, live_server: Any
) -> None:
    path = f"/incidents/{tapped.incident.reference}/timeline"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with chromium_page(WALL) as (page, failures):
        sign_in(page, live_server.url, "safety", path)
        page.wait_for_selector(".replay[data-ready]")
        row = page.locator("section[aria-labelledby=h-sla] .unverified").first
        assert tapped.mark in row.inner_text()
        # Amber, not the green of a plain pass.
        colour = row.locator(".rp-verdict").evaluate("e => getComputedStyle(e).color")
        ok = page.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--ok')")
        assert ok.strip() == "#3ecf8e"
        assert colour != "rgb(62, 207, 142)"
        page.locator("#h-sla").scroll_into_view_if_needed()
        page.screenshot(path=SCREENSHOTS / "timeline-unverified-arrival.png")
    assert failures == []
