/* What the wall and the dispatch screen share about the dispatch queue: its API (errors in the
   server's words), the clocks, and the alarm: a P1 waiting for a crew longer than a supervisor
   set (QueueAlarm) flashes and sounds a tone (WebAudio, no audio file) until a crew is sent.
   Every word comes from the page's config (`text`, translated by the server). */
"use strict";

window.dispatchQueue = (function () {
  const RING_EVERY_MS = 2500; // the tone repeats while an alarm stands

  /* t("key", {name: value}): the server's translation, with %(name)s filled in. */
  function words(text) {
    return (key, args) => {
      const found = text[key];
      const s = found === undefined ? key : found;
      return args ? s.replace(/%\((\w+)\)s/g, (_m, name) => String(args[name] ?? "")) : s;
    };
  }

  const esc = (text) =>
    String(text ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);

  /* el("li", {class: "x", onclick: f}, "text", child): text is never parsed as HTML. */
  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (k === "class") node.className = v;
      else if (k === "text") node.textContent = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else if (v !== null && v !== undefined && v !== false) node.setAttribute(k, v === true ? "" : v);
    }
    for (const child of children.flat()) if (child !== null && child !== undefined && child !== false) node.append(child);
    return node;
  }

  function duration(ms) {
    const s = Math.round(Math.abs(ms) / 1000);
    const d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600);
    const m = Math.floor((s % 3600) / 60), sec = s % 60;
    const two = (n) => String(n).padStart(2, "0");
    if (d) return interpolate(gettext("%(d)sd %(h)sh"), { d, h }, true);
    return h ? `${h}:${two(m)}:${two(sec)}` : `${two(m)}:${two(sec)}`;
  }

  /* The page's language for dates and times (the browser's own may differ), 24-hour. */
  const LANG = document.documentElement.lang || undefined;
  const sameDay = (a, b) => a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();

  /* A moment as a control room reads it, in this screen's time zone: the time alone when it
     is today, with the date before it when not ("due 04:28:03" tomorrow is not due today). */
  function when(iso, now = Date.now()) {
    if (!iso) return "";
    const at = new Date(iso);
    const time = at.toLocaleTimeString(LANG, { hourCycle: "h23", hour: "2-digit", minute: "2-digit", second: "2-digit" });
    const today = new Date(now);
    if (sameDay(at, today)) return time;
    const date = at.toLocaleDateString(LANG, at.getFullYear() === today.getFullYear()
      ? { month: "short", day: "numeric" } : { year: "numeric", month: "short", day: "numeric" });
    return `${date} ${time}`;
  }

  class ApiError extends Error {
    constructor(message, { status = 0, field = null } = {}) {
      super(message);
      this.status = status;
      this.field = field;
    }
  }

  function csrfToken() {
    const cookie = document.cookie.split("; ").find((c) => c.startsWith("csrftoken="));
    if (cookie) return decodeURIComponent(cookie.slice("csrftoken=".length));
    const input = document.querySelector("[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function flatten(value) {
    if (Array.isArray(value)) return value.map(flatten).join(" ");
    if (value && typeof value === "object") {
      return Object.entries(value).map(([k, v]) => (k === "non_field_errors" ? flatten(v) : `${k.replaceAll("_", " ")}: ${flatten(v)}`)).join("; ");
    }
    return String(value);
  }

  /* The JSON API; a refusal becomes an ApiError in the server's own words. */
  function client(t) {
    return async function api(method, path, body = null) {
      const headers = { Accept: "application/json" };
      if (method !== "GET") {
        headers["Content-Type"] = "application/json";
        headers["X-CSRFToken"] = csrfToken();
      }
      let response;
      try {
        response = await fetch(path, {
          method, headers, credentials: "same-origin", cache: "no-store",
          body: body === null ? undefined : JSON.stringify(body),
        });
      } catch {
        throw new ApiError(t("unreachable"));
      }
      const raw = await response.text();
      let data = null;
      try {
        data = raw ? JSON.parse(raw) : null;
      } catch {
        data = null; // an HTML error page from a proxy or a crash
      }
      if (!response.ok) {
        let said = data ? String(data.error || data.detail || data.message || "") : "";
        if (data && data.fields) said = `${said}${said ? ": " : ""}${flatten(data.fields)}`;
        throw new ApiError(said || t("server_answered", { status: response.status }), {
          status: response.status, field: data && data.field,
        });
      }
      return data;
    };
  }

  /* The clock that matters, ticking on the screen between answers: the earliest running one. */
  function clockOf(item, now) {
    const d = item.next_deadline;
    if (!d) return { state: "none", left: Infinity, text: "", milestone: "" };
    const due = Date.parse(d.due_at);
    const left = due - now;
    const allowed = due - Date.parse(item.created_at);
    let state = "on_time";
    if (left < 0 || d.breached_at) state = "breached";
    else if (left < allowed * 0.25) state = "at_risk";
    return { state, left, text: left < 0 ? `+${duration(left)}` : duration(left), milestone: d.milestone };
  }

  const waitedMs = (item, now) => Math.max(0, now - Date.parse(item.created_at));
  const alarmed = (item, now) =>
    Boolean(item.waiting_for_crew && item.alarm_at && Date.parse(item.alarm_at) <= now);

  /* The tone. Browsers keep audio off until the person touches the page: until then `blocked`
     is true and the page shows its "click to enable sound" control. */
  function createSound({ button, onChange = () => {} }) {
    const Context = window.AudioContext || window.webkitAudioContext;
    const ctx = Context ? new Context() : null;
    let rings = 0;
    let lastRing = 0;

    const blocked = () => !ctx || ctx.state !== "running";
    function show() {
      if (button) button.hidden = !ctx || !blocked();
      onChange(!blocked());
    }
    async function enable() {
      if (!ctx) return;
      try {
        await ctx.resume();
      } catch {
        /* still blocked: the control stays */
      }
      show();
    }
    if (ctx) {
      ctx.addEventListener("statechange", show);
      // Any key or click is the gesture browsers wait for.
      for (const type of ["pointerdown", "keydown"]) document.addEventListener(type, enable, { capture: true });
    }
    if (button) button.addEventListener("click", enable);
    show();

    function tone(notes) {
      const start = ctx.currentTime + 0.02;
      notes.forEach(([frequency, at, length], i) => {
        const osc = ctx.createOscillator();
        const gain = ctx.createGain();
        osc.type = i % 2 ? "square" : "sawtooth";
        osc.frequency.value = frequency;
        gain.gain.setValueAtTime(0.0001, start + at);
        gain.gain.exponentialRampToValueAtTime(0.2, start + at + 0.02);
        gain.gain.exponentialRampToValueAtTime(0.0001, start + at + length);
        osc.connect(gain).connect(ctx.destination);
        osc.start(start + at);
        osc.stop(start + at + length + 0.02);
      });
    }

    /* The alarm: high-low-high, repeated at most every RING_EVERY_MS. */
    function ring() {
      show();
      if (blocked()) return false;
      if (Date.now() - lastRing < RING_EVERY_MS) return true;
      lastRing = Date.now();
      tone([[988, 0, 0.22], [740, 0.26, 0.22], [988, 0.52, 0.3]]);
      rings += 1;
      return true;
    }

    /* While an alarm stands and the tone is held back, the control itself calls for the click. */
    function urge(on) {
      if (button) button.classList.toggle("urgent", Boolean(on));
    }

    return { ring, enable, blocked, urge, rings: () => rings };
  }

  /* The alarm banner and the tone, checked every second against the queue's items. */
  function alarmCheck({ items, now, t, banner, sound }) {
    const on = items.filter((item) => alarmed(item, now));
    if (banner) {
      banner.hidden = !on.length;
      if (on.length) {
        const first = on[0];
        banner.textContent = t("alarm_banner", {
          priority: first.priority, ref: first.reference, waited: duration(waitedMs(first, now)),
        }) + (on.length > 1 ? ` ${t("alarm_more", { n: on.length - 1 })}` : "");
      }
    }
    if (sound) {
      const loud = on.some((item) => item.alarm_sound);
      sound.urge(loud);
      if (loud) sound.ring();
    }
    return new Set(on.map((item) => item.id));
  }

  /* The queue from the server: asked when the wall's feed says an incident changed, and every
     `everyMs` in any case (a clock passing its deadline changes no row). */
  function createQueue({ api, station, everyMs = 15000, onUpdate, onError }) {
    let body = null;
    let skewMs = 0;
    let running = null;
    let again = false;
    let timer = null;

    async function refresh() {
      if (running) {
        again = true; // asked while asking: one more answer after this one
        return running;
      }
      clearTimeout(timer);
      const params = station ? `?station=${encodeURIComponent(station)}` : "";
      running = (async () => {
        try {
          body = await api("GET", `/api/dispatch-queue/${params}`);
          skewMs = Date.parse(body.server_time) - Date.now();
          onUpdate(body);
        } catch (err) {
          onError(err);
        }
      })();
      await running;
      running = null;
      timer = setTimeout(refresh, everyMs);
      if (again) {
        again = false;
        await refresh();
      }
    }

    return {
      refresh,
      body: () => body,
      items: () => (body ? body.items : []),
      now: () => Date.now() + skewMs,
    };
  }

  /* For a page without a map: the wall's delta feed, only to learn that an incident changed. */
  function watchFeed({ feed, station, pollMs, onChange, onLive, onStop }) {
    let cursor = null;
    let etag = null;
    async function poll() {
      const params = new URLSearchParams();
      if (cursor !== null) params.set("since", cursor);
      if (station) params.set("station", station);
      const headers = { Accept: "application/json" };
      if (etag && cursor !== null) headers["If-None-Match"] = etag;
      try {
        const response = await fetch(`${feed}?${params}`, { headers, credentials: "same-origin", cache: "no-store" });
        if (response.status === 401 || response.status === 403) {
          onStop();
          return;
        }
        if (response.status === 400 && cursor !== null) {
          cursor = null; // a cursor the server no longer knows: start again
          etag = null;
        } else if (response.status !== 304) {
          if (!response.ok) throw new Error(String(response.status));
          const answer = await response.json();
          const first = cursor === null;
          cursor = answer.cursor;
          etag = response.headers.get("ETag");
          if (!first && answer.features.some((f) => String(f.id).startsWith("incident:"))) onChange();
        }
        onLive();
      } catch {
        /* the state line says the feed is quiet; try again */
      }
      setTimeout(poll, pollMs);
    }
    poll();
  }

  return { words, esc, el, duration, when, client, clockOf, waitedMs, alarmed, createSound, alarmCheck, createQueue, watchFeed, ApiError };
})();
