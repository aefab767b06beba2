"""Clocks that differ by place and season: the 95598 commitments (arrival within 45, 90 and
120 minutes in urban, rural and remote areas; restored within 3 or 4 hours) and district
heating's season, as shipped (dispatch 0033), through the same intake as every call."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.gis.geos import MultiPolygon, Polygon
from django.test import Client

from alerts.models import NotificationTemplate
from dispatch.admin import SlaPolicyForm
from dispatch.models import CategoryRule, Incident, IncidentDeadline, Season, SlaPolicy, User
from dispatch.services.intake import CallInput, call_open_incident, call_receive
from dispatch.services.sla import sla_policies_for
from gis.models import AreaClass, OrgUnit, Premise, ServiceArea

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
WINTER = datetime(2026, 12, 8, 9, 0, tzinfo=SHANGHAI)  # in the heating season
SUMMER = datetime(2026, 7, 8, 9, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def every_utility(city: dict[str, OrgUnit]) -> None:
    """The demo's stations serve heat and power too, as a multi-utility group's would; the
    demo's own areas are taken away: each test draws the one it is about."""
    OrgUnit.objects.update(utilities=["gas", "heat", "power"])
    ServiceArea.objects.all().delete()


def _open(dispatcher: User, premise: Premise, category: str, at: datetime) -> Incident:
    call = call_receive(
        data=CallInput(category=category, premise_id=premise.id), taker=dispatcher, received_at=at
    )
    return call_open_incident(call_id=call.id, actor=dispatcher, at=at)


def _due_minutes(incident: Incident, milestone: str) -> float:
    deadline = IncidentDeadline.objects.get(incident=incident, milestone=milestone)
    assert incident.first_call_at is not None
    return (deadline.due_at - incident.first_call_at).total_seconds() / 60


def _area(premise: Premise, area_class: str) -> ServiceArea:
    x, y = premise.geom.x, premise.geom.y
    box = Polygon.from_bbox((x - 0.01, y - 0.01, x + 0.01, y + 0.01))
    box.srid = 4326
    return ServiceArea.objects.create(
        name=f"{area_class} area", area_class=area_class, geom=MultiPolygon(box, srid=4326)
    )


@pytest.mark.parametrize(
    ("area_class", "arrive", "restore"),
    [(None, 45, 180), ("urban", 45, 180), ("rural", 90, 240), ("remote", 120, 240)],
)
def test_a_power_outage_is_held_to_its_areas_commitments(
    dispatcher: User, premise: Premise, area_class: str | None, arrive: int, restore: int
) -> None:
    if area_class:
        _area(premise, area_class)
    incident = _open(dispatcher, premise, "power_outage", WINTER)
    assert incident.area_class == (area_class or AreaClass.URBAN)
    assert _due_minutes(incident, "on_site") == arrive
    assert _due_minutes(incident, "completed") == restore
    # The priority's own clocks still hold where the area's policies say nothing.
    assert _due_minutes(incident, "work_order") == 60  # P3's


def test_overlapping_areas_take_the_strictest_class(dispatcher: User, premise: Premise) -> None:
    _area(premise, "remote")
    _area(premise, "urban")  # a town drawn inside a remote county
    incident = _open(dispatcher, premise, "wire_down", WINTER)
    assert incident.area_class == "urban"
    assert _due_minutes(incident, "on_site") == 45


def test_a_cold_home_is_urgent_in_the_heating_season_only(
    dispatcher: User, premise: Premise
) -> None:
    winter = _open(dispatcher, premise, "no_heat", WINTER)
    assert _due_minutes(winter, "on_site") == 120
    assert _due_minutes(winter, "completed") == 24 * 60
    summer = _open(dispatcher, premise, "no_heat", SUMMER)
    assert _due_minutes(summer, "on_site") == 8 * 60
    assert "completed" not in sla_policies_for(summer) or (
        sla_policies_for(summer)["completed"].season is None
    )


def test_the_season_runs_over_new_year_and_is_edited_as_data() -> None:
    season = Season.objects.get(code="heating")
    assert season.holds(date(2026, 10, 15))
    assert season.holds(date(2027, 1, 20))
    assert season.holds(date(2027, 4, 15))
    assert not season.holds(date(2027, 4, 16))
    assert not season.holds(date(2026, 10, 14))
    # Tianjin starts early in a cold autumn: the administrator moves the date.
    season.start_month, season.start_day = 10, 1
    season.save()
    assert Season.objects.get(code="heating").holds(date(2026, 10, 3))


def test_gas_clocks_are_unchanged_by_the_new_policies(dispatcher: User, premise: Premise) -> None:
    _area(premise, "remote")
    incident = _open(dispatcher, premise, "leak_indoor", WINTER)
    assert incident.priority == 1
    assert _due_minutes(incident, "on_site") == 30  # P1's clock: no area policy for gas


def test_the_admin_refuses_a_second_clock_for_the_same_place_and_season() -> None:
    season = Season.objects.get(code="heating")
    data = {
        "category": "no_heat",
        "milestone": "on_site",
        "area_class": "",
        "season": season.pk,
        "minutes": 90,
    }
    form = SlaPolicyForm(data=data)
    assert not form.is_valid()
    assert "exists" in str(form.non_field_errors())
    form = SlaPolicyForm(data={**data, "area_class": "rural"})
    assert form.is_valid(), form.errors
    form.save()
    assert SlaPolicy.objects.filter(category="no_heat", area_class="rural").count() == 1


def test_the_console_asks_each_case_types_own_questions(console: Client) -> None:
    page = console.get("/console/")
    assert page.status_code == 200
    categories = {c["value"]: c for c in page.context["categories"]}
    assert categories["no_heat"]["hazards"] == ["vulnerable_cold"]
    assert set(categories["wire_down"]["hazards"]) >= {"person_contact", "sparks_fire"}
    assert "strong_smell" not in categories["power_outage"]["hazards"]
    asked = dict(page.context["hazards"])
    assert {"vulnerable_cold", "person_contact", "life_support", "hot_water_steam"} <= set(asked)


def test_shipped_heat_and_power_case_types_say_their_utility_and_messages() -> None:
    rules = {r.category: r for r in CategoryRule.objects.all()}
    assert rules["no_heat"].utility == "heat"
    assert rules["no_heat"].groups_by_supply
    assert rules["power_outage"].utility == "power"
    assert rules["leak_indoor"].utility == "gas"
    # Each message set has every step in both languages, none of them about gas.
    for message_set in ("heat_progress", "power_progress"):
        assert rules[
            "no_heat" if message_set == "heat_progress" else "power_outage"
        ].message_set == (message_set)
        shipped = NotificationTemplate.objects.filter(key__startswith=f"{message_set}.")
        steps = {(t.key.split(".")[1], t.language) for t in shipped}
        assert steps == {
            (step, language)
            for step in ("received", "dispatched", "arrived", "made_safe", "completed")
            for language in ("zh", "en")
        }
        assert not any("燃气" in t.body or "Gas" in t.body for t in shipped)
