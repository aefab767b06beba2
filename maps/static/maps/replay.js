/* The timeline replay: vans moving along their recorded tracks with the clock, the events lit
   as the replay passes them. folium drew the map, the roads, the tracks and the event markers
   (their JavaScript names are in the config); this script only animates them. */
"use strict";

(function () {
  const root = document.getElementById("replay");
  const cfg = JSON.parse(document.getElementById("replay-config").textContent);
  const map = window[cfg.map];
  const play = document.getElementById("rp-play");
  const slider = document.getElementById("rp-slider");
  const speedSelect = document.getElementById("rp-speed");
  const timeOut = document.getElementById("rp-time");
  const plusOut = document.getElementById("rp-plus");
  const list = document.getElementById("rp-list");
  const items = Array.from(list.querySelectorAll("li.ev"));
  const span = Math.max(cfg.end - cfg.start, 1000);
  map.attributionControl.setPrefix(gettext("Leaflet · roads: our network"));

  const clockFormat = new Intl.DateTimeFormat("en-GB", {
    timeZone: cfg.tz, hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23",
  });

  function sincecall(t) {
    const s = Math.round((t - cfg.call) / 1000);
    const a = Math.abs(s);
    const h = Math.floor(a / 3600);
    const m = String(Math.floor((a % 3600) / 60)).padStart(2, "0");
    const sec = String(a % 60).padStart(2, "0");
    return interpolate(gettext("%(time)s since the first call"), { time: `${s < 0 ? "−" : "+"}${h}:${m}:${sec}` }, true);
  }

  // Events, in the order of the list; their markers where folium drew one.
  const events = cfg.events.map((e, i) => ({
    ...e, item: items[i], layer: e.layer ? window[e.layer] : null,
  }));
  const baseStyle = new Map();
  for (const e of events) {
    if (e.layer) baseStyle.set(e, { color: e.layer.options.color, radius: e.layer.options.radius });
  }

  // Vans ------------------------------------------------------------------------------------
  const ARROW = '<svg viewBox="-12 -12 24 24" aria-hidden="true"><path d="M0,-11 L8,9 L0,4 L-8,9 Z" fill="COLOUR" stroke="#fff" stroke-width="1.6" stroke-linejoin="round"/></svg>';

  function escapeHtml(text) {
    const div = document.createElement("div");
    div.textContent = text;
    return div.innerHTML;
  }

  const vans = cfg.tracks.filter((t) => t.fixes.length).map((track) => {
    const html = `<div class="rp-van" style="--c: ${track.colour}">${ARROW.replace("COLOUR", track.colour)}`
      + `<span class="rp-van-name">${escapeHtml(track.crew)}</span></div>`;
    const first = track.fixes[0];
    const marker = L.marker([first[1], first[2]], {
      icon: L.divIcon({ className: "rp-van-icon", html, iconSize: null }),
      keyboard: false, zIndexOffset: 1000, title: `${track.crew} (${track.vehicle})`,
    }).addTo(map);
    const travelled = L.polyline([], { color: track.colour, weight: 5, opacity: 0.95, interactive: false }).addTo(map);
    return { track, marker, travelled, heading: first[3] || 0 };
  });

  // The index of the last item whose time is <= t (binary search), or -1.
  function search(array, pick, t) {
    let lo = 0;
    let hi = array.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (pick(array[mid]) <= t) { found = mid; lo = mid + 1; } else { hi = mid - 1; }
    }
    return found;
  }

  function screenHeading(a, b) {
    const p = map.project(a);
    const q = map.project(b);
    if (p.distanceTo(q) < 0.5) return null;
    return (Math.atan2(q.x - p.x, p.y - q.y) * 180) / Math.PI;
  }

  function placeVan(van, t) {
    const fixes = van.track.fixes;
    const i = search(fixes, (f) => f[0], t);
    let at;
    let path;
    if (i < 0) {
      at = L.latLng(fixes[0][1], fixes[0][2]);
      path = [];
    } else if (i >= fixes.length - 1) {
      at = L.latLng(fixes[fixes.length - 1][1], fixes[fixes.length - 1][2]);
      path = fixes.map((f) => [f[1], f[2]]);
    } else {
      const a = fixes[i];
      const b = fixes[i + 1];
      const k = (t - a[0]) / Math.max(b[0] - a[0], 1);
      at = L.latLng(a[1] + (b[1] - a[1]) * k, a[2] + (b[2] - a[2]) * k);
      path = fixes.slice(0, i + 1).map((f) => [f[1], f[2]]);
      path.push(at);
      const turn = a[3] ?? screenHeading([a[1], a[2]], [b[1], b[2]]);
      if (turn !== null) van.heading = turn;
    }
    van.marker.setLatLng(at);
    van.travelled.setLatLngs(path);
    const element = van.marker.getElement();
    if (element) {
      const body = element.querySelector(".rp-van");
      body.classList.toggle("waiting", i < 0);
      body.querySelector("svg").style.transform = `rotate(${van.heading}deg)`;
    }
  }

  // Events ----------------------------------------------------------------------------------
  let current = -2;
  let pinned = -1; // the event chosen in the list: several may share its second

  function lightEvents(t) {
    let now = search(events, (e) => e.t, t);
    if (pinned >= 0 && events[pinned].t === t) now = pinned;
    if (now === current) return;
    current = now;
    events.forEach((e, i) => {
      e.item.classList.toggle("is-current", i === now);
      e.item.classList.toggle("is-future", i > now);
      if (i === now) e.item.setAttribute("aria-current", "step");
      else e.item.removeAttribute("aria-current");
      if (e.layer) {
        const base = baseStyle.get(e);
        e.layer.setStyle({
          radius: i === now ? 13 : base.radius,
          weight: i === now ? 4 : 2,
          opacity: i > now ? 0.35 : 1,
          fillColor: i === now ? base.color : "#10151c",
          fillOpacity: i > now ? 0.3 : 0.9,
        });
        if (i === now) e.layer.bringToFront();
      }
    });
    if (now >= 0) keepInView(events[now].item);
  }

  function keepInView(item) {
    // Scroll the event list only, never the page: on a tablet the map stays where it is.
    if (list.scrollHeight <= list.clientHeight) return;
    const top = item.offsetTop - list.offsetTop;
    if (top < list.scrollTop || top + item.offsetHeight > list.scrollTop + list.clientHeight) {
      list.scrollTop = Math.max(top - list.clientHeight / 3, 0);
    }
  }

  // The clock -------------------------------------------------------------------------------
  let t = cfg.start;
  let playing = false;
  let speed = Number(speedSelect.value) || cfg.speed;
  let lastFrame = null;

  function show(moment, chosen = -1) {
    pinned = chosen;
    t = Math.min(Math.max(moment, cfg.start), cfg.start + span);
    timeOut.textContent = clockFormat.format(new Date(t));
    plusOut.textContent = sincecall(t);
    slider.value = String(Math.round((t - cfg.start) / 1000));
    vans.forEach((van) => placeVan(van, t));
    lightEvents(t);
    root.dataset.t = String(Math.round(t));
  }

  function setPlaying(on) {
    playing = on;
    play.setAttribute("aria-pressed", on ? "true" : "false");
    play.textContent = on ? `❚❚ ${gettext("Pause")}` : `▶ ${gettext("Play")}`;
    lastFrame = null;
    if (on) requestAnimationFrame(frame);
  }

  function frame(now) {
    if (!playing) return;
    if (lastFrame !== null) show(t + (now - lastFrame) * speed);
    lastFrame = now;
    if (t >= cfg.start + span) { setPlaying(false); return; }
    requestAnimationFrame(frame);
  }

  play.addEventListener("click", () => {
    if (!playing && t >= cfg.start + span) show(cfg.start); // from the top again
    setPlaying(!playing);
  });
  slider.addEventListener("input", () => show(cfg.start + Number(slider.value) * 1000));
  speedSelect.addEventListener("change", () => { speed = Number(speedSelect.value); });
  events.forEach((e, i) => {
    e.item.querySelector(".ev-go").addEventListener("click", () => {
      show(e.t, i);
      if (e.layer && !map.getBounds().contains(e.layer.getLatLng())) map.panTo(e.layer.getLatLng());
    });
    if (e.layer) e.layer.on("click", () => { show(e.t, i); e.item.querySelector(".ev-go").focus(); });
  });

  // Ticks under the slider: every event, and the SLA marks in red.
  const ticks = document.getElementById("rp-ticks");
  const tick = (moment, css, label) => {
    const mark = document.createElement("span");
    mark.className = `rp-tick ${css}`;
    mark.style.left = `${((moment - cfg.start) / span) * 100}%`;
    if (label) {
      const text = document.createElement("span");
      text.textContent = label;
      mark.append(text);
    }
    ticks.append(mark);
  };
  cfg.events.forEach((e) => tick(e.t, "event"));
  cfg.marks.forEach((m) => tick(m.t, "due", m.label));

  // The grid may settle after Leaflet measured the map (fonts, the columns): measure again,
  // and frame the replay until the user moves the map.
  let framed = true;
  for (const kind of ["pointerdown", "wheel", "keydown"]) {
    map.getContainer().addEventListener(kind, () => { framed = false; }, { passive: true });
  }
  new ResizeObserver(() => {
    map.invalidateSize();
    if (framed && cfg.bounds) map.fitBounds(cfg.bounds, { padding: [24, 24] });
  }).observe(map.getContainer());

  slider.max = String(Math.round(span / 1000));
  slider.disabled = false;
  play.disabled = false;
  show(cfg.start);
  root.dataset.ready = "";

  // For whoever drives the page (a test, a console): where things stand.
  window.timelineReplay = {
    state: () => ({
      t,
      playing,
      current: current >= 0 ? events[current].id : null,
      vans: vans.map((v) => ({ lat: v.marker.getLatLng().lat, lng: v.marker.getLatLng().lng })),
    }),
    seek: (moment) => show(moment),
  };
})();
