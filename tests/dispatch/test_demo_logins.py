"""The demo works out of the box: the crew login's tablet has a crew and a van, and a breach
reaches a supervisor who can be told."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from alerts.escalation import supervisors_of
from dispatch.models import Crew, User
from dispatch.roles import Role
from gis.models import OrgUnit

pytestmark = pytest.mark.django_db


def _tablet_me(username: str) -> tuple[int, dict]:
    client = Client()
    client.force_login(User.objects.get(username=username))
    response = client.get("/api/field/me/")
    return response.status_code, response.json()


def test_the_crew_login_is_on_a_crew_with_a_van_of_its_station() -> None:
    # The order `make run` uses: logins first, then the crews.
    call_command("load_demo", stdout=StringIO())
    call_command("make_demo_crews", "--count", "12", stdout=StringIO())

    status, body = _tablet_me("crew")

    assert status == 200, body
    assert body["vehicle"] is not None
    crew = User.objects.get(username="crew").crews.get()
    assert crew.station.code == "st-central" == body["crew"]["station"]
    assert body["vehicle"]["device_id"] == crew.vehicle.device_id


def test_the_crew_login_joins_again_when_the_crews_are_replaced_or_the_demo_reloaded() -> None:
    call_command("load_demo", stdout=StringIO())
    call_command("make_demo_crews", "--count", "12", stdout=StringIO())
    call_command("make_demo_crews", "--count", "12", "--replace", stdout=StringIO())
    assert _tablet_me("crew")[0] == 200

    # A database from before: the login on no crew is put on one by the next load_demo.
    User.objects.get(username="crew").crews.clear()
    call_command("load_demo", stdout=StringIO())
    call_command("load_demo", stdout=StringIO())
    assert _tablet_me("crew")[0] == 200
    assert Crew.objects.filter(members__username="crew").count() == 1


def test_the_crew_login_says_what_to_do_while_no_crews_exist() -> None:
    call_command("load_demo", stdout=StringIO())

    status, body = _tablet_me("crew")

    assert status == 403
    assert "not on a crew" in body["error"]


def test_demo_supervisors_have_a_phone_and_an_email_for_escalations() -> None:
    call_command("load_demo", stdout=StringIO())
    station = OrgUnit.objects.get(code="st-central")

    told = supervisors_of(station)

    assert told, "the demo's central station has a supervisor"
    assert all(user.phone and user.email for user in told)
    assert all(user.phone and user.email for user in User.objects.filter(role=Role.SUPERVISOR))


def test_supervisors_of_an_older_demo_get_their_contact_details_on_the_next_load() -> None:
    call_command("load_demo", stdout=StringIO())
    User.objects.filter(username="supervisor").update(phone="", email="")

    call_command("load_demo", stdout=StringIO())

    supervisor = User.objects.get(username="supervisor")
    assert supervisor.phone
    assert supervisor.email
