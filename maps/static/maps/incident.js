/* The incident map's small live part: the valve list and the numbered valves on the map
   point at each other, and a valve the crew found seized goes into the trace form. */
"use strict";

(function () {
  const config = JSON.parse(document.getElementById("incident-map-config").textContent);
  const map = window[config.map];
  const seized = document.getElementById("seized");

  map.attributionControl.setPrefix(gettext("Leaflet · our network and roads"));
  new ResizeObserver(() => map.invalidateSize()).observe(map.getContainer());

  // A desk screen has room for the legend and the layer switches; a tablet keeps its map.
  const wide = window.matchMedia("(min-width: 1001px)").matches;
  const layers = map.getContainer().querySelector(".leaflet-control-layers");
  if (wide && layers) layers.classList.add("leaflet-control-layers-expanded");
  const legend = document.querySelector(".legend");
  if (!wide && legend) legend.open = false;

  // A valve in the list: show it on the map.
  for (const item of document.querySelectorAll(".valve-item")) {
    item.addEventListener("click", () => {
      map.setView([Number(item.dataset.lat), Number(item.dataset.lon)], Math.max(map.getZoom(), 18));
    });
  }

  // A numbered valve on the map: reported seized, so add it to the next trace's list.
  map.getContainer().addEventListener("click", (event) => {
    const valve = event.target.closest(".valve-no[data-asset]");
    if (!valve || !seized) return;
    const ids = seized.value.split(/[\s,;]+/).filter(Boolean);
    if (!ids.includes(valve.dataset.asset)) ids.push(valve.dataset.asset);
    seized.value = ids.join(", ");
    seized.focus();
  });

  document.getElementById("incident-map").dataset.ready = "1";
})();
