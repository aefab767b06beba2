"""The timeline replay's selector and exports, against a leak handled through the services:
two calls, a late work order, a crew recommended and sent, its van's track stored as the
tracker stores it, arrival by geofence, made safe, completed."""

import base64
import csv
import io
import json
import math
import re
import subprocess
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from django.contrib.gis.gdal import CoordTransform, SpatialReference
from django.contrib.gis.geos import Point
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from demo.crews import demo_crews_load
from demo.simulator import Projection, Router
from dispatch.models import Crew, Incident, IncidentEvent, User, WorkOrder
from dispatch.services.assign import incident_crews_recommend
from dispatch.services.intake import CallInput, call_join_incident, call_open_incident, call_receive
from dispatch.services.sla import deadlines_breach_due
from dispatch.services.work_orders import (
    work_order_arrival_detect,
    work_order_dispatch,
    work_order_transition,
)
from fleet.positions import Fix, positions_store
from fleet.roads import road_graph
from gis.models import OrgUnit, Premise
from maps.exports import timeline_csv, timeline_json, timeline_pdf
from maps.timeline import timeline_get
from maps.timeline_words import clock, duration_text, event_summary

FIX_EVERY_S = 5


@dataclass
class Replayed:
    incident: Incident
    work_order: WorkOrder
    crew: Crew
    t0: datetime
    dispatched_at: datetime
    arrived_at: datetime  # the arrival fix's own time
    safe_at: datetime  # the tablet's time of "made safe"
    track: list[tuple[datetime, float, float]]  # the fixes from dispatch to arrival
    stray: list[datetime]  # fixes of the same van outside that window


def _drive(start: Point, goal: Point, leave: datetime) -> list[tuple[datetime, float, float]]:
    """Fixes every FIX_EVERY_S along the fastest road route, as the fleet simulator drives."""
    graph = road_graph()
    projection = Projection(graph.srid)
    to_xy = CoordTransform(SpatialReference(4326), projection.srs)
    a, b = start.transform(to_xy, clone=True), goal.transform(to_xy, clone=True)
    assert isinstance(a, Point)
    assert isinstance(b, Point)
    route = Router(graph).route((a.x, a.y), (b.x, b.y))
    assert route is not None
    assert route.seconds > 60
    times = [*range(0, math.ceil(route.seconds), FIX_EVERY_S), math.ceil(route.seconds)]
    spots = [route.at(s) for s in times]
    lonlat = projection.lonlat(np.array([[w.x, w.y] for w in spots]))
    return [
        (leave + timedelta(seconds=s), float(lon), float(lat))
        for s, (lon, lat) in zip(times, lonlat, strict=True)
    ]


def _store(vehicle_id: int, fixes: list[tuple[datetime, float, float]]) -> None:
    rows = [
        (
            vehicle_id,
            Fix(f"VAN-{vehicle_id}", at.timestamp(), lon, lat, accuracy_m=8.0),
            at.timestamp() + 1,
        )
        for at, lon, lat in fixes
    ]
    assert positions_store(rows).inserted == len(rows)


def leak_replayed(*, t0: datetime | None = None) -> Replayed:
    """A P1 outdoor leak in the west station, worked through the services from the first call
    to completion; the demo logins and crews must be loaded."""
    # Yesterday mid-morning by default: the same day-shift crews whenever the tests run.
    yesterday = timezone.localtime() - timedelta(days=1)
    t0 = t0 or yesterday.replace(hour=10, minute=0, second=0, microsecond=0)
    calltaker, dispatcher = (User.objects.get(username=u) for u in ("calltaker", "dispatcher"))
    west = OrgUnit.objects.get(code="st-west")
    premise = (
        Premise.objects.filter(geom__within=west.territory)
        .exclude(room="")
        .order_by("asset_id")
        .first()
    )
    assert premise is not None
    first = call_receive(
        data=CallInput(
            category="leak_outdoor",
            premise_id=premise.id,
            caller_phone="13800138000",
            caller_name="Li Na",
            hazards=["strong_smell", "hissing"],
        ),
        taker=calltaker,
        received_at=t0,
    )
    incident = call_open_incident(call_id=first.id, actor=calltaker, at=t0 + timedelta(seconds=45))
    second = call_receive(
        data=CallInput(category="leak_outdoor", point=premise.geom, caller_phone="13900139000"),
        taker=calltaker,
        received_at=t0 + timedelta(seconds=100),
    )
    call_join_incident(
        call_id=second.id, incident_id=incident.id, actor=calltaker, at=t0 + timedelta(seconds=130)
    )
    deadlines_breach_due(now=t0 + timedelta(minutes=5, seconds=20))  # nobody sent in 5 min
    offered = incident_crews_recommend(
        incident=incident, actor=dispatcher, at=t0 + timedelta(minutes=6)
    )
    dispatched_at = t0 + timedelta(minutes=6, seconds=15)
    work_order = work_order_dispatch(
        incident_id=incident.id,
        crew_id=offered[0]["crew_id"],
        actor=dispatcher,
        recommendation=offered[0],
        at=dispatched_at,
    )
    crew = Crew.objects.select_related("vehicle").get(pk=offered[0]["crew_id"])
    van, tablet = crew.vehicle, f"tablet {crew.vehicle.device_id}"
    assert van.last_point is not None

    def report(to: str, at: datetime, **extra: object) -> None:
        work_order_transition(
            work_order_id=work_order.id,
            to=to,
            actor=None,
            actor_label=tablet,
            at=at,
            device_time=at - timedelta(seconds=2),
            client_event_id=f"{to}-1",
            **extra,  # type: ignore[arg-type]
        )

    report("accepted", t0 + timedelta(minutes=6, seconds=40))
    leave = t0 + timedelta(minutes=7)
    report("en_route", leave, point=van.last_point)
    parked = [
        (dispatched_at + timedelta(seconds=s), van.last_point.x, van.last_point.y) for s in (5, 25)
    ]
    track = parked + _drive(van.last_point, incident.point, leave)
    arrived_at, (_, lon, lat) = track[-1][0], track[-1]
    stray = [t0 + timedelta(minutes=2), arrived_at + timedelta(minutes=10)]
    _store(van.id, track + [(s, lon, lat) for s in stray])
    fix = {"vehicle_id": van.id, "fix_at": arrived_at.isoformat(), "lon": lon, "lat": lat}
    work_order_arrival_detect(
        work_order_id=work_order.id, fix=fix, at=arrived_at + timedelta(seconds=3)
    )
    # What work_order_arrival_confirm does a minute later, at the scenario's time, not now.
    work_order_transition(
        work_order_id=work_order.id,
        to="on_site",
        actor=None,
        actor_label="geofence",
        at=arrived_at + timedelta(seconds=63),
        device_time=arrived_at,
        client_event_id=f"geofence-{arrived_at.isoformat()}",
        point=Point(lon, lat, srid=4326),
        data={"evidence": fix},
    )
    safe_at = arrived_at + timedelta(minutes=25)
    report(
        "made_safe",
        safe_at + timedelta(seconds=2),
        point=incident.point,
        data={
            "leak_grade": 1,
            "cause": "corroded service tee",
            "actions_taken": "valve V-1 closed",
        },
    )
    report("completed", arrived_at + timedelta(minutes=50))
    incident.refresh_from_db()
    work_order.refresh_from_db()
    return Replayed(
        incident, work_order, crew, t0, dispatched_at, arrived_at, safe_at, track, stray
    )


@pytest.fixture
def demo(db: None) -> None:
    call_command("make_demo_city", "--premises", "2000", "--no-progress", stdout=StringIO())
    call_command("load_demo", stdout=StringIO())
    demo_crews_load(count=20, seed=7)


@pytest.fixture
def replayed(demo: None) -> Replayed:
    return leak_replayed()


def test_timeline_holds_every_event_of_the_incident_and_its_calls_in_order(
    replayed: Replayed, django_assert_num_queries
) -> None:
    east = Premise.objects.filter(geom__within=OrgUnit.objects.get(code="st-east").territory)
    elsewhere = call_receive(
        data=CallInput(category="leak_outdoor", premise_id=east.order_by("asset_id")[0].id),
        taker=User.objects.get(username="calltaker"),
    )
    call_open_incident(call_id=elsewhere.id, actor=User.objects.get(username="calltaker"))
    # events, calls, work orders, deadlines, one track; stations and case types named once
    with django_assert_num_queries(7):
        timeline = timeline_get(replayed.incident)

    stored = IncidentEvent.objects.filter(incident=replayed.incident).count()
    kinds = [e.kind for e in timeline.events]
    # Each call's "received" was written before it had an incident.
    assert len(kinds) == stored + 2
    assert kinds[:2] == ["call.received", "incident.opened"]
    assert kinds.count("call.received") == 2
    assert [e.at for e in timeline.events] == sorted(e.at for e in timeline.events)
    assert {
        "crews.recommended",
        "work_order.assigned",
        "sla.breached",
        "work_order.made_safe",
    } <= set(kinds)
    assert kinds[-1] in ("work_order.completed", "incident.status", "sla.met")
    assert all(e.call_id != elsewhere.id for e in timeline.events)
    assert [e.seq for e in timeline.events] == list(range(1, len(kinds) + 1))
    # Human labels, and the tablet's own time where it differs from ours, to the second.
    accepted = next(e for e in timeline.events if e.kind == "work_order.accepted")
    assert accepted.label == "Crew accepted"
    assert accepted.device_offset_s == -2
    assert accepted.summary == f"{replayed.crew.name} accepted the job"
    assert next(e for e in timeline.events if e.kind == "sla.breached").summary.startswith(
        "Work order issued: due "
    )
    on_site = next(e for e in timeline.events if e.kind == "work_order.on_site")
    assert on_site.lon is not None
    assert "geofence" in on_site.summary


def test_stages_are_measured_against_the_sla_marks(replayed: Replayed) -> None:
    stages = {s.milestone: s for s in timeline_get(replayed.incident).stages}
    t0 = replayed.t0

    work_order = stages["work_order"]
    assert work_order.seconds == 375  # 6 min 15 s: the P1 clock allows 5 min
    assert work_order.allowed_s == 300
    assert (work_order.verdict, work_order.margin_s) == ("late", -75)
    assert work_order.breached_at == t0 + timedelta(minutes=5, seconds=20)

    on_site = stages["on_site"]
    assert on_site.start == replayed.dispatched_at
    assert on_site.end == replayed.arrived_at  # the fix's time, not when the geofence confirmed
    assert on_site.verdict == "on time"
    assert on_site.margin_s == (t0 + timedelta(minutes=30) - replayed.arrived_at).total_seconds()

    made_safe = stages["made_safe"]
    assert made_safe.seconds == 25 * 60  # by the tablet's clock
    assert made_safe.verdict == "on time"
    completed = stages["completed"]  # no clock for it under a P1 policy, but the job did end
    assert (completed.verdict, completed.due_at) == ("no SLA", None)
    assert completed.seconds == 25 * 60 - 2


def test_recommendations_the_crew_chosen_and_its_track(replayed: Replayed) -> None:
    timeline = timeline_get(replayed.incident)
    (offer,) = timeline.offers
    assert offer.actor == "Dispatcher 张伟"  # the person, with their role
    assert offer.crews[0]["crew_id"] == replayed.crew.id == offer.chosen_crew_id
    assert [c["rank"] for c in offer.crews] == list(range(1, len(offer.crews) + 1))

    (crew,) = timeline.crews
    assert (crew.crew, crew.rank, crew.assigned_by) == (
        replayed.crew.name,
        1,
        "Dispatcher 张伟",
    )
    assert crew.arrived_at == replayed.arrived_at
    assert crew.travel_s == (replayed.arrived_at - replayed.dispatched_at).total_seconds()
    assert crew.offered_eta_s == offer.crews[0]["eta_seconds"]

    (track,) = timeline.tracks
    # Dispatch to arrival only: the van parked before the job and after it is not replayed.
    assert [f.at for f in track.fixes] == [at for at, _lon, _lat in replayed.track]
    assert all(s not in {f.at for f in track.fixes} for s in replayed.stray)
    assert (track.fixes[3].lon, track.fixes[3].lat) == pytest.approx(replayed.track[3][1:])
    assert timeline.start == replayed.t0
    assert timeline.end == max(e.at for e in timeline.events)


def test_csv_has_one_row_per_event_with_local_times_and_defused_formulas(
    replayed: Replayed,
) -> None:
    work_order_transition(
        work_order_id=replayed.work_order.id,
        to="completed",
        actor=None,
        actor_label="=HYPERLINK(1)",  # a late report from a device that names itself so
        client_event_id="late-1",
        device_time=replayed.arrived_at + timedelta(minutes=5),
    )
    # A dispatcher's export: callers' numbers in it (tests/maps/test_customer_data_hidden.py
    # has a safety manager's, without).
    dispatcher = User.objects.get(username="dispatcher")
    timeline = timeline_get(replayed.incident, viewer=dispatcher)
    rows = list(csv.DictReader(io.StringIO(timeline_csv(timeline))))

    assert len(rows) == len(timeline.events)
    assert [r["kind"] for r in rows] == [e.kind for e in timeline.events]
    first = rows[0]
    assert (
        first["server_time"] == replayed.t0.astimezone(timezone.get_current_timezone()).isoformat()
    )
    assert first["since_first_call"] == "0:00:00"
    assert first["event"] == "Call received"
    assert "13800138000" in first["detail"]
    accepted = next(r for r in rows if r["kind"] == "work_order.accepted")
    assert accepted["device_minus_server_s"] == "-2"
    assert rows[-1]["actor"] == "'=HYPERLINK(1)"
    assert json.loads(rows[-1]["data"]) == {"reported": "completed", "status": "completed"}


def test_json_export_holds_everything_the_page_shows(replayed: Replayed) -> None:
    timeline = timeline_get(replayed.incident, viewer=User.objects.get(username="dispatcher"))
    body = json.loads(
        json.dumps(
            timeline_json(timeline, exported_by="Jing Chen (safety)", exported_at=timezone.now())
        )
    )
    assert body["reference"] == replayed.incident.reference
    assert body["incident"]["priority"] == 1
    assert [c["phone"] for c in body["calls"]] == ["13800138000", "13900139000"]
    assert [(s["milestone"], s["verdict"]) for s in body["stages"]] == [
        ("work_order", "late"),
        ("on_site", "on time"),
        ("made_safe", "on time"),
        ("completed", "no SLA"),
    ]
    assert body["recommendations"][0]["chosen_crew_id"] == replayed.crew.id
    assert body["crews"][0]["recommended_rank"] == 1
    assert len(body["events"]) == len(timeline.events)
    assert len(body["tracks"][0]["fixes"]) == len(replayed.track)
    assert body["events"][0]["at"].endswith("+08:00")


def _pdf_text(pdf: bytes) -> str:
    """The text drawn on the pages: each content stream decoded as its /Filter says
    (ReportLab writes ASCII85 over Flate), the strings shown with Tj joined."""
    texts = []
    for head, body in re.findall(rb"<<(.*?)>>\s*stream\r?\n(.*?)endstream", pdf, re.DOTALL):
        if b"/ASCII85Decode" in head:
            body = base64.a85decode(body.strip().removesuffix(b"~>"))
        if b"/FlateDecode" in head:
            body = zlib.decompress(body)
        texts += re.findall(rb"\((.*?)(?<!\\)\)\s*Tj", body)
    return " ".join(t.decode("latin-1") for t in texts)


def _pdf_unicode(pdf: bytes) -> str:
    """The text as poppler reads it back: a name in Chinese is drawn in the embedded CJK
    font's glyph ids, which only the font's own map turns back into characters."""
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, check=True, capture_output=True
    ).stdout.decode()


def test_pdf_is_a_pdf_with_the_reference_the_sla_and_every_event(replayed: Replayed) -> None:
    timeline = timeline_get(replayed.incident)
    pdf = timeline_pdf(timeline, exported_by="Jing Chen (safety)", exported_at=timezone.now())

    assert pdf.startswith(b"%PDF-1.")
    assert pdf.rstrip().endswith(b"%%EOF")
    text = _pdf_text(pdf)
    assert f"Incident timeline {replayed.incident.reference}" in text
    assert "Response against the SLA" in text
    assert duration_text(375) in text
    assert "late" in text
    assert replayed.crew.name in _pdf_unicode(pdf)
    assert "Crew accepted" in text
    assert "Made safe" in text


def test_an_event_whose_data_is_not_as_expected_still_reads() -> None:
    shapeless = {"crews": [{"distance_m": "far"}]}  # no number where a distance should be
    assert event_summary("crews.recommended", shapeless) == "Crews: {'distance_m': 'far'}"
    assert event_summary("sla.met", {"milestone": "on_site", "on_time": True}) == (
        "Crew on site: met on time"
    )


def test_durations_and_clock_times_read_as_a_person_writes_them() -> None:
    assert duration_text(3723) == "1 h 02 min 03 s"
    assert duration_text(65) == "1 min 05 s"
    assert (duration_text(300), duration_text(43200), duration_text(-75)) == (
        "5 min",
        "12 h",
        "-1 min 15 s",
    )
    evening = datetime(2026, 11, 22, 19, 8, 24, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert clock(evening, day_of=evening) == "19:08:24"
    # A 12-hour clock started in the evening is due the next morning: the date is said.
    assert clock(evening + timedelta(hours=12), day_of=evening) == "11-23 07:08:24"
    assert clock((evening + timedelta(hours=12)).isoformat(), day_of=evening.isoformat()) == (
        "11-23 07:08:24"
    )
    # Without a day to read it against, today's: another day's moment carries its date.
    now = timezone.now()
    assert clock(now) == f"{timezone.localtime(now):%H:%M:%S}"
    assert clock(evening - timedelta(days=365)) == "2025-11-22 19:08:24"
    assert clock(evening, date=True) == "2026-11-22 19:08:24"


# Who may open it ---------------------------------------------------------------------------


def _client(username: str | None) -> Client:
    client = Client()
    if username:
        client.force_login(User.objects.get(username=username))
    return client


def _paths(reference: str) -> list[str]:
    base = f"/incidents/{reference}/timeline"
    return [base, f"{base}.csv", f"{base}.xlsx", f"{base}.json", f"{base}.pdf"]


def test_page_and_exports_are_for_safety_managers_dispatchers_supervisors_and_admins(
    replayed: Replayed,
) -> None:
    reference = replayed.incident.reference
    events_before = IncidentEvent.objects.count()
    for path in _paths(reference):
        anonymous = _client(None).get(path)
        assert anonymous.status_code == 302
        assert anonymous["Location"].startswith("/accounts/login/")
        for refused in ("calltaker", "crew"):
            response = _client(refused).get(path)
            assert response.status_code == 403, (path, refused)
            assert b"is not for your role" in response.content
        # The supervisor's unit is the central station; this leak is in the west.
        assert _client("supervisor").get(path).status_code == 404
        assert _client("safety").get(path.replace(reference, "GX-19990101-0001")).status_code == 404
        for allowed in ("safety", "dispatcher", "admin"):
            assert _client(allowed).get(path).status_code == 200, (path, allowed)
    assert IncidentEvent.objects.count() == events_before  # reading writes nothing


def test_exports_are_files_named_after_the_incident(replayed: Replayed) -> None:
    reference = replayed.incident.reference
    safety = _client("safety")
    csv_file = safety.get(f"/incidents/{reference}/timeline.csv")
    assert csv_file["Content-Type"].startswith("text/csv")
    assert csv_file["Content-Disposition"] == f'attachment; filename="{reference}-timeline.csv"'
    json_file = safety.get(f"/incidents/{reference}/timeline.json")
    assert json_file.json()["exported_by"] == "陈静 (safety)"  # a Chinese name, family name first
    pdf = safety.get(f"/incidents/{reference}/timeline.pdf")
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"] == f'inline; filename="{reference}-timeline.pdf"'
    assert reference in _pdf_text(pdf.content)
    page = safety.get(f"/incidents/{reference}/timeline").content.decode()
    for href in (
        f"{reference}/timeline.csv",
        f"{reference}/timeline.json",
        f"{reference}/timeline.pdf",
    ):
        assert f'href="/incidents/{href}"' in page


def test_page_lists_every_event_with_its_times_the_stages_and_the_crew_chosen(
    replayed: Replayed,
) -> None:
    work_order_transition(
        work_order_id=replayed.work_order.id,
        to="on_site",
        actor=None,
        actor_label="<b>tablet</b>",  # a device's own name, shown as text, never as markup
        client_event_id="late-on-site",
        device_time=replayed.arrived_at,
    )
    timeline = timeline_get(replayed.incident)
    page = (
        _client("safety").get(f"/incidents/{replayed.incident.reference}/timeline").content.decode()
    )
    assert page.count('<li class="ev ') == len(timeline.events)
    for event in timeline.events:
        assert f'id="ev-{event.id}"' in page
    accepted = next(e for e in timeline.events if e.kind == "work_order.accepted")
    assert f"device time {clock(accepted.device_time, day_of=replayed.t0)} (-2 s)" in page
    assert '<li class="chosen">' in page
    assert page.count("CHOSEN") + page.count(">chosen<") == 1
    assert "6 min 15 s" in page  # call to work order
    assert "by &lt;b&gt;tablet&lt;/b&gt;" in page
    assert "<b>tablet</b>" not in page


def test_crew_moves_read_as_sentences_on_the_timeline() -> None:
    assert event_summary(
        "work_order.assigned",
        {
            "crew": "West 2",
            "first_responder": True,
            "lacks": ["pe_welding"],
            "preempted": [{"work_order_id": 7, "reference": "GX-20261206-0003", "priority": 3}],
            "reassigned_from": {"crew": "East 1", "reason": "closer crew"},
        },
    ) == (
        "West 2 dispatched; as first responder (lacks PE welding); taken off GX-20261206-0003;"
        " in place of East 1: closer crew"
    )
    assert event_summary("work_order.assigned", {"crew": "West 2"}) == "West 2 dispatched"


def test_no_ideal_crew_reads_as_the_next_best_left_for_a_dispatcher() -> None:
    data = {
        "why": "auto-dispatch",
        "crews": [
            {
                "crew_name": "Crew 0003",
                "lacks": [{"kind": "skill", "skill": "pe_welding", "text": "lacks PE welding"}],
            },
            {"crew_name": "Crew 0007", "lacks": []},
        ],
    }
    assert event_summary("crews.none_available", data) == (
        "No ideal crew (automatic dispatch): 2 next best left for a dispatcher, top: Crew 0003"
        " (lacks PE welding)"
    )
    assert event_summary("crews.none_available", {"why": "rejected"}) == (
        "No crew could be offered (the crew rejected the job)"
    )


def test_valves_to_close_read_nearest_first_with_their_distance() -> None:
    data = {
        "valves_to_close": ["V-0003", "V-0001"],
        "valve_distances_m": [12.4, 1530.0],
        "isolated_mains": 4,
        "premises_cut_off": 20,
    }
    assert event_summary("incident.isolation_traced", data) == (
        "2 valves to close (V-0003 12 m, V-0001 1.5 km), 4 mains isolated, 20 premises cut off"
    )
