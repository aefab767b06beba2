import json
import subprocess
from dataclasses import dataclass
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command

from demo.org import demo_organisation_load
from dispatch.models import Crew, Incident, User
from dispatch.roles import Role
from dispatch.services import user_create
from dispatch.services.intake import CallInput, call_open_incident, call_receive
from fleet.models import Vehicle
from gis.models import OrgUnit, Premise
from tests.dispatch.conftest import make_crew


@dataclass
class Scene:
    units: dict[str, OrgUnit]
    dispatcher: User
    premise: Premise
    incident: Incident
    crew: Crew
    van: Vehicle


@pytest.fixture
def field_scene(transactional_db: None) -> Scene:
    """A small city, a P2 outdoor leak at a premise, and crew Near whose van is 2 km away."""
    call_command("make_demo_city", "--premises", "2000", "--no-progress", stdout=StringIO())
    units = demo_organisation_load()
    dispatcher = user_create(
        username="disp", password="pw", role=Role.DISPATCHER, org_unit=units["gx-city"]
    )
    premise = Premise.objects.exclude(room="").order_by("asset_id").first()
    assert premise is not None
    call = call_receive(
        data=CallInput(category="leak_outdoor", premise_id=premise.id), taker=dispatcher
    )
    incident = call_open_incident(call_id=call.id, actor=dispatcher)
    crew = make_crew(units["st-central"], "Near", premise.geom)
    return Scene(units, dispatcher, premise, incident, crew, crew.vehicle)


def mosquitto_pub(topic_name: str, body: object, *, port: int | None = None) -> None:
    """Publish with Mosquitto's own client (QoS 1): a tracker we did not write."""
    subprocess.run(
        [
            "mosquitto_pub",
            "-h",
            settings.MQTT_BROKER_HOST,
            "-p",
            str(port or settings.MQTT_BROKER_PORT),
            "-q",
            "1",
            "-t",
            f"{settings.MQTT_TOPIC_PREFIX}{topic_name}",
            "-m",
            body if isinstance(body, str) else json.dumps(body),
        ],
        check=True,
        timeout=10,
    )
