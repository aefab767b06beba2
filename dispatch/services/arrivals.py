"""Whether a van is really at its incident: the rule a fix must meet, and what the van's
positions say of an arrival reported by the geofence, a crew or a dispatcher."""

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection

from dispatch.models import WorkOrder

log = logging.getLogger(__name__)


def arrival_fix_fits(*, distance_m: float, accuracy_m: float | None) -> bool:
    """Whether a fix puts the van inside the incident's radius: inside it, and accurate enough
    or with its whole circle of error inside. A fix that does not say how accurate it is proves
    nothing (a phone without a fix sends its last guess): it raises no arrival, and a crew's
    "on site" it stands beside stays unverified."""
    radius = settings.ARRIVAL_RADIUS_M
    if accuracy_m is None or distance_m > radius:
        return False
    return accuracy_m <= settings.ARRIVAL_MAX_ACCURACY_M or distance_m + accuracy_m <= radius


EVIDENCE_AFTER = timedelta(minutes=1)  # the van's next fix often comes just after the tap
# The crew's van's fixes around an arrival, nearest the incident first. The position history
# is the tracker's table (field_app_api), read here by name as the arrival check reads it; a
# range on fix_at, its partition key, reads only the days the window spans.
_WINDOW_FIXES = """SELECT p.vehicle_id, p.fix_at, ST_X(p.point), ST_Y(p.point), p.accuracy_m,
       ST_Distance(p.point::geography, i.point::geography)
FROM fleet_vehicleposition p
JOIN fleet_vehicle v ON v.id = p.vehicle_id
JOIN dispatch_incident i ON i.id = %(incident)s
WHERE v.crew_id = %(crew)s AND p.fix_at BETWEEN %(start)s AND %(end)s
ORDER BY 6, 2"""
# Nothing in the window: where the van was last seen (no accuracy is kept with it).
_LAST_KNOWN = """SELECT v.id, v.last_fix_at, ST_X(v.last_point), ST_Y(v.last_point), NULL,
       ST_Distance(v.last_point::geography, i.point::geography)
FROM fleet_vehicle v
JOIN dispatch_incident i ON i.id = %(incident)s
WHERE v.crew_id = %(crew)s AND v.last_point IS NOT NULL
ORDER BY 6 LIMIT 1"""


def arrival_evidence(work_order: WorkOrder, when: datetime) -> dict[str, Any]:
    """What the crew's van's positions say of an arrival at `when`: verified by the nearest
    fitting fix in the window; else the nearest fix accurate enough to believe, any fix, or
    the van's last known position, with its distance; distance_m None when there is none."""
    window = settings.ARRIVAL_EVIDENCE_WINDOW_S
    params: dict[str, Any] = {
        "incident": work_order.incident_id,
        "crew": work_order.crew_id,
        "start": when - timedelta(seconds=window),
        "end": when + EVIDENCE_AFTER,
    }
    with connection.cursor() as cursor:
        cursor.execute(_WINDOW_FIXES, params)
        rows, source = cursor.fetchall(), "window"
        if not rows:
            cursor.execute(_LAST_KNOWN, params)
            rows, source = cursor.fetchall(), "last_known"
    fitting = [r for r in rows if arrival_fix_fits(distance_m=r[5], accuracy_m=r[4])]
    believable = [r for r in rows if r[4] is None or r[4] <= settings.ARRIVAL_MAX_ACCURACY_M]
    verified = source == "window" and bool(fitting)
    evidence: dict[str, Any] = {
        "verified": verified,
        "radius_m": settings.ARRIVAL_RADIUS_M,
        "window_s": window,
        "source": source if rows else "none",
        "vehicle_id": None,
        "fix_at": None,
        "lon": None,
        "lat": None,
        "accuracy_m": None,
        "distance_m": None,
    }
    best = (fitting or believable or rows or [None])[0]
    if best is not None:
        vehicle_id, fix_at, lon, lat, accuracy_m, distance_m = best
        evidence |= {
            "vehicle_id": vehicle_id,
            "fix_at": fix_at.isoformat() if fix_at else None,
            "lon": round(lon, 7),
            "lat": round(lat, 7),
            "accuracy_m": accuracy_m,
            "distance_m": round(distance_m, 1),
        }
    if not verified:
        log.info("WO-%s on site unverified: van %s m away", work_order.pk, evidence["distance_m"])
    return evidence
