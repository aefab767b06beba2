"""The map wall's map, built with folium: the network as vector tiles, and empty layers the
page's script (maps/static/maps/wall.js) fills from the delta feed."""

from dataclasses import dataclass

import folium
from folium.plugins import MarkerCluster

from maps.folium_kit import CLUSTER_CSS, CLUSTER_JS, map_create, network_tiles_add, static_links

# Pressure classes as a gas engineer reads them, on the dark wall; the SLA colours (amber,
# red) are kept for clocks so a main never looks like a breach.
PRESSURE_COLOURS = {"high": "#d16ba5", "medium": "#4f9dde", "low": "#3fb68b"}
NETWORK_STYLES = """{
  maxNativeZoom: 20,
  interactive: false,
  vectorTileLayerStyles: {
    mains: function (p, z) {
      var colours = %(colours)s;
      return {color: colours[p.pressure_class] || "#8899aa", opacity: 0.85,
              weight: p.pressure_class === "high" ? 3 : (z >= 15 ? 2.5 : 1.5),
              dashArray: p.status === "in_service" ? null : "4 4"};
    },
    sources: function () {
      return {radius: 6, fill: true, fillColor: "#00d1d1", fillOpacity: 1,
              color: "#0b1015", weight: 2};
    },
    valves: function (p) {
      return {radius: 4, fill: true, fillOpacity: 1, weight: 1.5, color: "#0b1015",
              fillColor: p.operable ? "#f1f5f9" : "#ff5a5f"};
    },
    premises: function () {
      return {radius: 2, fill: true, fillOpacity: 0.6, fillColor: "#7d8a99", stroke: false};
    }
  }
}"""


@dataclass(frozen=True)
class WallLayers:
    """The JavaScript names of the layers the page's script fills."""

    incidents: str
    vans: str
    isolation: str


def _cluster(name: str, *, until_zoom: int) -> MarkerCluster:
    cluster = MarkerCluster(
        name=name,
        options={
            "disableClusteringAtZoom": until_zoom,
            "showCoverageOnHover": False,
            "spiderfyOnMaxZoom": False,
            "maxClusterRadius": 50,
        },
    )
    cluster.default_js = static_links([CLUSTER_JS])  # folium's defaults come from a CDN
    cluster.default_css = static_links(CLUSTER_CSS)
    return cluster


def wall_map(bounds: list[float], *, tiles_url: str) -> tuple[folium.Map, WallLayers]:
    fmap = map_create(bounds, clusters=True, zoom_control="bottomleft")
    network_tiles_add(
        fmap,
        url=tiles_url,
        name="Network (by pressure)",
        styles=NETWORK_STYLES % {"colours": PRESSURE_COLOURS},
    )
    isolation = folium.FeatureGroup(name="Isolation areas").add_to(fmap)
    incidents = _cluster("Incidents", until_zoom=15).add_to(fmap)
    vans = _cluster("Vans", until_zoom=14).add_to(fmap)
    folium.LayerControl(position="topleft", collapsed=False).add_to(fmap)
    return fmap, WallLayers(incidents.get_name(), vans.get_name(), isolation.get_name())
