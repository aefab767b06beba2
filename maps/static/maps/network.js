/* The network map's live part: roads under the tiles, and what a click fell on.
   VectorGrid's own click events are broken with Leaflet 1.9, so a click asks the server
   (/maps/network/at), which knows the network and answers with the record. */
"use strict";

(function () {
  const config = JSON.parse(document.getElementById("network-map-config").textContent);
  const map = window[config.map];
  const picked = document.getElementById("picked");
  const zoomNote = document.getElementById("zoom-note");
  const errorLine = document.getElementById("map-error");
  const ROADS_FROM_ZOOM = 13; // below this a city's streets are a grey smear
  // Streets as wide, quiet bands (their width on the ground at zoom 16): mains run inside.
  const ROAD_STYLE = {
    arterial: { color: "#2f3b4d", weight: 14 },
    collector: { color: "#2a3443", weight: 10 },
    local: { color: "#252e3a", weight: 8 },
  };
  function roadStyle(feature) {
    const base = ROAD_STYLE[feature.properties.road_class] || ROAD_STYLE.local;
    const scale = Math.pow(2, map.getZoom() - 16);
    return { color: base.color, weight: Math.max(1.5, Math.min(40, base.weight * scale)), opacity: 1 };
  }

  map.attributionControl.setPrefix(gettext("Leaflet · our network and roads"));
  // A tablet keeps its map: the legend starts folded there.
  const legend = document.querySelector(".legend");
  if (legend && !window.matchMedia("(min-width: 1001px)").matches) legend.open = false;
  // Roads go in a pane under the tile pane (200): the network's tiles are drawn over them.
  map.createPane("roads").style.zIndex = 150;
  const roads = L.geoJSON(null, {
    pane: "roads",
    interactive: false,
    style: roadStyle,
  }).addTo(map);
  map.on("zoomend", () => roads.setStyle(roadStyle));
  const highlight = L.geoJSON(null, {
    interactive: false,
    style: { color: "#ffffff", weight: 9, opacity: 0.55 },
    pointToLayer: (_f, latlng) => L.circleMarker(latlng, { radius: 12, color: "#ffffff", weight: 3, fill: false }),
  }).addTo(map);

  function showError(message) {
    errorLine.textContent = message;
  }

  function bbox(bounds) {
    const clamp = (v, lim) => Math.max(-lim, Math.min(lim, v)).toFixed(6);
    return [clamp(bounds.getWest(), 180), clamp(bounds.getSouth(), 90),
      clamp(bounds.getEast(), 180), clamp(bounds.getNorth(), 90)].join(",");
  }

  let loading = null;
  async function loadRoads() {
    if (loading) loading.abort();
    if (map.getZoom() < ROADS_FROM_ZOOM) {
      roads.clearLayers();
      return;
    }
    loading = new AbortController();
    try {
      const response = await fetch(`${config.roads}?bbox=${bbox(map.getBounds().pad(0.25))}`, {
        signal: loading.signal, credentials: "same-origin",
      });
      if (!response.ok) throw new Error(interpolate(gettext("the server answered %(status)s"), { status: response.status }, true));
      const data = await response.json();
      roads.clearLayers();
      roads.addData(data);
    } catch (err) {
      if (err.name !== "AbortError") showError(interpolate(gettext("Roads could not be drawn: %(error)s"), { error: err.message }, true));
    }
  }

  function noteZoom() {
    const z = map.getZoom();
    const hidden = [];
    if (Math.round(z) < config.low_pressure_from_zoom) hidden.push(interpolate(gettext("low-pressure mains from zoom %(zoom)s"), { zoom: config.low_pressure_from_zoom }, true));
    if (Math.round(z) < config.valves_from_zoom) hidden.push(interpolate(gettext("valves from zoom %(zoom)s"), { zoom: config.valves_from_zoom }, true));
    if (Math.round(z) < config.premises_from_zoom) hidden.push(interpolate(gettext("premises from zoom %(zoom)s"), { zoom: config.premises_from_zoom }, true));
    const zoom = z.toFixed(1);
    zoomNote.textContent = hidden.length
      ? interpolate(gettext("Zoom %(zoom)s: zoom in for %(layers)s."), { zoom, layers: hidden.join(gettext(", ")) }, true)
      : interpolate(gettext("Zoom %(zoom)s."), { zoom }, true);
  }

  function table(found) {
    const wrap = document.createElement("div");
    wrap.className = "record";
    const title = document.createElement("h3");
    title.textContent = found.title;
    wrap.appendChild(title);
    const dl = document.createElement("dl");
    for (const [label, value] of found.rows) {
      const dt = document.createElement("dt");
      dt.textContent = label;
      const dd = document.createElement("dd");
      dd.textContent = value;
      dl.append(dt, dd);
    }
    wrap.appendChild(dl);
    return wrap;
  }

  let asking = null;
  async function whatIsAt(latlng) {
    if (asking) asking.abort();
    asking = new AbortController();
    const q = new URLSearchParams({
      lon: latlng.lng.toFixed(7), lat: latlng.lat.toFixed(7), zoom: map.getZoom().toFixed(2),
    });
    let body;
    try {
      const response = await fetch(`${config.at}?${q}`, { signal: asking.signal, credentials: "same-origin" });
      body = await response.json();
      if (!response.ok) throw new Error(body.error || body.detail || interpolate(gettext("the server answered %(status)s"), { status: response.status }, true));
    } catch (err) {
      if (err.name !== "AbortError") showError(interpolate(gettext("Could not look that up: %(error)s"), { error: err.message }, true));
      return;
    }
    showError("");
    highlight.clearLayers();
    picked.replaceChildren();
    if (!body.found) {
      const none = document.createElement("p");
      none.className = "muted";
      none.textContent = interpolate(gettext("Nothing of the network within %(metres)s m of that click."), { metres: Math.round(body.tolerance_m) }, true);
      picked.appendChild(none);
      map.closePopup();
      return;
    }
    highlight.addData(body.found.geometry);
    picked.appendChild(table(body.found));
    L.popup({ maxWidth: 360, className: "record-popup" })
      .setLatLng(latlng)
      .setContent(table(body.found))
      .openOn(map);
  }

  let timer = null;
  map.on("moveend", () => {
    clearTimeout(timer);
    timer = setTimeout(loadRoads, 150);
    noteZoom();
  });
  map.on("click", (e) => whatIsAt(e.latlng));
  new ResizeObserver(() => map.invalidateSize()).observe(map.getContainer());
  loadRoads();
  noteZoom();
  document.getElementById("network-map").dataset.ready = "1";
})();
