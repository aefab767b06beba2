/* The console's map. A control room often has no Internet, so there are no basemap tiles:
   our own roads (/api/gis/roads.geojson) are the background, drawn on the dark page. */
"use strict";

window.consoleMap = (function () {
  const LABEL_MIN_ZOOM = 16; // road names only where they can be read without overlapping
  const LABEL_EVERY_PX = 520; // one label per this much road on screen, so long roads repeat
  const LABEL_MARGIN_PX = 90;
  const LABEL_GAP_PX = 140;
  const LABEL_RETRY_PX = 60;
  const CLOSE_ZOOM = 17; // where a located call is shown: a building and its street
  const ROAD_STYLE = {
    arterial: { color: "#6c7d93", weight: 6 },
    collector: { color: "#56657a", weight: 4 },
    local: { color: "#465366", weight: 3 },
  };

  function bboxParam(bounds) {
    // Leaflet bounds can pass ±180 when zoomed far out; the API only takes real degrees.
    const clamp = (v, lim) => Math.max(-lim, Math.min(lim, v)).toFixed(6);
    return [
      clamp(bounds.getWest(), 180), clamp(bounds.getSouth(), 90),
      clamp(bounds.getEast(), 180), clamp(bounds.getNorth(), 90),
    ].join(",");
  }

  function create(element, { bounds, api, onPin, onError }) {
    const [west, south, east, north] = bounds;
    const map = L.map(element, { preferCanvas: true, keyboard: true, zoomSnap: 0.25, zoomControl: false });
    L.control.zoom().addTo(map); // titles in the page's language: leaflet_words.js
    map.attributionControl.setPrefix(`Leaflet · ${gettext("roads: our network")}`);
    const home = [[south, west], [north, east]];
    map.fitBounds(home);
    // The grid around the map may settle after Leaflet measured it (fonts, the sidebar):
    // measure again, and fit the territory again until a call has been placed.
    let located = false;
    new ResizeObserver(() => {
      map.invalidateSize();
      if (!located) map.fitBounds(home);
    }).observe(element);

    const roads = L.geoJSON(null, {
      interactive: false,
      style: (f) => ROAD_STYLE[f.properties.road_class] || ROAD_STYLE.local,
    }).addTo(map);
    const labels = L.layerGroup().addTo(map);
    const incidents = L.layerGroup().addTo(map);
    const marks = L.layerGroup().addTo(map);
    let preview = null;
    let loading = null;
    let data = null;

    async function loadRoads() {
      if (loading) loading.abort();
      loading = new AbortController();
      const padded = map.getBounds().pad(0.25);
      try {
        data = await api("GET", `/api/gis/roads.geojson?bbox=${bboxParam(padded)}`, null, loading.signal);
      } catch (err) {
        if (err.name !== "AbortError") onError(interpolate(gettext("Roads could not be drawn: %(message)s"), { message: err.message }, true));
        return;
      }
      roads.clearLayers();
      roads.addData(data);
      drawLabels();
    }

    function drawLabels() {
      labels.clearLayers();
      if (!data || map.getZoom() < LABEL_MIN_ZOOM) return;
      // Centres kept off the edges (a name cut in half is no help), and apart from one another.
      const pixels = map.getPixelBounds();
      const view = L.bounds(pixels.min.add([LABEL_MARGIN_PX, LABEL_MARGIN_PX]), pixels.max.subtract([LABEL_MARGIN_PX, LABEL_MARGIN_PX]));
      const placed = [];
      for (const feature of data.features) {
        // The English name beside the Chinese one only on an English screen.
        const name = feature.properties.name_en && !window.consoleKit.chinese
          ? `${feature.properties.name} ${feature.properties.name_en}`
          : feature.properties.name;
        const points = feature.geometry.coordinates.map(([lon, lat]) => map.project([lat, lon]));
        let next = LABEL_EVERY_PX / 2;
        let walked = 0;
        for (let i = 1; i < points.length; i++) {
          const a = points[i - 1];
          const b = points[i];
          const length = a.distanceTo(b);
          while (next <= walked + length) {
            const t = (next - walked) / length;
            const at = L.point(a.x + (b.x - a.x) * t, a.y + (b.y - a.y) * t);
            if (view.contains(at) && placed.every((p) => p.distanceTo(at) > LABEL_GAP_PX)) {
              placed.push(at);
              addLabel(name, at, a, b);
              next += LABEL_EVERY_PX;
            } else {
              next += LABEL_RETRY_PX; // crowded or off screen here: try a little further on
            }
          }
          walked += length;
        }
      }
    }

    function addLabel(name, at, a, b) {
      let angle = (Math.atan2(b.y - a.y, b.x - a.x) * 180) / Math.PI;
      if (angle > 90) angle -= 180; // never upside down
      if (angle < -90) angle += 180;
      const span = document.createElement("span");
      span.textContent = name;
      span.style.transform = `translate(-50%, -50%) rotate(${angle.toFixed(1)}deg)`;
      const icon = L.divIcon({ className: "road-label", html: span, iconSize: null });
      const latlng = map.unproject(at);
      labels.addLayer(L.marker(latlng, { icon, interactive: false, keyboard: false }));
    }

    let timer = null;
    map.on("moveend", () => {
      clearTimeout(timer);
      timer = setTimeout(loadRoads, 150);
    });
    map.on("zoomend", drawLabels);
    map.on("click", (e) => onPin(e.latlng));
    element.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && e.target === element) {
        e.preventDefault();
        onPin(map.getCenter());
      }
    });
    loadRoads();

    function marker(lat, lon, className, radius, tooltip) {
      const m = L.circleMarker([lat, lon], {
        radius,
        className,
        color: "#10151c",
        weight: 3,
        fillOpacity: 1,
        fillColor: className === "incident-mark" ? "#ff5a5f" : "#ffb020",
      });
      if (tooltip) m.bindTooltip(tooltip, { permanent: true, direction: "right", offset: [radius + 4, 0], className: "mark-tip" });
      return m;
    }

    return {
      /* A candidate under the arrow keys: shown, not chosen. */
      preview(lat, lon) {
        if (preview) preview.remove();
        preview = L.circleMarker([lat, lon], { radius: 14, color: "#ffb020", weight: 3, dashArray: "4 4", fill: false }).addTo(map);
        map.panTo([lat, lon]);
      },
      clearPreview() {
        if (preview) preview.remove();
        preview = null;
      },
      /* The call's location: the one point that will be sent. */
      setCall(lat, lon, label) {
        located = true;
        this.clearPreview();
        marks.clearLayers();
        marks.addLayer(marker(lat, lon, "call-mark", 10, label));
        map.setView([lat, lon], Math.max(map.getZoom(), CLOSE_ZOOM));
      },
      setIncident(lat, lon, reference) {
        located = true;
        marks.clearLayers();
        marks.addLayer(marker(lat, lon, "incident-mark", 12, reference));
        map.setView([lat, lon], Math.max(map.getZoom(), CLOSE_ZOOM));
      },
      /* Every open incident of the user's organisation, small, for context. */
      showIncidents(list) {
        incidents.clearLayers();
        for (const i of list) {
          if (!i.point) continue;
          incidents.addLayer(
            L.circleMarker([i.point.lat, i.point.lon], { radius: 6, color: "#ff5a5f", weight: 2, fillOpacity: 0.35 })
              .bindTooltip(`${i.reference} · P${i.priority} · ${i.category_label}`),
          );
        }
      },
      reset() {
        located = false;
        map.fitBounds(home);
        this.clearPreview();
        marks.clearLayers();
      },
      focus() {
        element.focus();
      },
    };
  }

  return create;
})();
