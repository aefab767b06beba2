"""The demo city's heat and power networks as `make_demo_city` writes them, checked from the
database with a plain graph (networkx) rather than the product's own graph code: every heat
pipe is fed from a heat station on its own circuit, each supply pipe has its twin alongside
it, the power feeders are radial with their ties open, every transformer is reached from
the substation, and every premise knows what heats and supplies it."""

import math
from io import StringIO

import networkx as nx
import pytest
from django.core.management import call_command
from django.db import connection

from demo.org import demo_organisation_load
from maps.tiles import TileAddress, network_tile

pytestmark = pytest.mark.django_db
SNAP = 0.5  # metres: ends this close are one node (as gis.topology joins them)


@pytest.fixture
def city() -> None:
    demo_organisation_load()
    call_command("make_demo_city", "--premises", "2000", "--no-progress", stdout=StringIO())


def _rows(sql: str, params: list[str] | None = None) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.fetchall()


def _key(x: float, y: float) -> tuple[int, int]:
    return round(x / SNAP), round(y / SNAP)


def _graph(lines_sql: str, params: list[str]) -> nx.Graph:
    graph = nx.Graph()
    for asset_id, x1, y1, x2, y2 in _rows(lines_sql, params):
        graph.add_edge(_key(x1, y1), _key(x2, y2), asset_id=asset_id)
    return graph


# Ends and points in metres (UTM 50N), so the snapping distance is a distance.
_ENDS = (
    "SELECT asset_id, ST_X(ST_StartPoint(g)), ST_Y(ST_StartPoint(g)), ST_X(ST_EndPoint(g)), "
    "ST_Y(ST_EndPoint(g)) FROM (SELECT asset_id, ST_Transform(geom, 32650) g FROM {table} "
    "WHERE {where}) q"
)
_POINTS = (
    "SELECT asset_id, ST_X(g), ST_Y(g) FROM (SELECT asset_id, ST_Transform(geom, 32650) g "
    "FROM {table} WHERE {where}) q"
)


def test_every_heat_pipe_is_fed_on_its_own_circuit_and_has_its_twin(city: None) -> None:
    stations = _rows(_POINTS.format(table="network_source", where="utility = 'heat'"))
    assert any(a.startswith("H-PLANT") for a, *_ in stations)
    for circuit in ("supply", "return"):
        graph = _graph(
            _ENDS.format(table="network_pipesegment", where="utility = 'heat' AND circuit = %s"),
            [circuit],
        )
        fed: set[tuple[int, int]] = set()
        for _asset, x, y in stations:  # a station within 1 m of a node of this circuit
            near = [n for n in graph.nodes if abs(n[0] * SNAP - x) < 1 and abs(n[1] * SNAP - y) < 1]
            assert near, (circuit, _asset)
            fed |= nx.node_connected_component(graph, near[0])
        assert set(graph.nodes) == fed, circuit
    twins = _rows(
        "SELECT s.asset_id, r.asset_id, ST_Length(s.geom::geography) - "
        "ST_Length(r.geom::geography), ST_Distance(s.geom::geography, r.geom::geography) "
        "FROM network_pipesegment s LEFT JOIN network_pipesegment r ON r.asset_id = s.twin "
        "WHERE s.utility = 'heat' AND s.circuit = 'supply'"
    )
    assert twins
    for supply, twin, longer, apart in twins:
        assert twin is not None, supply
        assert abs(longer) < 2.0, (supply, longer)  # laid alongside: nearly the same length
        assert apart < 2.0, (supply, apart)
    valves = _rows(
        "SELECT circuit, count(*) FROM network_valve WHERE utility = 'heat' GROUP BY circuit"
    )
    assert dict(valves)["supply"] == dict(valves)["return"]  # in pairs


def test_the_power_feeders_are_radial_and_reach_every_transformer(city: None) -> None:
    graph = _graph(_ENDS.format(table="network_powerline", where="TRUE"), [])
    devices = _rows(
        "SELECT asset_id, ST_X(g), ST_Y(g), kind, normally_open FROM (SELECT asset_id, kind, "
        "normally_open, ST_Transform(geom, 32650) g FROM network_powerdevice) q"
    )
    (sub,) = _rows(_POINTS.format(table="network_powersubstation", where="TRUE"))
    for asset, x, y, _kind, normally_open in devices:
        node = _key(x, y)
        assert node in graph, asset  # every device sits on a node of the lines
        if normally_open:  # an open switch: the lines meeting there do not connect
            graph.remove_node(node)
    assert nx.is_forest(graph)  # radial with the ties open
    reached = nx.node_connected_component(graph, _key(sub[1], sub[2]))
    transformers = [_key(x, y) for _a, x, y, kind, _o in devices if kind == "transformer"]
    assert transformers
    assert all(t in reached for t in transformers)
    # Each transformer has a fuse between it and the substation.
    fuses = {_key(x, y) for _a, x, y, kind, _o in devices if kind == "fuse"}
    source = _key(sub[1], sub[2])
    for transformer in transformers:
        assert fuses & set(nx.shortest_path(graph, source, transformer)), transformer


def test_every_premise_knows_its_heat_substation_and_transformer(city: None) -> None:
    ((premises, heated, supplied, wrong_kind),) = _rows(
        "SELECT count(*), count(heat_station_id), count(transformer_id), "
        "count(*) FILTER (WHERE s.kind <> 'substation' OR d.kind <> 'transformer') "
        "FROM network_premise p LEFT JOIN network_source s ON s.id = p.heat_station_id "
        "LEFT JOIN network_powerdevice d ON d.id = p.transformer_id"
    )
    assert premises == heated == supplied == 2000
    assert wrong_kind == 0


def test_the_network_tiles_carry_heat_and_power(city: None) -> None:
    """A tile over the city draws heat pipes (named by utility and circuit) and the power
    lines and devices, each in its own layer (the wall and the network map style them)."""
    ((lon, lat),) = _rows(
        "SELECT ST_X(geom), ST_Y(geom) FROM network_powerdevice WHERE kind = 'recloser' "
        "ORDER BY asset_id LIMIT 1"
    )
    z = 15
    x = int((lon + 180) / 360 * 2**z)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * 2**z)
    tile = network_tile(TileAddress(z, x, y))
    for layer in (b"mains", b"power_lines", b"power_devices"):
        assert layer in tile, layer
    assert b"recloser" in tile
    for value in (b"heat", b"supply", b"return"):
        assert value in tile, value
    assert b"power_lines" not in network_tile(TileAddress(9, x >> 6, y >> 6))  # too far out
