"""The supervisors' network map: the mains as vector tiles, and what lies under a click.

VectorGrid only draws; its own click events are broken with Leaflet 1.9 (see
static/vendor/leaflet.vectorgrid/README.md), so a click asks `network_feature_at` instead.
"""

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import folium
from django.db import connection
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from gis.models import OrgUnit, PipeSegment, Premise, PressureClass, Source, Utility, Valve
from maps.folium_kit import MapParts, map_create, map_parts, network_tiles_add
from maps.tiles import (
    LOW_PRESSURE_FROM,
    MEDIUM_PRESSURE_FROM,
    PREMISES_FROM,
    VALVES_FROM,
)
from maps.tiles import MAX_ZOOM as MAX_ZOOM

TILES_URL = "/maps/tiles/network/{z}/{x}/{y}.pbf"
# A click counts within this many screen pixels of a line, or of a point symbol's edge.
TOLERANCE_PX = 6.0
RADIUS_PX = {"valve": 5.0, "source": 8.0, "premise": 3.0, "main": 0.0}
# Metres per 256-pixel tile pixel at zoom 0 on the equator (Web Mercator, as Leaflet draws).
EQUATOR_M_PER_PX = 156543.03392804097

# One palette for the network wherever it is drawn (the wall, the incident map, this map);
# maps.css's legend uses the same colours. Amber and red are kept for SLA clocks and isolation,
# and the calm colour goes to low pressure, the most of any city's mains.
PRESSURE_COLOURS = {
    PressureClass.HIGH: "#d16ba5",
    PressureClass.MEDIUM: "#4fc3ff",
    PressureClass.LOW: "#8a9bb5",
}

# The classes' names as a person reads them on a map: their own words, for the models' labels
# are shared with other meanings ("Low pressure" is also a caller's complaint).
PRESSURE_LABELS = {
    PressureClass.HIGH: pgettext_lazy("pressure class", "High pressure"),
    PressureClass.MEDIUM: pgettext_lazy("pressure class", "Medium pressure"),
    PressureClass.LOW: pgettext_lazy("pressure class", "Low pressure"),
}
PRESSURE_MAINS = {
    PressureClass.HIGH: gettext_lazy("High-pressure main"),
    PressureClass.MEDIUM: gettext_lazy("Medium-pressure main"),
    PressureClass.LOW: gettext_lazy("Low-pressure main"),
}


def pressure_label(value: str | None) -> str:
    """A pressure class in words: 'Medium pressure'."""
    known = {c.value: label for c, label in PRESSURE_LABELS.items()}
    return str(known.get(value or "", value or _("unknown")))


# VectorGrid options as JavaScript: functions style each feature by its tile properties. One
# layer per utility (__ONLY__), so a heat company's wall shows its pipes without the gas mains
# in the same trench, and the others are a click away in the layer control; a function
# returning [] leaves the feature undrawn. Premises are drawn by every layer (all use them).
NETWORK_STYLES = """{
  rendererFactory: L.canvas.tile,
  interactive: false,
  vectorTileLayerStyles: {
    mains: function (p, z) {
      if (p.utility !== "__ONLY__") { return []; }
      var colours = __COLOURS__;
      // Heat: the supply red, the return blue, side by side; gas by its pressure class.
      var colour = p.utility === "heat" ? (p.circuit === "return" ? "#5aa9ff" : "#ff6b4a")
        : (colours[p.pressure_class] || "#9aa7b6");
      return {
        color: colour,
        weight: (z >= 17 ? 5 : z >= 15 ? 3.5 : 2.5) * (p.utility === "heat" ? 0.7 : 1),
        opacity: p.status === "in_service" ? 0.95 : 0.5,
        dashArray: p.status === "in_service" ? null : "6 6"
      };
    },
    power_lines: function (p, z) {
      if ("__ONLY__" !== "power") { return []; }
      return {color: "#ffd54f", weight: z >= 16 ? 3 : 2, opacity: 0.9,
              dashArray: p.construction === "cable" ? "4 3" : null};
    },
    power_devices: function (p) {
      if ("__ONLY__" !== "power") { return []; }
      var fills = {substation: "#ffb300", breaker: "#ff5a5f", recloser: "#ff9f43",
                   fuse: "#f6e58d", switch: "#e8edf3", transformer: "#26c6da"};
      return {radius: p.kind === "substation" ? 9 : 5, weight: 2, color: "#10151c", fill: true,
              fillOpacity: p.normally_open ? 0.2 : 1, fillColor: fills[p.kind] || "#e8edf3"};
    },
    valves: function (p) {
      if (p.utility !== "__ONLY__") { return []; }
      return {radius: 5, weight: 2, color: "#10151c", fill: true, fillOpacity: 1,
              fillColor: p.operable ? "#e8edf3" : "#ff5a5f"};
    },
    sources: function (p) {
      if (p.utility !== "__ONLY__") { return []; }
      return {radius: 8, weight: 2, color: "#10151c", fill: true, fillOpacity: 1,
              fillColor: p.kind === "gate_station" ? "#c77dff"
                : p.kind === "heat_source" ? "#ff6b4a" : p.kind === "substation" ? "#ffa07a"
                : "#3ecf8e"};
    },
    premises: {radius: 2.5, weight: 0, fill: true, fillColor: "#b8c4d2", fillOpacity: 0.75}
  }
}""".replace("__COLOURS__", json.dumps({k.value: c for k, c in PRESSURE_COLOURS.items()}))

LAYER_NAMES = {
    Utility.GAS: gettext_lazy("Gas network"),
    Utility.HEAT: gettext_lazy("Heat network"),
    Utility.POWER: gettext_lazy("Power network"),
}


def network_layer_add(fmap: folium.Map, *, shown: Iterable[str] = tuple(Utility.values)) -> None:
    """One vector-tile layer per utility, those in `shown` switched on. The three ask for the
    same tiles: the browser fetches each once (maps.views_wall.network_tiles is cacheable)."""
    visible = set(shown)
    for utility in Utility.values:
        network_tiles_add(
            fmap,
            url=TILES_URL,
            name=str(LAYER_NAMES[Utility(utility)]),
            styles=NETWORK_STYLES.replace("__ONLY__", utility),
            show=utility in visible,
        )


def utilities_seen_by(unit: OrgUnit | None) -> list[str]:
    """The utilities a unit serves, drawn on its maps; all three above any unit."""
    return list(unit.utilities) if unit is not None and unit.utilities else list(Utility.values)


def network_legend(utilities: Iterable[str]) -> list[tuple[str, str, str]]:
    """(symbol, colour, label) for the networks of these utilities: `line` or `dot`."""
    shown = set(utilities)
    items: list[tuple[str, str, str]] = []
    if Utility.GAS in shown:
        items += [("line", c, str(pressure_label(k.value))) for k, c in PRESSURE_COLOURS.items()]
    if Utility.HEAT in shown:
        items += [
            ("line", "#ff6b4a", _("Heat supply pipe")),
            ("line", "#5aa9ff", _("Heat return pipe")),
            ("dot", "#ffa07a", _("Heat substation")),
        ]
    if Utility.POWER in shown:
        items += [
            ("line", "#ffd54f", _("Power line (10 kV)")),
            ("dot", "#26c6da", _("Distribution transformer")),
            ("dot", "#f6e58d", _("Fuse, recloser or breaker")),
        ]
    return items


def network_map_build(*, bounds: list[float], utilities: Iterable[str]) -> MapParts:
    """The networks over the user's territory, those of `utilities` on; roads and clicks are
    added by network.js."""
    fmap = map_create(bounds)
    network_layer_add(fmap, shown=utilities)
    return map_parts(fmap)


def network_map_config(parts: MapParts) -> dict[str, Any]:
    """What network.js needs: the map's variable, its feeds, and when valves appear."""
    return {
        "map": parts.name,
        "at": reverse("network-at"),
        "roads": reverse("api-gis-roads"),
        "low_pressure_from_zoom": LOW_PRESSURE_FROM,
        "valves_from_zoom": VALVES_FROM,
        "premises_from_zoom": PREMISES_FROM,
    }


@dataclass(frozen=True)
class Found:
    kind: str  # main, valve, source, premise
    distance_m: float
    properties: dict[str, Any]
    geometry: dict[str, Any]


# Each kind's few nearest by the planar index (KNN, GiST), then the true distance on the
# spheroid. The winner is the nearest in screen pixels, a point symbol counting as hit all
# over its drawn radius and winning over the main it sits on (it is drawn on top). Flats of
# one building share a point: the lowest asset id stands for them, with a count of the rest.
_AT = """
WITH here AS (SELECT ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326) AS g)
SELECT kind, d, body FROM (
  (SELECT 'main' AS kind, d, d / %(mpp)s AS px, 1 AS line, body FROM (
    SELECT ST_Distance(s.geom::geography, here.g::geography) AS d, s.asset_id, json_build_object(
      'id', s.id, 'asset_id', s.asset_id, 'material', s.material, 'diameter_mm', s.diameter_mm,
      'pressure_class', s.pressure_class, 'zone', s.zone, 'status', s.status,
      'install_year', s.install_year, 'length_m', round(ST_Length(s.geom::geography)::numeric, 1),
      'geometry', ST_AsGeoJSON(s.geom, 6)::json) AS body
    FROM network_pipesegment s, here WHERE s.pressure_class = ANY(%(classes)s)
    ORDER BY s.geom <-> here.g LIMIT 5) c
  WHERE d <= %(reach_main)s ORDER BY d, asset_id LIMIT 1)
  UNION ALL
  (SELECT 'valve', d, greatest(d / %(mpp)s - %(r_valve)s, 0), 0, body FROM (
    SELECT ST_Distance(v.geom::geography, here.g::geography) AS d, v.asset_id, json_build_object(
      'id', v.id, 'asset_id', v.asset_id, 'valve_type', v.valve_type,
      'diameter_mm', v.diameter_mm, 'operable', v.operable, 'normally_open', v.normally_open,
      'geometry', ST_AsGeoJSON(v.geom, 6)::json) AS body
    FROM network_valve v, here WHERE %(valves)s ORDER BY v.geom <-> here.g LIMIT 5) c
  WHERE d <= %(reach_valve)s ORDER BY d, asset_id LIMIT 1)
  UNION ALL
  (SELECT 'source', d, greatest(d / %(mpp)s - %(r_source)s, 0), 0, body FROM (
    SELECT ST_Distance(o.geom::geography, here.g::geography) AS d, o.asset_id, json_build_object(
      'id', o.id, 'asset_id', o.asset_id, 'name', o.name, 'kind', o.kind,
      'pressure_class', o.pressure_class, 'zone', o.zone,
      'geometry', ST_AsGeoJSON(o.geom, 6)::json) AS body
    FROM network_source o, here ORDER BY o.geom <-> here.g LIMIT 5) c
  WHERE d <= %(reach_source)s ORDER BY d, asset_id LIMIT 1)
  UNION ALL
  (SELECT 'premise', d, greatest(d / %(mpp)s - %(r_premise)s, 0), 0, json_build_object(
      'id', p.id, 'asset_id', p.asset_id, 'address', p.full_text,
      'address_en', p.full_text_en, 'use', p.use, 'meter_id', p.meter_id,
      'service_main', (SELECT asset_id FROM network_pipesegment WHERE id = p.service_segment_id),
      'others_here', (SELECT count(*) - 1 FROM network_premise q WHERE q.geom ~= p.geom),
      'geometry', ST_AsGeoJSON(p.geom, 6)::json) FROM (
    SELECT p.*, ST_Distance(p.geom::geography, here.g::geography) AS d
    FROM network_premise p, here WHERE %(premises)s ORDER BY p.geom <-> here.g LIMIT 5) p
  WHERE d <= %(reach_premise)s ORDER BY d, asset_id LIMIT 1)
) hits ORDER BY px, line, d LIMIT 1
"""


def tile_zoom(zoom: float) -> int:
    """The tiles a map shows at a fractional zoom (Leaflet's GridLayer rounds, half up)."""
    return math.floor(zoom + 0.5)


def drawn_pressure_classes(tiles: int) -> list[str]:
    """The mains the tiles carry at this tile zoom."""
    classes = [PressureClass.HIGH.value]
    if tiles >= MEDIUM_PRESSURE_FROM:
        classes.append(PressureClass.MEDIUM.value)
    if tiles >= LOW_PRESSURE_FROM:
        classes.append(PressureClass.LOW.value)
    return classes


def metres_per_pixel(*, lat: float, zoom: float) -> float:
    """Ground metres one screen pixel covers at this latitude and zoom (Web Mercator)."""
    return EQUATOR_M_PER_PX * math.cos(math.radians(lat)) / 2**zoom


def network_feature_at(*, lon: float, lat: float, zoom: float) -> Found | None:
    """What a click at this zoom falls on: the nearest drawn main, valve, station or premise
    within TOLERANCE_PX (and its symbol), or None. One query."""
    mpp = metres_per_pixel(lat=lat, zoom=zoom)
    tiles = tile_zoom(zoom)
    params: dict[str, Any] = {
        "lon": lon,
        "lat": lat,
        "mpp": mpp,
        "valves": tiles >= VALVES_FROM,
        "premises": tiles >= PREMISES_FROM,
        "classes": drawn_pressure_classes(tiles),
    }
    for kind, radius in RADIUS_PX.items():
        params[f"r_{kind}"] = radius
        params[f"reach_{kind}"] = (TOLERANCE_PX + radius) * mpp
    with connection.cursor() as cursor:
        cursor.execute(_AT, params)
        row = cursor.fetchone()
    if row is None:
        return None
    kind, distance, body = row  # json (not jsonb) arrives parsed
    geometry = body.pop("geometry")
    return Found(kind=kind, distance_m=round(distance, 1), properties=body, geometry=geometry)


def _yes_no(value: bool) -> str:
    return _("yes") if value else _("no")


def _label(choices: type, value: str | None) -> str:
    return str(dict(choices.choices).get(value, value or _("unknown")))  # type: ignore[attr-defined]


def found_rows(found: Found) -> list[tuple[str, str]]:
    """The attributes a supervisor reads, labelled, in the order they matter."""
    p = found.properties
    diameter = f"{p['diameter_mm']} mm" if p.get("diameter_mm") else _("not recorded")
    if found.kind == "main":
        rows = [
            (_("Material"), _label(PipeSegment.Material, p["material"])),
            (_("Diameter"), diameter),
            (_("Pressure class"), pressure_label(p["pressure_class"])),
            (_("Status"), _label(PipeSegment.Status, p["status"])),
        ]
        if p.get("install_year"):
            rows.append((_("Installed"), str(p["install_year"])))
        rows.append((_("Length"), f"{p['length_m']:.0f} m"))
        if p.get("zone"):
            rows.append((_("Zone"), p["zone"]))
        return rows
    if found.kind == "valve":
        return [
            (_("Type"), _label(Valve.Type, p["valve_type"])),
            (_("Diameter"), diameter),
            (_("Operable"), _yes_no(p["operable"]) if p["operable"] else _("no: seized")),
            (_("Normally open"), _yes_no(p["normally_open"])),
        ]
    if found.kind == "source":
        return [
            (_("Name"), p["name"]),
            (_("Kind"), _label(Source.Kind, p["kind"])),
            (_("Pressure class"), pressure_label(p["pressure_class"])),
            (_("Zone"), p["zone"] or _("not recorded")),
        ]
    rows = [(_("Address"), p["address"])]
    if p.get("address_en"):
        rows.append((_("Address in English"), p["address_en"]))
    rows += [
        (_("Use"), _label(Premise.Use, p["use"])),
        (_("Meter"), p["meter_id"] or _("not recorded")),
        (_("Service main"), p["service_main"] or _("none recorded")),
    ]
    if p.get("others_here"):
        rows.append(
            (
                _("Same address point"),
                _("%(n)s more premises") % {"n": p["others_here"]},
            )
        )
    return rows


KIND_TITLES = {
    "main": gettext_lazy("Main %(asset)s"),
    "valve": gettext_lazy("Valve %(asset)s"),
    "source": gettext_lazy("Station %(asset)s"),
    "premise": gettext_lazy("Premise %(asset)s"),
}


def found_json(found: Found | None, *, tolerance_m: float) -> dict[str, Any]:
    if found is None:
        return {"found": None, "tolerance_m": round(tolerance_m, 1)}
    return {
        "found": {
            "kind": found.kind,
            "title": KIND_TITLES[found.kind] % {"asset": found.properties["asset_id"]},
            "distance_m": found.distance_m,
            "properties": found.properties,
            "rows": found_rows(found),
            "geometry": found.geometry,
        },
        "tolerance_m": round(tolerance_m, 1),
    }
