"""The incident map: the incident, its calls, its main, the crew's van and route, and the
isolation trace in force. Selectors read; `incident_map_build` draws with folium."""

import html
import json
import math
from dataclasses import dataclass
from typing import Any

import folium
import numpy as np
import shapely
import shapely.ops
from django.contrib.gis.geos import GeometryCollection, Point
from django.db import connection
from django.utils.translation import gettext as _

from dispatch.categories import category_labels_fill
from dispatch.models import Call, Incident, IncidentIsolation, WorkOrder
from dispatch.recommend import DEFAULT_SPEED_KMH, DETOUR_FACTOR
from dispatch.selectors import category_rule_get, isolation_in_force
from dispatch.services.notes import Note, incident_notes_list
from fleet.models import Vehicle
from fleet.roads import RoadGraph, Travel, road_graph
from gis.models import Source, Valve
from gis.selectors import isolation_geojson, road_list_in_bbox
from maps.folium_kit import MapParts, map_create, map_parts
from maps.network_map import network_layer_add, pressure_label

ROUTE_COLOUR = "#3ecf8e"  # apart from every pressure class's colour
PRIORITY_COLOURS = {1: "#ff3b3b", 2: "#ff8c1a", 3: "#e5c100", 4: "#5d8fd8"}
VIEW_MARGIN_M = 120  # around everything drawn, so nothing sits on the map's edge
ROADS_MARGIN_M = 800  # roads drawn further out, so a little panning still shows streets
# A route is drawn while the crew is on its way; once there the van is the incident's.
ON_THE_WAY = (WorkOrder.Status.ASSIGNED, WorkOrder.Status.ACCEPTED, WorkOrder.Status.EN_ROUTE)


@dataclass(frozen=True)
class Route:
    line: dict[str, Any]  # GeoJSON LineString, van to incident
    metres: float
    seconds: float
    by_road: bool

    @property
    def distance_text(self) -> str:
        return f"{self.metres / 1000:.1f} km" if self.metres >= 1000 else f"{self.metres:.0f} m"

    @property
    def minutes(self) -> int:
        return max(1, math.ceil(self.seconds / 60))


@dataclass(frozen=True)
class Van:
    work_order: WorkOrder
    vehicle: Vehicle
    route: Route | None


@dataclass(frozen=True)
class ValveToClose:
    order: int
    asset_id: str
    valve_type: str
    diameter_mm: int | None
    lon: float
    lat: float
    road_m: float | None = None  # by road from the stop before, in the crew's drive


@dataclass(frozen=True)
class Trace:
    row: IncidentIsolation
    geojson: dict[str, Any]
    valves: list[ValveToClose]
    sources: list[str]  # station names to shut
    seized: list[str]  # asset ids passed over
    earlier: int  # traces run before this one (kept, no longer in force)


def incident_get(*, reference: str) -> Incident | None:
    return Incident.objects.select_related("segment", "station").filter(reference=reference).first()


def incident_calls_list(incident: Incident) -> list[Call]:
    calls = list(incident.calls.order_by("received_at", "id"))
    category_labels_fill([incident, *calls])
    return calls


def incident_van_get(incident: Incident) -> Van | None:
    """The van of the crew on the incident's live work order, with its route if on the way."""
    order = (
        WorkOrder.objects.filter(incident=incident, status__in=WorkOrder.ACTIVE_STATUSES)
        .select_related("crew__vehicle")
        .order_by("-created_at")
        .first()
    )
    vehicle = getattr(order.crew, "vehicle", None) if order else None
    if order is None or vehicle is None or vehicle.last_point is None:
        return None
    route = None
    if order.status in ON_THE_WAY:
        route = route_between(van=vehicle.last_point, site=incident.point)
    return Van(work_order=order, vehicle=vehicle, route=route)


# Both points in the road graph's projection: PostGIS knows its UTM zones (PROJ may not).
_PROJECT = """SELECT ST_X(a), ST_Y(a), ST_X(b), ST_Y(b), ST_Distance(%(van)s::geography,
  %(site)s::geography) FROM (SELECT ST_Transform(%(van)s::geometry, %(srid)s) AS a,
  ST_Transform(%(site)s::geometry, %(srid)s) AS b) p"""
_UNPROJECT = "SELECT ST_AsGeoJSON(ST_Transform(ST_GeomFromWKB(%s, %s), 4326), 6)::json"


def route_between(*, van: Point, site: Point) -> Route:
    """The fastest way by road from the van to the site, as recommend and the tracker time it;
    a straight line (timed with the detour factor) when no road joins them."""
    graph = road_graph()
    with connection.cursor() as cursor:
        cursor.execute(_PROJECT, {"van": van.ewkt, "site": site.ewkt, "srid": graph.srid})
        van_x, van_y, site_x, site_y, straight_m = cursor.fetchone()
        if not graph.empty:
            travel = graph.travel(origin_xy=(site_x, site_y), targets_xy=np.array([[van_x, van_y]]))
            if travel.reachable[0] and math.isfinite(travel.seconds[0]):
                line = _road_line(graph, travel, (van_x, van_y), (site_x, site_y))
                cursor.execute(_UNPROJECT, [shapely.to_wkb(line), graph.srid])
                return Route(
                    line=cursor.fetchone()[0],
                    metres=travel.metres(0),
                    seconds=float(travel.seconds[0]),
                    by_road=True,
                )
    metres = straight_m * DETOUR_FACTOR
    return Route(
        line={"type": "LineString", "coordinates": [list(van.coords), list(site.coords)]},
        metres=metres,
        seconds=metres / (DEFAULT_SPEED_KMH / 3.6),
        by_road=False,
    )


def _road_line(
    graph: RoadGraph, travel: Travel, van_xy: tuple[float, float], site_xy: tuple[float, float]
) -> shapely.LineString:
    """The route Dijkstra found, walked back from the van to the site (the search's origin)."""
    o, t = travel.origin, travel.targets
    e, te, end = int(o.edge[0]), int(t.edge[0]), int(travel.end[0])
    parts = [np.array([van_xy])]
    if end < 0:  # both on one stretch of road: along it only
        parts.append(_along(graph.lines[e], t.along[0], o.along[0]))
    else:
        parts.append(_along(graph.lines[te], t.along[0], 0.0 if end == graph.edge_u[te] else 1.0))
        node = end
        while (prev := int(travel.pred[node])) != graph.origin:
            parts.append(_hop(graph, node, prev))
            node = prev
        parts.append(_along(graph.lines[e], 0.0 if node == graph.edge_u[e] else 1.0, o.along[0]))
    parts.append(np.array([site_xy]))
    return shapely.LineString(np.concatenate(parts))


def _along(line: shapely.LineString, start: float, stop: float) -> np.ndarray:
    """The stretch of a line between two fractions of it, in that direction."""
    return shapely.get_coordinates(shapely.ops.substring(line, start, stop, normalized=True))


_hop_index: tuple[object, np.ndarray, np.ndarray] | None = None


def _hop(graph: RoadGraph, a: int, b: int) -> np.ndarray:
    """The fastest stretch between two adjacent nodes (the one Dijkstra took), from a to b."""
    global _hop_index
    if _hop_index is None or _hop_index[0] is not graph:
        # Built once per graph: stretches keyed by their unordered ends, fastest first.
        n = graph.node_count
        key = np.minimum(graph.edge_u, graph.edge_v) * n + np.maximum(graph.edge_u, graph.edge_v)
        order = np.lexsort((graph.edge_s, key))
        _hop_index = (graph, key[order], order)
    _graph, keys, order = _hop_index
    edge = int(order[np.searchsorted(keys, min(a, b) * graph.node_count + max(a, b))])
    coords = shapely.get_coordinates(graph.lines[edge])
    return coords if graph.edge_u[edge] == a else coords[::-1]


def incident_isolation_get(incident: Incident) -> Trace | None:
    """The newest isolation trace (the one in force), ready to draw and to list."""
    in_force = isolation_in_force(incident)
    if in_force is None:
        return None
    row, isolation = in_force
    found = {v.pk: v for v in Valve.objects.filter(pk__in=row.valves_to_close)}
    road = dict(zip(row.valves_to_close, row.valve_road_m, strict=False))
    valves = [
        ValveToClose(
            n,
            v.asset_id,
            v.get_valve_type_display(),
            v.diameter_mm,
            v.geom.x,
            v.geom.y,
            road.get(v.pk),
        )
        for n, v in enumerate((found[i] for i in row.valves_to_close if i in found), start=1)
    ]
    names = dict(Source.objects.filter(pk__in=row.sources_to_shut).values_list("pk", "name"))
    seized = Valve.objects.filter(pk__in=row.seized_valves).values_list("asset_id", flat=True)
    return Trace(
        row=row,
        geojson=isolation_geojson(isolation),
        valves=valves,
        sources=[names[i] for i in row.sources_to_shut if i in names],
        seized=sorted(seized),
        earlier=incident.isolations.exclude(pk=row.pk).count(),
    )


_BOUNDS = """SELECT ST_XMin(v), ST_YMin(v), ST_XMax(v), ST_YMax(v),
  ST_XMin(r), ST_YMin(r), ST_XMax(r), ST_YMax(r) FROM (SELECT
  ST_Buffer(ST_Envelope(g)::geography, %(view)s)::geometry AS v,
  ST_Buffer(ST_Envelope(g)::geography, %(roads)s)::geometry AS r
  FROM (SELECT ST_GeomFromEWKT(%(g)s) AS g) x) b"""


def _bounds(geometries: list[Any]) -> tuple[list[float], tuple[float, float, float, float]]:
    """The map's view and the roads' box: everything drawn, with margins in metres."""
    collection = GeometryCollection(*geometries, srid=4326)
    with connection.cursor() as cursor:
        cursor.execute(
            _BOUNDS, {"g": collection.envelope.ewkt, "view": VIEW_MARGIN_M, "roads": ROADS_MARGIN_M}
        )
        row = cursor.fetchone()
    return [round(v, 6) for v in row[:4]], (row[4], row[5], row[6], row[7])


@dataclass(frozen=True)
class IncidentMap:
    incident: Incident
    calls: list[Call]
    van: Van | None
    trace: Trace | None
    parts: MapParts
    notes: list[Note]  # staff notes, oldest first (each call's own words are on `calls`)


def incident_map_build(incident: Incident) -> IncidentMap:
    """Everything the page shows, and the folium map drawing it."""
    calls = incident_calls_list(incident)
    van = incident_van_get(incident)
    trace = incident_isolation_get(incident)
    shapes: list[Any] = [incident.point, *(c.point for c in calls if c.point)]
    if incident.segment:
        shapes.append(incident.segment.geom)
    if van:
        shapes.append(van.vehicle.last_point)
    if trace and trace.row.area:
        shapes.append(trace.row.area)
    view, roads_box = _bounds(shapes)

    fmap = map_create(view)
    _roads_add(fmap, roads_box)
    # The incident's own network on; the others are a click away in the layer control.
    network_layer_add(fmap, shown=[category_rule_get(incident.category).utility])
    if trace:
        _trace_add(fmap, trace)
    if incident.segment:
        _main_add(fmap, incident)
    if van:
        _van_add(fmap, van)
    _calls_add(fmap, calls)
    _incident_add(fmap, incident)
    if trace:
        _valves_add(fmap, trace)
    # Collapsed, so a tablet keeps its map; incident.js opens it on a wide screen.
    folium.LayerControl(collapsed=True, position="topright").add_to(fmap)
    return IncidentMap(
        incident=incident,
        calls=calls,
        van=van,
        trace=trace,
        parts=map_parts(fmap),
        notes=incident_notes_list(incident.pk),
    )


def _safe(text: str) -> str:
    """Text for folium's tooltips and icons: folium puts it, unescaped, into HTML inside a
    JavaScript template literal, and addresses come from callers and linked systems."""
    escaped = html.escape(text)
    return escaped.replace("`", "&#96;").replace("$", "&#36;").replace("\\", "&#92;")


# Streets as wide, quiet bands: the mains run down them and are drawn inside.
ROAD_STYLES = {
    "arterial": {"color": "#2f3b4d", "weight": 14},
    "collector": {"color": "#2a3443", "weight": 10},
    "local": {"color": "#252e3a", "weight": 8},
}


def _roads_add(fmap: folium.Map, box: tuple[float, float, float, float]) -> None:
    features = [
        {
            "type": "Feature",
            "geometry": json.loads(road.line.geojson),  # type: ignore[attr-defined]  # annotated
            "properties": {"name": road.name, "road_class": road.road_class},
        }
        for road in road_list_in_bbox(box)[:2000]
    ]
    # Their own pane under the tile pane (200): the network's tiles are drawn over the roads.
    folium.map.CustomPane("roads", z_index=150).add_to(fmap)
    folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        name=_("Roads"),
        pane="roads",
        interactive=False,
        style_function=lambda f: {
            **ROAD_STYLES.get(f["properties"]["road_class"], ROAD_STYLES["local"]),
            "opacity": 1,
        },
    ).add_to(fmap)


def _features(trace: Trace, role: str) -> dict[str, Any]:
    return {
        "type": "FeatureCollection",
        "features": [f for f in trace.geojson["features"] if f["properties"]["role"] == role],
    }


def _trace_add(fmap: folium.Map, trace: Trace) -> None:
    """The area, the mains that lose gas and the premises cut off, under everything else."""
    folium.GeoJson(
        _features(trace, "affected_area"),
        name=_("Affected area"),
        interactive=False,
        style_function=lambda f: {
            "color": "#ffb020",
            "weight": 3,
            "dashArray": "10 6",
            "fillColor": "#ffb020",
            "fillOpacity": 0.12,
        },
    ).add_to(fmap)
    folium.GeoJson(
        _features(trace, "isolated_mains"),
        name=_("Isolated mains"),
        interactive=False,
        style_function=lambda f: {"color": "#ff5a5f", "weight": 7, "opacity": 0.9},
    ).add_to(fmap)
    folium.GeoJson(
        _features(trace, "premises_cut_off"),
        name=_("Premises cut off"),
        interactive=False,
        marker=folium.CircleMarker(
            radius=3.5, weight=1, color="#10151c", fill=True, fill_color="#ffd5da", fill_opacity=1
        ),
    ).add_to(fmap)


def _main_add(fmap: folium.Map, incident: Incident) -> None:
    segment = incident.segment
    assert segment is not None
    folium.GeoJson(
        {"type": "Feature", "geometry": json.loads(segment.geom.geojson), "properties": {}},
        name=_("Snapped main"),
        style_function=lambda f: {"color": "#e8edf3", "weight": 5, "dashArray": "2 8"},
        tooltip=_safe(
            _("Main %(asset)s: %(material)s, %(diameter)s mm, %(pressure)s")
            % {
                "asset": segment.asset_id,
                "material": segment.get_material_display(),
                "diameter": segment.diameter_mm or "?",
                "pressure": pressure_label(segment.pressure_class).lower(),
            }
        ),
    ).add_to(fmap)


def _van_add(fmap: folium.Map, van: Van) -> None:
    group = folium.FeatureGroup(name=_("Crew and route"))
    if van.route:
        folium.GeoJson(
            {"type": "Feature", "geometry": van.route.line, "properties": {}},
            style_function=lambda f, road=van.route.by_road: {
                "color": ROUTE_COLOUR,
                "weight": 5,
                "opacity": 0.95,
                "dashArray": None if road else "10 10",
            },
        ).add_to(group)
    point = van.vehicle.last_point
    assert point is not None
    heading = van.vehicle.heading or 0.0
    folium.Marker(
        [point.y, point.x],
        icon=folium.DivIcon(
            html=f'<div class="van-pin" style="--heading: {heading:.0f}deg"><i></i></div>',
            class_name="van-icon",
            icon_size=(30, 30),
            icon_anchor=(15, 15),
        ),
        tooltip=folium.Tooltip(
            _safe(f"{van.work_order.crew.name} · {van.work_order.get_status_display()}"),
            permanent=True,
            direction="right",
            offset=(16, 0),
            class_name="map-label",
        ),
    ).add_to(group)
    group.add_to(fmap)


def _calls_add(fmap: folium.Map, calls: list[Call]) -> None:
    group = folium.FeatureGroup(name=_("Calls"))
    for n, call in enumerate(calls, start=1):
        if call.point is None:
            continue
        folium.CircleMarker(
            [call.point.y, call.point.x],
            radius=7,
            weight=3,
            color="#10151c",
            fill=True,
            fill_color="#e8edf3",
            fill_opacity=1,
            tooltip=_safe(
                _("Call %(n)s: %(category)s, %(where)s")
                % {
                    "n": n,
                    "category": call.category_label,
                    "where": call.address_text or _("pinned"),
                }
            ),
        ).add_to(group)
    group.add_to(fmap)


def _incident_add(fmap: folium.Map, incident: Incident) -> None:
    folium.Marker(
        [incident.point.y, incident.point.x],
        icon=folium.DivIcon(
            html=f'<div class="incident-pin p{incident.priority}">P{incident.priority}</div>',
            class_name="incident-icon",
            icon_size=(40, 40),
            icon_anchor=(20, 20),
        ),
        tooltip=folium.Tooltip(
            _safe(incident.reference),
            permanent=True,
            direction="top",
            offset=(0, -22),
            class_name="map-label ref-label",
        ),
        z_index_offset=1000,
    ).add_to(fmap)


def _valves_add(fmap: folium.Map, trace: Trace) -> None:
    """Valves numbered in closing order, and any station that must be shut instead."""
    # Above the labels' pane (650): a valve next to the incident must not hide under its name.
    folium.map.CustomPane("valves", z_index=660, pointer_events=True).add_to(fmap)
    group = folium.FeatureGroup(name=_("Valves to close"))
    for valve in trace.valves:
        label = {"n": valve.order, "asset": valve.asset_id}
        folium.Marker(
            [valve.lat, valve.lon],
            icon=folium.DivIcon(
                html=(
                    f'<button type="button" class="valve-no" data-asset="{_safe(valve.asset_id)}" '
                    f'aria-label="{_safe(_("Valve %(n)s: %(asset)s") % label)}">'
                    f"{valve.order}</button>"
                ),
                class_name="valve-icon",
                icon_size=(32, 32),
                icon_anchor=(16, 16),
            ),
            tooltip=folium.Tooltip(
                _safe(
                    _("%(n)s. %(asset)s (%(type)s valve)")
                    % {**label, "type": valve.valve_type.lower()}
                ),
                direction="right",
                offset=(18, 0),  # clear of the badge, which is drawn above the labels
            ),
            pane="valves",
        ).add_to(group)
    for feature in _features(trace, "source_to_shut")["features"]:
        lon, lat = feature["geometry"]["coordinates"]
        folium.Marker(
            [lat, lon],
            icon=folium.DivIcon(
                html='<div class="shut-pin">&#9940;</div>',
                class_name="shut-icon",
                icon_size=(34, 34),
                icon_anchor=(17, 17),
            ),
            tooltip=_safe(_("Shut station %(name)s") % {"name": feature["properties"]["name"]}),
        ).add_to(group)
    group.add_to(fmap)
