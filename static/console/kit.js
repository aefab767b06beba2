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
      throw new ApiError("the server cannot be reached: check the network cable or call IT");
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
      throw new ApiError("you have been signed out: sign in again in a new tab, then retry", { status: 403 });
    }
    if (!response.ok) {
      throw new ApiError(said || `the server answered ${response.status} ${response.statusText}`, {
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

  const clock = (iso) => new Date(iso).toLocaleTimeString("en-GB", { hour12: false });
  const km = (m) => (m >= 1000 ? `${(m / 1000).toFixed(1)} km` : `${Math.round(m)} m`);
  const eta = (s) => (s < 60 ? `${Math.round(s)} s` : `${Math.round(s / 60)} min`);
  /* 4:58 under an hour (the clocks that matter tick visibly), 11 h 59 min beyond. */
  function duration(s) {
    if (s >= 3600) return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")} min`;
    return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
  }

  return { ApiError, api, el, clock, km, eta, duration };
})();
