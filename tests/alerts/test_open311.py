"""Open311 GeoReport v2 end to end: a linked hotline speaking the spec over real HTTP reports a
leak, which becomes an incident, and later reads it back closed.

The fixtures here are shared by the other test_open311_*.py files (imported from this one).
"""

import json
from datetime import datetime, timedelta
from io import StringIO
from typing import Any
from urllib.parse import urlencode
from urllib.request import Request, urlopen
from xml.etree import ElementTree

import pytest
from django.core.management import call_command
from django.test import Client

from alerts.open311.keys import IssuedKey, api_key_create
from dispatch.models import Call, Incident, IncidentEvent, User
from dispatch.services.work_orders import work_order_dispatch, work_order_transition
from gis.models import Premise
from tests.dispatch.conftest import make_crew

BASE = "/open311/v2"
REQUEST_FIELDS = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]


@pytest.fixture
def city(db: None) -> None:
    """The demo city (2,000 premises), its organisation and the demo logins."""
    call_command("make_demo_city", "--premises", "2000", "--no-progress", stdout=StringIO())
    call_command("load_demo", stdout=StringIO())


@pytest.fixture
def issued(city: None) -> IssuedKey:
    return api_key_create(name="City 12345 hotline")


@pytest.fixture
def premise(city: None) -> Premise:
    found = (
        Premise.objects.filter(service_segment__isnull=False).exclude(room="").order_by("asset_id")
    ).first()
    assert found is not None
    return found


def post(client: Client, fmt: str = "json", /, **fields: Any) -> Any:
    """POST requests.<fmt> form-encoded, as the spec says."""
    return client.post(f"{BASE}/requests.{fmt}", fields)


def at(premise: Premise) -> dict[str, float]:
    return {"lat": premise.geom.y, "long": premise.geom.x}


def xml(response: Any) -> ElementTree.Element:
    """The answer parsed as XML: fails unless it is well-formed and says it is XML."""
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return ElementTree.fromstring(response.content)  # noqa: S314 - our own answer


def state() -> tuple[int, int, int]:
    """What a refused request must leave as it was."""
    return Call.objects.count(), Incident.objects.count(), IncidentEvent.objects.count()


def _http(url: str, data: dict[str, Any] | None = None) -> tuple[int, str, bytes]:
    request = Request(url, data=urlencode(data).encode() if data else None)  # noqa: S310
    with urlopen(request, timeout=30) as response:  # noqa: S310 - the live test server
        return response.status, response.headers["Content-Type"], response.read()


def test_an_open311_client_reports_a_leak_that_becomes_an_incident_and_reads_it_back_closed(
    live_server: Any, city: None, issued: IssuedKey, premise: Premise
) -> None:
    base = f"{live_server.url}{BASE}"
    status, _, body = _http(f"{base}/services.json")
    assert status == 200
    assert "leak_outdoor" in {s["service_code"] for s in json.loads(body)}

    status, content_type, body = _http(
        f"{base}/requests.json",
        {
            "api_key": issued.raw,
            "service_code": "leak_outdoor",
            **at(premise),
            "address_string": premise.full_text,
            "description": "Strong smell of gas by the gate",
            "first_name": "Wei",
            "last_name": "Li",
            "phone": "13900001111",
            "email": "li.wei@example.org",
            "media_url": "https://hotline.example.org/media/7.jpg",
            "external_id": "12345-20261122-7",
            "locale": "en",
        },
    )
    assert (status, content_type) == (200, "application/json; charset=utf-8")
    [receipt] = json.loads(body)
    incident = Incident.objects.get(reference=receipt["service_request_id"])
    assert receipt["service_notice"].startswith(f"Reported as {incident.reference} (P")
    call = incident.calls.get()
    assert call.taker is not None
    assert (call.channel, call.external_ref, call.taker.username) == (
        "open311",
        "12345-20261122-7",
        f"open311-{issued.key.prefix}",
    )
    assert (call.caller_phone, call.caller_email, call.language) == (
        "13900001111",
        "li.wei@example.org",
        "en",
    )

    status, content_type, body = _http(f"{base}/requests/{incident.reference}.xml")
    assert (status, content_type) == (200, "text/xml; charset=utf-8")
    root = ElementTree.fromstring(body)  # noqa: S314 - our own answer
    assert root.tag == "service_requests"
    [element] = root.findall("request")
    assert [child.tag for child in element] == REQUEST_FIELDS
    assert element.findtext("status") == "open"
    assert element.findtext("status_notes") == "Reported; a crew is being found."
    assert element.findtext("media_url") == "https://hotline.example.org/media/7.jpg"
    assert element.findtext("agency_responsible") == incident.station.name

    dispatcher = User.objects.get(username="dispatcher")
    crew = make_crew(incident.station, "Alpha", premise.geom)
    work_order = work_order_dispatch(
        incident_id=incident.pk,
        crew_id=crew.pk,
        actor=dispatcher,
        recommendation={"eta_seconds": 900, "distance_m": 2000},
    )
    [moving] = json.loads(_http(f"{base}/requests/{incident.reference}.json")[2])
    assert moving["status"] == "open"
    assert moving["status_notes"] == "A crew is on its way."
    assert work_order.eta is not None
    expected = datetime.fromisoformat(moving["expected_datetime"])
    assert expected == work_order.eta.replace(microsecond=0)  # the crew's ETA, to the second
    assert expected.utcoffset() == timedelta(hours=8)  # with the utility's offset

    for to in ("accepted", "en_route", "on_site", "made_safe", "completed"):
        work_order_transition(work_order_id=work_order.pk, to=to, actor=dispatcher)

    [closed] = json.loads(_http(f"{base}/requests/{incident.reference}.json")[2])
    assert closed["status"] == "closed"
    assert closed["status_notes"] == "Resolved: the work is complete."
    assert closed["expected_datetime"] is None
    assert closed["updated_datetime"] >= closed["requested_datetime"]
    root = ElementTree.fromstring(_http(f"{base}/requests.xml?status=closed")[2])  # noqa: S314
    assert [r.findtext("service_request_id") for r in root] == [incident.reference]
    assert [r.findtext("status") for r in root] == ["closed"]
