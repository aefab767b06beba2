/* Booking a visit on the call: window.AppointmentBook.mount(element, {phone, customerId,
   premiseId, callId, name, address}). Needs Django's JavaScript catalog (gettext) on the page.
   Shows the stations the user books in (the one serving the premise first), the week's free
   slots of a work type, and books one through /api/appointments/; a refusal (the slot just
   filled up) is shown in the server's own words, with the soonest free slots it names. */
"use strict";

window.AppointmentBook = (function () {
  const WORK_TYPES = [
    ["safety_inspection", gettext("Safety inspection")],
    ["meter", gettext("Meter work")],
    ["new_connection_survey", gettext("New-connection survey")],
  ];

  function csrfToken() {
    const cookie = document.cookie.split("; ").find((c) => c.startsWith("csrftoken="));
    if (cookie) return decodeURIComponent(cookie.slice("csrftoken=".length));
    const field = document.querySelector("[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  async function api(method, path, body) {
    const headers = { Accept: "application/json" };
    if (method !== "GET") {
      headers["Content-Type"] = "application/json";
      headers["X-CSRFToken"] = csrfToken();
    }
    let response;
    try {
      response = await fetch(path, {
        method, headers, credentials: "same-origin",
        body: body ? JSON.stringify(body) : undefined,
      });
    } catch (err) {
      throw new Error(gettext("the server cannot be reached: check the network cable or call IT"));
    }
    let data = null;
    try { data = await response.json(); } catch { data = null; }
    if (!response.ok) {
      const said = data && (data.error || data.detail);
      throw new Error(said ? String(said) : interpolate(gettext("the server answered %(status)s"), { status: response.status }, true));
    }
    return data;
  }

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") node.className = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v);
    }
    for (const child of children) node.append(child);
    return node;
  }

  function when(iso) {
    const at = new Date(iso);
    const pad = (n) => String(n).padStart(2, "0");
    return `${pad(at.getMonth() + 1)}-${pad(at.getDate())} ${pad(at.getHours())}:${pad(at.getMinutes())}`;
  }

  // Its own few rules, scoped to the widget, so any page can mount it without a stylesheet.
  const STYLE = `
    .appointment-book { display: grid; gap: .5rem; }
    .appointment-book > div { display: flex; flex-wrap: wrap; gap: .4rem; }
    .appointment-book select, .appointment-book input { width: auto; flex: 1 1 8rem; margin: 0; padding: .4rem; font-size: .95rem; }
    .appointment-slots { display: flex; flex-wrap: wrap; gap: .4rem; }
    .appointment-slots button { padding: .35rem .6rem; font-size: .9rem; font-weight: 400; background: transparent; color: inherit; border: 1px solid currentColor; }
    .appointment-slots button.chosen { background: #ffb020; color: #111; border-color: #ffb020; font-weight: 700; }
    .appointment-book > button { justify-self: start; padding: .5rem 1.2rem; font-size: 1rem; }
    .appointment-said { margin: 0; }`;

  function styleOnce() {
    if (document.getElementById("appointment-book-style")) return;
    const style = document.createElement("style");
    style.id = "appointment-book-style";
    style.textContent = STYLE;
    document.head.append(style);
  }

  function mount(element, options) {
    styleOnce();
    const opts = options || {};
    const station = el("select", { "aria-label": gettext("Station") });
    const workType = el("select", { "aria-label": gettext("Work type") });
    for (const [code, label] of WORK_TYPES) workType.append(el("option", { value: code }, label));
    const name = el("input", { placeholder: gettext("Customer name"), value: opts.name || "" });
    const phone = el("input", { placeholder: gettext("Phone"), value: opts.phone || "" });
    const address = el("input", { placeholder: gettext("Address"), value: opts.address || "" });
    const slots = el("div", { class: "appointment-slots" });
    const said = el("p", { class: "appointment-said", role: "status" });
    let chosen = null;

    async function loadSlots() {
      slots.replaceChildren(gettext("Loading…"));
      chosen = null;
      try {
        const query = new URLSearchParams({ station: station.value, work_type: workType.value });
        const found = await api("GET", `/api/appointments/slots/?${query}`);
        const free = found.filter((s) => s.free > 0 && new Date(s.starts_at) > new Date());
        slots.replaceChildren(...(free.length ? free.map((s) => el("button", {
          type: "button", "data-slot": s.id,
          onclick: (e) => {
            chosen = s.id;
            for (const b of slots.querySelectorAll("button")) b.classList.toggle("chosen", b === e.currentTarget);
          },
        }, `${when(s.starts_at)} (${interpolate(gettext("%(free)s free"), { free: s.free }, true)})`)) : [gettext("No free slot this week.")]));
      } catch (err) {
        slots.replaceChildren(err.message);
      }
    }

    async function book() {
      if (chosen === null) { said.textContent = gettext("Choose a slot first."); return; }
      try {
        const made = await api("POST", "/api/appointments/", {
          slot: chosen, name: name.value, phone: phone.value, address_text: address.value,
          customer_id: opts.customerId || null, premise_id: opts.premiseId || null,
          call_id: opts.callId || null, language: opts.language || "zh",
        });
        said.textContent = interpolate(gettext("Booked %(ref)s for %(when)s"), { ref: made.reference, when: when(made.slot.starts_at) }, true);
      } catch (err) {
        said.textContent = err.message;
      }
      loadSlots();
    }

    station.addEventListener("change", loadSlots);
    workType.addEventListener("change", loadSlots);
    element.replaceChildren(el("div", { class: "appointment-book" },
      el("div", {}, station, workType), slots, el("div", {}, name, phone, address),
      el("button", { type: "button", onclick: book }, gettext("Book")), said));

    const query = opts.premiseId ? `?premise=${encodeURIComponent(opts.premiseId)}` : "";
    api("GET", `/api/appointments/stations/${query}`).then((found) => {
      for (const s of found) station.append(el("option", { value: s.id }, s.name));
      const serving = found.find((s) => s.serves_premise);
      if (serving) station.value = String(serving.id);
      if (found.length) loadSlots(); else slots.replaceChildren(gettext("You book in no station."));
    }).catch((err) => { said.textContent = err.message; });
    return { reload: loadSlots };
  }

  return { mount };
})();
