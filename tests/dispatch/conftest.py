from datetime import time
from io import StringIO

import pytest
from django.contrib.gis.geos import Point
from django.core.management import call_command
from django.test import Client

from demo.org import demo_organisation_load
from dispatch.choices import Skill
from dispatch.models import Crew, User
from dispatch.roles import Role
from dispatch.services import user_create
from fleet.models import Vehicle
from gis.models import OrgUnit, Premise


@pytest.fixture
def city(db: None) -> dict[str, OrgUnit]:
    """A small demo city (2,000 premises) and its organisation."""
    call_command("make_demo_city", "--premises", "2000", "--no-progress", stdout=StringIO())
    return demo_organisation_load()


def _login(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def dispatcher(city: dict[str, OrgUnit]) -> User:
    return user_create(
        username="disp", password="pw", role=Role.DISPATCHER, org_unit=city["gx-city"]
    )


@pytest.fixture
def console(dispatcher: User) -> Client:
    return _login(dispatcher)


@pytest.fixture
def premise(city: dict[str, OrgUnit]) -> Premise:
    found = Premise.objects.exclude(room="").order_by("asset_id").first()
    assert found is not None
    return found


def make_crew(
    station: OrgUnit,
    name: str,
    at: Point,
    skills: tuple[str, ...] = (Skill.LEAK_SURVEY, Skill.MAKE_SAFE, Skill.SERVICE_LINES),
) -> Crew:
    crew = Crew.objects.create(
        name=name,
        station=station,
        skills=list(skills),
        shift_start=time(0, 0),
        shift_end=time(23, 59),
    )
    Vehicle.objects.create(device_id=f"VAN-{name}", crew=crew, last_point=at)
    return crew


@pytest.fixture
def multi_utility_taker(db: None) -> User:
    """The demo city with its gas, heat and power networks, its stations serving all three,
    and a call taker of the group centre (the heat and power outage tests)."""
    units = demo_organisation_load()
    call_command("make_demo_city", "--premises", "2000", "--no-progress", stdout=StringIO())
    OrgUnit.objects.update(utilities=["gas", "heat", "power"])
    return user_create(
        username="taker", password="pw", role=Role.CALL_TAKER, org_unit=units["gx-group"]
    )
