"""The admin's map widget, on the Leaflet the project vendors for its own maps.

GeoDjango's widgets load OpenLayers from a CDN a control room cannot reach ("ol is not
defined"). This one draws the geometry on `static/vendor/leaflet` and keeps it in a textarea
as GeoJSON: a click places a point, or adds a corner to a line or an area (no drawing plugin
is vendored, and these three are all a territory, a planned-works area or a valve needs);
the textarea stays editable for shapes pasted from a GIS, in GeoJSON or WKT.
"""

from typing import Any

from django.contrib.gis.forms.widgets import BaseGeometryWidget
from django.contrib.gis.geos import (
    GEOSGeometry,
    MultiLineString,
    MultiPoint,
    MultiPolygon,
)
from django.utils.html import format_html
from django.utils.safestring import SafeString

# Central Tianjin, where the demo city lies: the view of an empty field when no unit has a
# territory yet (the admin passes the signed-in user's own bounds).
DEFAULT_BOUNDS = (117.14, 39.05, 117.29, 39.13)
MULTI = {"Point": MultiPoint, "LineString": MultiLineString, "Polygon": MultiPolygon}


class LeafletGeometryWidget(BaseGeometryWidget):
    """A geometry as GeoJSON in a textarea, shown and drawn on a Leaflet map."""

    template_name = "admin_map/leaflet_widget.html"
    map_srid = 4326  # what we store: no reprojection on the way in or out

    class Media:
        css = {"all": ("vendor/leaflet/leaflet.css", "admin_map/admin_map.css")}
        js = (
            "vendor/leaflet/leaflet.js",
            "vendor/leaflet.vectorgrid/Leaflet.VectorGrid.bundled.min.js",
            "admin_map/admin_map.js",
        )

    def __init__(
        self,
        attrs: dict[str, Any] | None = None,
        *,
        bounds: tuple[float, ...] | None = None,
        tiles: str = "",
    ) -> None:
        super().__init__(attrs)
        self.attrs["bounds"] = ",".join(str(v) for v in (bounds or DEFAULT_BOUNDS))
        # The network's vector tiles ({z}/{x}/{y}) as the ground to draw on; none: a plain one.
        self.attrs["tiles"] = tiles

    def serialize(self, value: GEOSGeometry | None) -> str:
        return value.json if value else ""

    def deserialize(self, value: str) -> GEOSGeometry | None:
        geometry = super().deserialize(value)
        # One area typed or pasted into a field of many (a territory) is that field's type
        # with one part; the form field would refuse it as the wrong type.
        wanted = str(self.attrs.get("geom_type", "")).upper()
        if geometry is not None and wanted == f"MULTI{geometry.geom_type.upper()}":
            return MULTI[geometry.geom_type](geometry, srid=geometry.srid)
        return geometry


def geometry_map(geometry: GEOSGeometry | None, *, name: str, tiles: str = "") -> SafeString:
    """The same map, read-only, for a change page whose geometry may not be edited."""
    if geometry is None:
        return format_html("{}", "-")
    widget = LeafletGeometryWidget(attrs={"geom_type": geometry.geom_type}, tiles=tiles)
    return widget.render(name, geometry, attrs={"id": f"id_{name}_map", "disabled": True})
