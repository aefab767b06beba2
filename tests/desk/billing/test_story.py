"""The customer's whole story: billing and arrears, and the cases and calls at the premise and
on its staircase (never another staircase's); a confidential case without whoever reported
it; nothing for a call taker of another company; the search by name, account or address."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from desk.billing.models import MonthlyUsage
from desk.models import Case
from dispatch.models import Call
from tests.desk.billing.conftest import World, client_for


def _call(
    world: World, premise, phone: str, minutes_ago: int, category: str = "consultation"
) -> Call:  # type: ignore[no-untyped-def]
    return Call.objects.create(
        caller_phone=phone,
        caller_name="来电人",
        category=category,
        premise=premise,
        address_text=premise.full_text,
        received_at=timezone.now() - timedelta(minutes=minutes_ago),
    )


def _case(world: World, call: Call, reference: str, *, confidential: bool = False) -> Case:
    return Case.objects.create(
        reference=reference,
        category="complaint",
        call=call,
        premise=call.premise,
        confidential=confidential,
        unit=world.units["gx-city"],
        created_at=call.received_at,
    )


@pytest.fixture
def history(world: World) -> World:
    for months_ago in range(14):
        day = timezone.localdate().replace(day=1) - timedelta(days=months_ago * 30)
        MonthlyUsage.objects.get_or_create(
            customer=world.customer,
            month=day.replace(day=1),
            defaults={"volume_m3": Decimal("42.5"), "amount": Decimal("110.93")},
        )
    _case(world, _call(world, world.home, "13800000001", 50, "complaint"), "KF-1")
    upstairs = _call(world, world.upstairs, "13911112222", 30, "complaint")
    _case(world, upstairs, "KF-2", confidential=True)
    _call(world, world.upstairs, "13800000002", 20)
    _case(world, _call(world, world.other_unit, "13500000003", 10, "complaint"), "KF-3")
    _call(world, world.other_building, "13600000004", 5)
    return world


def test_the_story_holds_billing_and_the_staircase_not_its_neighbours(
    history: World, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    client = client_for(history.taker)
    with django_assert_max_num_queries(16):
        story = client.get(f"/api/desk/story/?customer={history.customer.pk}").json()
    (customer,) = story["customers"]
    assert customer["billing"]["arrears"] == "386.50"
    assert customer["billing"]["arrears_since"] == "2026-09-01"
    assert customer["billing"]["last_payment_amount"] == "120.00"
    assert len(customer["usage"]) == 12
    assert story["premises"][0]["building_unit"] == "友谊路32号3号楼2单元"
    assert story["building_unit_premises"] == 2
    assert [c["reference"] for c in story["cases"]] == ["KF-2", "KF-1"]
    assert [c["where"] for c in story["cases"]] == ["building_unit", "premise"]
    phones = [c["caller_phone"] for c in story["calls"]]
    assert "13500000003" not in phones
    assert "13600000004" not in phones
    assert "13800000002" in phones  # upstairs
    # The confidential case's reporter is not shown, on the case nor on the call.
    confidential = story["cases"][0]
    assert confidential["confidential"] is True
    assert (confidential["caller_name"], confidential["caller_phone"]) == ("", "")
    assert "13911112222" not in str(story)


def test_the_story_of_a_premise_names_its_account_holders(history: World) -> None:
    story = client_for(history.taker).get(f"/api/desk/story/?premise={history.upstairs.pk}")
    assert story.status_code == 200
    body = story.json()
    assert [c["account_no"] for c in body["customers"]] == ["GX00000002"]
    assert body["customers"][0]["billing"] is None
    assert {c["reference"] for c in body["cases"]} == {"KF-1", "KF-2"}


def test_another_company_and_other_roles_cannot_read_the_story(history: World) -> None:
    far = client_for(history.far_taker)
    assert far.get(f"/api/desk/story/?customer={history.customer.pk}").status_code == 403
    assert far.get(f"/api/desk/story/?premise={history.home.pk}").status_code == 403
    assert far.get("/api/desk/customers/search/?q=李建国").json() == []
    safety = client_for(history.safety)
    assert safety.get(f"/api/desk/story/?customer={history.customer.pk}").status_code == 403
    taker = client_for(history.taker)
    assert taker.get("/api/desk/story/").status_code == 400
    assert taker.get("/api/desk/story/?customer=abc").status_code == 400
    assert taker.get("/api/desk/story/?customer=999999").status_code == 404


@pytest.mark.parametrize(
    ("q", "how"),
    [
        ("李建国", "name"),
        ("李建", "name"),
        ("GX00000001", "account"),
        ("gx0000000", "account"),
        # A slip in the road's name (宜 for 谊) and the traditional 號: still found.
        ("河西区友宜路32號3号楼2单元501室", "address"),
    ],
)
def test_customers_are_found_by_name_account_or_address(
    world: World, q: str, how: str, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    client = client_for(world.taker)
    with django_assert_max_num_queries(16):  # a constant, whatever the hits
        hits = client.get("/api/desk/customers/search/", {"q": q}).json()
    assert hits[0]["account_no"] == "GX00000001"
    assert hits[0]["matched_by"] == how
    assert hits[0]["in_arrears"] is True


def test_an_empty_or_overlong_search_is_refused_in_words(world: World) -> None:
    client = client_for(world.taker)
    empty = client.get("/api/desk/customers/search/?q=%20")
    assert empty.status_code == 400
    assert "name" in str(empty.json())
    assert client.get("/api/desk/customers/search/", {"q": "路" * 101}).status_code == 400
