"""A crew's tablet hears of its job over MQTT: the worker publishes the crew's assignment,
retained, when the work order's timeline says it changed (dispatch knows no tablet)."""

import json
import queue
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from django.conf import settings

from dispatch.models import User
from dispatch.roles import Role
from dispatch.services import user_create
from dispatch.services.intake import CallInput, call_open_incident, call_receive
from dispatch.services.work_orders import work_order_dispatch, work_order_transition
from fleet.credentials import crew_assignments_topic
from gis.models import OrgUnit, Premise
from tests.dispatch.conftest import city, make_crew  # noqa: F401 - the fixture
from tests.processes import Process

pytestmark = pytest.mark.django_db(transaction=True)


def _subscribed(topic: str) -> tuple[mqtt.Client, "queue.Queue[dict[str, Any]]"]:
    heard: queue.Queue[dict[str, Any]] = queue.Queue()
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
    if settings.MQTT_USERNAME:
        client.username_pw_set(settings.MQTT_USERNAME, settings.MQTT_PASSWORD)
    client.on_message = lambda _c, _u, message: heard.put(json.loads(message.payload))
    client.connect(settings.MQTT_BROKER_HOST, settings.MQTT_BROKER_PORT)
    client.subscribe(topic, qos=1)
    client.loop_start()
    return client, heard


def _until(heard: "queue.Queue[dict[str, Any]]", work_order: int, status: str) -> dict[str, Any]:
    """The first message naming this work order in this status (earlier states may come)."""
    while True:
        message = heard.get(timeout=30)
        job = message["work_order"]
        if job is not None and job["id"] == work_order and job["status"] == status:
            return message


def test_a_dispatch_and_each_status_change_reach_the_crews_tablet(
    worker: Process,
    city: dict[str, OrgUnit],  # noqa: F811
) -> None:
    dispatcher = user_create(
        username="disp", password="pw", role=Role.DISPATCHER, org_unit=city["gx-city"]
    )
    premise = Premise.objects.exclude(room="").order_by("asset_id").first()
    assert premise is not None
    crew = make_crew(city["st-central"], "Alpha", premise.geom)
    client, heard = _subscribed(crew_assignments_topic(crew.pk))
    try:
        call = call_receive(
            data=CallInput(category="leak_outdoor", premise_id=premise.pk), taker=dispatcher
        )
        incident = call_open_incident(call_id=call.pk, actor=dispatcher)
        work_order = work_order_dispatch(incident_id=incident.pk, crew_id=crew.pk, actor=dispatcher)
        assigned = _until(heard, work_order.pk, "assigned")
        assert assigned["crew_id"] == crew.pk
        assert assigned["work_order"]["incident"]["reference"] == incident.reference
        work_order_transition(
            work_order_id=work_order.pk, to="accepted", actor=User.objects.get(pk=dispatcher.pk)
        )
        assert _until(heard, work_order.pk, "accepted")["work_order"]["live"] is True
    finally:
        client.loop_stop()
        client.disconnect()
