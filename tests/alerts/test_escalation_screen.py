"""/escalations/: a supervisor sees the breaches of their own stations, whom each was taken to
and whether the messages reached them, sent through the real SMS gateway and SMTP server."""

from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.gis.geos import Point
from django.core.management import call_command
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from alerts.models import Escalation
from alerts.services.notifications import notifications_drain
from demo.org import CITY_NORTH, CITY_SOUTH, STATIONS
from dispatch.models import Incident, IncidentDeadline, User
from dispatch.services.intake import CallInput, call_open_incident, call_receive
from dispatch.services.sla import deadline_meet, deadlines_breach_due
from tests.alerts.outside import MailServer, SmsGateway

pytestmark = pytest.mark.django_db


def _breached_at(code: str) -> tuple[Incident, IncidentDeadline]:
    """An outdoor leak in a demo station's territory whose first clock has just breached."""
    west, east = next((w, e) for c, _name, w, e in STATIONS if c == code)
    taker = User.objects.get(username="dispatcher")
    point = Point((west + east) / 2, (CITY_SOUTH + CITY_NORTH) / 2, srid=4326)
    call = call_receive(data=CallInput(category="leak_outdoor", point=point), taker=taker)
    incident = call_open_incident(call_id=call.pk, actor=taker)
    first = incident.deadlines.order_by("due_at").first()
    assert first is not None
    assert deadlines_breach_due(now=first.due_at + timedelta(seconds=1)) == 1
    first.refresh_from_db()
    return incident, first


@pytest.fixture
def breaches(
    db: None, outside: tuple[SmsGateway, MailServer]
) -> dict[str, tuple[Incident, IncidentDeadline]]:
    """The demo logins; a breach in the west (its messages sent), one in the centre (waiting)
    and one in the east, whose supervisor has no phone or e-mail (nobody told)."""
    call_command("load_demo", stdout=StringIO())
    User.objects.filter(username="sup_east").update(phone="", email="")
    found = {"west": _breached_at("st-west")}
    assert notifications_drain() == 2
    found["central"] = _breached_at("st-central")
    found["east"] = _breached_at("st-east")
    return found


def _page(username: str, show: str = "") -> tuple[int, str]:
    client = Client()
    client.force_login(User.objects.get(username=username))
    response = client.get("/escalations/", {"show": show} if show else {})
    return response.status_code, response.content.decode()


def test_a_supervisor_sees_their_stations_breaches_whom_they_reached_and_how(
    breaches: dict, outside: tuple[SmsGateway, MailServer]
) -> None:
    sms, _mail = outside
    west, central, east = (breaches[k][0].reference for k in ("west", "central", "east"))

    status, page = _page("sup_west")

    assert status == 200
    assert west in page
    assert central not in page
    assert east not in page
    assert "吴辉 (sup_west)" in page  # a Chinese name, family name first
    assert "13800000001" in page
    assert "supervisor.west@example.com" in page
    assert page.count(">sent<") == 2  # the SMS and the e-mail, both delivered
    assert sms.texts_to("13800000001")  # and the gateway did get the text
    assert breaches["west"][1].get_milestone_display() in page  # the clock, in words
    assert "level 1: 西区维修站" in page

    status, page = _page("supervisor")
    assert central in page
    assert west not in page
    assert page.count(">waiting to be sent<") == 2


def test_the_company_supervisor_sees_every_station_and_a_breach_that_reached_nobody(
    breaches: dict,
) -> None:
    status, page = _page("sup_city")

    assert status == 200
    for incident, _deadline in breaches.values():
        assert incident.reference in page
    east = Escalation.objects.get(deadline=breaches["east"][1])
    assert east.recipients == []
    assert "Nobody" in page
    assert "give one in the admin" in page


@override_settings(ESCALATE_AFTER_S=900)
def test_still_breached_shows_when_it_goes_up_and_leaves_out_a_clock_met(breaches: dict) -> None:
    west_incident, west_clock = breaches["west"]
    deadline_meet(
        incident=west_incident,
        milestone=west_clock.milestone,
        at=west_clock.due_at + timedelta(minutes=5),
    )

    _status, breached = _page("sup_city", "breached")
    _status, recent = _page("sup_city")

    assert west_incident.reference not in breached
    assert breaches["central"][0].reference in breached
    assert "goes one unit up at" in breached
    assert west_incident.reference in recent  # met late: still on the recent list
    assert 'class="met"' in recent


def test_the_list_costs_the_same_queries_for_one_breach_or_many(breaches: dict) -> None:
    def queries(username: str) -> int:
        client = Client()
        client.force_login(User.objects.get(username=username))
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/escalations/").status_code == 200
        return len(captured)

    assert queries("sup_west") == queries("sup_city")


def test_other_roles_are_refused_and_the_start_page_links_supervisors_to_it(
    breaches: dict,
) -> None:
    status, page = _page("calltaker")
    assert status == 403
    assert "not for your role" in page
    assert breaches["west"][0].reference not in page
    assert Client().get("/escalations/").status_code == 302  # signed out: sign in first

    for username, linked in (("supervisor", True), ("admin", True), ("calltaker", False)):
        client = Client()
        client.force_login(User.objects.get(username=username))
        assert ('href="/escalations/"' in client.get("/").content.decode()) == linked, username
