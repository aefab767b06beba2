"""The isolation trace run for an incident: kept, on the timeline, refused in words."""

import numpy as np
import pytest
from django.contrib.gis.db.models.functions import Transform
from django.contrib.gis.geos import Point, Polygon

from dispatch.errors import ConflictError, NotFoundError
from dispatch.models import Incident, IncidentEvent, IncidentIsolation, User
from dispatch.services.intake import CallInput, call_open_incident, call_receive
from dispatch.services.isolation import incident_isolation_trace
from fleet.roads import road_graph
from gis.models import OrgUnit, PipeSegment, Premise, Valve
from gis.selectors import isolation_for_segment
from gis.services import org_unit_create
from maps.timeline_words import event_summary

pytestmark = pytest.mark.django_db


def _open_at(dispatcher: User, premise: Premise) -> Incident:
    call = call_receive(
        data=CallInput(category="leak_outdoor", premise_id=premise.id), taker=dispatcher
    )
    return call_open_incident(call_id=call.id, actor=dispatcher)


@pytest.fixture
def incident(dispatcher: User, premise: Premise) -> Incident:
    """An outdoor leak at a flat: snapped to the flat's own service main."""
    opened = _open_at(dispatcher, premise)
    assert premise.service_segment_id is not None
    assert opened.segment_id == premise.service_segment_id
    return opened


def _unchanged(incident: Incident) -> tuple[int, int]:
    return (
        IncidentIsolation.objects.filter(incident=incident).count(),
        IncidentEvent.objects.filter(incident=incident).count(),
    )


def test_a_trace_is_kept_and_written_to_the_timeline(dispatcher: User, incident: Incident) -> None:
    isolation = incident_isolation_trace(incident_id=incident.id, actor=dispatcher)

    kept = IncidentIsolation.objects.get(incident=incident)
    assert kept.pk == isolation.pk
    assert kept.traced_by == dispatcher
    assert kept.segment_id == incident.segment_id
    assert kept.valves_to_close, "a demo-city main is cut off by valves"
    assert incident.segment_id in kept.isolated_segments
    served = Premise.objects.filter(service_segment_id__in=kept.isolated_segments).count()
    assert kept.premises_cut_off == served > 0
    damaged = PipeSegment.objects.get(pk=incident.segment_id)
    assert kept.area is not None
    assert kept.area.contains(damaged.geom.point_on_surface)

    event = IncidentEvent.objects.get(incident=incident, kind="incident.isolation_traced")
    asset_of = dict(Valve.objects.values_list("id", "asset_id"))
    assert event.actor == dispatcher
    assert event.data["isolation"] == kept.pk
    # Asset ids in closing order: what the crew reads off the valve covers.
    assert event.data["valves_to_close"] == [asset_of[v] for v in kept.valves_to_close]
    assert event.data["premises_cut_off"] == kept.premises_cut_off
    assert event.data["isolated_mains"] == len(kept.isolated_segments)


def test_a_valve_reported_seized_widens_the_ring(dispatcher: User, incident: Incident) -> None:
    first = incident_isolation_trace(incident_id=incident.id, actor=dispatcher)
    stuck = Valve.objects.get(pk=first.valves_to_close[0])
    assert stuck.operable  # the register thinks it turns; the crew found it does not

    second = incident_isolation_trace(
        incident_id=incident.id, actor=dispatcher, seized_valve_asset_ids=[stuck.asset_id]
    )

    assert stuck.pk not in second.valves_to_close
    assert stuck.pk in second.seized_valves
    assert set(second.isolated_segments) > set(first.isolated_segments)
    assert second.premises_cut_off >= first.premises_cut_off
    # Both runs are kept; the newest is the one in force.
    assert list(incident.isolations.values_list("pk", flat=True)) == [second.pk, first.pk]
    newest = incident.events.filter(kind="incident.isolation_traced").order_by("-id").first()
    assert newest is not None
    assert newest.data["seized_valves"] == [stuck.asset_id]


def test_an_incident_not_on_a_main_cannot_be_traced(dispatcher: User, city: dict) -> None:
    # A harbour station whose territory lies far beyond every main: an incident there opens
    # without a main (further than the snap limit), as on the edge of a real utility's area.
    harbour = org_unit_create(
        code="st-harbour",
        name="Harbour station",
        tier=OrgUnit.Tier.STATION,
        parent=city["gx-city"],
        territory=Polygon.from_bbox((117.25, 39.09, 117.26, 39.10)),
    )
    call = call_receive(
        data=CallInput(category="leak_outdoor", point=Point(117.255, 39.095, srid=4326)),
        taker=dispatcher,
    )
    offshore = call_open_incident(call_id=call.id, actor=dispatcher)
    assert offshore.station == harbour
    assert offshore.segment_id is None
    before = _unchanged(offshore)

    with pytest.raises(ConflictError) as refused:
        incident_isolation_trace(incident_id=offshore.id, actor=dispatcher)

    assert refused.value.status == 409
    assert refused.value.field == "segment"
    assert "is not on a main" in refused.value.message
    assert offshore.reference in refused.value.message
    assert _unchanged(offshore) == before


def test_an_unknown_valve_is_refused_and_nothing_is_traced(
    dispatcher: User, incident: Incident
) -> None:
    real = Valve.objects.order_by("asset_id").values_list("asset_id", flat=True)[0]
    before = _unchanged(incident)

    with pytest.raises(NotFoundError) as refused:
        incident_isolation_trace(
            incident_id=incident.id, actor=dispatcher, seized_valve_asset_ids=[real, "V-NOPE"]
        )

    assert refused.value.status == 404
    assert refused.value.field == "seized_valves"
    assert refused.value.message == "no valve V-NOPE"
    assert _unchanged(incident) == before


def test_an_unknown_incident_is_not_found(dispatcher: User, city: dict) -> None:
    missing = (Incident.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    with pytest.raises(NotFoundError):
        incident_isolation_trace(incident_id=missing, actor=dispatcher)
    assert not IncidentIsolation.objects.exists()
    assert PipeSegment.objects.exists()  # the city was there: the incident alone was missing


def test_a_closed_incident_is_not_traced(dispatcher: User, incident: Incident) -> None:
    Incident.objects.filter(pk=incident.pk).update(status=Incident.Status.CLOSED)
    before = _unchanged(incident)
    with pytest.raises(ConflictError, match="only an open incident"):
        incident_isolation_trace(incident_id=incident.id, actor=dispatcher)
    assert _unchanged(incident) == before


def test_valves_are_listed_in_the_order_a_crew_drives_to_them(dispatcher: User) -> None:
    # A flat whose main takes three valves or more to cut off: an order worth checking.
    premise = next(
        p
        for p in Premise.objects.exclude(service_segment=None).order_by("asset_id")
        if p.service_segment_id is not None
        and len(isolation_for_segment(segment_id=p.service_segment_id).valves_to_close) >= 3
    )
    incident = _open_at(dispatcher, premise)
    isolation = incident_isolation_trace(incident_id=incident.id, actor=dispatcher)
    order = isolation.valves_to_close
    event = IncidentEvent.objects.get(incident=incident, kind="incident.isolation_traced")
    legs = event.data["valve_road_m"]
    assert len(legs) == len(order)
    assert isolation.valve_road_m == legs  # kept for the incident's map to list
    graph = road_graph()
    xy = dict(
        Valve.objects.filter(pk__in=order)
        .annotate(p=Transform("geom", graph.srid))
        .values_list("pk", "p")
    )
    start = (
        Incident.objects.annotate(p=Transform("point", graph.srid))
        .values_list("p", flat=True)
        .get(pk=incident.pk)
    )
    here = (start.x, start.y)
    for n, valve in enumerate(order):
        # From where the crew stands, the next valve listed is the nearest of those left.
        left = order[n:]
        travel = graph.travel(
            origin_xy=here, targets_xy=np.array([(xy[v].x, xy[v].y) for v in left])
        )
        assert travel.seconds[0] == pytest.approx(travel.seconds.min())
        assert legs[n] == pytest.approx(travel.metres(0), abs=0.1)
        here = (xy[valve].x, xy[valve].y)
    assert "by road from the incident" in event_summary(event.kind, event.data)
