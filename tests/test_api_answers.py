"""Every success the API gives matches the OpenAPI document, walked through once on purpose.

tests/test_api_contract.py fuzzes every operation, but random input rarely gets past validation
into a real answer (a call stored, a crew sent, a tablet's findings): here each answer is
reached with valid input, as a call taker, a dispatcher, a crew's tablet and a van's tracker
do, and checked against the document with schemathesis's own checks.
"""

import time
from collections.abc import Iterator
from io import BytesIO
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from django.utils import timezone
from rest_framework.authtoken.models import Token
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from werkzeug.test import Client

from config.wsgi import application
from dispatch.models import Customer, User
from dispatch.roles import Role
from dispatch.services import user_create
from field_app_api.device_keys import http_device_identifier
from gis.models import Premise
from tests.dispatch.conftest import city, make_crew  # noqa: F401 - fixtures
from tests.field_app_api.test_tablet_api import JPEG, crews  # noqa: F401

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
PHONE = "13800138000"


@pytest.fixture
def api(crews: dict[str, Any], settings: Any) -> Iterator[Any]:  # noqa: F811
    settings.ALLOWED_HOSTS = ["*"]
    # As in test_api_contract: keep the test's connection (and its transaction) open.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def _answer(
    api: Any,
    user: str | None,
    method: str,
    path: str,
    *,
    status: int = 200,
    **case: Any,
) -> Any:
    """The answer to one valid request, after checking it against the document."""
    headers = {}
    if user is not None:
        key = Token.objects.get_or_create(user=User.objects.get(username=user))[0].key
        headers["Authorization"] = f"Token {key}"
    if "body" in case:
        case.setdefault("media_type", "application/json")
    request = api[path][method].Case(**case)
    if case.get("media_type") == "multipart/form-data":
        # schemathesis's WSGI transport sends a form without its boundary; Werkzeug's own client
        # encodes one properly, and its answer is checked the same way.
        response = Client(application).open(
            request.formatted_path, method=method, headers=headers, data=_files(case["body"])
        )
        assert response.status_code == status, response.text
        request.validate_response(response, checks=CHECKS, headers=headers)
        return response.json
    response = request.call(headers=headers)
    assert response.status_code == status, response.text
    request.validate_response(response, checks=CHECKS, headers=headers)
    return response.json()


def _files(body: dict[str, Any]) -> dict[str, Any]:
    return {
        name: (BytesIO(value), f"{name}.jpg") if isinstance(value, bytes) else value
        for name, value in body.items()
    }


def test_a_call_taken_and_dispatched_answers_as_documented(api: Any, crews: dict) -> None:  # noqa: F811
    premise = Premise.objects.exclude(room="").order_by("asset_id")[3]
    customer = Customer.objects.create(account_no="A-1", name="Wang", phones=[PHONE])
    customer.premises.add(premise)
    charlie = make_crew(crews["station"], "Charlie", premise.geom)

    pop = _answer(api, "disp", "GET", "/api/screen-pop/", query={"phone": PHONE})
    assert pop["customers"][0]["premises"][0]["id"] == premise.id
    body = {"category": "leak_outdoor", "caller_phone": PHONE, "premise_id": premise.id}
    first = _answer(api, "disp", "POST", "/api/calls/", status=201, body=body)
    incident = _answer(
        api,
        "disp",
        "POST",
        "/api/calls/{call_id}/open-incident/",
        status=201,
        path_parameters={"call_id": first["call"]["id"]},
    )
    second = _answer(api, "disp", "POST", "/api/calls/", status=201, body=body)
    assert incident["id"] in {d["incident"] for d in second["duplicates"]}
    _answer(
        api,
        "disp",
        "POST",
        "/api/calls/{call_id}/join/",
        path_parameters={"call_id": second["call"]["id"]},
        body={"incident_id": incident["id"]},
    )
    billing = {**body, "category": "billing"}
    third = _answer(api, "disp", "POST", "/api/calls/", status=201, body=billing)
    closed = _answer(
        api,
        "disp",
        "POST",
        "/api/calls/{call_id}/answer/",
        path_parameters={"call_id": third["call"]["id"]},
        body={"note": "a question about the bill"},
    )
    assert closed["outcome"] != "open"

    at = {"incident_id": incident["id"]}
    listed = _answer(api, "disp", "GET", "/api/incidents/")
    assert incident["id"] in {i["id"] for i in listed}
    crews_found = _answer(
        api, "disp", "GET", "/api/incidents/{incident_id}/recommendations/", path_parameters=at
    )
    assert charlie.id in {c["crew_id"] for c in crews_found}
    job = _answer(
        api,
        "disp",
        "POST",
        "/api/incidents/{incident_id}/dispatch/",
        status=201,
        path_parameters=at,
        body={"crew_id": charlie.id, "recommendation": crews_found[0]},
    )
    _answer(
        api,
        "disp",
        "POST",
        "/api/work-orders/{work_order_id}/transition/",
        path_parameters={"work_order_id": job["id"]},
        body={"to": "accepted", "client_event_id": "d1", "lon": 117.2, "lat": 39.1},
    )
    detail = _answer(api, "disp", "GET", "/api/incidents/{incident_id}/", path_parameters=at)
    assert [c["caller_phone"] for c in detail["calls"]] == [PHONE, PHONE]
    events = _answer(
        api, "disp", "GET", "/api/incidents/{incident_id}/timeline/", path_parameters=at
    )
    assert len(events) > 3
    me = _answer(api, "disp", "GET", "/api/me/")
    assert me["role"] == "dispatcher"


def test_a_tablet_at_work_answers_as_documented(api: Any, crews: dict) -> None:  # noqa: F811
    job = crews["alpha_jobs"][0]
    at = {"work_order_id": job.id}
    token = _answer(
        api, None, "POST", "/api/field/token/", body={"username": "ann", "password": "pw"}
    )
    assert token["token"]
    me = _answer(api, "ann", "GET", "/api/field/me/")
    assert me["vehicle"]["device_id"] == "VAN-Alpha"
    listed = _answer(api, "ann", "GET", "/api/field/work-orders/")
    assert {j["id"] for j in listed["results"]} == {w.id for w in crews["alpha_jobs"]}
    detail = _answer(
        api, "ann", "GET", "/api/field/work-orders/{work_order_id}/", path_parameters=at
    )
    assert detail["isolation"]["valves_to_close"]["features"]
    assert detail["network_around"]["features"]
    now = timezone.now()
    for n, action in enumerate(["accept", "en_route", "on_site"]):
        done = _answer(
            api,
            "ann",
            "POST",
            "/api/field/work-orders/{work_order_id}/actions/",
            path_parameters=at,
            body={"action": action, "client_event_id": f"t{n}", "device_time": now.isoformat()},
        )
    assert done["status"] == "on_site"
    assert done["arrived_at"] is not None
    findings = {
        "client_event_id": "f1",
        "device_time": now.isoformat(),
        "leak_grade": "2",
        "cause": "corrosion",
        "valves_operated": [{"asset_id": "V-1", "action": "closed", "operable": True}],
        "materials": [{"item": "clamp", "quantity": 1, "unit": "pc"}],
    }
    reported = _answer(
        api,
        "ann",
        "POST",
        "/api/field/work-orders/{work_order_id}/findings/",
        path_parameters=at,
        body=findings,
    )
    assert reported["findings"]["cause"] == "corrosion"
    photo = _answer(
        api,
        "ann",
        "POST",
        "/api/field/work-orders/{work_order_id}/photos/",
        status=201,
        path_parameters=at,
        media_type="multipart/form-data",
        body={"client_event_id": "p1", "device_time": now.isoformat(), "image": JPEG},
    )
    assert photo["size"] == len(JPEG)
    duty = _answer(
        api,
        "ann",
        "POST",
        "/api/field/crew/status/",
        body={"status": "break", "client_event_id": "b1", "device_time": now.isoformat()},
    )
    assert duty["crew"] == crews["alpha"].id


def test_the_map_and_a_tracker_answer_as_documented(api: Any, crews: dict) -> None:  # noqa: F811
    premise = Premise.objects.exclude(room="").order_by("asset_id").first()
    assert premise is not None
    found = _answer(api, "disp", "GET", "/api/gis/geocode/", query={"q": premise.full_text})
    assert found["candidates"][0]["kind"] == "premise"
    near = {"lon": premise.geom.x, "lat": premise.geom.y}
    reverse = _answer(api, "disp", "GET", "/api/gis/reverse/", query=near)
    assert reverse["premise"]["distance_m"] < 1
    box = premise.geom.buffer(0.02).extent
    roads = _answer(
        api, "disp", "GET", "/api/gis/roads.geojson", query={"bbox": ",".join(map(str, box))}
    )
    assert roads["features"]
    fix = {
        "id": http_device_identifier("VAN-Alpha"),
        "lat": premise.geom.y,
        "lon": premise.geom.x,
        "timestamp": int(time.time()) - 5,
        "accuracy": 5,
    }
    stored = _answer(api, None, "GET", "/api/field/osmand/", query=fix)
    assert stored == {"stored": 1, "duplicate": 0}


def test_a_user_of_no_unit_yet_is_described_as_documented(api: Any, crews: dict) -> None:  # noqa: F811
    user_create(username="new", password="pw", role=Role.CALL_TAKER, org_unit=None)
    me = _answer(api, "new", "GET", "/api/me/")
    assert me["org_unit"] is None
