"""Dispatch steps that happen in the background, run by a real Celery worker process."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings

from demo.org import demo_organisation_load
from dispatch.models import Crew, Incident, User, WorkOrder
from dispatch.roles import Role
from dispatch.services import user_create
from dispatch.services.intake import CallInput, call_open_incident, call_receive
from dispatch.services.work_orders import work_order_dispatch, work_order_transition
from gis.models import Premise
from tests.dispatch.conftest import make_crew
from tests.processes import Process, wait_until


@pytest.fixture
def scene(transactional_db: None) -> tuple[User, Premise, Crew, Crew]:
    """A small city, a dispatcher, and two capable crews: Near beside the premise, Far away."""
    call_command("make_demo_city", "--premises", "2000", "--no-progress", stdout=StringIO())
    units = demo_organisation_load()
    dispatcher = user_create(
        username="disp", password="pw", role=Role.DISPATCHER, org_unit=units["gx-city"]
    )
    premise = Premise.objects.exclude(room="").order_by("asset_id").first()
    assert premise is not None
    near = make_crew(units["st-central"], "Near", premise.geom)
    far_point = Premise.objects.order_by("-asset_id").values_list("geom", flat=True)[0]
    far = make_crew(units["st-central"], "Far", far_point)
    return dispatcher, premise, near, far


def _incident(
    dispatcher: User, premise: Premise, category: str, hazards: list[str] | None = None
) -> Incident:
    call = call_receive(
        data=CallInput(category=category, premise_id=premise.id, hazards=hazards or []),
        taker=dispatcher,
    )
    return call_open_incident(call_id=call.id, actor=dispatcher)


def _sent_to(incident: Incident, crew: Crew) -> bool:
    return WorkOrder.objects.filter(
        incident=incident, crew=crew, status=WorkOrder.Status.ASSIGNED
    ).exists()


def test_a_rejected_job_goes_to_the_next_crew(worker: Process, scene: tuple) -> None:
    dispatcher, premise, near, far = scene
    incident = _incident(dispatcher, premise, "leak_outdoor")  # P2: no auto-dispatch
    first = work_order_dispatch(incident_id=incident.id, crew_id=near.id, actor=dispatcher)
    work_order_transition(
        work_order_id=first.id,
        to="rejected",
        actor=None,
        actor_label="device VAN-Near",
        data={"reason": "van broken down"},
    )
    wait_until(lambda: _sent_to(incident, far), timeout=30, what="the job offered to Far")
    offered = incident.events.filter(kind="crews.recommended").last()
    assert offered is not None
    assert offered.data["passed_over"] == [near.id]
    assert offered.data["crews"][0]["crew_name"] == "Far"


@override_settings(WORK_ORDER_ACCEPT_TIMEOUT_S=1)
def test_a_crew_that_does_not_answer_is_passed_over(worker: Process, scene: tuple) -> None:
    dispatcher, premise, near, far = scene
    incident = _incident(dispatcher, premise, "leak_outdoor")
    first = work_order_dispatch(incident_id=incident.id, crew_id=near.id, actor=dispatcher)
    wait_until(lambda: _sent_to(incident, far), timeout=30, what="the job offered to Far")
    first.refresh_from_db()
    assert first.status == WorkOrder.Status.REJECTED
    assert first.events.get(kind="work_order.rejected").data["reason"] == "no answer within 1 s"


def test_p1_is_sent_to_the_nearest_capable_crew_without_waiting(
    worker: Process, scene: tuple
) -> None:
    dispatcher, premise, near, _far = scene
    incident = _incident(dispatcher, premise, "leak_indoor")  # P1, auto-dispatch allowed
    wait_until(lambda: _sent_to(incident, near), timeout=30, what="P1 auto-dispatched")
    assigned = incident.events.get(kind="work_order.assigned")
    assert assigned.actor_label == "system"
    assert assigned.data["recommendation"]["why"] == "P1 auto-dispatch"
