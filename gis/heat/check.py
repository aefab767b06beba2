"""Data-quality checks of the heat network, per circuit, as `check_network` reports them."""

from django.db import connection
from django.utils.translation import gettext as _

from gis.heat.network import (
    CIRCUITS,
    PRIMARY,
    SECONDARY,
    SUPPLY,
    TWIN_TOLERANCE_M,
    HeatNetwork,
    heat_network,
)
from gis.models import Circuit, PipeSegment, Premise, Source
from gis.network_check import EXAMPLES, Finding, asset_ids, valves_near_a_main

# A building this close to a secondary pipe is on the heat network and needs its substation.
PREMISE_REACH_M = 50.0
_DEGREES_PER_METRE = 3 / 111_320  # surely covers the metres, for the GiST index to search


def _unfed(network: HeatNetwork, circuit: str, level: str) -> list[int]:
    graph = network.graphs[(circuit, level)]
    if not len(graph.edge_u):
        return []
    return sorted(int(s) for s in graph.edge_segment[~graph.base_supplied[graph.edge_u]])


def _fetch_ids(sql: str, params: dict[str, float]) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [int(r[0]) for r in cursor.fetchall()]


def supply_pipes_without_twin() -> list[int]:
    """In-service supply pipes naming no in-service return pipe, with none of the return
    within TWIN_TOLERANCE_M of their midpoint either."""
    return _fetch_ids(
        """SELECT p.id FROM network_pipesegment p
           WHERE p.utility = 'heat' AND p.circuit = 'supply' AND p.status = 'in_service'
             AND NOT EXISTS (SELECT 1 FROM network_pipesegment t
                             WHERE p.twin <> '' AND t.asset_id = p.twin
                               AND t.utility = 'heat' AND t.circuit = 'return'
                               AND t.status = 'in_service')
             AND NOT EXISTS (
               SELECT 1 FROM network_pipesegment o
               WHERE o.utility = 'heat' AND o.circuit = 'return' AND o.status = 'in_service'
                 AND o.geom && ST_Expand(ST_LineInterpolatePoint(p.geom, 0.5), %(degrees)s)
                 AND ST_DWithin(o.geom::geography,
                                ST_LineInterpolatePoint(p.geom, 0.5)::geography, %(metres)s))
           ORDER BY p.asset_id""",
        {"metres": TWIN_TOLERANCE_M, "degrees": TWIN_TOLERANCE_M * _DEGREES_PER_METRE},
    )


def premises_without_substation() -> list[int]:
    """Buildings within PREMISE_REACH_M of an in-service secondary heat pipe that name no
    substation heating them."""
    return _fetch_ids(
        """SELECT p.id FROM network_premise p
           WHERE p.heat_station_id IS NULL AND EXISTS (
             SELECT 1 FROM network_pipesegment s
             WHERE s.utility = 'heat' AND s.pressure_class <> 'high'
               AND s.status = 'in_service'
               AND s.geom && ST_Expand(p.geom, %(degrees)s)
               AND ST_DWithin(s.geom::geography, p.geom::geography, %(metres)s))
           ORDER BY p.asset_id""",
        {"metres": PREMISE_REACH_M, "degrees": PREMISE_REACH_M * _DEGREES_PER_METRE},
    )


def heat_network_check(network: HeatNetwork | None = None) -> list[Finding]:
    """Per circuit: pipes no heat station feeds, valves and stations off the network; then
    supply pipes without a twin, substations on one circuit only, buildings without one."""
    network = network or heat_network()
    findings: list[Finding] = []
    for circuit in CIRCUITS:
        name = Circuit(circuit).label
        primary = _unfed(network, circuit, PRIMARY)
        secondary = _unfed(network, circuit, SECONDARY)
        findings.append(
            Finding(
                _("heat %(circuit)s: primary pipes fed by no heat source") % {"circuit": name},
                len(primary),
                asset_ids(PipeSegment, primary),
            )
        )
        findings.append(
            Finding(
                _("heat %(circuit)s: secondary pipes fed by no substation") % {"circuit": name},
                len(secondary),
                asset_ids(PipeSegment, secondary),
            )
        )
        whole = network.graphs[(circuit, PRIMARY)]  # carries the circuit's off-network lists
        findings.append(
            Finding(
                _("heat %(circuit)s: valves off the network (not at a junction of pipes)")
                % {"circuit": name},
                len(whole.valves_off_network),
                valves_near_a_main(whole.valves_off_network),
            )
        )
    untwinned = supply_pipes_without_twin()
    findings.append(
        Finding(
            _("heat: supply pipes without a return twin (named, or within %(m)s m)")
            % {"m": TWIN_TOLERANCE_M},
            len(untwinned),
            asset_ids(PipeSegment, untwinned),
        )
    )
    on = {c: set(network.station_node.get((c, PRIMARY), {})) for c in CIRCUITS}
    substations = set(network.substations) | set(
        Source.objects.filter(utility="heat", kind=Source.Kind.SUBSTATION).values_list(
            "id", flat=True
        )
    )
    one_sided = sorted(s for s in substations if (s in on[SUPPLY]) != (s in on["return"]))
    nowhere = sorted(s for s in substations if s not in on[SUPPLY] and s not in on["return"])
    findings.append(
        Finding(
            _("heat: substations on one circuit only"), len(one_sided), asset_ids(Source, one_sided)
        )
    )
    findings.append(
        Finding(
            _("heat: substations on neither circuit (off the network)"),
            len(nowhere),
            asset_ids(Source, nowhere),
        )
    )
    orphans = premises_without_substation()
    findings.append(
        Finding(
            _("heat: buildings beside a secondary pipe with no substation (within %(m)s m)")
            % {"m": PREMISE_REACH_M},
            len(orphans),
            list(
                Premise.objects.filter(pk__in=orphans[:EXAMPLES])
                .order_by("asset_id")
                .values_list("asset_id", flat=True)
            ),
        )
    )
    return findings


def has_heat_network() -> bool:
    return PipeSegment.objects.filter(utility="heat").exists()
