/* The call console: caller → what and where → priority and advice → incident → crew.
   Every step is a call to the JSON API; this file only shows what the server decided. */
"use strict";

(function () {
  const config = JSON.parse(document.getElementById("console-config").textContent);
  const $ = (id) => document.getElementById(id);
  const REFRESH_MS = 15000; // incident, work order and log while one is on screen
  const INCIDENTS_MS = 30000; // the other open incidents on the map

  const state = { location: null, call: null, triage: null, incident: null, crews: [], dirty: false, formStarted: null, phoneLeg: "" };
  const { api, el, clock, fmt, chinese, KINDS, METHODS } = window.consoleKit;
  const draw = window.consoleRender(config.labels);
  const label = draw.label;
  // The desk's part: the customer's story, the search, desk cases (story.js).
  const story = window.consoleStory({
    api, el, clock, fmt, label, say, showError,
    handlings: JSON.parse(document.getElementById("case-handlings").textContent),
    onPremise: (p, button) => pickPremise(p, button),
    location: () => state.location,
  });

  /* ---------- errors next to the field they are about ---------- */

  const ERROR_SLOTS = {
    caller_phone: "phone", phone: "phone", caller_name: "caller-name", category: "category",
    address_text: "address", lon: "address", lat: "address", point: "address",
    premise_id: "address", geocode_method: "address", hazards: "hazards",
    description: "description", incident_id: "triage", crew_id: "crews",
  };

  // A field the server refused, named as the call taker knows it.
  const FIELD_NAMES = {
    caller_phone: gettext("caller phone"), phone: gettext("phone"), caller_name: gettext("caller name"),
    category: gettext("category"), address_text: gettext("address"), lon: gettext("longitude"),
    lat: gettext("latitude"), point: gettext("place"), premise_id: gettext("premise"),
    geocode_method: gettext("how it was located"), hazards: gettext("hazards"),
    description: gettext("what the caller says"), incident_id: gettext("incident"), crew_id: gettext("crew"),
    q: gettext("address"), note: gettext("note"), text: gettext("note"),
  };

  function flatten(value) {
    if (Array.isArray(value)) return value.map(flatten).join(" ");
    if (value && typeof value === "object") return Object.values(value).map(flatten).join(" ");
    return String(value);
  }

  function clearErrors() {
    for (const node of document.querySelectorAll(".field-error")) node.textContent = "";
    for (const node of document.querySelectorAll("[aria-invalid]")) node.removeAttribute("aria-invalid");
  }

  function fieldError(slot, message) {
    const box = $(`${slot}-error`);
    if (!box) return false;
    box.textContent = message;
    const input = $(slot);
    if (input && input.matches("input, select, fieldset")) input.setAttribute("aria-invalid", "true");
    return true;
  }

  /* Show what the server refused, in its words, beside the field; the first such field gets
     the focus so the call taker can fix it without reaching for the mouse. */
  function showError(err, fallbackSlot, doing) {
    let first = null;
    if (err.fields) {
      for (const [field, messages] of Object.entries(err.fields)) {
        const slot = ERROR_SLOTS[field] || fallbackSlot;
        const text = field === "non_field_errors"
          ? flatten(messages)
          : fmt(gettext("%(field)s: %(message)s"), { field: FIELD_NAMES[field] || field.replaceAll("_", " "), message: flatten(messages) });
        if (fieldError(slot, text) && !first) first = slot;
      }
    } else if (fieldError(ERROR_SLOTS[err.field] || fallbackSlot, err.message)) {
      first = ERROR_SLOTS[err.field] || fallbackSlot;
    }
    say(fmt(gettext("%(doing)s failed: %(message)s."), { doing, message: err.message }), true);
    const target = first && $(first);
    if (target && target.matches("input, select")) target.focus();
    else if (first === "hazards") firstHazard().focus();
  }

  function say(message, bad = false) {
    const status = $("status");
    status.textContent = message;
    status.classList.toggle("bad", bad);
  }

  /* ---------- small helpers ---------- */

  function show(id, focusHeading = true) {
    const section = $(id);
    section.hidden = false;
    section.scrollIntoView({ block: "nearest", behavior: "smooth" });
    if (focusHeading) section.querySelector("h2").focus();
  }

  function log(text) {
    if (state.incident) return; // the server's timeline is the log once there is an incident
    $("log").prepend(el("li", {}, el("time", { text: clock(new Date().toISOString()) }), " ", text));
  }

  /* ---------- 1. caller and screen pop ---------- */

  async function lookUp() {
    clearErrors();
    const phone = $("phone").value.trim();
    if (!phone) {
      fieldError("phone", gettext("Type the number the caller is ringing from, or go on without it (Alt+C)."));
      return;
    }
    say(fmt(gettext("Looking up %(phone)s…"), { phone }));
    let pop;
    try {
      pop = await api("GET", `/api/screen-pop/?phone=${encodeURIComponent(phone)}`);
    } catch (err) {
      showError(err, "phone", gettext("Screen pop"));
      return;
    }
    renderPop(pop);
    story.forPhone(pop);
    const premises = $("pop").querySelectorAll("button.premise");
    const accounts = pop.customers.length;
    say(accounts
      ? fmt(ngettext("%(count)s account for %(phone)s.", "%(count)s accounts for %(phone)s.", accounts), { count: accounts, phone: pop.phone })
      : fmt(gettext("No account for %(phone)s."), { phone: pop.phone || phone }));
    log(fmt(gettext("Screen pop for %(phone)s: %(accounts)s, %(incidents)s"), {
      phone: pop.phone,
      accounts: fmt(ngettext("%(count)s account", "%(count)s accounts", accounts), { count: accounts }),
      incidents: fmt(ngettext("%(count)s open incident", "%(count)s open incidents", pop.open_incidents.length), { count: pop.open_incidents.length }),
    }));
    (premises[0] || $("category")).focus();
  }

  function renderPop(pop) {
    const box = $("pop");
    box.replaceChildren();
    if (!pop.customers.length) {
      box.append(el("p", { class: "muted", text: gettext("No account with this number: ask for the address.") }));
    }
    for (const c of pop.customers) {
      box.append(
        el("div", { class: "customer" },
          el("p", { class: "who" },
            el("strong", { text: c.name }), ` · ${fmt(gettext("account %(number)s"), { number: c.account_no })}`,
            c.vulnerable ? el("span", { class: "flag", text: gettext("Vulnerable customer") }) : null),
          el("ul", { class: "premises", "aria-label": fmt(gettext("Premises of %(name)s"), { name: c.name }) },
            c.premises.map((p) => el("li", {},
              el("button", {
                type: "button", class: "premise",
                onclick: (e) => pickPremise(p, e.currentTarget),
                "aria-label": fmt(gettext("Use premise %(address)s"), { address: chinese ? p.address : `${p.address} ${p.address_en || ""}`.trim() }),
              }, el("span", { lang: "zh-Hans", text: p.address }), chinese ? null : el("span", { class: "en", lang: "en", text: p.address_en || "" })),
            ))),
        ),
      );
    }
    if (pop.open_incidents.length) {
      box.append(el("p", { class: "sub", text: gettext("Open incidents at these premises") }),
        el("ul", { class: "plain" }, pop.open_incidents.map((i) => el("li", {},
          el("strong", { text: i.reference }), ` ${label("category", i.category)} · ${label("incident_status", i.status)}`))));
    }
    if (pop.recent_calls.length) {
      box.append(el("p", { class: "sub", text: gettext("Recent calls from this number") }),
        el("ul", { class: "plain" }, pop.recent_calls.map((c) => el("li", {},
          `${clock(c.received_at)} · ${label("category", c.category)} · ${label("call_outcome", c.outcome)}`))));
    }
  }

  function pickPremise(p, button) {
    if (!p.point) {
      fieldError("address", gettext("This premise has no point on the map: type the address or click the map."));
      return;
    }
    setLocation({ lon: p.point.lon, lat: p.point.lat, premiseId: p.id, method: "premise", label: p.address, how: gettext("premise from the screen pop") });
    $("address").value = p.address;
    for (const b of document.querySelectorAll("button.premise")) b.setAttribute("aria-pressed", "false");
    button.setAttribute("aria-pressed", "true");
    story.premisePicked(p.id);
    $("category").focus();
  }

  /* ---------- 2. where: one location, from a premise, a candidate or the map ---------- */

  function setLocation(loc) {
    state.location = loc;
    const score = loc.score !== undefined ? ` · ${METHODS[loc.method] || loc.method} ${loc.score.toFixed(2)}` : "";
    $("located").textContent = fmt(gettext("Located: %(place)s (%(how)s)"), { place: loc.label, how: `${loc.how}${score}` });
    $("located").classList.add("ok");
    $("address-error").textContent = "";
    $("address").removeAttribute("aria-invalid");
    map.setCall(loc.lat, loc.lon, loc.label);
    log(fmt(gettext("Located: %(place)s (%(how)s)"), { place: loc.label, how: loc.how }));
  }

  function clearLocation() {
    state.location = null;
    $("located").textContent = gettext("Not located yet: pick a premise above, an address, or click the map (Alt+M, then Enter pins the centre).");
    $("located").classList.remove("ok");
  }

  function pickCandidate(c) {
    setLocation({
      lon: c.lon, lat: c.lat, premiseId: c.kind === "premise" ? c.id : null,
      method: c.method, score: c.score, label: c.label, how: KINDS[c.kind] || c.kind,
    });
    if (c.kind === "premise") story.premisePicked(c.id);
    firstHazard().focus();
  }

  async function pin(latlng) {
    const lon = Number(latlng.lng.toFixed(7));
    const lat = Number(latlng.lat.toFixed(7));
    let near;
    try {
      near = await api("GET", `/api/gis/reverse/?lon=${lon}&lat=${lat}`);
    } catch (err) {
      showError(err, "address", gettext("Finding the nearest road"));
      return;
    }
    const road = near.road
      ? fmt(gettext("near %(road)s (%(metres)s m)"), { road: near.road.label, metres: Math.round(near.road.distance_m) })
      : fmt(gettext("at %(lon)s, %(lat)s"), { lon, lat });
    $("address").value = fmt(gettext("Pinned on the map %(where)s"), { where: road });
    setLocation({ lon, lat, premiseId: null, method: "map", label: road, how: gettext("pinned on the map") });
    if (near.premise) {
      $("located").append(" ", el("button", {
        type: "button", class: "secondary small",
        onclick: () => {
          $("address").value = near.premise.label;
          setLocation({ lon: near.premise.lon, lat: near.premise.lat, premiseId: near.premise.id, method: "premise", label: near.premise.label, how: gettext("premise nearest the pin") });
          firstHazard().focus();
        },
      }, fmt(gettext("Use %(place)s (%(metres)s m)"), { place: near.premise.label, metres: Math.round(near.premise.distance_m) })));
    }
  }

  /* ---------- 3. take the call ---------- */

  function selectedCategory() {
    const option = $("category").selectedOptions[0];
    return option && option.value ? option : null;
  }

  // Only the hazard questions the case type asks (its row in the admin); before a type is
  // chosen, all of them. A question hidden by a change of type is unticked.
  function showHazards() {
    const option = selectedCategory();
    const asked = option ? new Set(option.dataset.hazards.split(",").filter(Boolean)) : null;
    let shown = 0;
    document.querySelectorAll("#hazards label.check").forEach((lab) => {
      const input = lab.querySelector("input");
      const on = !asked || asked.has(input.value);
      lab.hidden = !on;
      if (!on) input.checked = false;
      shown += on ? 1 : 0;
    });
    $("no-hazards").hidden = shown > 0;
  }

  function firstHazard() {
    return document.querySelector("#hazards label.check:not([hidden]) input") || $("description");
  }

  async function takeCall() {
    if (state.call) return; // stored already: a second Enter must not store it twice
    clearErrors();
    const category = selectedCategory();
    if (!category) {
      fieldError("category", gettext("Choose what the call is about first."));
      $("category").focus();
      return;
    }
    // There is no way to move a stored call, and an incident needs a place: locate it first.
    if (category.dataset.needsIncident === "1" && !state.location) {
      fieldError("address", gettext("Place the call first: pick a premise or an address, or click the map (Alt+M)."));
      $("address").focus();
      return;
    }
    const loc = state.location;
    const body = {
      category: category.value,
      channel: "phone",
      caller_phone: $("phone").value.trim(),
      caller_name: $("caller-name").value.trim(),
      description: $("description").value.trim(),
      address_text: $("address").value.trim(),
      hazards: [...document.querySelectorAll("#hazards input:checked")].map((i) => i.value),
    };
    // The call's handling time starts when its form was first touched (the reports measure it),
    // counted on this screen's own clock, so its difference from the server's never matters.
    if (state.phoneLeg) body.phone_leg = state.phoneLeg;
    if (state.formStarted !== null) body.form_open_s = Math.min(14400, Math.round((performance.now() - state.formStarted) / 100) / 10);
    if (loc) {
      // A premise is sent by id alone: the server places the call on the premise's own point,
      // not on the rounded one the page was shown.
      Object.assign(body, loc.premiseId ? { premise_id: loc.premiseId } : { lon: loc.lon, lat: loc.lat });
      body.geocode_method = loc.method;
    }
    $("take").disabled = true;
    say(gettext("Storing the call…"));
    let result;
    try {
      result = await api("POST", "/api/calls/", body);
    } catch (err) {
      $("take").disabled = false;
      showError(err, "category", gettext("Taking the call"));
      return;
    }
    state.call = result.call;
    state.triage = result.triage;
    state.dirty = true;
    for (const input of $("intake").querySelectorAll("input, select, button")) input.disabled = true;
    log(fmt(gettext("Call #%(id)s stored, P%(priority)s"), { id: result.call.id, priority: result.triage.priority }));
    say(fmt(gettext("Call #%(id)s stored at %(time)s. Read the advice out."), { id: result.call.id, time: clock(result.call.received_at) }));
    renderTriage(result);
  }

  function renderTriage({ triage, duplicates }) {
    const badge = $("priority");
    badge.textContent = `P${triage.priority}`;
    badge.className = `badge p${triage.priority}`;
    badge.setAttribute("aria-label", fmt(gettext("Priority %(priority)s"), { priority: triage.priority }));
    $("reasons").replaceChildren(...triage.reasons.map((r) => el("li", { text: r })),
      ...triage.hazards.map((h) => el("li", { class: "hazard", text: label("hazard", h) })));
    $("advice-en").textContent = triage.advice.en || "No safety advice for this category."; // for the caller: English
    $("advice-zh").textContent = triage.advice.zh || "此类来电无安全提示。";
    const dup = $("duplicates");
    dup.replaceChildren();
    if (duplicates.length) {
      dup.append(el("h3", { text: gettext("Maybe the same as an open incident") }),
        el("ul", { class: "dup-list" }, duplicates.map((d, i) => el("li", {},
          el("span", {}, el("strong", { text: d.reference }),
            ` ${label("category", d.category)} · ${Math.round(d.distance_m)} m · `,
            fmt(gettext("%(minutes)s min ago"), { minutes: Math.round(d.minutes_ago) }), " · ",
            fmt(ngettext("%(count)s report", "%(count)s reports", d.reports), { count: d.reports }), ` · ${d.reason}`),
          el("button", {
            type: "button", class: "join", "data-incident": d.incident,
            "aria-keyshortcuts": i === 0 ? "Alt+J" : null,
            "aria-label": fmt(gettext("Join incident %(reference)s"), { reference: d.reference }), onclick: () => join(d.incident),
          }, gettext("Join this incident"), i === 0 ? el("kbd", { text: "Alt+J" }) : null)))));
    }
    // An office case type opens a desk case with the same button (story.js names it).
    state.office = story.triage(state.call, $("category").value);
    const opens = triage.needs_incident || state.office;
    $("incident-actions").hidden = !opens;
    $("answer-actions").hidden = opens;
    show("triage", false);
    const first = state.office ? $("open-incident")
      : triage.needs_incident ? dup.querySelector("button.join") || $("open-incident") : $("answer-note");
    first.focus();
  }

  /* ---------- 4. incident: open, join, or answer and close ---------- */

  async function openIncident() {
    if (state.office) {
      // An office case type: the desk handles it, no incident and no crew.
      if (await story.openDeskCase(state.call)) state.dirty = false;
      return;
    }
    await toIncident(() => api("POST", `/api/calls/${state.call.id}/open-incident/`), gettext("Opening the incident"), "opened");
  }

  async function join(incidentId) {
    await toIncident(() => api("POST", `/api/calls/${state.call.id}/join/`, { incident_id: incidentId }), gettext("Joining the incident"), "joined");
  }

  async function toIncident(request, doing, verb) {
    if (!state.call || state.incident) return;
    clearErrors();
    const buttons = $("triage").querySelectorAll("button");
    buttons.forEach((b) => (b.disabled = true));
    let incident;
    try {
      incident = await request();
    } catch (err) {
      buttons.forEach((b) => (b.disabled = false));
      showError(err, "triage", doing);
      return;
    }
    state.incident = incident;
    state.dirty = false;
    const done = verb === "opened"
      ? gettext("Incident %(reference)s opened. Give the caller the reference.")
      : gettext("Incident %(reference)s joined. Give the caller the reference.");
    say(fmt(done, { reference: incident.reference }));
    renderIncident(incident);
    show("incident");
    if (incident.point) map.setIncident(incident.point.lat, incident.point.lon, incident.reference);
    await refreshIncident(); // the detail: every call's words and the notes, and the log
    if (config.can_dispatch) await loadCrews();
    else {
      const waiting = verb === "opened"
        ? gettext("Incident %(reference)s opened. A dispatcher will send a crew.")
        : gettext("Incident %(reference)s joined. A dispatcher will send a crew.");
      say(fmt(waiting, { reference: incident.reference }));
    }
  }

  async function answer() {
    if (!state.call) return;
    clearErrors();
    try {
      await api("POST", `/api/calls/${state.call.id}/answer/`, { note: $("answer-note").value.trim() });
    } catch (err) {
      showError(err, "triage", gettext("Closing the call"));
      return;
    }
    state.dirty = false;
    $("answer").disabled = true;
    log(fmt(gettext("Call #%(id)s answered and closed"), { id: state.call.id }));
    say(gettext("Answered and closed. Alt+N for the next call."));
    $("new-call").focus();
  }

  function renderIncident(i) {
    $("incident-ref").textContent = i.reference;
    $("incident-facts").replaceChildren(...draw.facts(i));
    $("clocks").replaceChildren(...draw.clocks(i.deadlines));
    tickClocks();
    if (i.work_orders && i.work_orders.length) renderWorkOrder(i.work_orders[0]);
    renderWords(i);
    renderEnd(i);
  }

  /* What the callers said and the staff's notes, under the facts; the note box is made once
     so the 15-second refresh never wipes what is being typed. */
  const word = (text) => label("text", text);
  function renderWords(i) {
    let box = $("incident-words");
    if (!box) {
      box = el("div", { id: "incident-words", class: "words" },
        el("h3", { text: word("The callers said") }), el("ul", { id: "said", class: "said plain" }),
        el("h3", { text: word("Notes") }), el("ul", { id: "notes", class: "notes plain" }),
        el("form", { id: "note-form", class: "note-form", onsubmit: (e) => { e.preventDefault(); addNote(); } },
          el("label", { for: "note-text", text: word("Add a note") }),
          el("input", { id: "note-text", autocomplete: "off", maxlength: 2000 }),
          el("button", { type: "submit", text: word("Add note") }),
          el("p", { class: "field-error", id: "note-error", role: "alert" })));
      $("incident-facts").after(box);
    }
    if (!i.calls) return; // an incident as opened or joined: its detail follows at once
    const said = i.calls.filter((c) => c.description);
    $("said").replaceChildren(...(said.length
      ? said.map((c) => el("li", {}, el("time", { datetime: c.received_at, text: clock(c.received_at) }), " ", c.description))
      : [el("li", { class: "muted", text: word("Nothing written down from the callers.") })]));
    $("notes").replaceChildren(...(i.notes || []).map((n) => el("li", {},
      el("time", { datetime: n.at, text: clock(n.at) }), el("span", { class: "muted", text: ` ${n.actor}: ` }), n.text)));
  }

  async function addNote() {
    if (!state.incident) return;
    $("note-error").textContent = "";
    try {
      await api("POST", `/api/incidents/${state.incident.id}/notes/`, { text: $("note-text").value });
    } catch (err) {
      $("note-error").textContent = err.message;
      return;
    }
    $("note-text").value = "";
    await refreshIncident();
  }

  const tickClocks = () => draw.tick($("clocks"), Date.now());

  /* ---------- an incident someone else opened: /console/?incident=<id or reference> ---------- */

  async function openAsked() {
    const asked = config.incident;
    if (!asked) return;
    if (!asked.id) {
      say(fmt(gettext("No incident %(asked)s."), { asked: asked.asked }), true);
      return;
    }
    say(fmt(gettext("Opening incident %(asked)s…"), { asked: asked.asked }));
    let incident;
    try {
      incident = await api("GET", `/api/incidents/${asked.id}/`);
    } catch (err) {
      say(fmt(gettext("Opening incident %(asked)s: %(message)s."), { asked: asked.asked, message: err.message }), true);
      return;
    }
    // The call was taken already: the intake form would only invite a second one. Alt+N
    // brings it back for the next call.
    $("intake").hidden = true;
    state.incident = incident;
    renderIncident(incident);
    show("incident");
    if (incident.point) map.setIncident(incident.point.lat, incident.point.lon, incident.reference);
    await refreshLog();
    say(`${incident.reference}: ${label("incident_status", incident.status)}.`);
    if (config.can_dispatch && config.open_statuses.includes(incident.status)) await loadCrews();
  }

  /* ---------- ending the case: close, cancel or refer, with a reason ---------- */

  function renderEnd(i) {
    if (!config.can_dispatch) return;
    let box = $("end");
    if (!box) {  // made once: the 15-second refresh must not wipe a note being typed
      box = el("section", { id: "end", class: "step", "aria-labelledby": "h-end" },
        el("h2", { id: "h-end", tabindex: "-1", text: word("End case") }),
        el("form", { id: "end-form", class: "end-form", onsubmit: (e) => { e.preventDefault(); endCase(); } },
          el("label", { for: "end-to", text: word("Ending") }),
          el("select", { id: "end-to", onchange: endChoices },
            Object.keys(config.endings).map((to) => el("option", { value: to, text: word(to) }))),
          el("label", { for: "end-reason", text: word("Reason") }),
          el("select", { id: "end-reason" }),
          el("label", { for: "end-note", id: "end-note-label" }),
          el("input", { id: "end-note", autocomplete: "off", maxlength: 1000 }),
          el("button", { type: "submit", id: "end-case", text: word("End case") })),
        el("p", { class: "field-error", id: "end-error", role: "alert" }),
        el("p", { id: "end-result", class: "end-result", role: "status" }));
      $("work-order").after(box);
      endChoices();
    }
    const ended = config.ended_statuses.includes(i.status);
    $("end-form").hidden = ended;
    if (ended) {
      $("crews").hidden = true;
      if (!$("end-result").textContent) {
        $("end-result").textContent = fmt(gettext("Case ended: %(status)s"), { status: label("incident_status", i.status) });
      }
    }
  }

  /* The reasons of the chosen ending; a referral names its agency instead of a note. */
  function endChoices() {
    const to = $("end-to").value;
    $("end-reason").replaceChildren(...config.endings[to].map((r) => el("option", { value: r, text: label("end_reason", r) })));
    $("end-note-label").textContent = word(to === "refer" ? "Agency it was handed to" : "Note: what was found or said");
    $("end-note").maxLength = to === "refer" ? 100 : 1000;
  }

  async function endCase() {
    if (!state.incident) return;
    const to = $("end-to").value;
    const text = $("end-note").value.trim();
    const body = to === "refer" ? { reason: $("end-reason").value, agency: text } : { reason: $("end-reason").value, note: text };
    $("end-error").textContent = "";
    $("end-case").disabled = true;
    let ended;
    try {
      ended = await api("POST", `/api/incidents/${state.incident.id}/${to}/`, body);
    } catch (err) {
      // The server's words: "a crew is still on site", "give a reason: one of ..."
      $("end-case").disabled = false;
      $("end-error").textContent = err.message;
      say(fmt(gettext("Ending the case: %(message)s."), { message: err.message }), true);
      $(err.field === "reason" ? "end-reason" : "end-note").focus();
      return;
    }
    $("end-case").disabled = false;
    const how = { status: label("incident_status", ended.status), reason: label("end_reason", ended.end_reason), agency: ended.referred_to };
    $("end-result").textContent = ended.referred_to
      ? fmt(gettext("Case ended: %(status)s, %(reason)s (%(agency)s)"), how)
      : fmt(gettext("Case ended: %(status)s, %(reason)s"), how);
    say(`${ended.reference}: ${label("incident_status", ended.status)}.`);
    await refreshIncident();
  }

  /* ---------- 5. crews and dispatch ---------- */

  async function loadCrews() {
    show("crews", false);
    $("crew-list").replaceChildren(el("li", { class: "muted", text: gettext("Finding the nearest crews…") }));
    let crews;
    try {
      crews = await api("GET", `/api/incidents/${state.incident.id}/recommendations/`);
    } catch (err) {
      $("crew-list").replaceChildren();
      fieldError("crews", fmt(gettext("No crew recommendation: %(message)s. Call the station to send a crew."), { message: err.message }));
      say(fmt(gettext("Incident %(reference)s is open, but crews could not be recommended."), { reference: state.incident.reference }), true);
      return;
    }
    state.crews = crews;
    renderCrews();
    await refreshLog();
    const top = $("crew-list").querySelector("button.dispatch");
    if (top && crews[0].ideal !== false) {
      top.focus();
      say(fmt(ngettext(
        "Incident %(reference)s: %(count)s crew recommended. Enter dispatches the top one.",
        "Incident %(reference)s: %(count)s crews recommended. Enter dispatches the top one.",
        crews.length), { reference: state.incident.reference, count: crews.length }));
    } else if (top) {
      // No crew has everything: the dispatcher chooses, Enter must not send one by itself.
      $("crew-list").focus();
      say(fmt(gettext("Incident %(reference)s: no crew has everything this needs. The next best are listed with what each lacks: choose one, or send a first responder to make it safe."),
        { reference: state.incident.reference }), true);
    }
  }

  function renderCrews() {
    $("crew-list").replaceChildren(...draw.crews(state.crews, dispatchCrew));
  }

  async function dispatchCrew(r) {
    clearErrors();
    const buttons = $("crew-list").querySelectorAll("button");
    buttons.forEach((b) => (b.disabled = true));
    // A crew without every skill goes only as first responder, and only when the dispatcher says so.
    const missing = (r.lacks || []).filter((l) => l.kind === "skill");
    const firstResponder = missing.length > 0;
    const ask = gettext("%(crew)s: %(lacks)s. Send them as first responder to make it safe, and add a specialist after?");
    if (firstResponder && !window.confirm(fmt(ask, { crew: r.crew_name, lacks: missing.map((l) => l.text).join(gettext("; ")) }))) {
      buttons.forEach((b) => (b.disabled = false));
      return;
    }
    say(fmt(gettext("Dispatching %(crew)s…"), { crew: r.crew_name }));
    let wo;
    try {
      wo = await api("POST", `/api/incidents/${state.incident.id}/dispatch/`, { crew_id: r.crew_id, recommendation: r, first_responder: firstResponder });
    } catch (err) {
      buttons.forEach((b) => (b.disabled = false));
      showError(err, "crews", gettext("Dispatching"));
      return;
    }
    renderWorkOrder(wo);
    show("work-order");
    say(fmt(gettext("%(crew)s dispatched to %(reference)s."), { crew: wo.crew_name, reference: state.incident.reference }));
    await refreshIncident();
  }

  function renderWorkOrder(wo) {
    $("work-order").hidden = false;
    $("work-order-body").replaceChildren(draw.workOrder(wo));
  }

  /* ---------- the log, and keeping the screen current ---------- */

  async function refreshLog() {
    if (!state.incident) return;
    let events;
    try {
      events = await api("GET", `/api/incidents/${state.incident.id}/timeline/`);
    } catch (err) {
      say(fmt(gettext("The log could not be loaded: %(message)s"), { message: err.message }), true);
      return;
    }
    $("log").replaceChildren(...draw.timeline(events));
  }

  async function refreshIncident() {
    if (!state.incident) return;
    try {
      state.incident = await api("GET", `/api/incidents/${state.incident.id}/`);
    } catch {
      return; // the next tick tries again; the last known state stays on screen
    }
    renderIncident(state.incident);
    await refreshLog();
  }

  async function refreshIncidents() {
    try {
      map.showIncidents(await api("GET", "/api/incidents/"));
    } catch {
      /* the map keeps the last known incidents */
    }
  }

  /* ---------- new call, and the keyboard ---------- */

  function newCall() {
    if (state.dirty && !window.confirm(gettext("This call is stored but not yet handled (no incident, not closed). Start a new call anyway?"))) return;
    Object.assign(state, { location: null, call: null, triage: null, incident: null, crews: [], dirty: false, formStarted: null, phoneLeg: "" });
    $("ringing").hidden = true;
    $("intake").reset();
    showHazards();
    for (const input of $("intake").querySelectorAll("input, select, button")) input.disabled = false;
    for (const id of ["triage", "incident", "crews", "work-order"]) $(id).hidden = true;
    for (const id of ["pop", "log", "duplicates", "crew-list", "work-order-body", "customer-premises"]) $(id).replaceChildren();
    story.clear();
    state.office = false;
    $("incident-words")?.remove(); // the next incident's words, and an empty note box
    $("end")?.remove();
    $("intake").hidden = false;
    if (config.incident) history.replaceState(null, "", location.pathname); // a reload starts afresh
    for (const b of $("triage").querySelectorAll("button")) b.disabled = false;
    clearErrors();
    clearLocation();
    address.close();
    map.reset();
    say(gettext("Ready for a call."));
    $("work").scrollTop = 0;
    $("phone").focus();
  }

  const SHORTCUTS = {
    KeyP: () => $("phone").focus(),
    KeyC: () => $("category").focus(),
    KeyA: () => $("address").focus(),
    KeyH: () => firstHazard().focus(),
    KeyM: () => map.focus(),
    KeyT: () => $("intake").requestSubmit(),
    KeyO: () => (state.triage && !state.triage.needs_incident && !state.office ? answer() : openIncident()),
    KeyJ: () => document.querySelector("#duplicates button.join")?.click(),
    KeyR: () => ($("crew-list").querySelector("button.dispatch:not(:disabled)") || $("h-crews")).focus(),
    KeyL: () => $("h-log").focus(),
    KeyN: () => newCall(),
  };

  document.addEventListener("keydown", (e) => {
    if (!e.altKey || e.ctrlKey || e.metaKey || !SHORTCUTS[e.code]) return;
    e.preventDefault();
    SHORTCUTS[e.code]();
  });

  $("phone").addEventListener("keydown", (e) => {
    if (e.key === "Enter") {
      e.preventDefault();
      lookUp();
    }
  });
  $("lookup").addEventListener("click", lookUp);

  $("category").addEventListener("keydown", (e) => {
    if (e.key === "Enter") {
      e.preventDefault();
      (state.location ? firstHazard() : $("address")).focus();
    }
  });
  $("category").addEventListener("change", () => {
    $("category-error").textContent = "";
    showHazards();
  });

  const address = window.consoleAddress($("address"), $("candidates"), {
    search: async (q, signal) => (await api("GET", `/api/gis/geocode/?q=${encodeURIComponent(q)}`, null, signal)).candidates,
    onPreview: (c) => (c ? map.preview(c.lat, c.lon) : map.clearPreview()),
    onPick: pickCandidate,
    onError: (err) => showError(err, "address", gettext("Address search")),
    isPlaced: () => Boolean(state.location),
    onEdit: () => {
      // Typed text no longer matches a premise or candidate picked before; a map pin stays
      // (the caller may describe it: "by the bus stop").
      if (state.location && state.location.method !== "map") clearLocation();
      $("address-error").textContent = "";
      $("address").removeAttribute("aria-invalid");
    },
  });

  $("intake").addEventListener("submit", (e) => {
    e.preventDefault();
    takeCall();
  });
  // Enter on a hazard checkbox takes the call, as in a text field (browsers differ here).
  $("hazards").addEventListener("keydown", (e) => {
    if (e.key === "Enter" && e.target.matches("input[type=checkbox]")) {
      e.preventDefault();
      $("intake").requestSubmit();
    }
  });
  $("open-incident").addEventListener("click", openIncident);
  $("answer").addEventListener("click", answer);
  $("second-tier").addEventListener("click", async () => {
    if (await story.openDeskCase(state.call, true)) state.dirty = false;
  });
  $("answer-note").addEventListener("keydown", (e) => {
    if (e.key === "Enter") {
      e.preventDefault();
      answer();
    }
  });
  $("new-call").addEventListener("click", newCall);
  // The phone system rang this agent's extension (telephony, pushed): a console between calls
  // starts the call with the caller's number looked up; one in a call says who is waiting.
  window.addEventListener("push:screen_pop", (e) => {
    const { phone, leg } = e.detail || {};
    const ringing = $("ringing");
    ringing.textContent = fmt(gettext("Ringing: %(phone)s"), { phone: phone || gettext("a withheld number") });
    ringing.hidden = false;
    if (state.call || state.formStarted !== null) return; // never overwrite a call being taken
    state.phoneLeg = leg || "";
    state.formStarted = performance.now(); // the call's handling starts as it is put through
    $("phone").value = phone || "";
    if (phone) lookUp();
  });
  $("intake").addEventListener("input", () => {
    if (state.formStarted === null) state.formStarted = performance.now();
  });

  const map = window.consoleMap($("map"), {
    bounds: config.bounds,
    api,
    onPin: (latlng) => {
      if (!state.call) pin(latlng);
    },
    onError: (message) => ($("map-note").textContent = message),
  });

  setInterval(tickClocks, 1000);
  setInterval(refreshIncident, REFRESH_MS);
  setInterval(refreshIncidents, INCIDENTS_MS);
  refreshIncidents();
  $("phone").focus();
  openAsked().finally(() => (document.querySelector(".console").dataset.ready = "1")); // for the end-to-end test to wait on
})();
