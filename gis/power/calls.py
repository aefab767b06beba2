"""The database around the trouble-call analysis: placing calls, and the customers out.

Placing (gis.power.analysis explains the rule): a premise's transformer; else, from the call's
point (or the premise's, when it has no transformer), the nearest transformer within
TRANSFORMER_REACH_M, else the nearer end of the nearest in-service line within LINE_REACH_M.
150 m: a low-voltage network reaches a few hundred metres from its transformer, so a caller
this close is most likely on it; further out the line is a better guess than a neighbour's
transformer. 500 m: a call further than that from every line is somewhere we have no network.
"""

from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from django.db import connection
from django.utils.translation import gettext as _

from gis.models import Premise
from gis.power.analysis import (
    ROLLUP_MIN,
    PlacedCall,
    TroubleAnalysis,
    UnplacedCall,
    trouble_analysis,
)
from gis.power.graph import PowerNetwork, power_network

TRANSFORMER_REACH_M = 150.0
LINE_REACH_M = 500.0


@dataclass(frozen=True)
class TroubleCall:
    """An outage call: from a premise, or only from a place (WGS 84 lon, lat)."""

    call_id: int
    premise_id: int | None = None
    point: tuple[float, float] | None = None


def calls_place(
    *, network: PowerNetwork, calls: list[TroubleCall]
) -> tuple[list[PlacedCall], list[UnplacedCall]]:
    """Each call on the network, or the reason it cannot be."""
    premises = {
        p["id"]: p
        for p in Premise.objects.filter(
            pk__in=[c.premise_id for c in calls if c.premise_id is not None]
        ).values("id", "transformer_id", "geom")
    }
    placed: list[PlacedCall] = []
    unplaced: list[UnplacedCall] = []
    for call in calls:
        point = call.point
        if call.premise_id is not None:
            premise = premises.get(call.premise_id)
            if premise is None:
                unplaced.append(UnplacedCall(call.call_id, _("no such premise")))
                continue
            if premise["transformer_id"] is not None:
                placed_or_not = _on_transformer(network, call.call_id, premise["transformer_id"])
                (placed if isinstance(placed_or_not, PlacedCall) else unplaced).append(
                    placed_or_not  # type: ignore[arg-type]
                )
                continue
            point = point or (premise["geom"].x, premise["geom"].y)
        if point is None:
            unplaced.append(UnplacedCall(call.call_id, _("neither a premise nor a place")))
            continue
        found = _by_point(network, call.call_id, point)
        (placed if isinstance(found, PlacedCall) else unplaced).append(found)  # type: ignore[arg-type]
    return placed, unplaced


def _on_transformer(network: PowerNetwork, call_id: int, transformer: int) -> object:
    node = network.device_node(transformer)
    if node is None:
        return UnplacedCall(
            call_id, _("its transformer (id %d) is not on the network") % transformer
        )
    return PlacedCall(call_id, node, transformer)


def _by_point(network: PowerNetwork, call_id: int, point: tuple[float, float]) -> object:
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT d.id FROM network_powerdevice d
               WHERE d.kind = 'transformer' AND NOT d.normally_open
                 AND ST_DWithin(d.geom::geography, ST_MakePoint(%(x)s, %(y)s)::geography, %(r)s)
               ORDER BY d.geom::geography <-> ST_MakePoint(%(x)s, %(y)s)::geography, d.id
               LIMIT 1""",
            {"x": point[0], "y": point[1], "r": TRANSFORMER_REACH_M},
        )
        row = cursor.fetchone()
        if row is not None:
            return _on_transformer(network, call_id, row[0])
        cursor.execute(
            """SELECT l.id, ST_X(p), ST_Y(p) FROM network_powerline l,
                      ST_Transform(ST_SetSRID(ST_MakePoint(%(x)s, %(y)s), 4326), %(srid)s) p
               WHERE l.status = 'in_service' AND ST_DWithin(
                   l.geom::geography, ST_MakePoint(%(x)s, %(y)s)::geography, %(r)s)
               ORDER BY l.geom::geography <-> ST_MakePoint(%(x)s, %(y)s)::geography, l.id
               LIMIT 1""",
            {"x": point[0], "y": point[1], "r": LINE_REACH_M, "srid": network.srid},
        )
        row = cursor.fetchone()
    edge = network.graph.segment_edge.get(row[0]) if row is not None else None
    if row is None or edge is None:
        return UnplacedCall(
            call_id,
            _("no transformer within %(t)d m and no line within %(l)d m")
            % {"t": TRANSFORMER_REACH_M, "l": LINE_REACH_M},
        )
    ends = [int(network.graph.edge_u[edge]), int(network.graph.edge_v[edge])]
    xy = np.array([row[1], row[2]])
    node = min(ends, key=lambda n: (float(np.hypot(*(network.graph.node_xy[n] - xy))), n))
    return PlacedCall(call_id, node)


def premises_by_transformer(transformers: list[int]) -> dict[int, list[int]]:
    """The premises supplied from each transformer, by id."""
    found: dict[int, list[int]] = defaultdict(list)
    rows = (
        Premise.objects.filter(transformer_id__in=transformers)
        .order_by("id")
        .values_list("transformer_id", "id")
    )
    for transformer, premise in rows:
        found[transformer].append(premise)
    return found


def trouble_calls_analyse(
    *, calls: list[TroubleCall], rollup_min: int = ROLLUP_MIN
) -> TroubleAnalysis:
    """Place the calls, predict the open devices, and list the customers out of each."""
    network = power_network()
    placed, unplaced = calls_place(network=network, calls=calls)
    analysis = trouble_analysis(network, placed, rollup_min=rollup_min)
    analysis.unplaced = sorted(unplaced + analysis.unplaced, key=lambda u: u.call_id)
    behind = premises_by_transformer(
        sorted({t for p in analysis.predictions for t in p.transformers_out})
    )
    for prediction in analysis.predictions:
        prediction.premises_out = sorted(
            p for t in prediction.transformers_out for p in behind.get(t, [])
        )
    return analysis


def device_customers(*, device_id: int) -> list[int]:
    """The premises behind a device (a crew reports it open: who to notify). A transformer's
    own customers; for a switch or a protective device, every transformer beneath it. None
    for a device off the network or normally open (it supplies nobody now)."""
    network = power_network()
    transformers = network.transformers_beneath(device_id)
    behind = premises_by_transformer(transformers)
    return sorted(p for t in transformers for p in behind.get(t, []))
