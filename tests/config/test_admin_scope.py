"""Supervisors in the admin: what the role table lets them do, on their own stations only.

A supervisor configures the crews (members, skills, shift, van) and vans of the stations under
their own unit, and their people's phone and e-mail; another station's row is refused with
words that say whom to ask, and nothing changes.
"""

from datetime import time
from io import StringIO

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.test import Client, RequestFactory

from dispatch.access import ACCESS, Capability
from dispatch.admin_access import ADMIN_ACCESS, CONFIGURE, EVERY_MODEL, Action, admin_actions
from dispatch.choices import Skill
from dispatch.models import Crew, User
from dispatch.roles import Role
from dispatch.services import user_create
from fleet.models import Vehicle
from gis.models import OrgUnit

pytestmark = pytest.mark.django_db


@pytest.fixture
def stations(db: None) -> dict[str, Crew]:
    """The demo logins (a supervisor per station and one for the company), a crew with a van
    at the central and at the east station, and a crew member of each."""
    call_command("load_demo", stdout=StringIO())
    crews = {}
    for code, name in (("st-central", "Crew Central 1"), ("st-east", "Crew East 1")):
        unit = OrgUnit.objects.get(code=code)
        crew = Crew.objects.create(
            name=name,
            station=unit,
            skills=[Skill.LEAK_SURVEY, Skill.MAKE_SAFE],
            shift_start=time(8),
            shift_end=time(20),
        )
        short = code.removeprefix("st-")
        Vehicle.objects.create(device_id=f"VAN-{short}", registration=f"津E·{short}", crew=crew)
        user_create(username=f"fitter-{short}", password="x", role=Role.CREW_MEMBER, org_unit=unit)
        crews[short] = crew
    return crews


def _signed_in(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def _crew_form(crew: Crew, **changes: object) -> dict[str, object]:
    van = crew.vehicle
    form: dict[str, object] = {
        "name": crew.name,
        "station": crew.station_id,
        "skills": crew.skills,
        "members": [m.pk for m in crew.members.all()],
        "shift_start": crew.shift_start.strftime("%H:%M:%S"),
        "shift_end": crew.shift_end.strftime("%H:%M:%S"),
        "vehicle-TOTAL_FORMS": "1",
        "vehicle-INITIAL_FORMS": "1",
        "vehicle-MIN_NUM_FORMS": "0",
        "vehicle-MAX_NUM_FORMS": "1",
        "vehicle-0-id": van.pk,
        "vehicle-0-crew": crew.pk,
        "vehicle-0-device_id": van.device_id,
        "vehicle-0-registration": van.registration,
    }
    form.update(changes)
    return form


def _crew_as_it_was(crew: Crew) -> tuple[object, ...]:
    crew.refresh_from_db()
    van = Vehicle.objects.get(crew=crew)
    return (crew.name, crew.station_id, crew.shift_start, set(crew.members.all()), van.device_id)


def test_the_role_table_names_real_models_and_roles_that_enter_the_admin() -> None:
    registered = {model._meta.label_lower for model in admin.site._registry}
    for role, table in ADMIN_ACCESS.items():
        assert role in ACCESS[Capability.ADMIN], f"{role} has admin rights but cannot enter"
        assert set(table) - {EVERY_MODEL} <= registered, role


def test_every_admin_page_follows_the_role_table_not_permission_rows(stations: dict) -> None:
    supervisor = User.objects.get(username="supervisor")
    # Every permission row there is: the table must still decide.
    supervisor.user_permissions.set(Permission.objects.all())
    supervisor = User.objects.get(pk=supervisor.pk)  # no cached permissions
    request = RequestFactory().get("/admin/")
    request.user = supervisor
    for model, model_admin in admin.site._registry.items():
        label = model._meta.label_lower
        allowed = admin_actions(supervisor, label)
        granted = {
            Action.VIEW: model_admin.has_view_permission(request),
            Action.ADD: model_admin.has_add_permission(request),
            Action.CHANGE: model_admin.has_change_permission(request),
            Action.DELETE: model_admin.has_delete_permission(request),
        }
        assert {a for a, yes in granted.items() if yes} <= allowed, label
        assert model_admin.has_module_permission(request) == bool(allowed), label
    for label in ("dispatch.crew", "fleet.vehicle"):
        model_admin = next(
            a for m, a in admin.site._registry.items() if m._meta.label_lower == label
        )
        assert model_admin.has_add_permission(request)
        assert model_admin.has_change_permission(request)
        assert not model_admin.has_delete_permission(request)  # CONFIGURE: never delete
    assert admin_actions(supervisor, "dispatch.crew") == CONFIGURE
    assert admin_actions(supervisor, "dispatch.customer") == set()


def test_a_supervisor_lists_only_the_crews_vans_and_people_of_their_station(
    stations: dict,
) -> None:
    client = _signed_in("supervisor")
    crews = client.get("/admin/dispatch/crew/").content.decode()
    assert "Crew Central 1" in crews
    assert "Crew East 1" not in crews
    vans = client.get("/admin/fleet/vehicle/").content.decode()
    assert "VAN-central" in vans
    assert "VAN-east" not in vans
    people = client.get("/admin/dispatch/user/").content.decode()
    assert "fitter-central" in people
    assert "fitter-east" not in people
    assert "sup_east" not in people
    # The company's supervisor manages every station under the company.
    company = _signed_in("sup_city").get("/admin/dispatch/crew/").content.decode()
    assert "Crew Central 1" in company
    assert "Crew East 1" in company


def test_a_supervisor_editing_another_stations_crew_is_refused_and_nothing_changes(
    stations: dict,
) -> None:
    east = stations["east"]
    before = _crew_as_it_was(east)
    url = f"/admin/dispatch/crew/{east.pk}/change/"
    client = _signed_in("supervisor")
    words = "Crew East 1 belongs to 东区维修站; ask its supervisor or an administrator"

    shown = client.get(url)
    assert shown.status_code == 403
    assert words in shown.content.decode()

    saved = client.post(
        url,
        _crew_form(
            east,
            name="Crew Taken Over",
            members=[User.objects.get(username="fitter-east").pk],
            shift_start="06:00:00",
        ),
    )
    assert saved.status_code == 403
    assert words in saved.content.decode()
    assert _crew_as_it_was(east) == before

    for page in ("delete/", "history/"):
        assert client.get(f"/admin/dispatch/crew/{east.pk}/{page}").status_code == 403, page
    assert (
        client.post(f"/admin/dispatch/crew/{east.pk}/delete/", {"post": "yes"}).status_code == 403
    )
    assert Crew.objects.filter(pk=east.pk).exists()
    # The same page is the east supervisor's own.
    assert _signed_in("sup_east").get(url).status_code == 200


def test_moving_a_crew_to_another_station_in_the_form_is_refused_with_what_to_do(
    stations: dict,
) -> None:
    central, east = stations["central"], stations["east"]
    before = _crew_as_it_was(central)

    response = _signed_in("supervisor").post(
        f"/admin/dispatch/crew/{central.pk}/change/",
        _crew_form(central, station=east.station_id, name="Crew Moved"),
    )

    assert response.status_code == 200  # the form again, with the reason
    page = response.content.decode()
    assert "you manage the crews of 中心维修站" in page
    assert "ask an administrator" in page
    assert _crew_as_it_was(central) == before


def test_a_supervisor_puts_a_crew_member_of_their_station_on_a_crew(stations: dict) -> None:
    central = stations["central"]
    fitter = User.objects.get(username="fitter-central")
    url = f"/admin/dispatch/crew/{central.pk}/change/"
    client = _signed_in("supervisor")

    offered = client.get(url).content.decode()
    assert "fitter-central" in offered
    assert "fitter-east" not in offered  # another station's people are not offered
    refused = client.post(
        url, _crew_form(central, members=[User.objects.get(username="fitter-east").pk])
    )
    assert refused.status_code == 200
    assert "not one of the available choices" in refused.content.decode()
    assert not central.members.exists()

    response = client.post(url, _crew_form(central, members=[fitter.pk]))

    assert response.status_code == 302, response.content.decode()[:3000]
    assert list(central.members.all()) == [fitter]
    # The user's page shows the crew they are on.
    page = client.get(f"/admin/dispatch/user/{fitter.pk}/change/").content.decode()
    assert "Crew Central 1" in page
    assert f"/admin/dispatch/crew/{central.pk}/change/" in page
    listing = client.get("/admin/dispatch/user/").content.decode()
    assert "Crew Central 1" in listing


def test_a_supervisor_adds_a_crew_with_a_van_at_their_station_only(stations: dict) -> None:
    central_unit = OrgUnit.objects.get(code="st-central")
    form = {
        "name": "Crew Central 2",
        "station": central_unit.pk,
        "skills": [Skill.METERS],
        "shift_start": "20:00:00",
        "shift_end": "08:00:00",
        "vehicle-TOTAL_FORMS": "1",
        "vehicle-INITIAL_FORMS": "0",
        "vehicle-MIN_NUM_FORMS": "0",
        "vehicle-MAX_NUM_FORMS": "1",
        "vehicle-0-device_id": "VAN-C2",
        "vehicle-0-registration": "津E·C0002",
    }
    client = _signed_in("supervisor")
    elsewhere = client.post(
        "/admin/dispatch/crew/add/", {**form, "station": OrgUnit.objects.get(code="st-west").pk}
    )
    assert elsewhere.status_code == 200
    assert "you manage the crews of 中心维修站" in elsewhere.content.decode()
    assert not Crew.objects.filter(name="Crew Central 2").exists()

    response = client.post("/admin/dispatch/crew/add/", form)

    assert response.status_code == 302, response.content.decode()[:3000]
    crew = Crew.objects.get(name="Crew Central 2")
    assert crew.station == central_unit
    assert crew.vehicle.device_id == "VAN-C2"


def test_a_supervisor_gives_a_van_only_to_a_crew_of_their_own(stations: dict) -> None:
    central, east = stations["central"], stations["east"]
    van = central.vehicle
    url = f"/admin/fleet/vehicle/{van.pk}/change/"
    client = _signed_in("supervisor")
    form = {"device_id": van.device_id, "registration": van.registration}

    to_east = client.post(url, {**form, "crew": east.pk})
    no_crew = client.post(url, {**form, "crew": ""})

    assert to_east.status_code == no_crew.status_code == 200
    assert "the van can go to a crew of 中心维修站 only" in to_east.content.decode()
    assert "give the van one of your crews" in no_crew.content.decode()
    van.refresh_from_db()
    assert van.crew == central
    assert client.get(f"/admin/fleet/vehicle/{east.vehicle.pk}/change/").status_code == 403
    renamed = client.post(url, {**form, "crew": central.pk, "registration": "津E·C0001"})
    assert renamed.status_code == 302
    van.refresh_from_db()
    assert van.registration == "津E·C0001"


def test_a_supervisor_changes_their_peoples_contacts_but_never_a_role_or_password(
    stations: dict,
) -> None:
    fitter = User.objects.get(username="fitter-central")
    url = f"/admin/dispatch/user/{fitter.pk}/change/"
    client = _signed_in("supervisor")

    response = client.post(
        url,
        {
            "phone": "13911112222",
            "email": "fitter@example.com",
            "role": Role.ADMINISTRATOR,
            "org_unit": OrgUnit.objects.get(code="gx-group").pk,
            "is_superuser": "on",
        },
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    fitter.refresh_from_db()
    assert (fitter.phone, fitter.email) == ("13911112222", "fitter@example.com")
    assert fitter.role == Role.CREW_MEMBER
    assert fitter.org_unit is not None
    assert fitter.org_unit.code == "st-central"
    assert not fitter.is_superuser
    assert client.get(f"/admin/dispatch/user/{fitter.pk}/password/").status_code == 403
    assert client.get("/admin/dispatch/user/add/").status_code == 403
    east = User.objects.get(username="fitter-east")
    assert client.post(f"/admin/dispatch/user/{east.pk}/change/", {"phone": "1"}).status_code == 403
    east.refresh_from_db()
    assert east.phone == ""


def test_a_supervisor_never_redirects_a_peers_or_an_administrators_escalations(
    stations: dict,
) -> None:
    """sup_city's unit holds the station supervisors: it reads their rows, changes none."""
    client = _signed_in("sup_city")
    for username in ("supervisor", "sup_east"):
        peer = User.objects.get(username=username)
        before = (peer.phone, peer.email)
        url = f"/admin/dispatch/user/{peer.pk}/change/"
        assert client.get(url).status_code == 200  # read only
        client.post(url, {"phone": "13000000000", "email": "x@example.com"})
        peer.refresh_from_db()
        assert (peer.phone, peer.email) == before, username
    own = User.objects.get(username="sup_city")
    response = client.post(
        f"/admin/dispatch/user/{own.pk}/change/", {"phone": "13800009999", "email": own.email}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    own.refresh_from_db()
    assert own.phone == "13800009999"


def test_the_queue_alarm_is_one_for_every_station_so_a_supervisor_only_reads_it(
    stations: dict,
) -> None:
    client = _signed_in("supervisor")
    assert client.get("/admin/maps/queuealarm/").status_code == 200
    from maps.models import QueueAlarm

    alarm = QueueAlarm.objects.get(priority=1)
    client.post(
        f"/admin/maps/queuealarm/{alarm.pk}/change/",
        {"priority": "1", "after_seconds": "86400", "sound": ""},
    )
    alarm.refresh_from_db()
    assert (alarm.after_seconds, alarm.sound) == (60, True)
