"""The demo works out of the box: the crew login's tablet has a crew and a van, and a breach
at any station reaches that station's supervisor, who can be told."""

from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.gis.geos import Point
from django.core.management import call_command
from django.test import Client, override_settings

from alerts.escalation import escalations_advance, supervisors_of
from alerts.models import Escalation, Notification
from demo.org import CITY_NORTH, CITY_SOUTH, STATIONS
from demo.people import DEMO_LOGINS
from dispatch.models import Crew, Incident, User
from dispatch.roles import Role
from dispatch.services.intake import CallInput, call_open_incident, call_receive
from dispatch.services.sla import deadlines_breach_due
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


def test_loading_the_demo_twice_keeps_one_supervisor_per_station_and_the_company() -> None:
    call_command("load_demo", stdout=StringIO())
    call_command("load_demo", stdout=StringIO())

    assert User.objects.count() == len(DEMO_LOGINS)
    supervised = User.objects.filter(role=Role.SUPERVISOR).values_list("org_unit__code", flat=True)
    assert sorted(supervised) == ["gx-city", "st-central", "st-east", "st-west"]


def _incident_at(code: str) -> Incident:
    """An outdoor leak in the middle of a demo station's territory, taken by the dispatcher."""
    west, east = next((w, e) for c, _name, w, e in STATIONS if c == code)
    taker = User.objects.get(username="dispatcher")
    point = Point((west + east) / 2, (CITY_SOUTH + CITY_NORTH) / 2, srid=4326)
    call = call_receive(data=CallInput(category="leak_outdoor", point=point), taker=taker)
    return call_open_incident(call_id=call.pk, actor=taker)


@override_settings(ESCALATE_AFTER_S=900)
def test_a_breach_at_every_demo_station_reaches_that_stations_supervisor_then_the_company() -> None:
    call_command("load_demo", stdout=StringIO())
    for code, _name, _west, _east in STATIONS:
        incident = _incident_at(code)
        assert incident.station.code == code
        first = incident.deadlines.order_by("due_at").first()
        assert first is not None
        assert deadlines_breach_due(now=first.due_at + timedelta(seconds=1)) == 1

        escalation = Escalation.objects.get(deadline=first)
        supervisor = User.objects.get(role=Role.SUPERVISOR, org_unit__code=code)
        assert escalation.recipients == [supervisor.username], code
        sent_to = set(
            Notification.objects.filter(incident=incident).values_list("recipient", flat=True)
        )
        assert sent_to == {supervisor.phone, supervisor.email}, code

        assert escalations_advance(now=first.due_at + timedelta(seconds=902)) == 1
        company = Escalation.objects.get(deadline=first, level=2)
        assert company.recipients == ["sup_city"], code
