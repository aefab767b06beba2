"""The tablet API: token login, own crew only, order-tolerant replay, photos."""

import random
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from dispatch.models import Crew, IncidentEvent, User, WorkOrder
from dispatch.roles import Role
from dispatch.services import user_create
from dispatch.services.intake import CallInput, call_open_incident, call_receive
from dispatch.services.isolation import incident_isolation_trace
from dispatch.services.work_orders import work_order_dispatch
from gis.models import OrgUnit, Premise, Valve
from tests.dispatch.conftest import city, make_crew  # noqa: F401 - the fixture

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 200
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200


def _member(crew: Crew, name: str, station: OrgUnit) -> User:
    user = user_create(username=name, password="pw", role=Role.CREW_MEMBER, org_unit=station)
    crew.members.add(user)
    return user


def _tablet(username: str) -> APIClient:
    """Signs in as a tablet does: a token for the member, then every call with it."""
    client = APIClient()
    response = client.post("/api/field/token/", {"username": username, "password": "pw"})
    assert response.status_code == 200, response.content
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    return client


def _jobs(crew: Crew, premises: list[Premise], dispatcher: User) -> list[WorkOrder]:
    """A job per premise on the crew's tablet at once. The dispatch service gives a busy crew
    no second job (only a more urgent incident takes it off the first: crew_moves), so the
    later ones are rows written here: a tablet must still cope with a list of jobs."""
    jobs: list[WorkOrder] = []
    for premise in premises:
        call = call_receive(
            data=CallInput(category="leak_outdoor", premise_id=premise.id), taker=dispatcher
        )
        incident = call_open_incident(call_id=call.id, actor=dispatcher)
        if not jobs:
            jobs.append(work_order_dispatch(incident_id=incident.id, crew_id=crew.id, actor=None))
            continue
        now = timezone.now()
        jobs.append(
            WorkOrder.objects.create(
                incident=incident, crew=crew, created_at=now, status_changed_at=now
            )
        )
    return jobs


@pytest.fixture
def crews(city: dict[str, OrgUnit], settings: Any, tmp_path: Path) -> dict[str, Any]:  # noqa: F811
    settings.MEDIA_ROOT = tmp_path
    station = city["st-central"]
    dispatcher = user_create(
        username="disp", password="pw", role=Role.DISPATCHER, org_unit=city["gx-city"]
    )
    premises = list(Premise.objects.exclude(room="").order_by("asset_id")[:200:25])
    alpha = make_crew(station, "Alpha", premises[0].geom)
    bravo = make_crew(station, "Bravo", premises[1].geom)
    _member(alpha, "ann", station)
    _member(bravo, "bob", station)
    return {
        "station": station,
        "dispatcher": dispatcher,
        "alpha": alpha,
        "bravo": bravo,
        "alpha_jobs": _jobs(alpha, premises[:2], dispatcher),
        "bravo_jobs": _jobs(bravo, premises[2:4], dispatcher),
    }


def test_a_member_signs_in_with_a_token_and_gets_the_job_with_its_network(crews: dict) -> None:
    tablet = _tablet("ann")
    me = tablet.get("/api/field/me/").json()
    assert me["crew"]["name"] == "Alpha"
    assert me["mqtt"]["assignments"].endswith(f"crews/{crews['alpha'].id}/assignments")
    listed = tablet.get("/api/field/work-orders/").json()["results"]
    assert {j["id"] for j in listed} == {w.id for w in crews["alpha_jobs"]}
    job = crews["alpha_jobs"][0]
    detail = tablet.get(f"/api/field/work-orders/{job.id}/").json()
    assert detail["incident"]["reference"] == job.incident.reference
    kinds = {f["properties"]["kind"] for f in detail["network_around"]["features"]}
    assert kinds == {"main", "valve"}
    roles = [f["properties"]["role"] for f in detail["isolation"]["valves_to_close"]["features"]]
    assert "valve_to_close" in roles
    # The valves are numbered as the incident's timeline lists them: the crew's drive.
    numbered = [
        f["properties"]["asset_id"]
        for f in detail["isolation"]["valves_to_close"]["features"]
        if f["properties"]["role"] == "valve_to_close"
    ]
    traced = incident_isolation_trace(incident_id=job.incident_id, actor=crews["dispatcher"])
    asset_of = dict(Valve.objects.values_list("id", "asset_id"))
    assert numbered == [asset_of[v] for v in traced.valves_to_close]
    # Once a crew reports valve 1 seized and the dispatcher traces again, the tablet shows
    # that trace, the one in force, as the incident's map does.
    again = incident_isolation_trace(
        incident_id=job.incident_id, actor=crews["dispatcher"], seized_valve_asset_ids=numbered[:1]
    )
    detail = tablet.get(f"/api/field/work-orders/{job.id}/").json()
    shown = [
        f["properties"]["asset_id"]
        for f in detail["isolation"]["valves_to_close"]["features"]
        if f["properties"]["role"] == "valve_to_close"
    ]
    assert numbered[0] not in shown
    assert shown == [asset_of[v] for v in again.valves_to_close]
    assert detail["isolation"]["premises_cut_off"] == again.premises_cut_off
    assert detail["navigate_url"].startswith("https://www.openstreetmap.org/directions?to=")


def test_a_member_sees_and_changes_only_their_own_crews_work_orders(crews: dict) -> None:
    tablet = _tablet("ann")
    theirs = crews["bravo_jobs"][0]
    assert tablet.get(f"/api/field/work-orders/{theirs.id}/").status_code == 404
    response = tablet.post(
        f"/api/field/work-orders/{theirs.id}/actions/",
        {"action": "accept", "client_event_id": "x1", "device_time": timezone.now()},
        format="json",
    )
    assert response.status_code == 404
    assert response.json()["error"] == f"your crew has no work order {theirs.id}"
    theirs.refresh_from_db()
    assert theirs.status == "assigned"
    assert not theirs.events.filter(client_event_id="x1").exists()
    # Nobody but a crew member gets in, whatever their rank.
    office = APIClient()
    office.force_authenticate(crews["dispatcher"])
    assert office.get("/api/field/work-orders/").status_code == 403
    assert APIClient().get("/api/field/work-orders/").status_code in (401, 403)


def _queue(jobs: list[WorkOrder], base: datetime) -> list[tuple[str, dict[str, Any]]]:
    """Twenty actions a tablet queued in a basement, in the order they were done."""
    actions: list[tuple[str, dict[str, Any]]] = []
    clock = iter(range(1000))

    def at() -> str:
        return (base + timedelta(minutes=next(clock))).isoformat()

    for n, job in enumerate(jobs):
        url = f"/api/field/work-orders/{job.id}/"
        for action in ("accept", "en_route", "on_site"):
            actions.append(
                (
                    url + "actions/",
                    {"action": action, "client_event_id": f"{n}-{action}", "device_time": at()},
                )
            )
        actions.append(
            (
                url + "findings/",
                {
                    "client_event_id": f"{n}-f1",
                    "device_time": at(),
                    "leak_grade": 2,
                    "cause": "corrosion",
                },
            )
        )
        actions.append(
            (
                url + "findings/",
                {
                    "client_event_id": f"{n}-f2",
                    "device_time": at(),
                    "leak_grade": 1,
                    "valves_operated": [{"asset_id": "V-1", "action": "closed", "operable": False}],
                },
            )
        )
        actions.append(
            (
                url + "actions/",
                {"action": "made_safe", "client_event_id": f"{n}-made_safe", "device_time": at()},
            )
        )
        actions.append(
            (
                url + "findings/",
                {
                    "client_event_id": f"{n}-f3",
                    "device_time": at(),
                    "materials": [{"item": "PE clamp 63", "quantity": 1, "unit": "pc"}],
                    "notes": f"job {n} done",
                },
            )
        )
        actions.append(
            (
                url + "actions/",
                {"action": "complete", "client_event_id": f"{n}-complete", "device_time": at()},
            )
        )
    first = f"/api/field/work-orders/{jobs[0].id}/photos/"
    actions.append((first, {"client_event_id": "p1", "device_time": at(), "image": JPEG}))
    actions.append((first, {"client_event_id": "p2", "device_time": at(), "image": PNG}))
    actions.append(
        (
            "/api/field/crew/status/",
            {"status": "break", "client_event_id": "d1", "device_time": at()},
        )
    )
    actions.append(
        (
            "/api/field/crew/status/",
            {"status": "on_shift", "client_event_id": "d2", "device_time": at()},
        )
    )
    return actions


def _send(tablet: APIClient, url: str, body: dict[str, Any]) -> None:
    if "image" in body:
        from django.core.files.uploadedfile import SimpleUploadedFile

        upload = {**body, "image": SimpleUploadedFile("photo", body["image"])}
        response = tablet.post(url, upload, format="multipart")
    else:
        response = tablet.post(url, body, format="json")
    assert response.status_code in (200, 201), (url, body, response.content)


def _result(crew: Crew, jobs: list[WorkOrder], base: datetime) -> dict[str, Any]:
    """Everything the replay may change, with times relative to the queue's start."""

    def rel(t: datetime | None) -> float | None:
        return None if t is None else (t - base).total_seconds()

    crew.refresh_from_db()
    out: dict[str, Any] = {"crew": (crew.status, crew.duty, rel(crew.duty_reported_at))}
    for n, job in enumerate(jobs):
        job.refresh_from_db()
        events = IncidentEvent.objects.filter(work_order=job, client_event_id__isnull=False)
        out[f"job{n}"] = {
            "status": job.status,
            "arrived": rel(job.arrived_at),
            "findings": job.findings,
            "photos": sorted(job.photos.values_list("client_event_id", "sha256")),
            "incident": job.incident.status,
            # The clocks the crew stops (the work order's was stopped by the dispatch itself).
            "met": sorted(
                (d.milestone, rel(d.met_at))
                for d in job.incident.deadlines.exclude(milestone="work_order")
            ),
            "reports": sorted(
                (
                    e.client_event_id,
                    e.data.get("reported") or e.kind.split(".")[1],
                    rel(e.device_time),
                )
                for e in events
            ),
        }
    return out


def test_replaying_twenty_queued_actions_twice_out_of_order_equals_once_in_order(
    crews: dict,
) -> None:
    base = timezone.now().replace(microsecond=0) - timedelta(hours=2)
    in_order = _queue(crews["alpha_jobs"], base)
    assert len(in_order) == 20
    ann = _tablet("ann")
    for url, body in in_order:
        _send(ann, url, body)
    expected = _result(crews["alpha"], crews["alpha_jobs"], base)

    replay = _queue(crews["bravo_jobs"], base)
    shuffled = replay + replay
    random.Random(7).shuffle(shuffled)
    bob = _tablet("bob")
    for url, body in shuffled:
        _send(bob, url, body)
    assert _result(crews["bravo"], crews["bravo_jobs"], base) == expected
    assert expected["job0"]["status"] == "completed"
    assert expected["job0"]["findings"]["leak_grade"] == 1  # the later report's grade
    assert expected["crew"][:2] == ("available", "on_shift")


def test_a_photo_must_be_an_image_within_the_size_limit(crews: dict, settings: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.PHOTO_MAX_BYTES = 100_000
    tablet = _tablet("ann")
    url = f"/api/field/work-orders/{crews['alpha_jobs'][0].id}/photos/"
    now = timezone.now().isoformat()
    text = SimpleUploadedFile("photo.jpg", b"just some text", content_type="image/jpeg")
    response = tablet.post(url, {"client_event_id": "p", "device_time": now, "image": text})
    assert response.status_code == 400
    assert response.json()["error"] == "send a JPEG, PNG or WebP photo"
    big = SimpleUploadedFile("big.jpg", JPEG + b"\x00" * 100_000, content_type="image/jpeg")
    response = tablet.post(url, {"client_event_id": "p", "device_time": now, "image": big})
    assert response.status_code == 400
    assert "limit" in response.json()["error"]
    assert not crews["alpha_jobs"][0].photos.exists()
