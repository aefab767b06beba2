"""The IVR's API: a report's status by its reference, an outage at the caller's premises, the
area-wide announcement and a call-back left, each as a sentence for text-to-speech in Chinese
and English, for an IVR signed with a linked system's API key; bad input is a 400 that
changes nothing, and the key's allowance is limited."""

from io import StringIO
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import include, path
from django.utils import timezone

from alerts.cap.services import incident_cap_cancel
from alerts.models import SupplyInterruption
from alerts.open311.keys import api_key_create, api_key_revoke
from alerts.open311.wording import status_note
from config.counters import counters_all
from demo.org import demo_organisation_load
from desk.models import Case, CaseStatus
from dispatch.models import Call, Customer, Incident, IncidentEvent, User
from dispatch.roles import Role
from dispatch.services import user_create
from dispatch.services.intake import CallInput, call_open_incident, call_receive
from dispatch.services.isolation import incident_isolation_trace
from gis.models import Premise

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.alerts.test_ivr")]

# The route as config/urls.py includes it.
urlpatterns = [path("api/ivr/", include("alerts.ivr.urls"))]
KEY_NAME = "Hotline IVR"


@pytest.fixture
def dispatcher(db: None) -> User:
    call_command("make_demo_city", "--premises", "300", "--no-progress", stdout=StringIO())
    units = demo_organisation_load()
    return user_create(
        username="disp", password="pw", role=Role.DISPATCHER, org_unit=units["gx-city"]
    )


@pytest.fixture
def ivr(dispatcher: User) -> Client:
    """The phone system: every request signed with its API key."""
    raw = api_key_create(name=KEY_NAME).raw
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


@pytest.fixture
def customer(dispatcher: User) -> Customer:
    """An English-speaking customer whose premises is on a main (so a trace can cut it off)."""
    found = (
        Customer.objects.filter(premises__service_segment__isnull=False)
        .exclude(phones=[])
        .order_by("pk")
        .first()
    )
    assert found is not None
    found.language = "en"
    found.save(update_fields=["language"])
    return found


@pytest.fixture
def incident(dispatcher: User, customer: Customer) -> Incident:
    premise = customer.premises.get()
    call = call_receive(
        data=CallInput(
            category="leak_outdoor", premise_id=premise.pk, caller_phone=customer.phones[0]
        ),
        taker=dispatcher,
    )
    return call_open_incident(call_id=call.pk, actor=dispatcher)


def _ask(ivr: Client, question: str, **query: Any) -> dict[str, Any]:
    response = ivr.get(f"/api/ivr/{question}/", query)
    assert response.status_code == 200, response.content
    body: dict[str, Any] = response.json()
    return body


def test_a_known_reference_is_answered_in_both_languages(ivr: Client, incident: Incident) -> None:
    english = _ask(ivr, "report-status", ref=incident.reference, lang="en")
    assert english["found"] is True
    assert english["language"] == "en"
    assert english["reference"] == incident.reference
    assert english["status"] == Incident.Status.OPEN
    assert english["text"] == (
        f"Report {incident.reference}: {status_note(Incident.Status.OPEN, 'en')}"
    )

    chinese = _ask(ivr, "report-status", ref=incident.reference.lower(), lang="zh-CN")
    assert chinese["found"] is True
    assert chinese["language"] == "zh"
    assert "已受理，正在安排抢修人员。" in chinese["text"]
    assert incident.reference in chinese["text"]

    # Keyed on a phone: the reference's digits only.
    digits = incident.reference.split("-", 1)[1].replace("-", "")
    keyed = _ask(ivr, "report-status", ref=digits, lang="en")
    assert keyed["found"] is True
    assert keyed["reference"] == incident.reference


def test_an_unknown_reference_is_a_sentence_saying_what_to_do(
    ivr: Client, dispatcher: User
) -> None:
    english = _ask(ivr, "report-status", ref="GX-20000101-9999", lang="en")
    assert english["found"] is False
    assert "could not find a report with the reference GX-20000101-9999" in english["text"]
    assert "press 0" in english["text"]

    chinese = _ask(ivr, "report-status", ref="GX-20000101-9999", lang="zh")
    assert chinese["found"] is False
    assert "GX-20000101-9999" in chinese["text"]
    assert "请按0" in chinese["text"]


def test_an_account_with_an_interruption_and_one_without_in_both_languages(
    ivr: Client, dispatcher: User, customer: Customer, incident: Incident
) -> None:
    incident_isolation_trace(incident_id=incident.pk, actor=dispatcher)
    cut_off = SupplyInterruption.objects.get(incident=incident).premise_ids
    assert customer.premises.get().pk in cut_off
    elsewhere = (
        Customer.objects.exclude(premises__in=cut_off).exclude(premises=None).order_by("pk").first()
    )
    assert elsewhere is not None

    # Not told which language: the account holder's (English).
    off = _ask(ivr, "premise-status", account=customer.account_no)
    assert off["found"] is True
    assert off["language"] == "en"
    assert off["interrupted"] is True
    assert off["text"].startswith("The gas supply at your address is interrupted")
    assert incident.reference in off["text"]
    off_zh = _ask(ivr, "premise-status", account=customer.account_no.lower(), lang="zh")
    assert off_zh["interrupted"] is True
    assert off_zh["text"].startswith("您地址的燃气供应因燃气抢修")

    # By the number the caller rings from, as the IVR knows it.
    by_phone = _ask(ivr, "premise-status", phone=f"+86 {customer.phones[0]}", lang="en")
    assert by_phone["interrupted"] is True

    on = _ask(ivr, "premise-status", account=elsewhere.account_no, lang="en")
    assert (on["found"], on["interrupted"], on["planned"]) == (True, False, False)
    assert on["text"] == "There is no interruption or planned works known at your address."
    on_zh = _ask(ivr, "premise-status", account=elsewhere.account_no, lang="zh")
    assert on_zh["text"] == "目前没有影响您地址的停供或计划施工。"

    unknown = _ask(ivr, "premise-status", account="GX99999999", lang="en")
    assert unknown["found"] is False
    assert "could not find that account number" in unknown["text"]


def test_the_announcement_reads_the_public_alert_and_the_interruptions_or_says_none(
    ivr: Client, dispatcher: User, customer: Customer, incident: Incident
) -> None:
    none = _ask(ivr, "announcement", lang="en")
    assert (none["found"], none["count"]) == (False, 0)
    assert none["text"] == "There is no announcement of an area-wide gas fault at the moment."

    # A P2 leak's trace cuts premises off: no public alert, so the interruption is read.
    incident_isolation_trace(incident_id=incident.pk, actor=dispatcher)
    english = _ask(ivr, "announcement", account=customer.account_no, lang="en")
    assert english["count"] == 1
    assert english["text"].startswith("Because of emergency repairs, the gas supply around")
    assert incident.reference in english["text"]
    chinese = _ask(ivr, "announcement", lang="zh")
    assert chinese["text"].startswith("因燃气抢修")
    assert incident.reference in chinese["text"]

    # A leak with flames nearby is P1: the public alert's own words are read, first.
    site = Premise.objects.exclude(customers__in=[customer]).order_by("-pk").first()
    assert site is not None
    call = call_receive(
        data=CallInput(category="leak_outdoor", premise_id=site.pk, hazards=["ignition"]),
        taker=dispatcher,
    )
    fire = call_open_incident(call_id=call.pk, actor=dispatcher)
    assert fire.priority == 1
    assert fire.cap_messages.exists()
    both = _ask(ivr, "announcement", lang="en")
    assert both["count"] == 2
    assert both["text"].startswith("Gas emergency crews are dealing with")
    assert fire.reference in both["text"]
    assert incident.reference in both["text"]
    both_zh = _ask(ivr, "announcement", lang="zh")
    assert both_zh["text"].startswith("燃气抢修人员正在处置")

    # Made safe and the gas back: nothing to announce again.
    incident_cap_cancel(incident_id=fire.pk)
    SupplyInterruption.objects.update(restored_at=timezone.now())
    over = _ask(ivr, "announcement", lang="en")
    assert (over["found"], over["count"]) == (False, 0)


def test_a_call_back_left_is_a_desk_case_once_per_waiting_number(
    ivr: Client, customer: Customer
) -> None:
    sent = {"phone": customer.phones[0], "account": customer.account_no, "lang": "en"}
    first = ivr.post(
        "/api/ivr/callback/", {**sent, "note": "meter"}, content_type="application/json"
    )
    assert first.status_code == 200, first.content
    body = first.json()
    assert body["created"] is True
    case = Case.objects.select_related("call").get(reference=body["reference"])
    assert case.status == CaseStatus.RECEIVED
    assert case.call.caller_phone == customer.phones[0]
    assert case.call.taker is not None
    assert case.call.taker.username.startswith("open311-")
    assert case.premise == customer.premises.get()
    assert IncidentEvent.objects.filter(call=case.call, kind="case.opened").exists()
    assert "called back" in body["text"]
    assert case.reference in body["text"]

    again = ivr.post("/api/ivr/callback/", sent, content_type="application/json").json()
    assert (again["created"], again["reference"]) == (False, case.reference)
    assert Case.objects.filter(call__caller_phone=customer.phones[0]).count() == 1

    status = _ask(ivr, "report-status", ref=case.reference, lang="en")
    assert status["found"] is True
    assert status["text"].startswith(f"Your consultation (reference {case.reference})")


def test_bad_input_is_a_400_that_is_logged_counted_and_changes_nothing(
    ivr: Client, customer: Customer
) -> None:
    calls = Call.objects.count()
    cases = [
        ("report-status", {"ref": "DROP TABLE"}, "ref"),
        ("report-status", {}, "ref"),
        ("report-status", {"ref": "GX-20261206-0001", "lang": "fr"}, "lang"),
        ("premise-status", {"account": "GX1", "phone": "13800000000"}, "account"),
        ("premise-status", {"phone": "12"}, "phone"),
        ("announcement", {"account": "x\x00y"}, "account"),
    ]
    for question, query, field in cases:
        response = ivr.get(f"/api/ivr/{question}/", query)
        assert response.status_code == 400, (question, query)
        assert response.json()["field"] == field
        assert response.json()["error"]
    response = ivr.post("/api/ivr/callback/", {"lang": "en"}, content_type="application/json")
    assert response.status_code == 400
    assert "phone" in response.json()["fields"]
    assert counters_all()["api.refused.400"] == len(cases) + 1
    assert Call.objects.count() == calls


def test_only_a_valid_active_key_is_answered_and_each_key_is_limited(
    ivr: Client, incident: Incident
) -> None:
    query = {"ref": incident.reference}
    assert Client().get("/api/ivr/report-status/", query).status_code == 401
    wrong = Client(HTTP_AUTHORIZATION="Bearer " + "x" * 43)
    assert wrong.get("/api/ivr/report-status/", query).status_code == 401
    api_key_revoke(name=KEY_NAME)
    assert ivr.get("/api/ivr/report-status/", query).status_code == 401

    raw = api_key_create(name="second IVR").raw
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "ivr": "2/minute"}
    limited = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    second = Client(HTTP_X_API_KEY=raw)
    with override_settings(REST_FRAMEWORK=limited):
        answers = [second.get("/api/ivr/report-status/", query).status_code for _ in range(3)]
    assert answers == [200, 200, 429]
