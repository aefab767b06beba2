"""Case types are data: one added in the admin works from the console, triage and Open311 with
no code change, by its own names; a bad one is refused in the admin with nothing saved."""

from typing import Any

from django.test import Client

from alerts.models import Notification
from alerts.open311.keys import IssuedKey
from dispatch.models import CategoryRule, Incident, TriageRule, User, WorkOrder
from gis.models import Premise
from tests.alerts import test_open311 as shared
from tests.alerts.test_open311 import BASE, at, post

city, issued, premise = shared.city, shared.issued, shared.premise

NEW_TYPE: dict[str, Any] = {
    "category": "meter_box_damaged",
    "label_en": "Damaged meter box",
    "label_zh": "表箱损坏",
    "utility": "gas",
    "handling": "field_job",
    "base_priority": "3",
    "skills": ["meters"],
    "hazards": ["strong_smell", "hissing"],
    "duplicate_radius_m": "50",
    "duplicate_window_min": "60",
    "raise_after_reports": "0",
    "advice_en": "Keep children away from the box; do not try to close it yourself.",
    "advice_zh": "请让儿童远离表箱，不要自行处理。",
    "keywords": "meter box, cabinet, 表箱",
    "message_set": "service",
}


def _admin() -> Client:
    client = Client()
    client.force_login(User.objects.get(username="admin"))
    return client


def _add_in_admin(client: Client, **changes: Any) -> Any:
    return client.post("/admin/dispatch/categoryrule/add/", {**NEW_TYPE, **changes})


def test_a_case_type_added_in_the_admin_works_from_console_triage_and_open311(
    city: None, issued: IssuedKey, premise: Premise
) -> None:
    admin = _admin()
    response = _add_in_admin(admin)
    assert response.status_code == 302, response.content.decode()[:2000]
    rule = CategoryRule.objects.get(category="meter_box_damaged")
    assert (rule.label_en, rule.skills, rule.hazards) == (
        "Damaged meter box",
        ["meters"],
        ["strong_smell", "hissing"],
    )
    # A hazard rule for it, also from the admin: a strong smell makes it a P2.
    response = admin.post(
        "/admin/dispatch/triagerule/add/",
        {"category": "meter_box_damaged", "hazard": "strong_smell", "priority": "2"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]

    # The console offers it, with only its own hazard questions.
    desk = Client()
    desk.force_login(User.objects.get(username="dispatcher"))
    page = desk.get("/console/").content.decode()
    assert 'value="meter_box_damaged"' in page
    assert 'data-hazards="strong_smell,hissing"' in page
    assert "Damaged meter box · 表箱损坏" in page

    # Taken on the console: triaged by its base priority and its hazard rule.
    taken = desk.post(
        "/api/calls/",
        {
            "category": "meter_box_damaged",
            "caller_phone": "13900002222",
            "premise_id": premise.id,
            "hazards": ["strong_smell"],
        },
        content_type="application/json",
    )
    assert taken.status_code == 201, taken.content
    body = taken.json()
    assert body["triage"]["priority"] == 2
    assert body["triage"]["advice"]["en"].startswith("Keep children away")
    opened = desk.post(f"/api/calls/{body['call']['id']}/open-incident/")
    assert opened.status_code == 201, opened.content
    incident = Incident.objects.get(pk=opened.json()["id"])
    assert (incident.category, incident.priority) == ("meter_box_damaged", 2)
    assert opened.json()["category_label"] == "Damaged meter box"
    # Its callers hear from the service message set, not the gas-emergency one.
    sent = Notification.objects.get(incident=incident, recipient="13900002222")
    assert sent.template == "service.received"
    assert "燃气服务" in sent.body

    # Open311 lists it by its names and keywords, and a linked hotline reports one.
    services = {s["service_code"]: s for s in Client().get(f"{BASE}/services.json").json()}
    assert services["meter_box_damaged"]["service_name"] == "Damaged meter box"
    assert services["meter_box_damaged"]["keywords"] == "meter box, cabinet, 表箱"
    assert services["meter_box_damaged"]["group"] == "Service and repairs"
    reported = post(Client(), api_key=issued.raw, service_code="meter_box_damaged", **at(premise))
    assert reported.status_code == 200, reported.content
    request_id = reported.json()[0]["service_request_id"]
    read = Client().get(f"{BASE}/requests/{request_id}.json").json()[0]
    assert read["service_name"] == "表箱损坏"  # the reporter wrote in Chinese (no locale)


def test_a_bad_case_type_is_refused_in_the_admin_and_nothing_is_saved(city: None) -> None:
    admin = _admin()
    before = CategoryRule.objects.count()
    response = _add_in_admin(admin, category="Meter Box!")
    assert response.status_code == 200  # the form again, with the error beside the field
    assert "lower-case letters, digits and _ only" in response.content.decode()
    response = _add_in_admin(admin, label_en="", label_zh="")
    assert response.status_code == 200
    assert CategoryRule.objects.count() == before

    # A rule for a case type that does not exist says where case types are made.
    response = admin.post(
        "/admin/dispatch/triagerule/add/",
        {"category": "no_such_type", "hazard": "strong_smell", "priority": "1"},
    )
    assert response.status_code == 200
    assert "is not a case type" in response.content.decode()
    assert not TriageRule.objects.filter(category="no_such_type").exists()


def test_a_case_type_answered_on_the_call_opens_no_incident(city: None, premise: Premise) -> None:
    assert (
        _add_in_admin(
            _admin(),
            category="tariff_question",
            label_en="Tariff question",
            label_zh="价格咨询",
            handling="on_call",
            skills=[],
            hazards=[],
            advice_en="",
            advice_zh="",
        ).status_code
        == 302
    )
    desk = Client()
    desk.force_login(User.objects.get(username="dispatcher"))
    taken = desk.post(
        "/api/calls/",
        {"category": "tariff_question", "caller_phone": "13900003333"},
        content_type="application/json",
    )
    assert taken.status_code == 201, taken.content
    assert taken.json()["triage"]["needs_incident"] is False
    refused = desk.post(f"/api/calls/{taken.json()['call']['id']}/open-incident/")
    assert refused.status_code == 400
    assert "answered, not turned into incidents" in refused.json()["error"]
    assert not Incident.objects.filter(category="tariff_question").exists()


def test_a_case_type_in_use_cannot_be_deleted_and_a_set_without_templates_falls_back(
    city: None, premise: Premise
) -> None:
    admin = _admin()
    assert _add_in_admin(admin, message_set="no_such_set").status_code == 302
    rule = CategoryRule.objects.get(category="meter_box_damaged")
    delete = f"/admin/dispatch/categoryrule/{rule.pk}/delete/"
    assert admin.get(delete).status_code == 200  # never used yet: it may go

    desk = Client()
    desk.force_login(User.objects.get(username="dispatcher"))
    taken = desk.post(
        "/api/calls/",
        {"category": "meter_box_damaged", "caller_phone": "13900004444", "premise_id": premise.id},
        content_type="application/json",
    ).json()
    incident_id = desk.post(f"/api/calls/{taken['call']['id']}/open-incident/").json()["id"]
    # The set named has no templates: the caller gets the shipped words, not a raw key.
    sent = Notification.objects.get(incident_id=incident_id, recipient="13900004444")
    assert sent.template == "progress.received"
    assert "{" not in sent.body

    assert admin.get(delete).status_code == 403  # calls and incidents keep its code
    admin.post(delete, {"post": "yes"})
    assert CategoryRule.objects.filter(pk=rule.pk).exists()


def test_an_office_case_goes_to_the_desk_and_never_becomes_a_field_job(
    city: None, premise: Premise
) -> None:
    desk = Client()
    desk.force_login(User.objects.get(username="dispatcher"))
    taken = desk.post(
        "/api/calls/",
        {"category": "complaint", "caller_phone": "13900005555", "premise_id": premise.id},
        content_type="application/json",
    ).json()
    refused = desk.post(f"/api/calls/{taken['call']['id']}/open-incident/")
    assert refused.status_code == 400
    assert "service desk" in refused.json()["error"]
    opened = desk.post(
        "/api/desk/cases/", {"call": taken["call"]["id"]}, content_type="application/json"
    )
    assert opened.status_code == 201, opened.content
    assert not Incident.objects.exists()
    assert not WorkOrder.objects.exists()
