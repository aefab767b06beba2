from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from dispatch.models import Incident, IncidentDeadline, SlaPolicy, User
from dispatch.services.intake import CallInput, call_join_incident, call_open_incident, call_receive
from dispatch.services.sla import sla_policies_for
from dispatch.tasks import sla_check_task
from dispatch.working_days import working_days_add
from gis.models import Premise

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _open(
    dispatcher: User,
    premise: Premise,
    category: str,
    at: datetime,
    hazards: list[str] | None = None,
) -> Incident:
    call = call_receive(
        data=CallInput(category=category, premise_id=premise.id, hazards=hazards or []),
        taker=dispatcher,
        received_at=at,
    )
    return call_open_incident(call_id=call.id, actor=dispatcher, at=at)


def test_working_days_skip_the_weekend() -> None:
    friday = datetime(2026, 11, 20, 16, 0, tzinfo=SHANGHAI)
    assert working_days_add(friday, 1) == datetime(2026, 11, 23, 16, 0, tzinfo=SHANGHAI)
    assert working_days_add(friday, 5).date().isoformat() == "2026-11-27"


def test_the_most_specific_policy_wins(dispatcher: User, premise: Premise) -> None:
    SlaPolicy.objects.create(priority=3, category="meter_fault", milestone="on_site", minutes=240)
    incident = _open(dispatcher, premise, "meter_fault", timezone.now())
    assert incident.priority == 3
    assert sla_policies_for(incident)["on_site"].minutes == 240  # not P3's default 24 h
    on_site = IncidentDeadline.objects.get(incident=incident, milestone="on_site")
    assert on_site.due_at == incident.calls.get().received_at + timedelta(minutes=240)


def test_a_missed_clock_is_breached_once_and_written_to_the_timeline(
    dispatcher: User, premise: Premise
) -> None:
    incident = _open(dispatcher, premise, "leak_indoor", timezone.now() - timedelta(minutes=40))
    assert sla_check_task() == 2  # no work order in 5 min, nobody on site in 30 min
    assert sla_check_task() == 0
    breached = incident.events.filter(kind="sla.breached")
    assert sorted(e.data["milestone"] for e in breached) == ["on_site", "work_order"]


def test_raising_the_priority_tightens_the_clocks(dispatcher: User, premise: Premise) -> None:
    start = timezone.now()
    incident = _open(dispatcher, premise, "leak_outdoor", start)
    assert incident.priority == 2
    on_site = IncidentDeadline.objects.get(incident=incident, milestone="on_site")
    assert on_site.due_at == start + timedelta(minutes=60)
    neighbour = Premise.objects.filter(geom=premise.geom).exclude(pk=premise.pk).first()
    assert neighbour is not None
    call = call_receive(
        data=CallInput(
            category="leak_outdoor", premise_id=neighbour.id, hazards=["someone_unwell"]
        ),
        taker=dispatcher,
    )
    raised = call_join_incident(call_id=call.id, incident_id=incident.id, actor=dispatcher)
    assert raised.priority == 1
    on_site.refresh_from_db()
    assert on_site.due_at == start + timedelta(minutes=30)


def test_the_clock_check_runs_in_autocommit_as_beat_runs_it(
    transactional_db: None, dispatcher: User, premise: Premise
) -> None:
    """No test transaction around it here, as in the worker: its row locks need their own."""
    _open(dispatcher, premise, "leak_indoor", timezone.now() - timedelta(minutes=40))
    assert sla_check_task() == 2
