"""Power outage calls grouped onto the device they point to, through the call takers' own
intake on the demo city's power network: one call suspects its transformer; a second call
behind the other transformer of the same lateral is offered as the same outage and, joined,
moves the suspicion up to the lateral's fuse; a call on another lateral is another outage."""

import pytest
from django.db import connection

from dispatch.models import User
from dispatch.selectors import incident_duplicates
from dispatch.services.intake import (
    CallInput,
    call_join_incident,
    call_open_incident,
    call_receive,
)
from gis.models import PowerDevice, Premise

pytestmark = pytest.mark.django_db


@pytest.fixture
def taker(multi_utility_taker: User) -> User:
    return multi_utility_taker


def _laterals() -> list[tuple[int, int, int]]:
    """(fuse, transformer, transformer) of each lateral: the two transformers north of a fuse
    at the same x on one feeder (demo.city.power_layout)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """WITH d AS (SELECT id, kind, feeder, ST_Transform(geom, 32650) m
                          FROM network_powerdevice)
               SELECT f.id, array_agg(t.id ORDER BY ST_Y(t.m))
               FROM d f JOIN d t
                 ON t.kind = 'transformer' AND t.feeder = f.feeder
                 AND abs(ST_X(t.m) - ST_X(f.m)) < 0.5 AND ST_Y(t.m) > ST_Y(f.m)
                 AND ST_Y(t.m) - ST_Y(f.m) < 800
               WHERE f.kind = 'fuse' GROUP BY f.id HAVING count(*) = 2 ORDER BY f.id"""
        )
        return [(fuse, a, b) for fuse, (a, b) in cursor.fetchall()]


def _outage_call(taker: User, transformer: int) -> int:
    premise = Premise.objects.filter(transformer_id=transformer).order_by("id").first()
    assert premise is not None, transformer
    call = call_receive(data=CallInput(category="power_outage", premise_id=premise.pk), taker=taker)
    return call.pk


def test_outage_calls_gather_on_the_fuse_above_them(taker: User) -> None:
    laterals = _laterals()
    assert len(laterals) >= 2
    fuse, first, second = laterals[0]
    incident = call_open_incident(call_id=_outage_call(taker, first), actor=taker)
    assert incident.suspected_device_id == first  # one call: its own transformer

    again = Premise.objects.filter(transformer_id=second).order_by("id").first()
    assert again is not None
    offered = incident_duplicates(
        category="power_outage", point=again.geom, at=incident.created_at, premise_id=again.pk
    )
    assert [d.incident.pk for d in offered] == [incident.pk]
    assert "device" in offered[0].reason

    joined = call_join_incident(
        call_id=_outage_call(taker, second), incident_id=incident.pk, actor=taker
    )
    assert joined.suspected_device_id == fuse
    assert PowerDevice.objects.get(pk=fuse).kind == "fuse"
    event = joined.events.get(kind="incident.supply_cause")
    behind = Premise.objects.filter(transformer_id__in=[first, second]).count()
    assert event.data["premises_out"] == behind
    assert event.data["device_kind"] == "fuse"

    # A call behind another lateral's fuse is not explained by this one: another outage.
    _other_fuse, elsewhere, _b = laterals[-1]
    away = Premise.objects.filter(transformer_id=elsewhere).order_by("id").first()
    assert away is not None
    assert not incident_duplicates(
        category="power_outage", point=away.geom, at=incident.created_at, premise_id=away.pk
    )


def test_a_gas_leak_is_not_analysed_on_the_power_network(taker: User) -> None:
    premise = Premise.objects.order_by("id").first()
    assert premise is not None
    call = call_receive(data=CallInput(category="no_gas", premise_id=premise.pk), taker=taker)
    incident = call_open_incident(call_id=call.pk, actor=taker)
    assert incident.suspected_device_id is None
    assert incident.segment_id is not None
