"""No-heat calls grouped onto their common cause: gis.heat's grouping over an incident's
calls (their buildings' substation; several substations on one primary network: the main
whose loss leaves them all cold, else the plant). One cause for them all is the incident's
suspicion; a new call joins an open no-heat incident when, with it, one cause still explains
them all."""

from dataclasses import dataclass

from django.contrib.gis.geos import Point

from dispatch.models import Call, Incident
from gis.heat.grouping import no_heat_groups_for_calls
from gis.models import PipeSegment, Source

NEW_CALL = 0  # the key a call not yet joined is grouped under (call ids start at 1)


@dataclass(frozen=True)
class HeatCause:
    cause: str  # substation, main or heat_source
    cause_id: int
    name: str  # the station's name, or the main's asset id


def heat_cause(
    calls: list[Call], *, also: tuple[int | None, Point | None] | None = None
) -> HeatCause | None:
    """The one cause every call (and `also`, a premise and a point) points to, if one does."""
    keyed: list[tuple[int, int | None, Point | None]] = [
        (c.pk, c.premise_id, c.point) for c in calls
    ]
    if also is not None:
        keyed.append((NEW_CALL, *also))
    groups = no_heat_groups_for_calls(keyed)
    cause_id = groups[0].cause_id if len(groups) == 1 else None
    if cause_id is None or groups[0].cause == "unknown":
        return None
    group = groups[0]
    if group.cause == "main":
        name = PipeSegment.objects.filter(pk=cause_id).values_list("asset_id", flat=True).first()
    else:
        name = Source.objects.filter(pk=cause_id).values_list("name", flat=True).first()
    return HeatCause(group.cause, cause_id, name or "")


def heat_joins(
    incident: Incident, *, premise_id: int | None, point: Point | None
) -> HeatCause | None:
    return heat_cause(list(incident.calls.all()), also=(premise_id, point))
