/* The dispatch screen: the queue on the left, the incident picked from it on the right, with
   its crews to send, add or reassign, its work orders to call off and the case to end. Every
   change is a call to the dispatch API; this file shows what the server decided, and when it
   refuses, its words. Keyboard first: the keys are listed at the foot of the page. */
"use strict";

(function () {
  const config = JSON.parse(document.getElementById("dispatch-config").textContent);
  const Q = window.dispatchQueue;
  const t = Q.words(config.text);
  const api = Q.client(t);
  const { el, duration } = Q;
  const $ = (id) => document.getElementById(id);
  const label = (kind, value) => (config.labels[kind] && config.labels[kind][value]) || value;
  // A time shown with its date when that is not today (this screen's time zone).
  const clock = (iso) => Q.when(iso);
  // Who did it, when not a person: the names the timeline gives machines.
  const ACTORS = { system: gettext("system"), geofence: gettext("geofence"), tracker: gettext("tracker") };
  const actor = (name) => ACTORS[name] || name;
  // Recommendations name the crew's station by code; people know it by name.
  const stationName = (code) => (config.station_names && config.station_names[code]) || code;
  const km = (m) => (m >= 1000 ? t("km", { n: (m / 1000).toFixed(1) }) : t("m", { n: Math.round(m) }));
  const isOpen = (status) => config.open_statuses.includes(status);

  const state = { selected: null, open: null, recs: [], alarmed: new Set(), loading: 0, recsWanted: false, showing: null };

  function say(text, bad = false) {
    $("status").textContent = text;
    $("status").classList.toggle("bad", bad);
  }

  /* ---------- the queue ---------- */

  function chips(item) {
    const out = [];
    if (item.status === "resolved") out.push(el("span", { class: "chip done", text: t("crew_finished") }));
    if (item.waiting_for_crew) out.push(el("span", { class: "chip wait", text: t("no_crew") }));
    if (item.sla === "breached") out.push(el("span", { class: "chip bad", text: t("breached") }));
    else if (item.sla === "at_risk") out.push(el("span", { class: "chip warn", text: t("at_risk") }));
    return out;
  }

  function crewsText(item) {
    return item.work_orders.map((w) => `${w.crew_name} (${label("work_order_status", w.status)})`).join(", ");
  }

  function row(item) {
    const said = item.callers.find((c) => c.description);
    return el("li", {
      class: `q-row sla-${item.sla}${item.waiting_for_crew ? " waiting" : ""}${item.id === state.selected ? " selected" : ""}`,
      "data-id": item.id, "aria-selected": item.id === state.selected ? "true" : "false",
    },
    el("span", { class: `p p${item.priority}`, text: `P${item.priority}` }),
    el("span", { class: "ref", text: item.reference }),
    el("span", { class: "chips" }, chips(item)),
    el("span", { class: "waited", "data-waited": item.id }),
    el("span", { class: "what", text: `${item.category_name} · ${item.address || "—"}` }),
    el("span", { class: "left", "data-left": item.id }),
    el("span", { class: "crews", text: crewsText(item) || "" }),
    said ? el("span", { class: "words", text: `“${said.description}”` }) : null);
  }

  function renderQueue(body) {
    const list = $("queue");
    const items = body.items;
    if (state.selected === null && items.length) state.selected = items[0].id;
    list.replaceChildren(...(items.length ? items.map(row) : [el("li", { class: "empty", text: t("queue_empty") })]));
    $("count-open").textContent = body.counts.open;
    $("count-waiting").textContent = body.counts.waiting;
    $("count-risk").textContent = body.counts.at_risk;
    $("count-breached").textContent = body.counts.breached;
    $("queue-more").hidden = !body.more;
    $("queue-more").textContent = body.more ? t("more", { n: items.length }) : "";
    forms.fillMergeTargets();
    tick();
  }

  /* Every second: waiting times, clocks, the alarm; nothing is asked of the server. */
  function tick() {
    const now = queue.now();
    $("clock").textContent = new Date(now).toLocaleTimeString([], { hour12: false });
    const items = queue.items();
    state.alarmed = Q.alarmCheck({ items, now, t, banner: $("alarm"), sound });
    for (const item of items) {
      const li = $("queue").querySelector(`li[data-id="${item.id}"]`);
      if (!li) continue;
      const c = Q.clockOf(item, now);
      li.querySelector(".waited").textContent = duration(Q.waitedMs(item, now));
      li.querySelector(".left").textContent = c.text ? `${label("milestone", c.milestone)} ${c.text}` : "";
      li.classList.toggle("alarm", state.alarmed.has(item.id));
    }
    if (state.open) tickDetail(now);
  }

  function select(id) {
    state.selected = id;
    for (const li of $("queue").querySelectorAll("li[data-id]")) {
      const on = Number(li.dataset.id) === id;
      li.classList.toggle("selected", on);
      li.setAttribute("aria-selected", on ? "true" : "false");
      if (on) li.scrollIntoView({ block: "nearest" });
    }
  }

  function move(delta) {
    const items = queue.items();
    if (!items.length) return;
    const at = items.findIndex((i) => i.id === state.selected);
    const next = Math.min(items.length - 1, Math.max(0, at + delta));
    select(items[at < 0 ? 0 : next].id);
  }

  /* ---------- one incident ---------- */

  async function openIncident(id, { recs = true } = {}) {
    const asked = ++state.loading;
    state.showing = id; // what the screen is to show: a refresh asks for this one
    // The crews are asked for once the newest answer is in (each asking is a timeline line);
    // an answer overtaken by a newer one leaves the asking to that one.
    if (recs) state.recsWanted = true;
    let detail;
    try {
      detail = await api("GET", `/api/dispatch-queue/${id}/`);
    } catch (err) {
      say(t("failed", { doing: t("doing_load"), error: err.message }), true);
      return;
    }
    if (asked !== state.loading) return; // asked again meanwhile: the newer answer counts
    const other = !state.open || state.open.id !== detail.id;
    state.open = detail;
    if (other) {
      forms.closeForms();
      state.recs = [];
      $("end-form")?.reset();
      history.replaceState(null, "", `${location.pathname}?${new URLSearchParams({ ...(config.station ? { station: config.station } : {}), incident: detail.reference })}`);
    }
    renderDetail(detail);
    if (state.recsWanted && config.can_dispatch && isOpen(detail.status)) {
      state.recsWanted = false;
      await loadRecs();
    } else if (!isOpen(detail.status)) {
      renderRecs();
    }
  }

  function renderDetail(d) {
    $("detail-empty").hidden = true;
    $("detail-body").hidden = false;
    $("detail-priority").textContent = `P${d.priority}`;
    $("detail-priority").className = `prio p${d.priority}`;
    $("detail-ref").textContent = d.reference;
    $("detail-chips").replaceChildren(el("span", { class: "chip status", text: label("incident_status", d.status) }), ...chips(d));
    const links = [el("a", { href: `/incidents/${encodeURIComponent(d.reference)}/map`, text: t("incident_map") })];
    if (config.can_replay) links.push(el("a", { href: `/incidents/${encodeURIComponent(d.reference)}/timeline`, text: t("timeline") }));
    links.push(el("a", { href: `/console/?incident=${encodeURIComponent(d.reference)}`, text: t("open_console") }));
    $("detail-links").replaceChildren(...links);
    const ended = d.end_reason ? ` · ${label("end_reason", d.end_reason)}${d.merged_into_reference ? ` → ${d.merged_into_reference}` : ""}${d.referred_to ? ` → ${d.referred_to}` : ""}` : "";
    $("detail-what").textContent = [d.category_name, d.address || "—", d.station_name, t("reports", { n: d.report_count })].join(" · ") + ended;
    const said = d.callers.filter((c) => c.description || c.caller_name || c.caller_phone);
    $("said").replaceChildren(...(said.length ? said.map((c) => el("li", {},
      el("time", { text: clock(c.received_at) }),
      c.caller_name || c.caller_phone ? el("span", { class: "who", text: [c.caller_name, c.caller_phone].filter(Boolean).join(" ") }) : null,
      el("span", { text: c.description || "—" }))) : [el("li", { class: "muted", text: t("nothing_said") })]));
    $("clocks").replaceChildren(...d.deadlines.map((x) => el("li", { "data-due": x.due_at, "data-met": x.met_at || "", "data-na": x.not_applicable_at || "" },
      el("span", { class: "what", text: label("milestone", x.milestone) }),
      el("span", { class: "due", text: clock(x.due_at) }), el("span", { class: "left" }))));
    $("timeline").replaceChildren(...d.timeline.map((e) => el("li", { "data-kind": e.kind },
      el("time", { text: clock(e.at) }), el("b", { text: e.title }), e.text ? el("span", { text: ` ${e.text}` }) : null,
      e.actor ? el("span", { class: "muted", text: ` · ${actor(e.actor)}` }) : null)));
    renderWorkOrders(d);
    forms.renderEnd(d);
    tickDetail(queue.now());
  }

  function tickDetail(now) {
    const d = state.open;
    const open = duration(now - Date.parse(d.created_at));
    $("detail-waited").textContent = !isOpen(d.status) ? ""
      : d.waiting_for_crew ? t("waiting_for", { time: open }) : t("open_for", { time: open });
    $("detail-waited").classList.toggle("quiet", !d.waiting_for_crew);
    for (const li of $("clocks").children) {
      const left = li.querySelector(".left");
      if (li.dataset.na) {
        li.className = "na";
        left.textContent = t("clock_stopped");
      } else if (li.dataset.met) {
        const late = Date.parse(li.dataset.met) > Date.parse(li.dataset.due);
        li.className = late ? "late" : "met";
        left.textContent = t(late ? "clock_met_late" : "clock_met", { time: clock(li.dataset.met) });
      } else {
        const ms = Date.parse(li.dataset.due) - now;
        li.className = ms < 0 ? "breached" : ms < 300000 ? "soon" : "running";
        left.textContent = ms < 0 ? t("overdue", { time: duration(ms) }) : t("left", { time: duration(ms) });
      }
    }
  }

  function renderWorkOrders(d) {
    const orders = d.work_orders;
    $("work-orders").replaceChildren(...(orders.length ? orders.map((w) => el("li", { "data-wo": w.id },
      el("b", { text: `#${w.id} ${w.crew_name}` }),
      el("span", { class: `wo-status s-${w.status}`, text: label("work_order_status", w.status) }),
      w.eta ? el("span", { class: "muted", text: t("eta_at", { time: clock(w.eta) }) }) : null,
      config.can_dispatch ? el("span", { class: "wo-actions" },
        el("button", { type: "button", class: "small", onclick: () => forms.openReassign(w.id) }, t("reassign"), el("kbd", { text: "r" })),
        el("button", { type: "button", class: "small danger", onclick: () => forms.openCancel(w.id) }, t("cancel_wo"), el("kbd", { text: "x" }))) : null))
      : [el("li", { class: "muted", text: t(isOpen(d.status) ? "no_crew_yet" : "no_crew_on_it") })]));
    for (const id of ["reassign-wo", "cancel-wo"]) {
      const select = $(id);
      if (!select) continue;
      select.replaceChildren(...orders.map((w) => el("option", { value: w.id, text: `#${w.id} ${w.crew_name} (${label("work_order_status", w.status)})` })));
    }
  }

  /* ---------- crews: send, add ---------- */

  async function loadRecs() {
    const d = state.open;
    $("recs-box").hidden = false;
    $("h-recs").textContent = d.work_orders.length ? t("add_crew") : t("send_crew");
    $("recs").replaceChildren(el("li", { class: "muted", text: t("finding_crews") }));
    try {
      state.recs = await api("GET", `/api/incidents/${d.id}/recommendations/`);
    } catch (err) {
      state.recs = [];
      $("recs").replaceChildren(el("li", { class: "error", text: t("no_recommendation", { error: err.message }) }));
      return;
    }
    if (!state.open || state.open.id !== d.id) return; // another incident opened meanwhile
    renderRecs();
  }

  function lacks(r) {
    return (r.lacks || []).map((l) => el("span", { class: `chip lack lack-${l.kind}`, text: l.text }));
  }

  function renderRecs() {
    const box = $("recs-box");
    if (!box) return;
    const d = state.open;
    box.hidden = !isOpen(d.status);
    if (box.hidden) return;
    $("h-recs").textContent = d.work_orders.length ? t("add_crew") : t("send_crew");
    $("recs").replaceChildren(...(state.recs.length ? state.recs.map((r, i) => el("li", { class: `rec${r.ideal === false ? " not-ideal" : ""}`, "data-crew": r.crew_id },
      el("kbd", { class: "n", text: String(i + 1) }),
      el("span", { class: "crew" }, el("b", { text: r.crew_name }),
        el("span", { class: "eta", text: t("eta_min", { n: Math.max(1, Math.round(r.eta_seconds / 60)) }) }),
        el("span", { class: "muted", text: `${km(r.distance_m)} · ${stationName(r.station_code)}` }),
        r.ideal === true ? el("span", { class: "chip ok", text: t("ideal") }) : null,
        r.preempts_work_order_id ? el("span", { class: "chip warn", text: t("preempts", { id: r.preempts_work_order_id }) }) : null,
        ...lacks(r)),
      el("span", { class: "reason", text: r.reason || "" }),
      el("button", { type: "button", class: "send", onclick: () => sendCrew(r) }, d.work_orders.length ? t("add") : t("send"))))
      : [el("li", { class: "muted", text: t("no_crews") })]));
  }

  const lacksSkill = (r) => (r.lacks || []).filter((l) => l.kind === "skill");

  /* What the dispatcher must agree to before a crew goes: lacking a skill (first responder),
     taking a crew off other work (preemption). */
  async function consent(r) {
    const extra = {};
    const missing = lacksSkill(r);
    if (missing.length) {
      const text = t("confirm_first_responder", { crew: r.crew_name, lacks: missing.map((l) => l.text).join("; ") });
      if (!(await confirm(text, t("send_first_responder")))) return null;
      extra.first_responder = true;
    }
    if (r.preempts_work_order_id) {
      if (!(await confirm(t("confirm_preempt", { crew: r.crew_name, id: r.preempts_work_order_id }), t("preempt_send")))) return null;
      extra.preempt = true;
    }
    return extra;
  }

  /* A request made with the dispatcher's consent; when the server still asks for it (a skill
     the list did not show missing, a crew busy since), its words are the question, and the
     request is made once more with the answer. Null: the dispatcher went back. */
  async function withConsent(r, request) {
    const extra = await consent(r);
    if (extra === null) return null;
    for (;;) {
      try {
        return await request(extra);
      } catch (err) {
        const ask = err.field === "first_responder" && !extra.first_responder ? ["first_responder", t("send_first_responder")]
          : err.field === "preempt" && !extra.preempt ? ["preempt", t("preempt_send")] : null;
        if (!ask || !(await confirm(err.message, ask[1]))) throw err;
        extra[ask[0]] = true;
      }
    }
  }

  async function sendCrew(r) {
    const d = state.open;
    if (!r || !d || !isOpen(d.status)) return;
    say(t("sending", { crew: r.crew_name }));
    let sent;
    try {
      sent = await withConsent(r, (extra) =>
        api("POST", `/api/incidents/${d.id}/dispatch/`, { crew_id: r.crew_id, recommendation: r, ...extra }));
    } catch (err) {
      say(t("failed", { doing: t("doing_send"), error: err.message }), true);
      return;
    }
    if (sent === null) return say("");
    say(t("sent", { crew: r.crew_name, ref: d.reference }));
    await after(d.id);
  }

  async function after(id) {
    await Promise.all([queue.refresh(), openIncident(state.showing ?? id)]);
  }

  /* ---------- the confirm dialog: Enter agrees, Esc goes back ---------- */

  function confirm(text, yes) {
    const dialog = $("confirm");
    $("confirm-text").textContent = text;
    $("confirm-yes").textContent = yes;
    dialog.returnValue = "";
    dialog.showModal();
    $("confirm-yes").focus();
    return new Promise((resolve) => dialog.addEventListener("close", () => resolve(dialog.returnValue === "yes"), { once: true }));
  }

  /* ---------- the keyboard ---------- */

  const KEYS = {
    ArrowDown: () => move(1), j: () => move(1),
    ArrowUp: () => move(-1), k: () => move(-1),
    Enter: () => state.selected !== null && openIncident(state.selected),
    a: () => state.open && config.can_dispatch && isOpen(state.open.status) && loadRecs().then(() => $("recs").querySelector("button.send")?.focus()),
    r: () => forms.openReassign(),
    x: () => forms.openCancel(),
    e: () => forms.openEnd(),
    m: () => forms.openEnd("merge"),
    c: () => state.open && (location.href = `/console/?incident=${encodeURIComponent(state.open.reference)}`),
    s: () => sound.enable(),
  };

  document.addEventListener("keydown", (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey || $("confirm").open) return;
    if (e.key === "Escape") {
      forms.closeForms();
      document.activeElement?.blur();
      return;
    }
    const typing = e.target.matches("input, select, textarea");
    const onControl = e.target.matches("button, a, summary");
    if (typing || (onControl && e.key === "Enter")) return;
    if (/^[1-9]$/.test(e.key) && config.can_dispatch && state.open) {
      e.preventDefault();
      sendCrew(state.recs[Number(e.key) - 1]);
      return;
    }
    const action = KEYS[e.key];
    if (!action) return;
    e.preventDefault();
    action();
  });

  $("queue").addEventListener("click", (e) => {
    const li = e.target.closest("li[data-id]");
    if (!li) return;
    select(Number(li.dataset.id));
    openIncident(Number(li.dataset.id));
  });

  /* ---------- live ---------- */

  const sound = Q.createSound({
    button: $("sound-enable"),
    onChange: (on) => ($("sound-on").hidden = !on),
  });
  let lastAnswer = 0;
  const queue = Q.createQueue({
    api,
    station: config.station,
    everyMs: config.queue_every_ms,
    onUpdate: (body) => {
      lastAnswer = Date.now();
      renderQueue(body);
      document.body.dataset.ready = "1";
    },
    onError: (err) => say(err.message, true),
  });
  const forms = window.dispatchForms({
    config, t, api, el, $, label, isOpen, state, queue, say, withConsent, after, lacksSkill,
  });
  let feedAt = 0;
  Q.watchFeed({
    feed: config.feed,
    station: config.station,
    pollMs: config.feed_poll_ms,
    onChange: () => {
      queue.refresh();
      if (state.showing !== null) openIncident(state.showing, { recs: false });
    },
    onLive: () => (feedAt = Date.now()),
    onStop: () => say(t("signed_out"), true),
  });
  setInterval(() => {
    tick();
    const quiet = (Date.now() - Math.max(feedAt, lastAnswer)) / 1000;
    $("feed-state").textContent = quiet > 5 ? t("feed_down", { s: Math.round(quiet) }) : t("live");
    $("feed-state").classList.toggle("down", quiet > 5);
  }, 1000);

  queue.refresh().then(() => {
    const asked = config.incident;
    if (asked && asked.id) {
      select(asked.id);
      openIncident(asked.id);
    } else if (asked && asked.asked) {
      say(t("no_incident", { asked: asked.asked }), true);
    }
  });

  // For the page tests, and for anyone looking at a screen from the browser's console.
  window.dispatchScreen = { state, queue, sound };
})();
