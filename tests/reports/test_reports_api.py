"""The reports API answers as its document says, and refuses bad input in words: an inverted
date range, a unit the user may not see, a word where a number goes, an unknown figure; a
range with nothing in it says so instead of showing zeros that read as "all fine"."""

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.gis.geos import Point
from django.test import Client
from django.utils import timezone

from config.models import Counter
from dispatch.models import User
from dispatch.roles import Role
from dispatch.services import user_create
from dispatch.services.intake import CallInput, call_open_incident, call_receive
from gis.models import OrgUnit
from tests.dispatch.conftest import city, make_crew  # noqa: F401 - fixtures
from tests.field_app_api.test_tablet_api import crews  # noqa: F401 - fixture
from tests.test_api_answers import _answer, api  # noqa: F401 - the walk's fixture
from tests.test_api_schema import api_closed  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db


def _middle(unit: OrgUnit) -> Point:
    assert unit.territory is not None
    return unit.territory.centroid


def test_the_reports_answer_as_documented(api: Any, crews: dict) -> None:  # noqa: F811
    station: OrgUnit = crews["station"]
    user_create(username="safe", password="pw", role=Role.SAFETY_MANAGER, org_unit=station.parent)
    taker = User.objects.get(username="disp")
    received = timezone.now() - timedelta(hours=3)
    call = call_receive(
        data=CallInput(category="leak_outdoor", point=_middle(station)),
        taker=taker,
        received_at=received,
    )
    # Never reached: a breach of its arrival clock.
    incident = call_open_incident(call_id=call.pk, actor=taker, at=received)
    query = {
        "from": timezone.localdate(received).isoformat(),
        "to": timezone.localdate().isoformat(),
    }
    body = _answer(api, "safe", "GET", "/api/reports/figures/", query=query)
    figures = {f["key"]: f for f in body["figures"]}
    assert figures["incidents_opened"]["value"] >= 1
    assert not body["empty"]
    items = _answer(
        api,
        "safe",
        "GET",
        "/api/reports/figures/{key}/items/",
        path_parameters={"key": "arrival_on_clock"},
        query={**query, "which": "missed"},
    )
    missed = {i["reference"]: i["link"] for i in items["items"]}
    assert missed[incident.reference] == f"/incidents/{incident.reference}/timeline"
    breaches = _answer(api, "safe", "GET", "/api/reports/breaches/", query=query)
    assert incident.reference in {f["properties"]["reference"] for f in breaches["features"]}


@pytest.fixture
def people(city: dict[str, OrgUnit]) -> dict[str, User]:  # noqa: F811
    return {
        "group": user_create(
            username="g", password="pw", role=Role.SAFETY_MANAGER, org_unit=city["gx-group"]
        ),
        "west": user_create(
            username="w", password="pw", role=Role.SUPERVISOR, org_unit=city["st-west"]
        ),
    }


def _get(user: User, url: str, **query: Any) -> Any:
    client = Client()
    client.force_login(user)
    return client.get(url, query)


@pytest.mark.parametrize("url", ["/api/reports/figures/", "/reports/export.csv"])
def test_bad_input_is_refused_in_words_and_counted(
    people: dict[str, User],
    city: dict[str, OrgUnit],  # noqa: F811
    url: str,
) -> None:
    west, group = people["west"], people["group"]
    inverted = _get(group, url, **{"from": "2026-11-30", "to": "2026-11-01"})
    assert inverted.status_code == 400
    assert "swap the two dates" in inverted.content.decode()
    other = _get(west, url, unit=city["st-east"].pk)
    assert other.status_code == 403
    assert city["st-east"].name in other.content.decode()
    for bad in (
        {"from": "30/11/2026"},
        {"to": "9999-12-31"},  # its day after would overflow: a date in words, not a 500
        {"to": "0001-01-05"},
        {"unit": "东区"},
        {"by": "weather"},
        {"priority": "9"},
    ):
        answer = _get(group, url, **bad)
        assert answer.status_code == 400, bad
        assert answer.content.decode().strip(), bad
    counted = Counter.objects.filter(name__endswith=".refused.400").values_list("value", flat=True)
    assert sum(counted) >= 5


def test_a_year_with_nothing_in_it_says_so(people: dict[str, User]) -> None:
    answer = _get(
        people["group"], "/api/reports/figures/", **{"from": "2019-01-01", "to": "2019-12-31"}
    )
    assert answer.status_code == 200
    body = answer.json()
    assert body["empty"] is True
    assert "Nothing was recorded" in body["message"]
    # No share reads as 0% or 100%: with nothing counted there is no figure at all.
    shares = [f for f in body["figures"] if f["kind"] == "share"]
    assert shares
    assert all(f["value"] is None for f in shares)


def test_an_unknown_figure_is_a_404_and_the_rows_behind_one_are_the_unit_s_own(
    people: dict[str, User],
    city: dict[str, OrgUnit],  # noqa: F811
) -> None:
    west = people["west"]
    missing = _get(west, "/api/reports/figures/nope/items/")
    assert missing.status_code == 404
    assert "nope" in missing.json()["error"]
    east = city["st-east"]
    crew = make_crew(east, "E1", _middle(east))
    assert crew.pk
    taker = user_create(username="t", password="pw", role=Role.CALL_TAKER, org_unit=city["gx-city"])
    call = call_receive(data=CallInput(category="leak_outdoor", point=_middle(east)), taker=taker)
    call_open_incident(call_id=call.pk, actor=taker)
    mine = _get(west, "/api/reports/figures/incidents_opened/items/").json()
    theirs = _get(people["group"], "/api/reports/figures/incidents_opened/items/").json()
    assert mine["count"] == 0
    assert theirs["count"] == 1
