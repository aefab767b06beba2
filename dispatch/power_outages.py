"""Power outage calls grouped onto the device they point to: each call placed on the power
network (its premise's transformer, else where it is), then gis.power's trouble-call analysis
over an incident's calls. One predicted device explaining them all is the incident's
suspected device; a new call joins an open outage when, with it, one device still explains
them all (a fuse above two transformers, a recloser above two fuses)."""

from dataclasses import dataclass

from django.contrib.gis.geos import Point

from dispatch.models import Call, Incident
from gis.power.calls import TroubleCall, trouble_calls_analyse

NEW_CALL = 0  # the id a call not yet joined is analysed under (call ids start at 1)


@dataclass(frozen=True)
class PowerCause:
    device_id: int | None  # None: a line end, no device
    kind: str
    premises_out: int


def _trouble(call_id: int, premise_id: int | None, point: Point | None) -> TroubleCall:
    xy = (point.x, point.y) if point is not None else None
    return TroubleCall(call_id=call_id, premise_id=premise_id, point=xy)


def power_cause(calls: list[Call], *, also: TroubleCall | None = None) -> PowerCause | None:
    """The one device that explains every call (and `also`), if one does."""
    trouble = [_trouble(c.pk, c.premise_id, c.point) for c in calls]
    if also is not None:
        trouble.append(also)
    analysis = trouble_calls_analyse(calls=trouble)
    if len(analysis.predictions) != 1 or analysis.unplaced:
        return None
    (outage,) = analysis.predictions
    return PowerCause(outage.device, outage.kind, len(outage.premises_out))


def power_joins(
    incident: Incident, *, premise_id: int | None, point: Point | None
) -> PowerCause | None:
    """The cause the incident's calls and a new one share, or None when no one device
    explains them together (another outage)."""
    calls = list(incident.calls.all())
    return power_cause(calls, also=_trouble(NEW_CALL, premise_id, point))
