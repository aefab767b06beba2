"""The order a crew reaches the valves to close: by road from the incident, the quickest next.

The trace lists valves by straight-line distance from the damaged main. A crew drives: a valve
across a railway or a river from the incident may be 200 m away in a straight line and 3 km by
road. From the incident, each next valve is the one quickest to reach by road from the last
(the greedy tour: a few valves per trace, where it is as good as an exact route to within a
street or two), and each leg is the length of that quickest route.
"""

from dataclasses import dataclass

import numpy as np
from django.contrib.gis.geos import Point
from django.db import connection

from fleet.roads import road_graph


@dataclass(frozen=True)
class ValveRoute:
    valve_ids: list[int]  # in the order to drive to them
    leg_m: list[float]  # metres by road to each, from the incident or the valve before


def valves_by_road(*, start: Point, valve_ids: list[int]) -> ValveRoute | None:
    """The valves in the order a crew driving from `start` reaches them, or None when the
    roads cannot say (no roads loaded, or a valve on roads not joined to the incident's)."""
    if not valve_ids:
        return None
    graph = road_graph()
    if graph.empty:
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT v.id, ST_X(p), ST_Y(p) FROM network_valve v
               CROSS JOIN LATERAL ST_Transform(v.geom, %s) p WHERE v.id = ANY(%s)""",
            [graph.srid, valve_ids],
        )
        found = {pk: (x, y) for pk, x, y in cursor.fetchall()}
        cursor.execute(
            "SELECT ST_X(p), ST_Y(p) FROM ST_Transform(ST_GeomFromEWKT(%s), %s) p",
            [start.ewkt, graph.srid],
        )
        here = cursor.fetchone()
    left = [v for v in valve_ids if v in found]
    order: list[int] = []
    legs: list[float] = []
    while left:
        travel = graph.travel(
            origin_xy=(float(here[0]), float(here[1])),
            targets_xy=np.array([found[v] for v in left]),
        )
        if not np.isfinite(travel.seconds).all():
            return None
        nearest = int(np.argmin(travel.seconds))
        valve = left.pop(nearest)
        order.append(valve)
        legs.append(round(travel.metres(nearest), 1))
        here = found[valve]
    return ValveRoute(order, legs)
