/* The map wall's live part. The map and its empty layers come from folium (maps/wall.py);
   this script fills them from the delta feed (/maps/feed), asking every second with the
   cursor of the last answer, and never reloads the page. Clocks tick here, against the
   server's time, so a wall whose own clock is off still shows the right countdown. */
"use strict";

(function () {
  const config = JSON.parse(document.getElementById("wall-config").textContent);
  const map = window.wallMap;
  const layers = {
    incidents: window[config.layers.incidents],
    vans: window[config.layers.vans],
    isolation: window[config.layers.isolation],
  };
  const LIST_MAX = 50; // a wall cannot show more in a list; the counts say how many there are
  const NEAR_SHARE = 0.25; // amber when less than a quarter of the allowed time is left
  // The clock's milestone, short enough for a list row.
  const MILESTONE = {
    work_order: gettext("work order"), on_site: gettext("on site"), made_safe: gettext("made safe"),
    completed: gettext("completed"), reply: gettext("reply"), call_back: gettext("call-back"),
  };
  const ARROW = '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M12 2l7 18-7-4-7 4z"/></svg>';

  // The dispatch queue (maps/static/maps/queue.js): the incidents waiting for a crew, asked
  // again whenever the feed brings a changed incident, and the P1 alarm with its tone.
  const Q = window.dispatchQueue;
  const qt = Q.words(config.queue_text);
  const queue = Q.createQueue({
    api: Q.client(qt),
    station: config.station,
    everyMs: config.queue_every_ms,
    onUpdate: () => render(),
    onError: (err) => console.warn("dispatch queue:", err.message),
  });
  const sound = Q.createSound({
    button: document.getElementById("sound-enable"),
    onChange: (on) => (document.getElementById("sound-on").hidden = !on),
  });
  let alarmed = new Set();

  const features = new Map(); // feature id -> {props, latlng, layer, look}
  let cursor = null;
  let etag = null;
  let skewMs = 0; // server time minus this screen's time
  let lastFeedAt = null;
  let polls = 0;

  const now = () => Date.now() + skewMs;
  const $ = (id) => document.getElementById(id);
  const esc = (text) =>
    String(text ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);

  const duration = Q.duration;
  const when = (iso) => Q.when(iso, now()); // the time, with the date when not today
  const words = (text, args) => interpolate(text, args, true);

  /* The clock that matters: the earliest deadline not yet met. */
  function sla(props) {
    const pending = (props.deadlines || []).filter((d) => !d.met_at && !d.not_applicable_at);
    if (!pending.length) return { state: "ok", left: Infinity, text: "", milestone: "" };
    const next = pending[0];
    const due = Date.parse(next.due_at);
    const left = due - now();
    const allowed = due - Date.parse(props.created_at);
    let state = "ok";
    if (left < 0 || next.breached_at) state = "breached";
    else if (left < allowed * NEAR_SHARE) state = "near";
    const text = left < 0 ? `+${duration(left)}` : duration(left);
    return { state, left, text, milestone: MILESTONE[next.milestone] || next.milestone };
  }

  function vanStale(props) {
    const seen = Date.parse(props.seen_at || props.fix_at);
    const offline = props.offline_at && (!props.seen_at || props.offline_at >= props.seen_at);
    return Boolean(offline) || !(now() - seen < config.stale_after_s * 1000);
  }

  function incidentIcon(id, props, clock) {
    return L.divIcon({
      className: "",
      iconSize: null,
      iconAnchor: [20, 20],
      html: `<div class="inc sla-${clock.state}" data-feature="${id}"><span class="b">P${props.priority}</span>` +
        `<span class="t">${esc(clock.text)}</span></div>`,
    });
  }

  function vanIcon(id, props, stale) {
    const heading = Number.isFinite(props.heading) ? props.heading : 0;
    return L.divIcon({
      className: "",
      iconSize: null,
      iconAnchor: [16, 16],
      html: `<div class="van ${esc(props.crew_status)}${stale ? " stale" : ""}" data-feature="${id}">` +
        `<span class="a" style="transform: rotate(${heading}deg)">${ARROW}</span>` +
        `<span class="n">${esc(props.crew)}</span></div>`,
    });
  }

  const reports = (n) => words(ngettext("%(n)s report", "%(n)s reports", n), { n });

  function incidentPopup(props, said = "") {
    const label = config.labels;
    const crews = (props.work_orders || [])
      .map((w) => esc(words(gettext("%(crew)s: %(status)s"), { crew: w.crew, status: label.work_order_status[w.status] || w.status })) +
        (w.eta ? `, ${esc(words(gettext("ETA %(time)s"), { time: when(w.eta) }))}` : ""))
      .join("<br>") || `<b>${esc(gettext("no crew yet"))}</b>`;
    const ref = encodeURIComponent(props.ref);
    const links = [`<a href="/incidents/${ref}/map">${esc(qt("incident_map"))}</a>`];
    if (config.can_replay) links.push(`<a href="/incidents/${ref}/timeline">${esc(qt("timeline"))}</a>`);
    if (config.can_dispatch) {
      links.push(`<a href="/dispatch/?incident=${ref}">${esc(qt("dispatch"))}</a>`);
      links.push(`<a href="/console/?incident=${ref}">${esc(label.text["Open in console"] || "Open in console")}</a>`);
    }
    return `<div class="pop"><b>${esc(props.ref)}</b> · P${props.priority}<br>` +
      `${esc(label.category[props.category] || props.category)} · ${esc(label.incident_status[props.status] || props.status)}<br>` +
      `${esc(props.address)}<br>${esc(reports(props.reports))} · ${esc(props.station_name)}<br>${crews}<br>` +
      `<div class="words">${said}</div>${links.join(" · ")}</div>`;
  }

  /* The callers' words and the notes are fetched when a popup opens, not carried by the
     feed: the wall polls every second, and a feed with every description in it would not
     stay light. */
  const word = (text) => (config.labels.text && config.labels.text[text]) || text;
  async function loadWords(featureId, entry, popup) {
    const incidentId = featureId.split(":")[1];
    let detail;
    try {
      const response = await fetch(`/api/incidents/${incidentId}/`, {
        headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store",
      });
      if (!response.ok) return; // the popup keeps what the feed gave it
      detail = await response.json();
    } catch {
      return;
    }
    const time = when;
    const said = (detail.calls || []).filter((c) => c.description)
      .map((c) => `<li><span class="muted">${esc(time(c.received_at))}</span> ${esc(c.description)}</li>`);
    const notes = (detail.notes || [])
      .map((n) => `<li><span class="muted">${esc(time(n.at))} ${esc(n.actor)}:</span> ${esc(n.text)}</li>`);
    entry.words =
      (said.length ? `<b>${esc(word("The callers said"))}</b><ul class="said">${said.join("")}</ul>` : "") +
      (notes.length ? `<b>${esc(word("Notes"))}</b><ul class="notes">${notes.join("")}</ul>` : "");
    if (popup.isOpen()) popup.update(); // the content function runs again, words included
  }

  function vanPopup(props) {
    const job = props.job ? `${esc(props.job.ref)} (${esc(config.labels.work_order_status[props.job.status] || props.job.status)})` : esc(gettext("no job"));
    const seen = props.seen_at || props.fix_at;
    const status = config.labels.crew_status[props.crew_status] || props.crew_status;
    return `<div class="pop"><b>${esc(props.crew)}</b> · ${esc(props.registration || props.device)}<br>` +
      `${esc(status)} · ${job}<br>` +
      `${props.speed_kmh != null ? Math.round(props.speed_kmh) + " km/h · " : ""}` +
      `${esc(seen ? words(gettext("last fix %(time)s"), { time: when(seen) }) : gettext("no fix yet"))}</div>`;
  }

  function latlngOf(geometry) {
    return L.latLng(geometry.coordinates[1], geometry.coordinates[0]);
  }

  function remove(id) {
    const known = features.get(id);
    if (!known) return;
    known.group.removeLayer(known.layer);
    features.delete(id);
  }

  function apply(feature) {
    const { id, properties: props, geometry } = feature;
    if (props.removed || !geometry) return remove(id);
    const known = features.get(id);
    if (props.kind === "isolation") {
      if (known) remove(id);
      const layer = L.geoJSON(geometry, {
        style: { color: "#ff9f43", weight: 2, dashArray: "6 4", fillColor: "#ff9f43", fillOpacity: 0.18 },
      }).bindTooltip(esc(words(gettext("%(ref)s: isolation, %(valves)s valve(s) to close, %(premises)s premises cut off"), {
        ref: props.ref, valves: props.valves_to_close, premises: props.premises_cut_off,
      })), { sticky: true });
      layers.isolation.addLayer(layer);
      features.set(id, { props, layer, group: layers.isolation, look: "" });
      return;
    }
    const latlng = latlngOf(geometry);
    const group = props.kind === "van" ? layers.vans : layers.incidents;
    if (known) {
      known.props = props;
      known.latlng = latlng;
      known.layer.setLatLng(latlng);
      restyle(id, known, true);
      return;
    }
    const entry = { props, latlng, group, look: "" };
    entry.layer = L.marker(latlng, { keyboard: false, riseOnHover: true, icon: L.divIcon({ className: "" }) });
    entry.layer.bindPopup(() => (entry.props.kind === "van" ? vanPopup(entry.props) : incidentPopup(entry.props, entry.words)));
    if (props.kind === "incident") entry.layer.on("popupopen", (e) => loadWords(id, entry, e.popup));
    features.set(id, entry);
    restyle(id, entry, true);
    group.addLayer(entry.layer);
  }

  /* A marker is rebuilt only when what it shows changed; the clock text ticks in place. */
  function restyle(id, entry, force) {
    const props = entry.props;
    if (props.kind === "incident") {
      const clock = sla(props);
      const look = `${clock.state}|${props.priority}`;
      if (force || look !== entry.look) {
        entry.look = look;
        entry.layer.setIcon(incidentIcon(id, props, clock));
        entry.layer.setZIndexOffset(clock.state === "breached" ? 2000 : clock.state === "near" ? 1000 : 0);
      } else {
        const text = entry.layer.getElement()?.querySelector(".t");
        if (text) text.textContent = clock.text;
      }
      entry.clock = clock;
    } else if (props.kind === "van") {
      const stale = vanStale(props);
      const look = `${stale}|${props.crew_status}|${Math.round(props.heading || 0)}|${props.crew}`;
      if (force || look !== entry.look) {
        entry.look = look;
        entry.layer.setIcon(vanIcon(id, props, stale));
      }
      entry.stale = stale;
    }
  }

  function listItem(id, entry) {
    const p = entry.props;
    const clock = entry.clock || sla(p);
    const crew = (p.work_orders || []).map((w) => w.crew).join(", ");
    return `<li tabindex="0" class="sla-${clock.state}" data-feature="${id}">` +
      `<span class="p">P${p.priority}</span>` +
      `<span class="ref">${esc(p.ref)}</span>` +
      `<span class="left">${esc(clock.text)}<small>${esc(clock.milestone)}</small></span>` +
      `<span class="what">${esc(config.labels.category[p.category] || p.category)} · ${esc(p.address)}${crew ? " · " + esc(crew) : ""}</span></li>`;
  }

  function fill(list, entries, empty) {
    const shown = entries.slice(0, LIST_MAX).map(([id, e]) => listItem(id, e)).join("");
    list.innerHTML = shown || `<li class="empty">${empty}</li>`;
  }

  /* The queue's incidents without a crew, priority first then waiting longest; a row flashes
     while its alarm stands (the banner says which, the tone sounds). */
  function queueItem(item, now) {
    const id = `incident:${item.id}`;
    const said = item.callers.find((c) => c.description);
    const link = config.can_dispatch
      ? `<a class="go" href="/dispatch/?incident=${encodeURIComponent(item.reference)}">${esc(qt("dispatch"))}</a>` : "";
    return `<li tabindex="0" class="waiting sla-${item.sla === "at_risk" ? "near" : item.sla}${alarmed.has(item.id) ? " alarm" : ""}" data-feature="${id}">` +
      `<span class="p">P${item.priority}</span>` +
      `<span class="ref">${esc(item.reference)}</span>` +
      `<span class="left">${esc(Q.duration(Q.waitedMs(item, now)))}<small>${esc(qt("no_crew"))}</small></span>` +
      `<span class="what">${esc(item.category_name)} · ${esc(item.address)}</span>` +
      (said ? `<span class="said">“${esc(said.description)}”</span>` : "") + link + "</li>";
  }

  function fillQueue() {
    const now = queue.now();
    const items = queue.items();
    alarmed = Q.alarmCheck({ items, now, t: qt, banner: $("alarm"), sound });
    const waiting = items.filter((i) => i.waiting_for_crew).slice(0, LIST_MAX);
    $("list-unassigned").innerHTML = waiting.map((i) => queueItem(i, now)).join("") ||
      `<li class="empty">${esc(qt("waiting_empty"))}</li>`;
  }

  function render() {
    const incidents = [];
    let vans = 0;
    for (const [id, entry] of features) {
      restyle(id, entry, false);
      if (entry.props.kind === "incident") incidents.push([id, entry]);
      else if (entry.props.kind === "van") vans += 1;
    }
    incidents.sort((a, b) => a[1].clock.left - b[1].clock.left || a[1].props.priority - b[1].props.priority);
    const breached = incidents.filter(([, e]) => e.clock.state === "breached");
    const atRisk = incidents.filter(([, e]) => e.clock.state !== "breached");
    const unassigned = incidents.filter(([, e]) => !(e.props.work_orders || []).length);
    fill($("list-breached"), breached, esc(gettext("No clock is breached.")));
    fill($("list-risk"), atRisk, esc(gettext("No open incident.")));
    fillQueue();
    $("count-open").textContent = incidents.length;
    $("count-unassigned").textContent = unassigned.length;
    $("count-breached").textContent = breached.length;
    $("count-vans").textContent = vans;
    const banner = $("banner");
    banner.hidden = !breached.length;
    if (breached.length) {
      const refs = breached.slice(0, 3).map(([, e]) => e.props.ref).join(", ");
      banner.textContent = words(ngettext("%(n)s incident past an SLA deadline: %(refs)s", "%(n)s incidents past an SLA deadline: %(refs)s", breached.length),
        { n: breached.length, refs: `${refs}${breached.length > 3 ? "…" : ""}` });
    }
    $("clock").textContent = new Date(now()).toLocaleTimeString([], { hour12: false });
    const state = $("feed-state");
    const age = lastFeedAt ? (Date.now() - lastFeedAt) / 1000 : Infinity;
    if (age > 5) {
      state.classList.add("down");
      state.textContent = lastFeedAt
        ? words(gettext("No update for %(s)s s: the server is not answering; the wall keeps trying."), { s: Math.round(age) })
        : gettext("Connecting to the server…");
    } else {
      state.classList.remove("down");
      state.textContent = words(gettext("Live · %(n)s on the map"), { n: features.size });
    }
  }

  function show(id) {
    const entry = features.get(id);
    if (!entry || !entry.latlng) return;
    map.flyTo(entry.latlng, Math.max(map.getZoom(), 17), { duration: 0.6 });
    map.once("moveend", () => {
      const layer = entry.layer;
      if (entry.group.zoomToShowLayer) entry.group.zoomToShowLayer(layer, () => layer.openPopup());
      else layer.openPopup();
    });
  }

  for (const list of ["list-breached", "list-risk", "list-unassigned"]) {
    const element = $(list);
    element.addEventListener("click", (e) => {
      if (e.target.closest("a")) return; // "Dispatch": off to the dispatch screen
      const item = e.target.closest("li[data-feature]");
      if (item) show(item.dataset.feature);
    });
    element.addEventListener("keydown", (e) => {
      if (e.target.closest("a")) return;
      const item = e.target.closest("li[data-feature]");
      if (item && (e.key === "Enter" || e.key === " ")) { e.preventDefault(); show(item.dataset.feature); }
    });
  }

  let stopped = false;
  async function poll() {
    const params = new URLSearchParams();
    if (cursor !== null) params.set("since", cursor);
    if (config.station) params.set("station", config.station);
    const headers = { Accept: "application/json" };
    if (etag && cursor !== null) headers["If-None-Match"] = etag;
    try {
      const response = await fetch(`${config.feed}?${params}`, { headers, credentials: "same-origin", cache: "no-store" });
      polls += 1;
      if (response.status === 401 || response.status === 403) {
        stopped = true;
        $("feed-state").textContent = qt("signed_out");
        $("feed-state").classList.add("down");
        return;
      }
      if (response.status !== 304) {
        if (response.status === 400 && cursor !== null) {
          // The server does not know our cursor (a database restored under us): start again.
          cursor = null;
          etag = null;
        }
        if (!response.ok) throw new Error(`the feed answered ${response.status}`);
        const body = await response.json();
        if (body.full) {
          for (const id of [...features.keys()]) remove(id);
        }
        for (const feature of body.features) apply(feature);
        if (cursor !== null && body.features.some((f) => f.properties.kind === "incident")) queue.refresh();
        cursor = body.cursor;
        etag = response.headers.get("ETag");
        if (body.server_time) skewMs = Date.parse(body.server_time) - Date.now();
      }
      lastFeedAt = Date.now();
      document.body.dataset.ready = "1";
      render();
    } catch (err) {
      console.warn("map wall feed:", err.message);
    } finally {
      if (!stopped) setTimeout(poll, config.poll_ms);
    }
  }


  setInterval(render, 1000);
  queue.refresh();
  poll();

  // For the page tests and for anyone debugging a wall from the browser's console.
  window.wall = {
    features,
    queue,
    sound,
    cursor: () => cursor,
    polls: () => polls,
    position(id) {
      const entry = features.get(id);
      return entry && entry.latlng ? [entry.latlng.lat, entry.latlng.lng] : null;
    },
  };
})();
