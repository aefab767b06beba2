/* The tablet's map: the incident, the mains and valves around it, and the valves to close,
   numbered in closing order. No basemap tiles (a van is often without Internet and a utility
   may not allow them): our own roads are the background, on a light ground for daylight. */
"use strict";

window.tabletMap = (function () {
  const ROADS_AROUND_M = 1000;
  const MAX_ZOOM = 19;
  const ROAD_STYLE = {
    arterial: { color: "#c5ccd6", weight: 14 },
    collector: { color: "#cfd5dd", weight: 10 },
    local: { color: "#d8dde3", weight: 7 },
  };
  const MAIN_STYLE = {
    high: { color: "#b3261e", weight: 6 },
    medium: { color: "#d35400", weight: 5 },
    low: { color: "#8a6d00", weight: 4 },
  };

  const fmt = (text, values) => interpolate(text, values, true);

  function create(element, { get, onError, labels = {} }) {
    const label = (kind, code) => (labels[kind] && labels[kind][code]) || code;
    const map = L.map(element, { zoomSnap: 0.5, maxZoom: MAX_ZOOM, zoomControl: false });
    L.control.zoom().addTo(map); // titles in the page's language: leaflet_words.js
    map.attributionControl.setPrefix(gettext("Leaflet · our network"));
    // Roads arrive after the network (a second fetch): their own pane keeps them underneath.
    map.createPane("roads").style.zIndex = 350;
    const roads = L.geoJSON(null, {
      pane: "roads",
      interactive: false,
      style: (f) => ({ ...(ROAD_STYLE[f.properties.road_class] || ROAD_STYLE.local), lineCap: "round" }),
    }).addTo(map);
    const network = L.layerGroup().addTo(map);
    const marks = L.layerGroup().addTo(map);
    let shownFor = null;
    let fitTo = null;
    // The page lays out after Leaflet measured the box (fonts, a panel appearing): measure again.
    new ResizeObserver(() => {
      map.invalidateSize();
      if (fitTo) map.fitBounds(fitTo, { padding: [44, 44], maxZoom: 18, animate: false });
    }).observe(element);
    const leaveBe = () => (fitTo = null); // the crew touched the map: keep the view they chose
    element.addEventListener("pointerdown", leaveBe);
    element.addEventListener("wheel", leaveBe, { passive: true });

    let roadsWaiting = null; // offline when the job was drawn: fetch the roads once back
    window.addEventListener("online", () => roadsWaiting && loadRoads(...roadsWaiting));

    async function loadRoads(lat, lon) {
      roadsWaiting = null;
      const box = L.latLng(lat, lon).toBounds(ROADS_AROUND_M * 2);
      const bbox = [box.getWest(), box.getSouth(), box.getEast(), box.getNorth()].map((v) => v.toFixed(6)).join(",");
      try {
        const data = await get(`/api/gis/roads.geojson?bbox=${bbox}`);
        roads.clearLayers();
        roads.addData(data);
      } catch (err) {
        if (err.message === "offline") roadsWaiting = [lat, lon];
        else onError(fmt(gettext("Roads could not be drawn: %(error)s"), { error: err.message }));
      }
    }

    function drawNetwork(around) {
      const features = (around && around.features) || [];
      for (const f of features) {
        const p = f.properties;
        if (p.kind === "power_line") {
          const tip = `${p.asset_id} · ${p.feeder} · ${p.voltage_kv} kV`;
          network.addLayer(L.geoJSON(f, { style: { color: "#c99700", weight: 4, opacity: 0.9, dashArray: p.construction === "cable" ? "6 4" : null } }).bindTooltip(tip, { sticky: true }));
        }
        if (p.kind === "main") {
          // heat: the supply red, the return blue; gas by its pressure class
          const heat = p.utility === "heat" ? { color: p.circuit === "return" ? "#1f6fd1" : "#d9381e", weight: 4 } : null;
          const style = heat || MAIN_STYLE[p.pressure_class] || MAIN_STYLE.low;
          const tip = `${p.asset_id} · ${label("pressure_class", p.pressure_class)} · ${label("material", p.material)}${p.diameter_mm ? ` DN${p.diameter_mm}` : ""}`;
          network.addLayer(L.geoJSON(f, { style: { ...style, opacity: 0.9, className: `main main-${p.pressure_class}` } }).bindTooltip(tip, { sticky: true }));
        }
      }
      for (const f of features) {
        const p = f.properties;
        if (p.kind === "valve") {
          const [lon, lat] = f.geometry.coordinates;
          network.addLayer(
            L.circleMarker([lat, lon], {
              radius: 6,
              color: "#1b1f24",
              weight: 2,
              fillOpacity: 1,
              fillColor: p.operable ? "#ffffff" : "#b3261e",
            }).bindTooltip(`${p.asset_id} · ${label("valve_type", p.valve_type)}${p.operable ? "" : ` · ${gettext("SEIZED")}`}`),
          );
        }
        if (p.kind === "power_device") {
          const [lon, lat] = f.geometry.coordinates;
          const fills = { transformer: "#17a2b8", fuse: "#e0c200", recloser: "#e67e22", breaker: "#c0392b", switch: "#ffffff" };
          network.addLayer(
            L.circleMarker([lat, lon], {
              radius: 7,
              color: "#1b1f24",
              weight: 2,
              fillOpacity: p.normally_open ? 0.25 : 1,
              fillColor: fills[p.device_kind] || "#ffffff",
            }).bindTooltip(`${p.asset_id} · ${label("power_device", p.device_kind)}${p.name ? ` · ${p.name}` : ""}`),
          );
        }
      }
    }

    function drawIsolation(isolation) {
      const features = (isolation && isolation.valves_to_close && isolation.valves_to_close.features) || [];
      const byRole = (role) => features.filter((f) => f.properties.role === role);
      for (const f of byRole("affected_area")) {
        network.addLayer(L.geoJSON(f, { interactive: false, style: { color: "#b3261e", weight: 2, dashArray: "6 6", fillOpacity: 0.06 } }));
      }
      for (const f of byRole("isolated_mains")) {
        network.addLayer(L.geoJSON(f, { interactive: false, style: { color: "#b3261e", weight: 3, dashArray: "2 8", opacity: 0.9 } }));
      }
      for (const f of byRole("source_to_shut")) {
        const [lon, lat] = f.geometry.coordinates;
        marks.addLayer(
          L.marker([lat, lon], { icon: L.divIcon({ className: "source-mark", html: "S", iconSize: [34, 34] }), keyboard: false })
            .bindTooltip(fmt(gettext("Shut station %(station)s"), { station: f.properties.name || f.properties.asset_id })),
        );
      }
      const valves = byRole("valve_to_close").sort((a, b) => a.properties.order - b.properties.order);
      for (const f of valves) {
        const [lon, lat] = f.geometry.coordinates;
        const icon = L.divIcon({ className: "valve-no", html: String(f.properties.order), iconSize: [36, 36] });
        marks.addLayer(
          L.marker([lat, lon], { icon, keyboard: false, title: fmt(gettext("Close %(order)s: %(valve)s"), { order: f.properties.order, valve: f.properties.asset_id }), zIndexOffset: 500 }),
        );
      }
      return valves;
    }

    return {
      /* Draw one job; the same job again (a status change) keeps the view the crew chose. */
      show(job) {
        const point = job.incident.point;
        if (!point) return [];
        const again = shownFor === job.id;
        network.clearLayers();
        marks.clearLayers();
        drawNetwork(job.network_around);
        const valves = drawIsolation(job.isolation);
        // A ring, not a dot: a valve to close a few metres away must not hide it, nor it the
        // valve. No permanent label: the reference is in the heading, and a label hides valves.
        const ring = L.divIcon({ className: "incident-mark", html: "", iconSize: [46, 46] });
        marks.addLayer(
          L.marker([point.lat, point.lon], { icon: ring, keyboard: false, zIndexOffset: -100, title: fmt(gettext("Incident %(reference)s"), { reference: job.incident.reference }) }),
        );
        if (!again) {
          const points = [[point.lat, point.lon], ...valves.map((f) => [f.geometry.coordinates[1], f.geometry.coordinates[0]])];
          fitTo = L.latLngBounds(points);
          map.fitBounds(fitTo, { padding: [44, 44], maxZoom: 18 });
          loadRoads(point.lat, point.lon);
          shownFor = job.id;
        }
        return valves;
      },
    };
  }

  return create;
})();
