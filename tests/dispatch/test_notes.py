"""Words and notes: what the caller said and the staff's notes, wherever an incident is shown."""

import csv
import io
from dataclasses import dataclass

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from dispatch.errors import DispatchError, ForbiddenError
from dispatch.models import Incident, IncidentEvent, User, WorkOrder
from dispatch.roles import Role
from dispatch.services import user_create
from dispatch.services.intake import CallInput, call_open_incident, call_receive
from dispatch.services.notes import NOTE_MAX_CHARS, incident_note_add
from dispatch.services.work_orders import work_order_dispatch
from gis.models import OrgUnit, Premise
from tests.dispatch.conftest import city, make_crew  # noqa: F401 - the fixture

SAID = "Strong smell by the meter box in the stairwell since this morning"
NOTE = "Caller's neighbour has the key to the boiler room: flat 302"


@dataclass
class Scene:
    incident: Incident
    taker: User
    dispatcher: User


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def scene(city: dict[str, OrgUnit]) -> Scene:  # noqa: F811
    taker = user_create(
        username="ct", password="pw", role=Role.CALL_TAKER, org_unit=city["gx-city"]
    )
    dispatcher = user_create(
        username="disp", password="pw", role=Role.DISPATCHER, org_unit=city["gx-city"]
    )
    premise = Premise.objects.exclude(room="").order_by("asset_id").first()
    assert premise is not None
    call = call_receive(
        data=CallInput(
            category="leak_indoor",
            premise_id=premise.id,
            caller_phone="13911110000",
            caller_name="Li",
            description=SAID,
        ),
        taker=taker,
    )
    incident = call_open_incident(call_id=call.id, actor=taker)
    return Scene(incident=incident, taker=taker, dispatcher=dispatcher)


def _notes(incident: Incident) -> list[IncidentEvent]:
    return list(IncidentEvent.objects.filter(incident=incident, kind="incident.note"))


def test_a_note_is_added_to_the_incidents_timeline(scene: Scene) -> None:
    at = timezone.now()
    note = incident_note_add(
        incident_id=scene.incident.id, text=f"  {NOTE}\n", actor=scene.dispatcher, at=at
    )
    [event] = _notes(scene.incident)
    assert (note.id, note.text, note.actor, note.at) == (event.id, NOTE, "disp", at)
    assert event.data == {"text": NOTE}
    assert event.actor == scene.dispatcher


def test_a_call_taker_adds_a_note_through_the_api(scene: Scene) -> None:
    response = _client(scene.taker).post(
        f"/api/incidents/{scene.incident.id}/notes/", {"text": NOTE}, "application/json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["text"] == NOTE
    assert response.json()["actor"] == "ct"
    assert [e.data["text"] for e in _notes(scene.incident)] == [NOTE]


@pytest.mark.parametrize("text", ["", "   \n\t "])
def test_an_empty_note_is_refused_and_nothing_is_written(scene: Scene, text: str) -> None:
    response = _client(scene.dispatcher).post(
        f"/api/incidents/{scene.incident.id}/notes/", {"text": text}, "application/json"
    )
    assert response.status_code == 400, response.content
    assert response.json()["field"] == "text"
    assert "empty" in response.json()["error"]
    assert _notes(scene.incident) == []


def test_a_note_over_the_length_limit_is_refused(scene: Scene) -> None:
    with pytest.raises(DispatchError, match="at most"):
        incident_note_add(
            incident_id=scene.incident.id,
            text="x" * (NOTE_MAX_CHARS + 1),
            actor=scene.dispatcher,
            at=timezone.now(),
        )
    assert _notes(scene.incident) == []


@pytest.mark.parametrize("role", [Role.CREW_MEMBER, Role.SAFETY_MANAGER])
def test_a_crew_member_or_safety_manager_cannot_add_a_note_through_the_console_api(
    scene: Scene,
    city: dict[str, OrgUnit],  # noqa: F811
    role: Role,
) -> None:
    user = user_create(username="other", password="pw", role=role, org_unit=city["gx-city"])
    response = _client(user).post(
        f"/api/incidents/{scene.incident.id}/notes/", {"text": NOTE}, "application/json"
    )
    assert response.status_code == 403
    assert "error" in response.json()
    with pytest.raises(ForbiddenError):
        incident_note_add(incident_id=scene.incident.id, text=NOTE, actor=user, at=timezone.now())
    assert _notes(scene.incident) == []


def test_a_user_of_another_organisation_cannot_add_a_note(
    scene: Scene,
    city: dict[str, OrgUnit],  # noqa: F811
) -> None:
    elsewhere = OrgUnit.objects.filter(tier=OrgUnit.Tier.STATION).exclude(
        pk=scene.incident.station_id
    )[0]
    stranger = user_create(username="far", password="pw", role=Role.DISPATCHER, org_unit=elsewhere)
    response = _client(stranger).post(
        f"/api/incidents/{scene.incident.id}/notes/", {"text": NOTE}, "application/json"
    )
    assert response.status_code == 403
    assert _notes(scene.incident) == []


def test_the_incident_api_shows_what_each_caller_said_and_the_notes(
    scene: Scene,
    city: dict[str, OrgUnit],  # noqa: F811
) -> None:
    incident_note_add(
        incident_id=scene.incident.id, text=NOTE, actor=scene.dispatcher, at=timezone.now()
    )
    reviewer = user_create(
        username="safe", password="pw", role=Role.SAFETY_MANAGER, org_unit=city["gx-city"]
    )
    for user in (scene.taker, reviewer):
        body = _client(user).get(f"/api/incidents/{scene.incident.id}/").json()
        # The caller's words are the fault's record, shown to a reviewer too; the number is not.
        assert [c["description"] for c in body["calls"]] == [SAID]
        assert [(n["text"], n["actor"]) for n in body["notes"]] == [(NOTE, "disp")]
    assert body["calls"][0]["caller_phone"] == ""


def test_the_timeline_page_and_csv_carry_the_note(scene: Scene) -> None:
    incident_note_add(
        incident_id=scene.incident.id, text=NOTE, actor=scene.dispatcher, at=timezone.now()
    )
    client = _client(scene.dispatcher)
    page = client.get(f"/incidents/{scene.incident.reference}/timeline")
    assert page.status_code == 200
    assert "the key to the boiler room: flat 302" in page.content.decode()  # "'" escaped
    rows = list(
        csv.DictReader(
            io.StringIO(
                client.get(f"/incidents/{scene.incident.reference}/timeline.csv").content.decode()
            )
        )
    )
    [note] = [r for r in rows if r["kind"] == "incident.note"]
    # The actor as people read them: their role and name (this dispatcher has only a username).
    assert (note["event"], note["detail"], note["actor"]) == ("Note", NOTE, "Dispatcher disp")
    exported = client.get(f"/incidents/{scene.incident.reference}/timeline.json").json()
    assert [n["text"] for n in exported["notes"]] == [NOTE]


def test_the_timeline_page_and_csv_carry_what_the_caller_said(scene: Scene) -> None:
    client = _client(scene.dispatcher)
    page = client.get(f"/incidents/{scene.incident.reference}/timeline")
    assert SAID in page.content.decode()
    rows = list(
        csv.DictReader(
            io.StringIO(
                client.get(f"/incidents/{scene.incident.reference}/timeline.csv").content.decode()
            )
        )
    )
    [received] = [r for r in rows if r["kind"] == "call.received"]
    assert SAID in received["detail"]


def test_the_incident_map_page_shows_the_words_and_the_notes(scene: Scene) -> None:
    incident_note_add(
        incident_id=scene.incident.id, text=NOTE, actor=scene.taker, at=timezone.now()
    )
    page = _client(scene.dispatcher).get(f"/incidents/{scene.incident.reference}/map")
    assert page.status_code == 200
    text = page.content.decode()
    assert SAID in text
    assert "flat 302" in text  # the note, its apostrophe escaped by the template


def test_the_tablet_shows_the_words_and_notes_of_its_own_crews_job_only(
    scene: Scene,
    city: dict[str, OrgUnit],  # noqa: F811
) -> None:
    station = city["st-central"]
    alpha = make_crew(station, "Alpha", scene.incident.point)
    bravo = make_crew(station, "Bravo", scene.incident.point)
    ann = user_create(username="ann", password="pw", role=Role.CREW_MEMBER, org_unit=station)
    alpha.members.add(ann)
    job: WorkOrder = work_order_dispatch(
        incident_id=scene.incident.id, crew_id=bravo.id, actor=None
    )
    incident_note_add(
        incident_id=scene.incident.id, text=NOTE, actor=scene.dispatcher, at=timezone.now()
    )
    tablet = APIClient()
    tablet.force_authenticate(ann)
    other = tablet.get(f"/api/field/work-orders/{job.id}/")
    assert other.status_code == 404
    assert SAID not in other.content.decode()
    bravo.members.add(ann)
    alpha.members.remove(ann)
    own = tablet.get(f"/api/field/work-orders/{job.id}/").json()
    assert [c["text"] for c in own["callers_said"]] == [SAID]
    assert [(n["text"], n["by"]) for n in own["notes"]] == [(NOTE, "disp")]
