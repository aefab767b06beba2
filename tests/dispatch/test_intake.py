import re
from datetime import timedelta

import pytest
from django.contrib.gis.geos import Point
from django.test import Client
from django.utils import timezone

from dispatch.models import Call, Customer, Incident, IncidentDeadline, IncidentEvent, User
from dispatch.roles import Role
from dispatch.services import user_create
from gis.models import Landmark, OrgUnit, Premise
from gis.selectors import isolation_for_segment, premise_ids_cut_off
from gis.services import org_unit_create

pytestmark = pytest.mark.django_db


def _call(console: Client, **fields: object) -> dict:
    response = console.post("/api/calls/", fields, content_type="application/json")
    assert response.status_code == 201, response.content
    return response.json()


def _open(console: Client, call_id: int) -> dict:
    response = console.post(f"/api/calls/{call_id}/open-incident/")
    assert response.status_code == 201, response.content
    return response.json()


def test_screen_pop_finds_the_caller_premises_and_history(
    console: Client,
    premise: Premise,
    django_assert_max_num_queries,  # type: ignore[no-untyped-def]
) -> None:
    customer = Customer.objects.get(premises=premise)
    phone = customer.phones[0]
    _call(
        console,
        category="meter_fault",
        caller_phone=f"+86 {phone[:3]} {phone[3:]}",
        premise_id=premise.id,
    )
    with django_assert_max_num_queries(6):  # session and user, then four for the pop
        body = console.get("/api/screen-pop/", {"phone": phone}).json()
    assert body["customers"][0]["account_no"] == customer.account_no
    assert body["customers"][0]["premises"][0]["address"] == premise.full_text
    assert body["recent_calls"][0]["category"] == "meter_fault"


def test_a_call_is_stored_with_its_customer_before_anything_else(
    console: Client, premise: Premise
) -> None:
    customer = Customer.objects.get(premises=premise)
    body = _call(
        console,
        category="leak_indoor",
        caller_phone=customer.phones[0],
        premise_id=premise.id,
        hazards=["strong_smell"],
    )
    call = Call.objects.get(pk=body["call"]["id"])
    assert call.customer == customer
    assert call.point == premise.geom
    assert call.outcome == Call.Outcome.OPEN
    assert IncidentEvent.objects.get(call=call).kind == "call.received"
    assert body["triage"]["priority"] == 1
    assert "离开" in body["triage"]["advice"]["zh"]


def test_hazards_and_a_nearby_school_raise_an_outdoor_smell_to_p1(
    console: Client, city: dict[str, OrgUnit]
) -> None:
    school = Landmark.objects.filter(kind="school").first()
    assert school is not None
    far = _call(console, category="leak_outdoor", lon=117.5, lat=39.5)
    assert far["triage"]["priority"] == 2
    near = _call(console, category="leak_outdoor", lon=school.geom.x + 0.0002, lat=school.geom.y)
    assert near["triage"]["priority"] == 1
    assert "near_sensitive_site" in near["triage"]["hazards"]
    assert any(school.name in reason for reason in near["triage"]["reasons"])


def test_an_incident_gets_a_reference_station_main_and_sla_clocks(
    console: Client, premise: Premise
) -> None:
    first = _open(
        console, _call(console, category="leak_indoor", premise_id=premise.id)["call"]["id"]
    )
    assert re.fullmatch(rf"GX-{timezone.localdate():%Y%m%d}-0001", first["reference"])
    assert first["segment_id"] == premise.service_segment_id
    assert first["station"].startswith("st-")
    clocks = {d["milestone"]: d for d in first["deadlines"]}
    incident = Incident.objects.get(pk=first["id"])
    call = incident.calls.get()
    assert IncidentDeadline.objects.get(
        incident=incident, milestone="on_site"
    ).due_at == call.received_at + timedelta(minutes=30)
    assert set(clocks) == {"work_order", "on_site", "made_safe"}
    other = Premise.objects.exclude(pk=premise.pk).order_by("-asset_id").first()
    assert other is not None
    second = _open(
        console, _call(console, category="meter_fault", premise_id=other.id)["call"]["id"]
    )
    assert second["reference"].endswith("-0002")


def test_second_odour_call_within_200m_joins_the_open_incident(
    console: Client, premise: Premise
) -> None:
    first = _open(
        console, _call(console, category="leak_outdoor", premise_id=premise.id)["call"]["id"]
    )
    again = _call(
        console, category="leak_outdoor", lon=premise.geom.x + 0.001, lat=premise.geom.y
    )  # about 86 m east
    assert [d["reference"] for d in again["duplicates"]] == [first["reference"]]
    joined = console.post(
        f"/api/calls/{again['call']['id']}/join/",
        {"incident_id": first["id"]},
        content_type="application/json",
    ).json()
    assert joined["report_count"] == 2
    # Console calls with no number to recognise the caller by: each is a witness of its own.
    assert Incident.objects.get(pk=first["id"]).independent_report_count == 2
    far = _call(console, category="leak_outdoor", lon=premise.geom.x + 0.01, lat=premise.geom.y)
    assert far["duplicates"] == []


def test_no_gas_calls_in_one_zone_group_onto_their_upstream_main(
    console: Client, city: dict[str, OrgUnit]
) -> None:
    zone_premises = list(
        Premise.objects.filter(
            service_segment__pressure_class="low", service_segment__zone="LP-000-000"
        ).order_by("asset_id")
    )
    picks = [zone_premises[0], zone_premises[len(zone_premises) // 2], zone_premises[-1]]
    incident = _open(
        console, _call(console, category="no_gas", premise_id=picks[0].id)["call"]["id"]
    )
    for pick in picks[1:]:
        body = _call(console, category="low_pressure", premise_id=pick.id)
        assert body["duplicates"][0]["incident"] == incident["id"]
        console.post(
            f"/api/calls/{body['call']['id']}/join/",
            {"incident_id": incident["id"]},
            content_type="application/json",
        )
    grouped = Incident.objects.get(pk=incident["id"])
    assert grouped.report_count == 3
    assert grouped.suspected_cause_id is not None
    # Independent check: a fault on the suspected main cuts off every caller's premise.
    cut_off = set(premise_ids_cut_off(isolation_for_segment(segment_id=grouped.suspected_cause_id)))
    assert {p.id for p in picks} <= cut_off


def test_consultation_is_answered_without_an_incident(console: Client) -> None:
    body = _call(console, category="consultation", description="how do I read my meter?")
    assert body["triage"]["needs_incident"] is False
    response = console.post(
        f"/api/calls/{body['call']['id']}/answer/",
        {"note": "explained"},
        content_type="application/json",
    )
    assert response.json()["outcome"] == "answered"
    refused = console.post(f"/api/calls/{body['call']['id']}/open-incident/")
    assert refused.status_code == 409
    assert not Incident.objects.exists()


def test_unknown_category_is_refused_and_nothing_is_stored(console: Client) -> None:
    response = console.post(
        "/api/calls/", {"category": "alien_landing"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "category" in response.json()["fields"]
    assert not Call.objects.exists()


def test_a_point_outside_every_territory_cannot_become_an_incident(console: Client) -> None:
    body = _call(console, category="leak_outdoor", lon=116.40, lat=39.90)  # Beijing
    response = console.post(f"/api/calls/{body['call']['id']}/open-incident/")
    assert response.status_code == 400
    assert "outside every station's territory" in response.json()["error"]
    assert not Incident.objects.exists()
    assert Call.objects.get(pk=body["call"]["id"]).outcome == Call.Outcome.OPEN


def test_a_dispatcher_of_another_company_cannot_touch_the_incident(
    console: Client, premise: Premise, city: dict[str, OrgUnit]
) -> None:
    incident = _open(
        console, _call(console, category="leak_indoor", premise_id=premise.id)["call"]["id"]
    )
    other_company = org_unit_create(
        code="other", name="Other Gas Co", tier=OrgUnit.Tier.COMPANY, parent=city["gx-group"]
    )
    stranger: User = user_create(
        username="stranger", password="pw", role=Role.DISPATCHER, org_unit=other_company
    )
    client = Client()
    client.force_login(stranger)
    for response in (
        client.get(f"/api/incidents/{incident['id']}/"),
        client.post(
            f"/api/incidents/{incident['id']}/dispatch/",
            {"crew_id": 1},
            content_type="application/json",
        ),
    ):
        assert response.status_code == 403
        assert (
            "outside your organisation" in response.json()["error"]
            or "may not dispatch" in response.json()["error"]
        )
    assert Incident.objects.get(pk=incident["id"]).status == Incident.Status.OPEN


def test_a_crew_member_cannot_take_calls(city: dict[str, OrgUnit]) -> None:
    crew_member = user_create(
        username="van", password="pw", role=Role.CREW_MEMBER, org_unit=city["st-central"]
    )
    client = Client()
    client.force_login(crew_member)
    response = client.post(
        "/api/calls/", {"category": "leak_outdoor"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert not Call.objects.exists()


def test_refused_requests_are_counted(console: Client) -> None:
    from config.counters import counters_all

    console.post("/api/calls/", {"category": "nope"}, content_type="application/json")
    console.post("/api/calls/999/open-incident/")
    counts = counters_all()
    assert counts["api.refused.400"] == 1
    assert counts["api.refused.404"] == 1


def test_point_given_without_an_address_is_kept(console: Client) -> None:
    body = _call(console, category="leak_outdoor", lon=117.21, lat=39.095, geocode_method="pinned")
    assert Call.objects.get(pk=body["call"]["id"]).point == Point(117.21, 39.095, srid=4326)


def test_malformed_json_is_a_counted_400_not_a_500(console: Client) -> None:
    from config.counters import counters_all

    response = console.post("/api/calls/", "{category: leak", content_type="application/json")
    assert response.status_code == 400
    assert "JSON parse error" in str(response.json()["detail"])
    assert counters_all()["api.refused.400"] == 1
    assert not Call.objects.exists()


def test_open_incidents_list_in_a_fixed_number_of_queries(
    console: Client,
    city: dict[str, OrgUnit],
    django_assert_max_num_queries,  # type: ignore[no-untyped-def]
) -> None:
    premises = list(Premise.objects.order_by("asset_id")[::400][:4])
    for premise in premises:
        _open(console, _call(console, category="meter_fault", premise_id=premise.id)["call"]["id"])
    with django_assert_max_num_queries(6):  # session, user, org units, incidents, deadlines,
        # case type names
        body = console.get("/api/incidents/").json()
    assert len(body) == 4
    assert all(i["segment_asset_id"].startswith("P-") for i in body)


def test_ids_out_of_range_are_a_400_not_a_500(console: Client) -> None:
    response = console.post(
        "/api/calls/",
        {"category": "meter_fault", "premise_id": 10**30},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "premise_id" in response.json()["fields"]
    assert not Call.objects.exists()
