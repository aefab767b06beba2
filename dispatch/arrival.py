"""What a van's new position means for its job: arrival inside the incident's radius, and a
fresher ETA while en route. Heard from the fleet after each batch it stores (fleet.moves;
registered in DispatchConfig.ready)."""

import logging
import math
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from django.conf import settings
from django.db import connection
from django.utils import timezone

from dispatch.models import WorkOrder
from dispatch.services.arrivals import arrival_fix_fits
from dispatch.services.work_orders import (
    work_order_arrival_confirm,
    work_order_arrival_detect,
    work_order_eta_update,
)
from fleet.positions import Moved
from fleet.roads import RoadGraph, road_graph

log = logging.getLogger(__name__)

ETA_SEARCH_REACH = 4.0

# Live jobs of the vans that moved, with each van's distance from its incident (whether that
# is an arrival depends on the fix's accuracy too: arrival_fix_fits), and both points in the
# road graph's projection (PostGIS knows its UTM zones; PROJ may not).
_JOBS = """SELECT w.id, w.status, v.id, ST_Distance(i.point::geography, v.last_point::geography),
       w.arrival_pending IS NOT NULL, w.eta_updated_at,
       ST_X(ST_Transform(v.last_point, %(srid)s)), ST_Y(ST_Transform(v.last_point, %(srid)s)),
       ST_X(ST_Transform(i.point, %(srid)s)), ST_Y(ST_Transform(i.point, %(srid)s))
FROM dispatch_workorder w
JOIN fleet_vehicle v ON v.crew_id = w.crew_id
JOIN dispatch_incident i ON i.id = w.incident_id
WHERE v.id = ANY(%(vehicles)s) AND w.status IN ('assigned', 'accepted', 'en_route')"""


def moves_apply(moved: list[Moved], *, now: datetime | None = None) -> dict[str, int]:
    """Arrivals detected and ETAs refreshed for these vans; counts of each, and of fixes inside
    the radius too inaccurate to count as an arrival."""
    now = now or timezone.now()
    if not moved:
        return {}
    by_vehicle = {m.vehicle_id: m for m in moved}
    graph = road_graph()
    params: dict[str, Any] = {
        "vehicles": list(by_vehicle),
        "srid": graph.srid,
    }
    with connection.cursor() as cursor:
        cursor.execute(_JOBS, params)
        jobs = cursor.fetchall()
    counts = {"arrivals_detected": 0, "arrivals_too_inaccurate": 0, "etas_refreshed": 0}
    refresh_before = now - timedelta(seconds=settings.ETA_REFRESH_S)
    for work_order_id, status, vehicle_id, distance, pending, eta_at, *xy in jobs:
        fix = by_vehicle[vehicle_id]
        inside = arrival_fix_fits(distance_m=distance, accuracy_m=fix.accuracy_m)
        if not inside and distance <= settings.ARRIVAL_RADIUS_M:
            # In the radius, but a fix that could be kilometres out proves no arrival.
            counts["arrivals_too_inaccurate"] += 1
            log.info(
                "WO-%s: fix %.0f m from the incident with accuracy %s m is no arrival",
                work_order_id,
                distance,
                fix.accuracy_m,
            )
        if inside and not pending:
            counts["arrivals_detected"] += work_order_arrival_detect(
                work_order_id=work_order_id, fix=_evidence(fix, distance), at=now
            )
        elif (
            not inside
            and status != "assigned"
            and (eta_at is None or eta_at < refresh_before)
            and _eta_refresh(graph, work_order_id, fix, xy, now)
        ):
            counts["etas_refreshed"] += 1
    return counts


def _evidence(fix: Moved, distance_m: float) -> dict[str, object]:
    """The fix that raised the arrival, and why it counts: its distance within the radius."""
    return {
        "vehicle_id": fix.vehicle_id,
        "fix_at": fix.fix_at.isoformat(),
        "lon": fix.lon,
        "lat": fix.lat,
        "accuracy_m": fix.accuracy_m,
        "distance_m": round(distance_m, 1),
        "radius_m": settings.ARRIVAL_RADIUS_M,
    }


def _eta_refresh(
    graph: RoadGraph, work_order_id: int, fix: Moved, xy: list[float], now: datetime
) -> bool:
    """Road time from the van to the incident (straight line x detour without roads)."""
    from dispatch.recommend import DEFAULT_SPEED_KMH, DETOUR_FACTOR

    van_x, van_y, site_x, site_y = xy
    seconds, metres = math.inf, None
    if not graph.empty:
        # Bounded, so a refresh does not search the whole city: a route slower than driving
        # ETA_SEARCH_REACH times the straight line (+500 m) at the top road speed is not
        # looked for, and the straight-line estimate below stands in for it.
        reach = ETA_SEARCH_REACH * math.hypot(van_x - site_x, van_y - site_y) + 500.0
        travel = graph.travel(
            origin_xy=(site_x, site_y), targets_xy=np.array([[van_x, van_y]]), within_m=reach
        )
        if travel.reachable[0] and math.isfinite(travel.seconds[0]):
            seconds, metres = float(travel.seconds[0]), travel.metres(0)
    if metres is None:
        metres = math.hypot(van_x - site_x, van_y - site_y) * DETOUR_FACTOR
        seconds = metres / (DEFAULT_SPEED_KMH / 3.6)
    # From the fix's time, not ours: a batch may be a little behind the van.
    work_order_eta_update(
        work_order_id=work_order_id,
        eta=fix.fix_at + timedelta(seconds=seconds),
        distance_m=round(metres, 1),
        at=now,
    )
    return True


def arrivals_confirm_due(*, now: datetime | None = None) -> int:
    """Confirm the pending arrivals whose cancel window has passed; returns how many."""
    now = now or timezone.now()
    window = timedelta(seconds=settings.ARRIVAL_CANCEL_WINDOW_S)
    confirmed = 0
    due = WorkOrder.objects.filter(arrival_pending__isnull=False).values_list(
        "id", "arrival_pending"
    )
    for work_order_id, pending in due:
        assert pending is not None  # filtered on above
        if datetime.fromisoformat(pending["detected_at"]) + window <= now:
            confirmed += work_order_arrival_confirm(work_order_id=work_order_id) is not None
    return confirmed
