"""POST requests: the same intake as the console (geocoding, duplicates, enquiries, retries);
GET requests: the standard filters, one answer per incident, nothing private, JSON and XML."""

from datetime import timedelta
from typing import Any

from django.test import Client
from django.utils import timezone

from alerts.open311.keys import IssuedKey
from dispatch.models import Call, Incident, User
from dispatch.services.intake import call_answer
from gis.models import OrgUnit, Premise
from gis.selectors import org_unit_station_for_point
from tests.alerts import test_open311 as shared
from tests.alerts.test_open311 import BASE, REQUEST_FIELDS, at, post, xml

# The shared fixtures (pytest finds fixtures by the module's names).
city = shared.city
issued = shared.issued
premise = shared.premise


def _create(client: Client, issued: IssuedKey, **fields: Any) -> dict[str, Any]:
    response = post(client, api_key=issued.raw, **fields)
    assert response.status_code == 200, response.content
    [receipt] = response.json()
    return receipt


def _ids(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [r["service_request_id"] for r in response.json()]


def test_an_address_in_words_is_geocoded_to_its_premise(
    client: Client, issued: IssuedKey, premise: Premise
) -> None:
    receipt = _create(client, issued, service_code="leak_indoor", address_string=premise.full_text)
    call = Call.objects.get(incident__reference=receipt["service_request_id"])
    assert call.premise == premise
    assert call.point == premise.geom
    assert call.geocode_method == "exact"
    [shown] = client.get(f"{BASE}/requests/{receipt['service_request_id']}.json").json()
    assert shown["address_id"] == premise.asset_id
    # Public: the compound, not the flat (tests/alerts/test_open311_privacy.py).
    assert shown["address"] == f"{premise.district}{premise.road_name}{premise.house_number}号"


def test_our_premise_id_is_an_address_id(
    client: Client, issued: IssuedKey, premise: Premise
) -> None:
    receipt = _create(client, issued, service_code="meter_fault", address_id=premise.asset_id)
    call = Call.objects.get(incident__reference=receipt["service_request_id"])
    assert (call.premise, call.geocode_method) == (premise, "premise")


def test_a_second_report_of_the_same_leak_joins_its_incident_and_is_listed_once(
    client: Client, issued: IssuedKey, premise: Premise
) -> None:
    first = _create(client, issued, service_code="leak_outdoor", **at(premise), locale="en")
    second = _create(client, issued, service_code="leak_outdoor", **at(premise), locale="zh")
    assert second["service_request_id"] == first["service_request_id"]
    assert second["token"] != first["token"]
    assert second["service_notice"].startswith(
        f"该情况已有报告，已并入 {first['service_request_id']}"
    )
    incident = Incident.objects.get(reference=first["service_request_id"])
    assert incident.report_count == 2
    assert sorted(incident.calls.values_list("outcome", flat=True)) == ["joined", "new_incident"]
    assert _ids(client.get(f"{BASE}/requests.json")) == [incident.reference]
    # Each call's token leads to the incident.
    for receipt in (first, second):
        [token] = client.get(f"{BASE}/tokens/{receipt['token']}.json").json()
        assert token == {"service_request_id": incident.reference, "token": receipt["token"]}


def test_an_enquiry_is_stored_for_customer_service_without_an_incident(
    client: Client, issued: IssuedKey, premise: Premise
) -> None:
    receipt = _create(
        client, issued, service_code="billing", **at(premise), description="Why so high?"
    )
    call = Call.objects.get(pk=int(receipt["service_request_id"].removeprefix("CALL-")))
    assert (call.incident, call.outcome, call.channel) == (None, "open", "open311")
    assert receipt["service_request_id"] == receipt["token"]
    assert receipt["service_notice"] == "已收到，客服人员将答复您的诉求。"
    [shown] = client.get(f"{BASE}/requests/{receipt['service_request_id']}.json").json()
    assert (shown["status"], shown["agency_responsible"]) == ("open", None)
    assert shown["status_notes"] == "已收到，工作人员将处理。"
    call_answer(call_id=call.pk, actor=User.objects.get(username="calltaker"), note="explained")
    [shown] = client.get(f"{BASE}/requests/{receipt['service_request_id']}.json").json()
    assert (shown["status"], shown["status_notes"]) == ("closed", "客服人员已答复。")


def test_a_retried_post_with_the_same_ticket_does_not_report_twice(
    client: Client, issued: IssuedKey, premise: Premise
) -> None:
    fields = {"service_code": "leak_outdoor", **at(premise), "external_id": "T-1"}
    first = _create(client, issued, **fields)
    calls = Call.objects.count()
    again = _create(client, issued, **fields)
    assert again == first
    assert Call.objects.count() == calls
    assert Incident.objects.get(reference=first["service_request_id"]).report_count == 1


def test_the_list_filters_by_id_code_date_and_status(
    client: Client, issued: IssuedKey, premise: Premise
) -> None:
    leak = _create(client, issued, service_code="leak_outdoor", **at(premise))["service_request_id"]
    question = _create(client, issued, service_code="consultation", **at(premise))
    bill = _create(client, issued, service_code="billing", **at(premise))
    old = _create(client, issued, service_code="consultation", **at(premise), external_id="old")
    call_answer(
        call_id=int(bill["token"].removeprefix("CALL-")),
        actor=User.objects.get(username="calltaker"),
    )
    long_ago = timezone.now() - timedelta(days=120)
    Call.objects.filter(external_ref="old").update(received_at=long_ago)
    question_id, bill_id, old_id = (r["service_request_id"] for r in (question, bill, old))

    url = f"{BASE}/requests.json"
    assert _ids(client.get(url)) == [bill_id, question_id, leak]  # 90 days, newest first
    assert _ids(client.get(url, {"status": "closed"})) == [bill_id]
    assert _ids(client.get(url, {"status": "open,closed"})) == [bill_id, question_id, leak]
    assert _ids(client.get(url, {"service_code": "consultation,billing"})) == [
        bill_id,
        question_id,
    ]
    day = timezone.localtime(long_ago).date()
    assert _ids(client.get(url, {"start_date": f"{day}", "end_date": f"{day}"})) == [old_id]
    # "+08:00" not percent-encoded arrives as " 08:00": still understood.
    start = timezone.localtime(long_ago - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S")
    assert _ids(client.get(f"{url}?start_date={start}+08:00")) == [old_id]
    assert _ids(client.get(url, {"end_date": timezone.now().isoformat()})) == [
        bill_id,
        question_id,
        leak,
    ]
    # Ids override every other filter, old and closed ones included; unknown ids are skipped.
    wanted = f"{old_id},{leak},GX-19990101-0001,CALL-999999999"
    assert sorted(_ids(client.get(url, {"service_request_id": wanted, "status": "open"}))) == (
        sorted([old_id, leak])
    )


def test_the_list_costs_two_queries_however_long(
    client: Client, issued: IssuedKey, premise: Premise, django_assert_num_queries: Any
) -> None:
    for code in ("leak_outdoor", "billing", "consultation", "repair", "complaint"):
        _create(client, issued, service_code=code, **at(premise))
    with django_assert_num_queries(2):
        assert len(client.get(f"{BASE}/requests.json").json()) == 5
    with django_assert_num_queries(2):
        assert len(xml(client.get(f"{BASE}/requests.xml"))) == 5


def test_answers_never_show_the_caller_and_xml_survives_any_text(
    client: Client, issued: IssuedKey, premise: Premise
) -> None:
    receipt = _create(
        client,
        issued,
        service_code="repair",
        **at(premise),
        first_name="Mei",
        last_name="Zhang",
        phone="13700002222",
        email="zhang.mei@example.org",
        description="Boiler <pipe> & valve \x01 \x1b leaking",
    )
    request_id = receipt["service_request_id"]
    for fmt in ("json", "xml"):
        body = client.get(f"{BASE}/requests/{request_id}.{fmt}").content.decode()
        for private in ("Mei", "Zhang", "13700002222", "zhang.mei"):
            assert private not in body
    root = xml(client.get(f"{BASE}/requests/{request_id}.xml"))
    [element] = root
    assert [c.tag for c in element] == REQUEST_FIELDS
    assert element.findtext("description") == "Boiler <pipe> & valve   leaking"
    [shown] = client.get(f"{BASE}/requests/{request_id}.json").json()
    assert list(shown) == REQUEST_FIELDS
    assert shown["description"] == "Boiler <pipe> & valve \x01 \x1b leaking"


def test_a_post_answers_in_xml_when_asked(
    client: Client, issued: IssuedKey, premise: Premise
) -> None:
    root = xml(post(client, "xml", api_key=issued.raw, service_code="repair", **at(premise)))
    assert root.tag == "service_requests"
    [element] = root
    assert element.tag == "request"
    assert [c.tag for c in element] == [
        "service_request_id",
        "token",
        "service_notice",
        "account_id",
    ]
    assert Incident.objects.filter(reference=element.findtext("service_request_id")).exists()
    assert element.findtext("account_id") == ""  # none was given: an empty element


def test_a_report_that_cannot_be_routed_stays_stored_for_a_call_taker(
    client: Client, issued: IssuedKey, premise: Premise
) -> None:
    """The key's account was moved to another station by an administrator: the incident
    cannot be opened in its name, but the report is kept, open, for a call taker."""
    home = org_unit_station_for_point(premise.geom)
    assert home is not None
    elsewhere = OrgUnit.objects.filter(tier=OrgUnit.Tier.STATION).exclude(pk=home.pk).first()
    User.objects.filter(username=f"open311-{issued.key.prefix}").update(org_unit=elsewhere)
    receipt = _create(client, issued, service_code="leak_outdoor", **at(premise), locale="en")
    assert receipt["service_request_id"] == receipt["token"]
    assert receipt["service_notice"].startswith("Received: a call taker will review")
    call = Call.objects.get(pk=int(receipt["token"].removeprefix("CALL-")))
    assert (call.outcome, call.incident) == ("open", None)
    assert not Incident.objects.exists()
    [shown] = client.get(f"{BASE}/requests/{receipt['token']}.json").json()
    assert shown["status"] == "open"
