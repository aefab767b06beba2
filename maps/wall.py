"""The map wall's map, built with folium: the network as vector tiles, and empty layers the
page's script (maps/static/maps/wall.js) fills from the delta feed."""

from dataclasses import dataclass

import folium
from django.utils.translation import gettext as _
from folium.plugins import MarkerCluster

from maps.folium_kit import CLUSTER_CSS, CLUSTER_JS, map_create, static_links
from maps.network_map import network_layer_add


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


def wall_map(bounds: list[float], utilities: list[str]) -> tuple[folium.Map, WallLayers]:
    """The wall's map over `bounds`, the networks of `utilities` switched on."""
    fmap = map_create(bounds, clusters=True, zoom_control="bottomleft")
    network_layer_add(fmap, shown=utilities)
    # The layer control shows these names: in the user's language, built for each request.
    isolation = folium.FeatureGroup(name=_("Isolation areas")).add_to(fmap)
    incidents = _cluster(_("Incidents"), until_zoom=15).add_to(fmap)
    vans = _cluster(_("Vans"), until_zoom=14).add_to(fmap)
    folium.LayerControl(position="topleft", collapsed=False).add_to(fmap)
    return fmap, WallLayers(incidents.get_name(), vans.get_name(), isolation.get_name())
