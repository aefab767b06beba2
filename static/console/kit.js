/* What every part of the console shares: the JSON API with its errors, and building DOM. */
"use strict";

window.consoleKit = (function () {
  class ApiError extends Error {
    constructor(message, { status = 0, field = null, fields = null } = {}) {
      super(message);
      this.status = status;
      this.field = field; // {"error": ..., "field": "category"} from a refused use case
      this.fields = fields; // {"error": ..., "fields": {"q": [...]}} from a validation
    }
  }

  function csrfToken() {
    const cookie = document.cookie.split("; ").find((c) => c.startsWith("csrftoken="));
    if (cookie) return decodeURIComponent(cookie.slice("csrftoken=".length));
    return document.querySelector("[name=csrfmiddlewaretoken]").value; // an HttpOnly cookie
  }

  async function api(method, path, body = null, signal = undefined) {
    const headers = { Accept: "application/json" };
    if (method !== "GET") {
      headers["Content-Type"] = "application/json";
      headers["X-CSRFToken"] = csrfToken();
    }
    let response;
    try {
      response = await fetch(path, {
        method, headers, signal, credentials: "same-origin",
        body: body === null ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      if (err.name === "AbortError") throw err;
      throw new ApiError(gettext("the server cannot be reached: check the network cable or call IT"));
    }
    const text = await response.text();
    let data = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      data = null; // an HTML error page from a proxy or a crash
    }
    const said = data ? String(data.error || data.detail || "") : "";
    if (response.status === 403 && /credentials|authenticat/i.test(said)) {
      throw new ApiError(gettext("you have been signed out: sign in again in a new tab, then retry"), { status: 403 });
    }
    if (!response.ok) {
      const answered = interpolate(gettext("the server answered %(status)s %(text)s"), { status: response.status, text: response.statusText }, true);
      throw new ApiError(said || answered, {
        status: response.status, field: data && data.field, fields: data && data.fields,
      });
    }
    return data;
  }

  /* el("li", {class: "x", onclick: f}, "text", child): text is never parsed as HTML. */
  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (k === "class") node.className = v;
      else if (k === "text") node.textContent = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else if (v !== null && v !== undefined && v !== false) node.setAttribute(k, v === true ? "" : v);
    }
    for (const child of children.flat()) if (child !== null && child !== undefined) node.append(child);
    return node;
  }

  /* Times in the control room's zone (the server's TIME_ZONE), in the page's language; the
     date too when it is not today there: "14:20:05", or "5 Dec 14:20:05". */
  const zone = (() => {
    try {
      return JSON.parse(document.getElementById("console-config").textContent).time_zone || undefined;
    } catch {
      return undefined;
    }
  })();
  const chinese = document.documentElement.lang.toLowerCase().startsWith("zh");
  const locale = chinese ? "zh-CN" : "en-GB";
  const timeOfDay = new Intl.DateTimeFormat(locale, { timeZone: zone, hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });
  const day = new Intl.DateTimeFormat(locale, { timeZone: zone, month: "short", day: "numeric" });
  const dayKey = new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" });
  function clock(iso) {
    const at = new Date(iso);
    const time = timeOfDay.format(at);
    return dayKey.format(at) === dayKey.format(new Date()) ? time : `${day.format(at)} ${time}`;
  }
  const km = (m) => (m >= 1000 ? `${(m / 1000).toFixed(1)} km` : `${Math.round(m)} m`);
  const eta = (s) => (s < 60 ? `${Math.round(s)} s` : `${Math.round(s / 60)} min`);
  /* 4:58 under an hour (the clocks that matter tick visibly), 11 h 59 min beyond. */
  function duration(s) {
    if (s >= 3600) return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")} min`;
    return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
  }
  /* A translated text with named values: fmt(gettext("%(crew)s sent"), {crew: name}). */
  const fmt = (text, values) => interpolate(text, values, true);

  // What the geocoder matched, and how (its codes, as the API gives them), in words.
  const KINDS = {
    premise: gettext("premise"), road: gettext("road"),
    landmark: gettext("landmark"), intersection: gettext("corner"),
  };
  const METHODS = {
    exact: gettext("exact"), structured: gettext("by road and number"), fuzzy: gettext("near match"),
    landmark: gettext("landmark"), intersection: gettext("corner"),
  };

  return { ApiError, api, el, clock, km, eta, duration, fmt, chinese, KINDS, METHODS };
})();
