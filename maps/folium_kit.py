"""folium maps that work in a control room without Internet access, embedded in our pages.

folium builds the Leaflet map (its layers, controls and the data drawn from the server) and
our templates place it; the live parts (the wall's feed, the replay) are our own scripts that
find the map by `MapParts.name`. Every script and stylesheet comes from our static files:
folium's defaults load Leaflet, jQuery and Bootstrap from CDNs a control room cannot reach.
"""

from dataclasses import dataclass
from typing import Any

import folium
from branca.element import Figure
from django.templatetags.static import static
from django.utils.safestring import SafeString, mark_safe
from folium.plugins import VectorGridProtobuf

MAX_ZOOM = 20  # a house and its service line
LEAFLET_JS = ("leaflet", "vendor/leaflet/leaflet.js")
# Leaflet's own words (zoom, layers, close, credit) in the reader's language; metres only.
LEAFLET_WORDS_JS = ("leaflet_words", "leaflet_words/leaflet_words.js")
LEAFLET_CSS = ("leaflet_css", "vendor/leaflet/leaflet.css")
VECTORGRID_JS = ("vectorGrid", "vendor/leaflet.vectorgrid/Leaflet.VectorGrid.bundled.min.js")
CLUSTER_JS = ("markercluster", "vendor/leaflet.markercluster/leaflet.markercluster.js")
CLUSTER_CSS = [
    ("markercluster_css", "vendor/leaflet.markercluster/MarkerCluster.css"),
    ("markercluster_default_css", "vendor/leaflet.markercluster/MarkerCluster.Default.css"),
]


def static_links(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(name, static(path)) for name, path in pairs]


def map_create(
    bounds: list[float], *, clusters: bool = False, zoom_control: str = "topleft", **options: Any
) -> folium.Map:
    """An empty map over `bounds` (west, south, east, north). There are no basemap tiles: our
    own network and roads are the background, drawn on the page's dark or light ground."""
    west, south, east, north = bounds
    fmap = folium.Map(
        location=[(south + north) / 2, (west + east) / 2],
        tiles=None,
        prefer_canvas=True,
        control_scale=True,
        zoom_control=zoom_control,
        zoom_snap=0.25,
        maxZoom=MAX_ZOOM,  # folium gives max_zoom to tiles only; marker clusters need it
        **options,
    )
    js, css = [LEAFLET_JS, LEAFLET_WORDS_JS], [LEAFLET_CSS]
    if clusters:
        js.append(CLUSTER_JS)
        css += CLUSTER_CSS
    fmap.default_js = static_links(js)  # instance lists: the class's are folium's CDN defaults
    fmap.default_css = static_links(css)
    fmap.fit_bounds([[south, west], [north, east]])
    return fmap


def network_tiles_add(
    fmap: folium.Map, *, url: str, name: str, styles: str, show: bool = True
) -> VectorGridProtobuf:
    """The network as vector tiles made by PostGIS; `styles` is VectorGrid's options object
    as JavaScript (functions style each feature by its properties)."""
    layer = VectorGridProtobuf(url, name=name, options=styles, show=show)
    layer.default_js = static_links([VECTORGRID_JS])
    layer.add_to(fmap)
    return layer


@dataclass(frozen=True)
class MapParts:
    """What a page template needs: `header` in <head>, `html` where the map goes, `script`
    at the end of <body>, and `name`, the JavaScript variable holding the L.Map."""

    header: SafeString
    html: SafeString
    script: SafeString
    name: str


def map_parts(fmap: folium.Map) -> MapParts:
    root = fmap.get_root()
    assert isinstance(root, Figure)  # folium.Map always sits in a Figure it made
    root.render()  # renders every child into the figure's header, html and script
    return MapParts(
        header=mark_safe(root.header.render()),  # noqa: S308 - folium's own output
        html=mark_safe(root.html.render()),  # noqa: S308
        script=mark_safe(root.script.render()),  # noqa: S308
        name=fmap.get_name(),
    )
