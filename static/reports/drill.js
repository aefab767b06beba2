/* The drill-down: the records behind a figure, or behind one bar of its breakdown, from
   /api/reports/figures/<key>/items/ with the page's own query; each reference links to its
   timeline (an incident) or its case page. And the breach map, from /api/reports/breaches/. */
(function () {
  "use strict";
  const fmt = window.reportsFormat;
  const config = fmt.config;
  const panel = document.getElementById("rp-drill");
  let current = null; // {figure, which, group, groupLabel}

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => node.setAttribute(k, v));
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function address(figure, which, group) {
    const params = new URLSearchParams(config.query);
    params.set("which", which);
    if (group !== null && group !== undefined) params.set("group", group);
    return config.items_url.replace("KEY", encodeURIComponent(figure.key)) + "?" + params;
  }

  function rowOf(item, measure) {
    const tr = el("tr", { class: item.hit === false ? "miss" : "" });
    const ref = el("td");
    if (item.link) ref.appendChild(el("a", { href: item.link }, item.reference));
    else ref.textContent = item.reference || "#" + item.id;
    tr.appendChild(ref);
    tr.appendChild(el("td", {}, fmt.moment(item.at)));
    tr.appendChild(el("td", {}, item.unit));
    tr.appendChild(el("td", {}, config.categories[item.category] || item.category));
    let shown = measure ? fmt.value(measure, item.value) : "";
    if (item.hit === false) shown = (shown ? shown + " · " : "") + gettext("missed");
    tr.appendChild(el("td", { class: "v" }, shown));
    return tr;
  }

  function problem(body, message) {
    body.replaceChildren();
    const tr = el("tr", { class: "miss" });
    tr.appendChild(el("td", { colspan: "5", role: "alert" }, message));
    body.appendChild(tr);
  }

  async function load() {
    const { figure, which, group, groupLabel } = current;
    const body = document.getElementById("rp-items");
    const more = document.getElementById("rp-more");
    document.getElementById("rp-drill-title").textContent = figure.label;
    document.getElementById("rp-drill-what").textContent = groupLabel
      ? interpolate(gettext("%(group)s only"), { group: groupLabel }, true) : gettext("all of the scope");
    panel.querySelectorAll("[data-which]").forEach((b) => {
      b.classList.toggle("on", b.dataset.which === which);
      b.hidden = b.dataset.which === "missed" && figure.kind !== "share";
    });
    const csv = new URLSearchParams(config.query);
    csv.set("figure", figure.key);
    document.getElementById("rp-drill-csv").href = config.csv_url + "?" + csv;
    csv.set("items", which);
    document.getElementById("rp-drill-items-csv").href = config.csv_url + "?" + csv;
    panel.hidden = false;
    panel.dataset.loading = "1";
    body.replaceChildren();
    more.textContent = gettext("Loading…");
    try {
      const response = await fetch(address(figure, which, group), {
        headers: { Accept: "application/json" }, credentials: "same-origin",
      });
      const answer = await response.json();
      if (!response.ok) {
        problem(body, answer.error || answer.detail || response.statusText);
        more.textContent = "";
        return;
      }
      const measure = fmt.itemMeasure(figure);
      answer.items.forEach((item) => body.appendChild(rowOf(item, measure)));
      if (!answer.items.length) more.textContent = gettext("No records.");
      else if (answer.count > answer.items.length) {
        more.textContent = interpolate(gettext("%(more)s more not shown: download the CSV for all of them."),
          { more: fmt.count(answer.count - answer.items.length) }, true);
      } else {
        more.textContent = interpolate(ngettext("%(n)s record.", "%(n)s records.", answer.count),
          { n: fmt.count(answer.count) }, true);
      }
    } catch (error) {
      problem(body, gettext("The records could not be loaded: check the connection and try again."));
      more.textContent = "";
    } finally {
      delete panel.dataset.loading;
      panel.dataset.ready = "1";
    }
  }

  // Open the records of `figure` (all, or its misses first for a share), of one row if given.
  function open(figure, group, groupLabel) {
    current = { figure, which: figure.kind === "share" ? "missed" : "all", group, groupLabel };
    delete panel.dataset.ready;
    load();
  }

  panel.querySelectorAll("[data-which]").forEach((b) => b.addEventListener("click", () => {
    current.which = b.dataset.which;
    delete panel.dataset.ready;
    load();
  }));
  function close() {
    panel.hidden = true;
    delete panel.dataset.ready;
  }
  document.getElementById("rp-drill-close").addEventListener("click", close);
  document.addEventListener("keydown", (e) => { if (e.key === "Escape") close(); });

  function lateColour(minutes) {
    if (minutes >= 60) return "#ff3b3f";
    if (minutes >= 15) return "#ff8a3d";
    return "#ffd23f";
  }

  async function breaches() {
    const map = config.map && window[config.map];
    const count = document.getElementById("rp-map-count");
    if (!map) return;
    const response = await fetch(config.breaches_url + "?" + config.query, { credentials: "same-origin" });
    const answer = await response.json();
    if (!response.ok) { count.textContent = answer.error || response.statusText; return; }
    const layer = L.featureGroup();
    answer.features.forEach((f) => {
      const p = f.properties;
      const [lng, lat] = f.geometry.coordinates;
      const popup = el("div", { class: "rp-popup" });
      popup.appendChild(el("a", { href: p.link }, p.reference));
      popup.appendChild(el("div", {}, p.station));
      popup.appendChild(el("div", {}, interpolate(gettext("%(late)s late"),
        { late: fmt.value("minutes", p.late_minutes) }, true)));
      L.circleMarker([lat, lng], {
        radius: 8, weight: 2, color: "#10151c", fillColor: lateColour(p.late_minutes), fillOpacity: 0.95,
      }).bindPopup(popup).addTo(layer);
    });
    layer.addTo(map);
    count.textContent = interpolate(ngettext("%(n)s arrival late", "%(n)s arrivals late", answer.features.length),
      { n: fmt.count(answer.features.length) }, true);
    if (answer.features.length) map.fitBounds(layer.getBounds(), { padding: [40, 40], maxZoom: 14, animate: false });
    document.querySelector(".rp-map").dataset.points = String(answer.features.length);
  }

  window.reportsDrill = { open, breaches };
})();
