/* The admin's map widget (config/admin_widgets.py) on the vendored Leaflet.
 *
 * The textarea holds the geometry (GeoJSON, or WKT typed by hand) and is what the form sends;
 * the map shows it. "Draw anew" starts a drawing: each click places the point, or adds a
 * corner to the line or the area, and the textarea follows. A multi-geometry drawn here has
 * one part; one with several parts is pasted into the textarea. */
(function () {
  "use strict";

  const PART = { Point: "Point", LineString: "LineString", Polygon: "Polygon",
                 MultiPoint: "Point", MultiLineString: "LineString", MultiPolygon: "Polygon" };
  const STYLE = { color: "#d9480f", weight: 3, fillOpacity: 0.2 };
  // The gas network as the ground to draw on (the same tiles as the network map), quiet
  // colours so the shape being edited stands out.
  const NETWORK = {
    rendererFactory: L.canvas.tile,
    interactive: false,
    maxNativeZoom: 20,
    vectorTileLayerStyles: {
      mains: { color: "#7b8da6", weight: 2, opacity: 0.8 },
      valves: { radius: 3, weight: 1, color: "#3d4a5c", fill: true, fillColor: "#ffffff",
                fillOpacity: 1 },
      sources: { radius: 5, weight: 1, color: "#3d4a5c", fill: true, fillColor: "#3ecf8e",
                 fillOpacity: 1 },
      premises: { radius: 1.5, weight: 0, fill: true, fillColor: "#9aa7b6", fillOpacity: 0.8 },
      power_lines: { color: "#c9a227", weight: 1.5, opacity: 0.8 },
      power_devices: { radius: 2, weight: 1, color: "#3d4a5c", fill: true, fillColor: "#26c6da",
                       fillOpacity: 1 },
    },
  };

  function parsed(text) {
    try {
      const value = JSON.parse(text);
      return value && typeof value.type === "string" ? value : null;
    } catch (error) {
      return null; // WKT, or a GeoJSON still being typed: the server reads it on save
    }
  }

  function setUp(box) {
    const text = document.getElementById(box.dataset.textarea);
    const geomType = box.dataset.geomType;
    const part = PART[geomType] || "Point";
    const [west, south, east, north] = box.dataset.bounds.split(",").map(Number);
    const map = L.map(box.querySelector(".admin-map-canvas"), {
      zoomSnap: 0.25, maxZoom: 20, attributionControl: false,
    });
    L.control.scale().addTo(map);
    if (box.dataset.tiles && L.vectorGrid) L.vectorGrid.protobuf(box.dataset.tiles, NETWORK).addTo(map);
    const shown = L.geoJSON(null, {
      style: STYLE,
      pointToLayer: (feature, latlng) => L.circleMarker(latlng, { ...STYLE, radius: 7 }),
    }).addTo(map);
    let corners = null; // [lng, lat] pairs while drawing, else null

    function show(geometry, fit) {
      shown.clearLayers();
      if (geometry) shown.addData(geometry);
      const bounds = shown.getBounds();
      if (!fit) return;
      if (bounds.isValid()) map.fitBounds(bounds, { maxZoom: 18, padding: [24, 24] });
      else map.fitBounds([[south, west], [north, east]]);
    }

    function drawn() {
      let geometry = null;
      if (part === "Point" && corners.length) {
        geometry = { type: "Point", coordinates: corners[corners.length - 1] };
      } else if (part === "LineString" && corners.length >= 2) {
        geometry = { type: "LineString", coordinates: corners.slice() };
      } else if (part === "Polygon" && corners.length >= 3) {
        geometry = { type: "Polygon", coordinates: [[...corners, corners[0]]] };
      }
      if (geometry && geomType !== part) {
        geometry = { type: geomType, coordinates: [geometry.coordinates] };
      }
      return geometry;
    }

    function drawing(on) {
      corners = on ? [] : null;
      const note = box.querySelector(".admin-map-drawing");
      if (note) note.hidden = !on;
      map.getContainer().style.cursor = on ? "crosshair" : "";
    }

    show(parsed(text.value), true);
    if (box.dataset.disabled) return;

    map.on("click", (event) => {
      if (corners === null) return;
      const corner = [+event.latlng.lng.toFixed(7), +event.latlng.lat.toFixed(7)];
      if (part === "Point") corners = [];
      corners.push(corner);
      const geometry = drawn();
      // Corners of an area not yet closed are shown as points.
      show(geometry || { type: "MultiPoint", coordinates: corners }, false);
      text.value = geometry ? JSON.stringify(geometry) : "";
    });
    box.querySelector(".admin-map-draw").addEventListener("click", () => {
      drawing(true);
      text.value = "";
      show(null, false);
    });
    box.querySelector(".admin-map-clear").addEventListener("click", () => {
      drawing(false);
      text.value = "";
      show(null, false);
    });
    text.addEventListener("input", () => {
      const geometry = parsed(text.value);
      if (geometry) {
        drawing(false);
        show(geometry, true);
      }
    });
    if (!text.value) drawing(true); // an empty field: start drawing at once
  }

  function setUpAll() {
    document.querySelectorAll(".admin-map").forEach(setUp);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setUpAll);
  else setUpAll();
})();
