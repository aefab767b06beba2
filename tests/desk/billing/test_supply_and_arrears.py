"""Supply status at a premise for the console (an interruption in force, published planned
works, or neither, with a sentence in the caller's language), and the arrears work list with
its "reminded" action on the timeline."""

from datetime import timedelta

import pytest
from django.contrib.gis.geos import Polygon
from django.utils import timezone

from alerts.models import SupplyInterruption
from alerts.planned_works import planned_work_create, planned_work_publish
from desk.billing.models import AccountBalance
from dispatch.models import IncidentEvent
from dispatch.roles import Role
from dispatch.services import user_create
from tests.desk.billing.conftest import World, client_for

# The site's routes with alerts.urls_supply included (config/urls.py will include it too).


def test_no_outage_says_so_and_asks_for_no_consultation(world: World) -> None:
    status = client_for(world.taker).get(f"/api/supply-status/?premise={world.home.pk}").json()
    assert (status["interrupted"], status["planned"], status["consultation"]) == (
        False,
        False,
        False,
    )
    assert status["banner"] == ""
    assert status["language"] == "zh"  # the account holder's: the sentence is in Chinese
    english = client_for(world.taker).get(f"/api/supply-status/?premise={world.home.pk}&lang=en")
    assert english.json()["sentence"].startswith("There is no interruption")


def test_an_interruption_at_the_premise_is_a_consultation_told_in_the_callers_language(
    world: World,
) -> None:
    SupplyInterruption.objects.create(
        premise_ids=[world.home.pk, world.upstairs.pk], started_at=timezone.now()
    )
    client = client_for(world.taker)
    status = client.get(f"/api/supply-status/?premise={world.home.pk}&lang=en").json()
    assert status["interrupted"] is True
    assert status["consultation"] is True
    assert status["banner"] == "Interruption at this premise: answer as a consultation."
    assert "interrupted" in status["sentence"]
    assert status["outages"][0]["ends_at"] is None
    elsewhere = client.get(f"/api/supply-status/?premise={world.other_building.pk}").json()
    assert elsewhere["interrupted"] is False


def test_published_planned_works_over_the_premise_are_announced(world: World) -> None:
    now = timezone.now()
    work = planned_work_create(
        area=Polygon.from_bbox((117.19, 39.08, 117.21, 39.10)),
        starts_at=now + timedelta(days=8),
        ends_at=now + timedelta(days=8, hours=6),
        reason="main replacement",
        reason_zh="更换管道",
        actor=None,
        now=now,
    )
    planned_work_publish(planned_work_id=work.pk, actor=None, now=now)
    status = client_for(world.taker).get(f"/api/supply-status/?premise={world.home.pk}").json()
    assert (status["interrupted"], status["planned"]) == (False, True)
    assert work.reference in status["sentence"]
    assert "更换管道" in status["sentence"]


def test_supply_status_is_refused_outside_the_territory_and_to_other_roles(world: World) -> None:
    url = f"/api/supply-status/?premise={world.home.pk}"
    assert client_for(world.far_taker).get(url).status_code == 403
    assert client_for(world.safety).get(url).status_code == 403
    assert client_for(world.taker).get("/api/supply-status/?premise=x").status_code == 400


@pytest.fixture
def desk_agent(world: World):  # type: ignore[no-untyped-def]
    return user_create(
        username="desk", password="pw", role=Role.DESK_AGENT, org_unit=world.units["gx-city"]
    )


def test_the_arrears_list_and_a_reminder_on_the_timeline(world: World, desk_agent) -> None:  # type: ignore[no-untyped-def]
    client = client_for(desk_agent)
    page = client.get("/desk/arrears/?min=100&days=30")
    assert page.status_code == 200
    assert "李建国" in page.content.decode()
    assert "386.50" in page.content.decode()
    assert "李建国" not in client.get("/desk/arrears/?min=500").content.decode()
    done = client.post(
        f"/desk/arrears/{world.customer.pk}/reminded/", {"note": "答应月底缴清"}, follow=True
    )
    assert "GX00000001" in done.content.decode()
    event = IncidentEvent.objects.get(kind="arrears.reminded")
    assert event.data["account"] == "GX00000001"
    assert event.data["arrears"] == "386.50"
    assert event.actor == desk_agent
    assert event.data["note"] == "答应月底缴清"
    assert AccountBalance.objects.get(customer=world.customer).reminded_at == event.at


def test_a_paid_up_account_is_not_reminded_and_others_cannot_see_the_list(
    world: World, desk_agent
) -> None:  # type: ignore[no-untyped-def]
    AccountBalance.objects.filter(customer=world.customer).update(arrears=0, arrears_since=None)
    refused = client_for(desk_agent).post(
        f"/desk/arrears/{world.customer.pk}/reminded/", follow=True
    )
    assert "owes nothing" in refused.content.decode()
    assert not IncidentEvent.objects.filter(kind="arrears.reminded").exists()
    assert client_for(world.safety).get("/desk/arrears/").status_code == 403
    assert client_for(desk_agent).get("/desk/arrears/?days=abc").status_code == 400
