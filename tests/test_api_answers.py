"""Every success the API gives matches the OpenAPI document, walked through once on purpose.

tests/test_api_contract.py fuzzes every operation, but random input rarely gets past validation
into a real answer (a call stored, a crew sent, a tablet's findings): here each answer is
reached with valid input, as a call taker, a dispatcher, a crew's tablet and a van's tracker
do, and checked against the document with schemathesis's own checks. The document is the
closed one (tests/test_api_schema.py): an answer with a key its serializer does not declare
fails, as does one without a key it declares.

Every operation of the document is walked through by one of the tests below (WALKS); a new
endpoint fails `test_every_operation_is_walked_through` until a test here answers it.
"""

import time
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from io import BytesIO
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from werkzeug.test import Client

from alerts.models import SupplyInterruption
from alerts.open311.keys import api_key_create
from config.wsgi import application
from desk.appointments.models import Slot, WorkType
from desk.billing.models import AccountBalance, MonthlyUsage, SupplyStatus
from desk.knowledge.services import ArticleInput, article_publish, article_save
from desk.services.cases import case_open
from dispatch.models import Customer, User
from dispatch.roles import Role
from dispatch.services import user_create
from dispatch.services.intake import CallInput, call_open_incident, call_receive
from fleet.device_keys import http_device_identifier
from gis.models import OrgUnit, Premise
from gis.selectors import org_unit_station_for_point
from telephony.models import PhoneSystem
from tests.dispatch.conftest import city, make_crew  # noqa: F401 - fixtures
from tests.field_app_api.test_tablet_api import JPEG, crews  # noqa: F401
from tests.test_api_schema import api_closed, document_generated  # noqa: F401 - fixture

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
PHONE = "13800138000"
# Each test, and the operations it must answer with a success.
WALKS = {
    "test_a_call_taken_and_dispatched_answers_as_documented": {
        "GET /api/screen-pop/",
        "POST /api/calls/",
        "POST /api/calls/{call_id}/open-incident/",
        "POST /api/calls/{call_id}/join/",
        "POST /api/calls/{call_id}/answer/",
        "GET /api/incidents/",
        "GET /api/incidents/{incident_id}/recommendations/",
        "POST /api/incidents/{incident_id}/dispatch/",
        "POST /api/work-orders/{work_order_id}/transition/",
        "GET /api/incidents/{incident_id}/",
        "GET /api/incidents/{incident_id}/timeline/",
        "GET /api/me/",
    },
    "test_a_dispatcher_ends_cases_and_moves_crews_as_documented": {
        "GET /api/dispatch-queue/",
        "GET /api/dispatch-queue/{incident_id}/",
        "POST /api/incidents/{incident_id}/notes/",
        "POST /api/incidents/{incident_id}/close/",
        "POST /api/incidents/{incident_id}/cancel/",
        "POST /api/incidents/{incident_id}/refer/",
        "POST /api/incidents/{incident_id}/merge/",
        "POST /api/work-orders/{work_order_id}/cancel/",
        "POST /api/work-orders/{work_order_id}/reassign/",
    },
    "test_a_tablet_at_work_answers_as_documented": {
        "POST /api/field/token/",
        "GET /api/field/me/",
        "GET /api/field/work-orders/",
        "GET /api/field/work-orders/{work_order_id}/",
        "POST /api/field/work-orders/{work_order_id}/actions/",
        "POST /api/field/work-orders/{work_order_id}/findings/",
        "POST /api/field/work-orders/{work_order_id}/photos/",
        "POST /api/field/crew/status/",
    },
    "test_the_map_and_a_tracker_answer_as_documented": {
        "GET /api/gis/geocode/",
        "GET /api/gis/reverse/",
        "GET /api/gis/roads.geojson",
        "GET /api/field/osmand/",
        "POST /api/field/osmand/",
    },
    "test_a_user_of_no_unit_yet_is_described_as_documented": {"GET /api/me/"},
    "test_a_complaint_is_worked_replied_and_called_back_as_documented": {
        "POST /api/desk/cases/",
        "GET /api/desk/cases/",
        "GET /api/desk/cases/{reference}/",
        "GET /api/desk/cases/{reference}/identity/",
        "POST /api/desk/cases/{reference}/{action}/",
        "GET /api/callbacks/",
        "POST /api/callbacks/{callback_id}/attempts/",
    },
    "test_second_tier_checklists_and_field_jobs_answer_as_documented": {
        "POST /api/desk/cases/",
        "POST /api/desk/cases/{reference}/{action}/",
        "POST /api/desk/incidents/{incident_id}/raise-case/",
    },
    "test_the_knowledge_base_answers_as_documented": {
        "GET /api/knowledge/search/",
        "GET /api/knowledge/articles/",
        "GET /api/knowledge/articles/{article_id}/",
    },
    "test_appointments_answer_as_documented": {
        "GET /api/appointments/stations/",
        "GET /api/appointments/slots/",
        "POST /api/appointments/",
        "POST /api/appointments/{reference}/move/",
        "POST /api/appointments/{reference}/cancel/",
    },
    # tests/reports/test_reports_api.py
    "test_the_reports_answer_as_documented": {
        "GET /api/reports/figures/",
        "GET /api/reports/figures/{key}/items/",
        "GET /api/reports/breaches/",
    },
    # A phone system's events through the webhook other ACDs use (telephony/webhook.py).
    "test_an_acds_webhook_answers_as_documented": {"POST /api/telephony/webhook/{system_id}/"},
    # The IVR, signed by a linked system's API key (alerts/ivr).
    "test_the_ivr_answers_as_documented": {
        "GET /api/ivr/report-status/",
        "GET /api/ivr/premise-status/",
        "GET /api/ivr/announcement/",
        "POST /api/ivr/callback/",
    },
    "test_a_customers_story_answers_as_documented": {
        "GET /api/desk/story/",
        "GET /api/desk/customers/search/",
        "GET /api/supply-status/",
    },
}
_answered: set[str] = set()


@pytest.fixture
def api(request: pytest.FixtureRequest, crews: dict[str, Any], api_closed: Any) -> Iterator[Any]:  # noqa: F811
    """The closed document; after the test, every operation of its walk must have answered."""
    _answered.clear()
    yield api_closed
    missed = WALKS[request.node.name] - _answered
    assert not missed, f"not answered with a success: {sorted(missed)}"


def test_every_operation_is_walked_through() -> None:
    operations = {
        f"{method.upper()} {path}"
        for path, methods in document_generated()["paths"].items()
        for method in methods
    }
    walked = set().union(*WALKS.values())
    assert operations - walked == set(), "no test below answers these"
    assert walked - operations == set(), "walked, but not in the document"


def _answer(
    api: Any,
    user: str | None,
    method: str,
    path: str,
    *,
    status: int = 200,
    bearer: str = "",
    **case: Any,
) -> Any:
    """The answer to one valid request, after checking it against the document (signed as
    `user`, or by a linked system's API key `bearer`)."""
    headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
    if user is not None:
        key = Token.objects.get_or_create(user=User.objects.get(username=user))[0].key
        headers["Authorization"] = f"Token {key}"
    if "body" in case:
        case.setdefault("media_type", "application/json")
    request = api[path][method].Case(**case)
    if case.get("media_type") == "multipart/form-data":
        # schemathesis's WSGI transport sends a form without its boundary; Werkzeug's own client
        # encodes one properly, and its answer is checked the same way.
        sent = Client(application).open(
            request.formatted_path, method=method, headers=headers, data=_files(case["body"])
        )
        code, text, body = sent.status_code, sent.text, sent.json
    else:
        sent = request.call(headers=headers)
        code, text, body = sent.status_code, sent.text, sent.json()
    assert code == status, text
    request.validate_response(sent, checks=CHECKS, headers=headers)
    _answered.add(f"{method} {path}")
    return body


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


def _opened(dispatcher: User, premise: Premise) -> int:
    call = call_receive(
        data=CallInput(category="leak_outdoor", premise_id=premise.id), taker=dispatcher
    )
    return call_open_incident(call_id=call.id, actor=dispatcher).pk


def test_a_dispatcher_ends_cases_and_moves_crews_as_documented(api: Any, crews: dict) -> None:  # noqa: F811
    dispatcher = crews["dispatcher"]
    places = list(Premise.objects.exclude(room="").order_by("-asset_id")[:500:100])
    closing, cancelling, referring, duplicate, survivor = (_opened(dispatcher, p) for p in places)

    queue = _answer(api, "disp", "GET", "/api/dispatch-queue/")
    assert {closing, survivor} <= {item["id"] for item in queue["items"]}
    at = {"incident_id": closing}
    note = _answer(
        api,
        "disp",
        "POST",
        "/api/incidents/{incident_id}/notes/",
        status=201,
        path_parameters=at,
        body={"text": "the neighbour smells it too"},
    )
    shown = _answer(api, "disp", "GET", "/api/dispatch-queue/{incident_id}/", path_parameters=at)
    assert shown["timeline"]
    assert shown["callers"]
    closed = _answer(
        api,
        "disp",
        "POST",
        "/api/incidents/{incident_id}/close/",
        path_parameters=at,
        body={"reason": "no_fault_found", "note": note["text"]},
    )
    assert closed["status"] == "closed"
    cancelled = _answer(
        api,
        "disp",
        "POST",
        "/api/incidents/{incident_id}/cancel/",
        path_parameters={"incident_id": cancelling},
        body={"reason": "false_alarm", "note": "a barbecue next door"},
    )
    assert cancelled["end_reason"] == "false_alarm"
    referred = _answer(
        api,
        "disp",
        "POST",
        "/api/incidents/{incident_id}/refer/",
        path_parameters={"incident_id": referring},
        body={"reason": "not_our_network", "agency": "Water Co."},
    )
    assert referred["referred_to"] == "Water Co."
    merged = _answer(
        api,
        "disp",
        "POST",
        "/api/incidents/{incident_id}/merge/",
        path_parameters={"incident_id": duplicate},
        body={"into_id": survivor, "reason": "duplicate"},
    )
    assert merged["merged_into"] == survivor

    called_off = _answer(
        api,
        "disp",
        "POST",
        "/api/work-orders/{work_order_id}/cancel/",
        path_parameters={"work_order_id": crews["alpha_jobs"][0].id},
        body={"reason": "needed elsewhere"},
    )
    assert called_off["status"] == "cancelled"
    charlie = make_crew(crews["station"], "Charlie", places[0].geom)
    moved = _answer(
        api,
        "disp",
        "POST",
        "/api/work-orders/{work_order_id}/reassign/",
        status=201,
        path_parameters={"work_order_id": crews["bravo_jobs"][0].id},
        body={"crew_id": charlie.id, "reason": "van broke down"},
    )
    assert moved["crew"] == charlie.id


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
    again = _answer(
        api,
        None,
        "POST",
        "/api/field/osmand/",
        media_type="application/x-www-form-urlencoded",
        body={key: str(value) for key, value in fix.items()},
    )
    assert again == {"stored": 0, "duplicate": 1}


def test_a_user_of_no_unit_yet_is_described_as_documented(api: Any, crews: dict) -> None:  # noqa: F811
    user_create(username="new", password="pw", role=Role.CALL_TAKER, org_unit=None)
    me = _answer(api, "new", "GET", "/api/me/")
    assert me["org_unit"] is None


def _step(api: Any, user: str, reference: str, action: str, **body: Any) -> Any:
    """One step of a desk case (POST /api/desk/cases/{reference}/{action}/), its case back."""
    return _answer(
        api,
        user,
        "POST",
        "/api/desk/cases/{reference}/{action}/",
        path_parameters={"reference": reference, "action": action},
        body=body,
    )


def _case_opened(api: Any, user: str, category: str, premise: Premise, text: str) -> Any:
    """A call stored at the console, then a desk case opened for it, both through the API."""
    body = {
        "category": category,
        "caller_phone": PHONE,
        "caller_name": "李雷",
        "premise_id": premise.pk,
        "description": text,
    }
    stored = _answer(api, user, "POST", "/api/calls/", status=201, body=body)
    return _answer(
        api, user, "POST", "/api/desk/cases/", status=201, body={"call": stored["call"]["id"]}
    )


def test_a_complaint_is_worked_replied_and_called_back_as_documented(
    api: Any,
    crews: dict,  # noqa: F811
) -> None:
    premise = Premise.objects.exclude(room="").order_by("asset_id")[5]
    case = _case_opened(api, "disp", "complaint", premise, "the meter reader was rude")
    reference = case["reference"]
    assert (case["confidential"], case["status"]) == (True, "received")
    at = {"reference": reference}
    listed = _answer(api, "disp", "GET", "/api/desk/cases/", query={"status": "open"})
    assert reference in {c["reference"] for c in listed}
    shown = _answer(api, "disp", "GET", "/api/desk/cases/{reference}/", path_parameters=at)
    assert shown["identity_visible"] is True  # the dispatcher sits at the handling desk
    caller = _answer(
        api, "disp", "GET", "/api/desk/cases/{reference}/identity/", path_parameters=at
    )
    assert caller["phone"] == PHONE
    assigned = _step(api, "disp", reference, "assign", handler=crews["dispatcher"].pk)
    assert assigned["status"] == "assigned"
    assert _step(api, "disp", reference, "start")["status"] == "in_progress"
    replied = _step(api, "disp", reference, "reply", text="We spoke to the reader; sorry.")
    assert replied["reply_text"] == "We spoke to the reader; sorry."

    owed = _answer(api, "disp", "GET", "/api/callbacks/", query={"show": "open"})
    (callback,) = [c for c in owed if c["reference"] == reference]
    assert (callback["kind"], callback["phone"]) == ("case", PHONE)
    done = _answer(
        api,
        "disp",
        "POST",
        "/api/callbacks/{callback_id}/attempts/",
        status=201,
        path_parameters={"callback_id": callback["id"]},
        body={"outcome": "reached", "score": 4, "comment": "fine now"},
    )
    assert (done["status"], done["satisfaction"]) == ("reached", 4)
    assert done["history"][0]["score"] == 4
    closed = _step(api, "disp", reference, "close", note="called back, satisfied")
    assert closed["status"] == "closed"


def test_second_tier_checklists_and_field_jobs_answer_as_documented(
    api: Any,
    crews: dict,  # noqa: F811
) -> None:
    units = {u.code: u for u in OrgUnit.objects.filter(code__in=["gx-group", "gx-city"])}
    user_create(username="group", password="pw", role=Role.CALL_TAKER, org_unit=units["gx-group"])
    premise = Premise.objects.exclude(room="").order_by("asset_id")[6]
    asked = _case_opened(api, "group", "consultation", premise, "how is the tiered price made?")
    reference = asked["reference"]
    sent = _step(api, "group", reference, "send-up", unit=units["gx-city"].pk)
    assert sent["return_to"] == units["gx-group"].name
    assert sent["answer_due_at"] is not None
    answered = _step(api, "disp", reference, "answer", text="2.61 yuan/m³ in the first tier")
    assert (answered["unit"], answered["return_to"]) == (units["gx-group"].name, None)

    closing = _case_opened(api, "disp", "account_close", premise, "moving out, close it")
    for n in range(3):
        ticked = _step(api, "disp", closing["reference"], "check", step=n, done=True)
    assert [s["done"] for s in ticked["checklist"]] == [True, True, True]
    surveyed = _step(api, "disp", closing["reference"], "field-job", category="repair")
    assert surveyed["field_incident"] is not None

    incident = crews["alpha_jobs"][0].incident
    raised = _answer(
        api,
        "disp",
        "POST",
        "/api/desk/incidents/{incident_id}/raise-case/",
        status=201,
        path_parameters={"incident_id": incident.pk},
        body={"category": "complaint", "text": "the caller asks who pays for the new pipe"},
    )
    assert (raised["raised_by"], raised["status"]) == (incident.reference, "received")


def test_the_knowledge_base_answers_as_documented(api: Any, crews: dict) -> None:  # noqa: F811
    editor = user_create(username="editor", password="pw", role=Role.SUPERVISOR, org_unit=None)
    draft = article_save(
        article_id=None,
        data=ArticleInput(
            key="account_close_steps",
            title_zh="如何办理销户",
            body_zh="办理销户须先结清燃气费，再预约最终抄表和拆表。",
            title_en="How to close an account",
            body_en="Settle the bill first, then book the final meter reading.",
            case_types=["account_close"],
            owner_id=editor.pk,
        ),
        actor=editor,
        at=timezone.now(),
    )
    article = article_publish(article_id=draft.pk, actor=editor, at=timezone.now())
    found = _answer(
        api,
        "disp",
        "GET",
        "/api/knowledge/search/",
        query={"q": "我要销户怎么办", "case_type": "account_close", "lang": "zh"},
    )
    assert article.pk in {hit["id"] for hit in found["results"]}
    listed = _answer(
        api,
        "disp",
        "GET",
        "/api/knowledge/articles/",
        query={"case_type": "account_close", "lang": "en"},
    )
    assert "How to close an account" in {a["title"] for a in listed}
    shown = _answer(
        api,
        "disp",
        "GET",
        "/api/knowledge/articles/{article_id}/",
        path_parameters={"article_id": article.pk},
    )
    assert (shown["status"], shown["owner"]) == ("published", "editor")


def test_appointments_answer_as_documented(api: Any, crews: dict) -> None:  # noqa: F811
    premise = Premise.objects.exclude(room="").order_by("asset_id").first()
    assert premise is not None
    station = org_unit_station_for_point(premise.geom)
    assert station is not None
    start = timezone.now() + timedelta(days=1)
    first, second = (
        Slot.objects.create(
            station=station,
            work_type=WorkType.SAFETY_INSPECTION,
            starts_at=start + timedelta(hours=h),
            ends_at=start + timedelta(hours=h + 2),
            capacity=2,
        )
        for h in (0, 4)
    )
    stations = _answer(
        api, "disp", "GET", "/api/appointments/stations/", query={"premise": premise.pk}
    )
    assert [s["id"] for s in stations if s["serves_premise"]] == [station.pk]
    day = timezone.localdate(start)
    slots = _answer(
        api,
        "disp",
        "GET",
        "/api/appointments/slots/",
        query={
            "station": station.pk,
            "work_type": "safety_inspection",
            "from": day.isoformat(),
            "to": (day + timedelta(days=1)).isoformat(),
        },
    )
    assert {s["id"] for s in slots} == {first.pk, second.pk}
    booked = _answer(
        api,
        "disp",
        "POST",
        "/api/appointments/",
        status=201,
        body={"slot": first.pk, "name": "王芳", "phone": PHONE, "premise_id": premise.pk},
    )
    reference = booked["reference"]
    moved = _answer(
        api,
        "disp",
        "POST",
        "/api/appointments/{reference}/move/",
        path_parameters={"reference": reference},
        body={"slot": second.pk},
    )
    assert moved["status"] == "moved"
    cancelled = _answer(
        api,
        "disp",
        "POST",
        "/api/appointments/{reference}/cancel/",
        path_parameters={"reference": reference},
        body={"reason": "away"},
    )
    assert cancelled["status"] == "cancelled"


def test_a_customers_story_answers_as_documented(api: Any, crews: dict) -> None:  # noqa: F811
    """The screen pop's story of a customer in arrears, with a case and a field job at home."""
    job = crews["alpha_jobs"][0]
    home = Premise.objects.get(calls__incident=job.incident_id)
    customer = Customer.objects.create(
        account_no="ZZ00000042", name="李建国", phones=[PHONE], address=home.full_text
    )
    customer.premises.add(home)
    now = timezone.now()
    AccountBalance.objects.create(
        customer=customer,
        balance=Decimal("-86.50"),
        arrears=Decimal("86.50"),
        arrears_since=timezone.localdate(now) - timedelta(days=40),
        last_payment_at=now - timedelta(days=70),
        last_payment_amount=Decimal("120.00"),
        supply_status=SupplyStatus.NORMAL,
        as_of=now - timedelta(hours=6),
        imported_at=now,
    )
    MonthlyUsage.objects.create(
        customer=customer,
        month=timezone.localdate(now).replace(day=1),
        volume_m3=Decimal("21.400"),
        amount=Decimal("55.64"),
    )
    asked = call_receive(
        data=CallInput(category="suggestion", caller_phone=PHONE, premise_id=home.pk),
        taker=crews["dispatcher"],
    )
    case = case_open(call_id=asked.pk, actor=crews["dispatcher"])
    story = _answer(api, "disp", "GET", "/api/desk/story/", query={"customer": customer.pk})
    (told,) = story["customers"]
    assert told["billing"]["arrears"] == "86.50"
    assert told["usage"][0]["volume_m3"] == "21.4"
    assert case.reference in {c["reference"] for c in story["cases"]}
    assert job.incident.reference in {i["reference"] for i in story["incidents"]}
    assert {c["where"] for c in story["calls"]} == {"premise"}
    by_account = _answer(api, "disp", "GET", "/api/desk/story/", query={"account": "zz00000042"})
    assert [c["id"] for c in by_account["customers"]] == [customer.pk]
    at_home = _answer(api, "disp", "GET", "/api/desk/story/", query={"premise": home.pk})
    assert at_home["premises"][0]["id"] == home.pk
    hits = _answer(api, "disp", "GET", "/api/desk/customers/search/", query={"q": "ZZ0000004"})
    assert (hits[0]["id"], hits[0]["matched_by"], hits[0]["in_arrears"]) == (
        customer.pk,
        "account",
        True,
    )
    SupplyInterruption.objects.create(premise_ids=[home.pk], started_at=now)
    supply = _answer(
        api, "disp", "GET", "/api/supply-status/", query={"premise": home.pk, "lang": "en"}
    )
    assert (supply["interrupted"], supply["consultation"]) == (True, True)
    assert supply["outages"][0]["ends_at"] is None


def test_the_ivr_answers_as_documented(api: Any, crews: dict) -> None:  # noqa: F811
    """An IVR asking for a report's status, a caller's premise, the announcement, and leaving a
    call-back request, with the key its linked system was issued."""
    key = api_key_create(name="IVR").raw
    job = crews["alpha_jobs"][0]
    home = Premise.objects.get(calls__incident=job.incident_id)
    customer = Customer.objects.create(
        account_no="ZZ00000043", name="王丽", phones=[PHONE], address=home.full_text
    )
    customer.premises.add(home)
    told = _answer(
        api, None, "GET", "/api/ivr/report-status/", bearer=key,
        query={"ref": job.incident.reference, "lang": "en"},
    )  # fmt: skip
    assert told["found"] is True
    assert job.incident.reference in told["reference"]
    premise = _answer(
        api, None, "GET", "/api/ivr/premise-status/", bearer=key,
        query={"account": customer.account_no, "lang": "zh"},
    )  # fmt: skip
    assert premise["text"]
    _answer(api, None, "GET", "/api/ivr/announcement/", bearer=key, query={"phone": PHONE})
    left = _answer(
        api, None, "POST", "/api/ivr/callback/", bearer=key, body={"phone": PHONE, "lang": "zh"}
    )
    assert left["created"] is True


def test_an_acds_webhook_answers_as_documented(api: Any, crews: dict) -> None:  # noqa: F811
    """An ACD reports a caller's channel, with the token of its phone system."""
    system = PhoneSystem.objects.create(name="ACD", kind="webhook", secret="acd-token")
    path = "/api/telephony/webhook/{system_id}/"
    case = api[path]["POST"].Case(
        path_parameters={"system_id": system.pk},
        body={"event": "created", "leg": "w1", "call": "w1", "at": "2026-12-06T09:00:00+08:00"},
        media_type="application/json",
    )
    headers = {"Authorization": "Bearer acd-token"}
    sent = case.call(headers=headers)
    assert sent.status_code == 200, sent.text
    case.validate_response(sent, checks=CHECKS, headers=headers)
    assert sent.json()["status"] == "ringing"
    _answered.add(f"POST {path}")
