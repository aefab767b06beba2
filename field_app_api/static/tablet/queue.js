/* The tablet's offline queue. Every action is first written to localStorage, then sent in
   order; a crew in a basement or a dead zone loses nothing. The server makes replays safe:
   each action carries a client_event_id, so sending one twice changes nothing.

   A network failure or a 5xx keeps the action for the next try (the `online` event and a
   periodic retry); a 4xx is the server refusing that action for good, so it is dropped and
   its error shown. Photos are too big for localStorage: their bytes wait in IndexedDB. */
"use strict";

window.tabletQueue = (function () {
  const RETRY_MS = 10_000;
  const DB_NAME = "gasdispatch-tablet";
  const STORE = "photos";

  /* crypto.randomUUID needs a secure context; a tablet on a depot's plain-HTTP LAN has not. */
  function uuid() {
    if (crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  function csrfToken() {
    const cookie = document.cookie.split("; ").find((c) => c.startsWith("csrftoken="));
    if (cookie) return decodeURIComponent(cookie.slice("csrftoken=".length));
    return document.querySelector("[name=csrfmiddlewaretoken]").value; // an HttpOnly cookie
  }

  /* IndexedDB, promised: one object store of photo blobs keyed by the queued action's id. */
  let dbPromise = null;
  function db() {
    if (!dbPromise) {
      dbPromise = new Promise((resolve, reject) => {
        const request = indexedDB.open(DB_NAME, 1);
        request.onupgradeneeded = () => request.result.createObjectStore(STORE);
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
    }
    return dbPromise;
  }
  async function photoStore(mode, work) {
    const tx = (await db()).transaction(STORE, mode);
    const request = work(tx.objectStore(STORE));
    return new Promise((resolve, reject) => {
      tx.oncomplete = () => resolve(request.result);
      tx.onerror = () => reject(tx.error);
    });
  }

  function create({ user, onChange, onSent, onRefused }) {
    // One queue per login: a tablet handed to the next shift never sends the last one's work
    // under the new session.
    const key = `gasdispatch.tablet.queue.${user}`;
    let flushing = false;
    let trouble = null; // why the last try stopped: "offline", "server", "signed_out"

    const load = () => JSON.parse(localStorage.getItem(key) || "[]");
    const save = (items) => localStorage.setItem(key, JSON.stringify(items));

    function state() {
      const items = load();
      const offline = !navigator.onLine || trouble === "offline";
      return { items, count: items.length, offline, trouble: offline ? "offline" : trouble, flushing };
    }
    const changed = () => onChange(state());

    /* Queue one action; re-read from storage each time so two open tabs do not clobber. */
    async function push({ url, body, label, workOrder = null, photo = null }) {
      const item = {
        id: uuid(),
        kind: photo ? "photo" : "json",
        url,
        body,
        label,
        workOrder,
        filename: photo ? photo.name || "photo" : null,
        queuedAt: new Date().toISOString(),
      };
      if (photo) await photoStore("readwrite", (s) => s.put(photo, item.id));
      save([...load(), item]);
      changed();
      flush();
      return item;
    }

    async function send(item) {
      const headers = { Accept: "application/json", "X-CSRFToken": csrfToken() };
      let body;
      if (item.kind === "photo") {
        const blob = await photoStore("readonly", (s) => s.get(item.id));
        if (!blob) return { status: 410, data: { error: gettext("the photo was lost from this tablet's storage: take it again") } };
        body = new FormData();
        for (const [k, v] of Object.entries(item.body)) body.append(k, v);
        body.append("image", blob, item.filename);
      } else {
        headers["Content-Type"] = "application/json";
        body = JSON.stringify(item.body);
      }
      const response = await fetch(item.url, { method: "POST", headers, body, credentials: "same-origin" });
      let data = null;
      try {
        data = await response.json();
      } catch {
        data = null; // an HTML page from a proxy or a crash
      }
      return { status: response.status, data };
    }

    const signedOut = ({ status, data }) =>
      status === 401 || (status === 403 && /credentials|authenticat|csrf/i.test(String((data && data.detail) || "")));
    // Worth trying again later: the server or something in between is in trouble, not the action.
    const transient = (status) => status >= 500 || status === 408 || status === 429;

    async function drop(item) {
      save(load().filter((i) => i.id !== item.id));
      if (item.kind === "photo") await photoStore("readwrite", (s) => s.delete(item.id));
    }

    async function flush() {
      if (flushing) return;
      flushing = true;
      try {
        for (;;) {
          const item = load()[0];
          if (!item) {
            trouble = null;
            break;
          }
          if (!navigator.onLine) {
            trouble = "offline"; // the browser knows: do not even try
            break;
          }
          let result;
          try {
            result = await send(item);
          } catch {
            trouble = "offline"; // fetch threw: no network, whatever navigator.onLine says
            break;
          }
          if (transient(result.status)) {
            trouble = "server";
            break;
          }
          if (signedOut(result)) {
            trouble = "signed_out";
            break;
          }
          trouble = null;
          await drop(item);
          if (result.status >= 400) onRefused(item, refusal(result));
          else onSent(item, result.data);
          changed();
        }
      } finally {
        flushing = false;
        changed();
      }
    }

    window.addEventListener("online", () => {
      trouble = null;
      flush();
    });
    window.addEventListener("offline", changed);
    setInterval(flush, RETRY_MS);
    return { push, flush, state, items: load };
  }

  /* The server's own words: {"error": ...}, with the fields a validation named (in words:
     the page puts their labels in `tabletQueue.fieldLabels`). */
  function refusal({ status, data }) {
    const refused = interpolate(gettext("the server refused it (%(status)s)"), { status }, true);
    if (!data) return refused;
    let message = String(data.error || data.detail || refused);
    if (data.fields) {
      const labels = api.fieldLabels;
      const flat = (v) => (Array.isArray(v) ? v.map(flat).join("; ") : typeof v === "object" && v ? Object.values(v).map(flat).join("; ") : String(v));
      message += ": " + Object.entries(data.fields).map(([k, v]) => `${labels[k] || k}: ${flat(v)}`).join(", ");
    }
    return message;
  }

  /* A read. Offline, it does not try (so the console stays clean) and says so. */
  async function get(path) {
    if (!navigator.onLine) throw new Error("offline");
    const response = await fetch(path, { headers: { Accept: "application/json" }, credentials: "same-origin" });
    let data = null;
    try {
      data = await response.json();
    } catch {
      data = null;
    }
    if (!response.ok) {
      const error = new Error(refusal({ status: response.status, data }));
      error.status = response.status;
      throw error;
    }
    return data;
  }

  const api = { create, get, uuid, fieldLabels: {} };
  return api;
})();
