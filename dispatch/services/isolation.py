"""Isolation of a damaged main: the trace run for an incident, kept and put on the timeline."""

from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from dispatch.errors import ConflictError, NotFoundError
from dispatch.models import Incident, IncidentIsolation, User
from dispatch.services.timeline import event_record
from dispatch.valve_route import valves_by_road
from gis.heat.trace import heat_isolation_for_segment
from gis.models import PipeSegment, Valve
from gis.selectors import AFFECTED_AREA_MARGIN_M, isolation_for_segment, premise_ids_cut_off
from gis.trace import Isolation, UnknownSegmentError

# The area the dispatcher sees cut off: the isolated mains widened by the margin the trace
# map draws, as one outline (a MultiPolygon so a ring split by a station stays whole).
_AREA = """
SELECT ST_Multi(ST_Buffer(ST_Collect(geom)::geography, %s)::geometry)
FROM network_pipesegment WHERE id = ANY(%s)
"""


def _trace(segment_id: int, seized: frozenset[int]) -> tuple[Isolation, list[int]]:
    """The isolation of the damaged pipe and the premises it leaves without supply. A heat
    pipe is traced on both circuits (gis.heat): its valves on the supply, then its twin's on
    the return, kept as one list, as a crew closes them in pairs."""
    utility = PipeSegment.objects.filter(pk=segment_id).values_list("utility", flat=True).first()
    if utility != "heat":
        trace = isolation_for_segment(segment_id=segment_id, seized_valve_ids=seized)
        return trace, premise_ids_cut_off(trace)
    heat = heat_isolation_for_segment(segment_id=segment_id, seized_valve_ids=seized)
    circuits = (heat.supply, heat.back)
    trace = Isolation(
        segment_id=segment_id,
        valves_to_close=[v for c in circuits for v in c.valves_to_close],
        valve_distances_m=[d for c in circuits for d in c.valve_distances_m],
        sources_to_shut=heat.stations_to_shut,
        isolated_segment_ids=heat.isolated_segment_ids,
        seized_valves_passed=sorted({v for c in circuits for v in c.seized_valves_passed}),
        ring_valves_left_open=[],
    )
    return trace, heat.premise_ids_without_heat


@transaction.atomic
def incident_isolation_trace(
    *,
    incident_id: int,
    actor: User | None,
    seized_valve_asset_ids: list[str] | None = None,
    at: datetime | None = None,
) -> IncidentIsolation:
    """Trace the incident's main; valves a crew found seized are passed over. Each run is
    kept (the newest is the one in force) and writes `incident.isolation_traced`."""
    incident = Incident.objects.select_for_update().filter(pk=incident_id).first()
    if incident is None:
        raise NotFoundError(f"no incident {incident_id}")
    if incident.status not in Incident.OPEN_STATUSES:
        raise ConflictError(
            f"{incident.reference} is {incident.get_status_display().lower()}: only an open "
            "incident's main is traced",
            field="status",
        )
    if incident.segment_id is None:
        raise ConflictError(
            f"{incident.reference} is not on a main: pin it to the network before tracing",
            field="segment",
        )
    seized: dict[str, int] = {}
    if seized_valve_asset_ids:
        seized = dict(
            Valve.objects.filter(asset_id__in=seized_valve_asset_ids).values_list("asset_id", "id")
        )
        unknown = sorted(set(seized_valve_asset_ids) - set(seized))
        if unknown:
            raise NotFoundError(f"no valve {', '.join(unknown)}", field="seized_valves")
    try:
        trace, premises = _trace(incident.segment_id, frozenset(seized.values()))
    except UnknownSegmentError as error:
        raise ConflictError(
            f"main {incident.segment_id} is no longer in the network graph", field="segment"
        ) from error
    # Closing order: by road from the incident when the roads can tell, else the trace's own
    # (straight-line distance from the damaged main).
    away = dict(zip(trace.valves_to_close, trace.valve_distances_m, strict=False))
    route = valves_by_road(start=incident.point, valve_ids=trace.valves_to_close)
    closing_order = route.valve_ids if route is not None else trace.valves_to_close
    with connection.cursor() as cursor:
        cursor.execute(_AREA, [AFFECTED_AREA_MARGIN_M, trace.isolated_segment_ids])
        area = cursor.fetchone()[0]
    isolation = IncidentIsolation.objects.create(
        incident=incident,
        traced_at=at or timezone.now(),
        traced_by=actor,
        segment_id=incident.segment_id,
        valves_to_close=closing_order,
        valve_road_m=route.leg_m if route is not None else [],
        seized_valves=sorted(trace.seized_valves_passed),
        sources_to_shut=trace.sources_to_shut,
        isolated_segments=trace.isolated_segment_ids,
        premises_cut_off=len(premises),
        premise_ids=premises,
        area=area,
    )
    closing = list(Valve.objects.filter(id__in=trace.valves_to_close).values_list("id", "asset_id"))
    asset_of = dict(closing)
    event_record(
        kind="incident.isolation_traced",
        incident=incident,
        actor=actor,
        at=isolation.traced_at,
        point=incident.point,
        data={
            "isolation": isolation.pk,
            "segment": incident.segment_id,
            "valves_to_close": [asset_of[v] for v in closing_order],
            # Straight-line metres from the main, in the same order; and when the order is
            # the crew's drive, the metres by road to each from the stop before.
            "valve_distances_m": [away[v] for v in closing_order if v in away],
            "valve_road_m": route.leg_m if route is not None else [],
            "seized_valves": sorted(seized),
            "sources_to_shut": trace.sources_to_shut,
            "isolated_mains": len(trace.isolated_segment_ids),
            "premises_cut_off": len(premises),
        },
    )
    return isolation
