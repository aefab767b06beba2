"""The start page's screens by role, and the incident list that leads to maps and timelines."""

import pytest
from django.test import Client

from dispatch.models import Incident, User
from dispatch.services.intake import CallInput, call_open_incident, call_receive
from gis.models import Premise


def _client(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


@pytest.mark.parametrize(
    ("username", "shown", "hidden"),
    [
        ("dispatcher", ["/wall/", "/console/", "/incidents/", "/network/"], ["/tablet/"]),
        ("calltaker", ["/wall/", "/console/", "/incidents/"], ["/network/", "/tablet/"]),
        ("safety", ["/incidents/", "/network/"], ["/wall/", "/console/", "/tablet/"]),
        ("crew", ["/tablet/"], ["/wall/", "/console/", "/incidents/", "/network/"]),
    ],
)
def test_the_start_page_offers_each_role_its_screens(
    demo_city: None, username: str, shown: list[str], hidden: list[str]
) -> None:
    page = _client(username).get("/").content.decode()
    for url in shown:
        assert f'href="{url}"' in page, url
    for url in hidden:
        assert f'href="{url}"' not in page, url


def test_the_incident_list_shows_open_incidents_finds_by_reference_and_links_by_role(
    demo_city: None,
) -> None:
    dispatcher = User.objects.get(username="dispatcher")
    premises = list(Premise.objects.order_by("asset_id")[:2])
    opened = []
    for premise in premises:
        call = call_receive(
            data=CallInput(category="leak_outdoor", premise_id=premise.id), taker=dispatcher
        )
        opened.append(call_open_incident(call_id=call.id, actor=dispatcher))
    Incident.objects.filter(pk=opened[1].pk).update(status=Incident.Status.CLOSED)

    safety = _client("safety").get("/incidents/").content.decode()
    assert opened[0].reference in safety
    assert opened[1].reference not in safety  # closed: not "open now"
    assert f"/incidents/{opened[0].reference}/timeline" in safety
    recent = _client("safety").get("/incidents/", {"show": "recent"}).content.decode()
    assert opened[1].reference in recent
    found = _client("safety").get("/incidents/", {"q": opened[1].reference[-4:]}).content.decode()
    assert opened[1].reference in found
    assert opened[0].reference not in found

    calltaker = _client("calltaker").get("/incidents/").content.decode()
    assert f"/incidents/{opened[0].reference}/map" in calltaker
    assert "/timeline" not in calltaker  # call takers do not review timelines
    assert "/console/?incident=" not in calltaker  # nor send crews
    assert "/console/?incident=" not in safety
    desk = _client("dispatcher").get("/incidents/").content.decode()
    assert f"/console/?incident={opened[0].reference}" in desk  # picked up from the list
    assert _client("crew").get("/incidents/").status_code == 403
