"""No-heat calls grouped onto their common cause through the call takers' own intake on the
demo city's heating network: the first call suspects its building's substation, a neighbour
of the same substation is offered as the same incident, a cold home behind another
substation of the same primary network moves the suspicion upstream; a heating leak is
placed on the heat supply pipe, never on the gas main beside it."""

import pytest
from django.contrib.gis.db.models.functions import Length

from dispatch.models import User
from dispatch.selectors import incident_duplicates
from dispatch.services.intake import (
    CallInput,
    call_join_incident,
    call_open_incident,
    call_receive,
)
from dispatch.services.isolation import incident_isolation_trace
from gis.models import PipeSegment, Premise, Source, Valve

pytestmark = pytest.mark.django_db


@pytest.fixture
def taker(multi_utility_taker: User) -> User:
    return multi_utility_taker


def _cold(taker: User, premise: Premise) -> int:
    return call_receive(data=CallInput(category="no_heat", premise_id=premise.pk), taker=taker).pk


def test_cold_homes_gather_on_their_substation_then_upstream(taker: User) -> None:
    stations = list(
        Source.objects.filter(kind="substation", heated_premises__isnull=False)
        .distinct()
        .order_by("asset_id")
    )
    assert len(stations) >= 2
    here, there = stations[0], stations[-1]
    homes = list(Premise.objects.filter(heat_station=here).order_by("id")[:2])
    incident = call_open_incident(call_id=_cold(taker, homes[0]), actor=taker)
    assert incident.suspected_station_id == here.pk
    assert incident.suspected_cause_id is None

    offered = incident_duplicates(
        category="no_heat", point=homes[1].geom, at=incident.created_at, premise_id=homes[1].pk
    )
    assert [d.incident.pk for d in offered] == [incident.pk]
    joined = call_join_incident(
        call_id=_cold(taker, homes[1]), incident_id=incident.pk, actor=taker
    )
    assert joined.suspected_station_id == here.pk  # still that substation

    far = Premise.objects.filter(heat_station=there).order_by("id").first()
    assert far is not None
    assert [
        d.incident.pk
        for d in incident_duplicates(
            category="no_heat", point=far.geom, at=incident.created_at, premise_id=far.pk
        )
    ] == [incident.pk]  # one primary network: one cause upstream explains both substations
    joined = call_join_incident(call_id=_cold(taker, far), incident_id=incident.pk, actor=taker)
    upstream = joined.suspected_cause or joined.suspected_station
    assert upstream is not None
    assert joined.suspected_station_id != here.pk
    if joined.suspected_cause is not None:
        assert joined.suspected_cause.utility == "heat"
        assert joined.suspected_cause.pressure_class == "high"  # a primary main
    else:
        assert joined.suspected_station is not None
        assert joined.suspected_station.kind == "heat_source"
    event = joined.events.filter(kind="incident.supply_cause").last()
    assert event is not None
    assert event.data["calls"] == 3


def test_a_heating_leak_is_on_the_heat_pipe_not_the_gas_main(taker: User) -> None:
    premise = Premise.objects.order_by("id").first()
    assert premise is not None
    call = call_receive(data=CallInput(category="heat_leak", premise_id=premise.pk), taker=taker)
    incident = call_open_incident(call_id=call.pk, actor=taker)
    assert incident.segment is not None
    assert (incident.segment.utility, incident.segment.circuit) == ("heat", "supply")
    assert incident.station.utilities == ["gas", "heat", "power"]
    gas = call_receive(data=CallInput(category="leak_outdoor", premise_id=premise.pk), taker=taker)
    leak = call_open_incident(call_id=gas.pk, actor=taker)
    assert leak.segment is not None
    assert leak.segment.utility == "gas"


def test_a_heating_leak_is_isolated_on_supply_and_return(taker: User) -> None:
    """The dispatcher's trace of a heat incident closes the valve pairs around the pipe and
    its twin, and counts the buildings left cold."""
    # A primary pipe between two junctions of the arterials: a valve pair on each leg.
    secondary = (
        PipeSegment.objects.filter(utility="heat", circuit="supply", pressure_class="high")
        .annotate(length=Length("geom"))
        .order_by("-length", "asset_id")
        .first()
    )
    assert secondary is not None
    call = call_receive(
        data=CallInput(category="heat_leak", point=secondary.geom.interpolate_normalized(0.5)),
        taker=taker,
    )
    incident = call_open_incident(call_id=call.pk, actor=taker)
    assert incident.segment_id == secondary.pk
    isolation = incident_isolation_trace(incident_id=incident.pk, actor=taker)
    circuits = set(
        Valve.objects.filter(pk__in=isolation.valves_to_close).values_list("circuit", flat=True)
    )
    assert circuits == {"supply", "return"}
    lost = PipeSegment.objects.filter(pk__in=isolation.isolated_segments)
    assert {(p.circuit) for p in lost} == {"supply", "return"}
    assert lost.filter(utility="gas").count() == 0
    event = incident.events.get(kind="incident.isolation_traced")
    assert event.data["premises_cut_off"] == isolation.premises_cut_off
