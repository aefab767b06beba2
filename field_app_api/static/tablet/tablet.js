/* The crews' tablet: the crew's current work order, its map, one-tap status, findings,
   photos and duty. Reads come from /api/field/; every write goes through the offline queue. */
"use strict";

(function () {
  const config = JSON.parse(document.getElementById("tablet-config").textContent);
  const { get, uuid } = window.tabletQueue;
  const $ = (id) => document.getElementById(id);
  const POLL_MS = 10_000; // an arrival waits a minute for "drove past": see it well within
  const ARM_MS = 4_000;
  const L_STATUS = config.labels.work_order_status;
  // What each button sets, and how far along that is (a late report never moves a job back).
  const ACTION_STATUS = {
    accept: "accepted", reject: "rejected", en_route: "en_route",
    on_site: "on_site", made_safe: "made_safe", complete: "completed",
  };
  const PROGRESS = { assigned: 0, accepted: 1, en_route: 2, on_site: 3, made_safe: 4, completed: 5 };
  const BUTTONS = {
    assigned: ["accept", "reject"],
    accepted: ["en_route", "on_site"],
    en_route: ["on_site"],
    on_site: ["made_safe", "complete"],
    made_safe: ["complete"],
  };
  const BUTTON_TEXT = {
    accept: gettext("Accept"), reject: gettext("Reject"), en_route: gettext("En route"),
    on_site: gettext("On site"), made_safe: gettext("Made safe"), complete: gettext("Complete"),
    cancel_arrival: gettext("Cancel arrival (drove past)"),
  };
  const cacheKey = `gasdispatch.tablet.cache.${config.user}`;
  const pickKey = `gasdispatch.tablet.job.${config.user}`;

  let me = null; // /api/field/me/
  let jobs = []; // the list: live first
  let job = null; // the chosen one, with its network
  let valvesToClose = [];
  let map = null;
  let armed = null; // the button waiting for its confirming second tap, and its timer
  let armTimer = null;
  let readError = null; // the last error a read met, said once rather than every poll
  let fresh = false; // the shown job's network came from the server since the page opened
  let formFor = null; // the job and valves the findings form was laid out for
  let writes = 0; // answers to our writes so far: a read begun before one is stale

  /* el("li", {class: "x", onclick: f}, "text", child): text is never parsed as HTML. */
  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (k === "class") node.className = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else if (v !== null && v !== undefined && v !== false) node.setAttribute(k, v === true ? "" : v);
    }
    for (const child of children.flat()) if (child !== null && child !== undefined) node.append(child);
    return node;
  }
  const fmt = (text, values) => interpolate(text, values, true);
  const counted = (text, n) => fmt(text, { n }); // counted(ngettext("one", "many", n), n)
  const list = (items) => items.join(pgettext("list separator", ", "));
  // Times in the tablet's own zone, 24-hour, in the page's language; the date too when not today.
  const LOCALE = /^zh/i.test(document.documentElement.lang) ? "zh-CN" : "en-GB";
  const hhmm = (d) => d.toLocaleTimeString(LOCALE, { hour: "2-digit", minute: "2-digit", hour12: false });
  function when(value) {
    const d = new Date(value);
    if (d.toDateString() === new Date().toDateString()) return hhmm(d);
    return fmt(pgettext("date and time", "%(date)s %(time)s"), { date: d.toLocaleDateString(LOCALE, { month: "short", day: "numeric" }), time: hhmm(d) });
  }
  window.tabletQueue.fieldLabels = config.labels.field || {}; // a refusal names fields in words

  function say(text, kind = "info") {
    $("message-text").textContent = text;
    $("message").className = `message ${kind}`;
    $("message").hidden = false;
    if (kind === "info") {
      clearTimeout(say.timer);
      say.timer = setTimeout(() => ($("message").hidden = true), 5000);
    } else {
      clearTimeout(say.timer); // an error stays until the crew has read it
    }
  }
  $("message-close").addEventListener("click", () => ($("message").hidden = true));

  const queue = window.tabletQueue.create({
    user: config.user,
    onChange: renderNet,
    onSent(item, data) {
      writes += 1;
      if (item.kind === "photo") {
        $("photos-sent").prepend(el("li", {}, item.body.caption ? fmt(gettext("Photo sent: %(caption)s"), { caption: item.body.caption }) : gettext("Photo sent")));
      } else if (item.url.endsWith("/crew/status/") && me && data) {
        me.crew.duty = data.duty;
        me.crew.status = data.status;
      } else if (job && data && data.id === job.id) {
        Object.assign(job, data); // the tablet json, without the network: the map stays
        cache();
      }
      if (item.url.endsWith("/findings/")) {
        say(gettext("Findings sent."));
        // A valve found seized widens the trace: fetch the valves to close again.
        const seized = (item.body.valves_operated || []).some((v) => !v.operable);
        if (seized && job && job.id === item.workOrder) loadDetail(job.id).catch(() => {});
      }
      render();
    },
    onRefused(item, message) {
      say(fmt(gettext("%(action)s: not done. The server said: %(message)s"), { action: item.label, message }), "error");
      render();
    },
  });

  function renderNet(state) {
    const tablet = $("tablet");
    tablet.dataset.queue = String(state.count);
    tablet.dataset.online = state.offline ? "no" : "yes";
    const n = state.count;
    let text = "";
    if (state.trouble === "offline") text = n ? counted(ngettext("offline: %(n)s action waiting", "offline: %(n)s actions waiting", n), n) : gettext("offline: what you do waits on this tablet");
    else if (state.trouble === "server" && n) text = counted(ngettext("server trouble: %(n)s action waiting, retrying", "server trouble: %(n)s actions waiting, retrying", n), n);
    else if (state.trouble === "signed_out") text = counted(ngettext("signed out: sign in again, %(n)s action waiting on this tablet", "signed out: sign in again, %(n)s actions waiting on this tablet", n), n);
    else if (n) text = counted(ngettext("sending: %(n)s action waiting", "sending: %(n)s actions waiting", n), n);
    $("net").textContent = text;
    $("net").className = `net ${state.trouble || "sending"}`;
    $("net").hidden = !text;
    if (state.trouble === "signed_out") {
      $("net").append(" ", el("a", { href: `/accounts/login/?next=${encodeURIComponent("/tablet/")}` }, gettext("Sign in")));
    }
    renderJobQueue();
  }

  /* The job as it will be once the queue is sent: the buttons follow what the crew did. */
  function queuedFor(id) {
    return queue.items().filter((i) => i.workOrder === id);
  }
  function projected(j) {
    let status = j.status;
    for (const item of queuedFor(j.id)) {
      const to = ACTION_STATUS[item.body.action];
      if (to && (to === "rejected" || (PROGRESS[to] ?? -1) > (PROGRESS[status] ?? 99))) status = to;
    }
    return status;
  }

  function render() {
    renderDuty();
    const hasJob = Boolean(job);
    $("job-area").hidden = !hasJob;
    $("no-job").hidden = hasJob;
    if (!hasJob) return;
    const i = job.incident;
    $("job-ref").textContent = i.reference;
    $("job-priority").textContent = `P${i.priority}`;
    $("job-priority").className = `prio p${i.priority}`;
    $("job-category").textContent = i.category_label;
    $("job-address").textContent = i.address || gettext("No address: see the map");
    $("job-hazards").replaceChildren(
      ...(i.hazards.length
        ? i.hazards.map((h) => el("li", {}, config.labels.hazard[h] || h))
        : [el("li", { class: "none" }, gettext("No hazards reported"))]),
    );
    $("job-distance").textContent = job.distance_m == null ? "—" : job.distance_m >= 1000 ? `${(job.distance_m / 1000).toFixed(1)} km` : `${Math.round(job.distance_m)} m`;
    $("job-reports").textContent = counted(ngettext("%(n)s call", "%(n)s calls", i.report_count), i.report_count);
    renderWords();
    renderFindings();
    renderEta();
    if (job.navigate_url) $("navigate").href = job.navigate_url;
    $("navigate").hidden = !job.navigate_url;
    renderJobQueue();
    renderOtherJobs();
  }

  /* The callers' words and the control room's notes: in the job's detail only (the list
     leaves them out), so a job picked from the list shows them once its detail arrives. */
  const word = (text) => (config.labels.text && config.labels.text[text]) || text;
  function renderWords() {
    let box = $("job-words");
    if (!box) {
      box = el("div", { id: "job-words", class: "words" });
      $("job-hazards").after(box);
    }
    const said = job.callers_said || [];
    const notes = job.notes || [];
    box.replaceChildren(
      ...(said.length ? [el("h3", {}, word("The callers said")),
        el("ul", { class: "said" }, said.map((c) => el("li", {}, el("span", { class: "muted" }, `${when(c.received_at)} `), c.text)))] : []),
      ...(notes.length ? [el("h3", {}, word("Notes from the control room")),
        el("ul", { class: "notes" }, notes.map((n) => el("li", {}, el("span", { class: "muted" }, n.by ? fmt(gettext("%(time)s %(by)s: "), { time: when(n.at), by: n.by }) : `${when(n.at)} `), n.text)))] : []),
    );
    box.hidden = !said.length && !notes.length;
  }

  /* What the crew has reported on this job so far, field by field in words: each label and
     option as the form shows it, never the codes the API keeps. */
  function renderFindings() {
    const f = job.findings || {};
    const L = config.labels;
    const grade = (v) => (config.leak_grades.find((g) => String(g.value) === String(v)) || {}).label || String(v);
    const rows = [];
    const add = (label, value) => value !== null && value !== undefined && value !== "" && rows.push([label, value]);
    if (f.leak_grade != null) add(gettext("Leak grade"), grade(f.leak_grade));
    if (f.cause) add(gettext("Cause"), L.cause[f.cause] || f.cause);
    if ((f.actions_taken || []).length) add(gettext("Actions taken"), list(f.actions_taken.map((a) => L.action_taken[a] || a)));
    if ((f.valves_operated || []).length) {
      add(gettext("Valves operated"), f.valves_operated.map((v) =>
        fmt(gettext("%(valve)s: %(action)s, %(turns)s"), {
          valve: v.asset_id,
          action: v.action === "closed" ? gettext("Closed") : v.action === "opened" ? gettext("Opened") : v.action,
          turns: v.operable ? gettext("Turns") : gettext("Seized"),
        })));
    }
    if ((f.materials || []).length) {
      add(gettext("Materials used"), f.materials.map((m) =>
        fmt(gettext("%(item)s: %(quantity)s %(unit)s"), { item: m.item, quantity: m.quantity, unit: L.unit[m.unit] || m.unit })));
    }
    if (f.notes) add(gettext("Notes"), f.notes);
    if (f.reason) add(gettext("Reason"), L.reject_reason[f.reason] || f.reason);
    const known = new Set(["leak_grade", "cause", "actions_taken", "valves_operated", "materials", "notes", "reason"]);
    const flat = (v) => (Array.isArray(v) ? list(v.map(flat)) : v && typeof v === "object" ? list(Object.values(v).map(flat)) : String(v));
    for (const [k, v] of Object.entries(f)) if (!known.has(k)) add(L.field[k] || gettext("Other details"), flat(v));
    $("findings-sent").hidden = !rows.length;
    $("findings-sent-list").replaceChildren(
      ...rows.flatMap(([label, value]) => [
        el("dt", {}, label),
        el("dd", {}, Array.isArray(value) ? el("ul", {}, value.map((v) => el("li", {}, v))) : value),
      ]),
    );
  }

  function renderEta() {
    if (!job || !job.eta) {
      $("job-eta").textContent = "—";
      return;
    }
    const eta = new Date(job.eta);
    const min = Math.round((eta - Date.now()) / 60000);
    $("job-eta").textContent = min >= 0 ? fmt(gettext("%(time)s (in %(min)s min)"), { time: when(eta), min }) : fmt(gettext("%(time)s (%(min)s min ago)"), { time: when(eta), min: -min });
  }

  /* The status, the buttons that make sense now, and what is still waiting to be sent. */
  function renderJobQueue() {
    if (!job) return;
    const status = projected(job);
    const waiting = queuedFor(job.id);
    $("job-status").textContent = L_STATUS[status] || status;
    $("job-status").className = `status-pill st-${status}${waiting.length ? " unsent" : ""}`;
    $("job-pending").hidden = !waiting.length;
    $("job-pending").textContent = waiting.length ? fmt(gettext("Not sent yet: %(actions)s"), { actions: list(waiting.map((w) => w.label)) }) : "";
    const names = [...(BUTTONS[status] || [])];
    const cancelling = waiting.some((w) => w.body.action === "cancel_arrival");
    if (job.arrival_pending && !cancelling && PROGRESS[status] < PROGRESS.on_site) names.push("cancel_arrival");
    const buttons = names.map((name) =>
      el("button", { type: "button", class: `act act-${name}`, "data-action": name, onclick: () => tap(name) }, BUTTON_TEXT[name]),
    );
    if (!buttons.length) buttons.push(el("p", { class: "done" }, status === "completed" ? gettext("Job complete. Findings and photos can still be added.") : gettext("No more status changes on this job.")));
    $("job-actions").replaceChildren(...buttons);
  }

  function renderOtherJobs() {
    const others = jobs.filter((j) => j.live && j.id !== job.id);
    $("other-jobs").hidden = !others.length;
    $("other-jobs").replaceChildren(
      el("span", { class: "muted" }, job.live ? gettext("Other jobs:") : gettext("Next job:")),
      ...others.map((j) =>
        el("button", { type: "button", class: "other", onclick: () => pick(j.id) }, `P${j.incident.priority} ${j.incident.reference} · ${L_STATUS[j.status] || j.status}`),
      ),
    );
  }

  function renderDuty() {
    if (!me) return;
    $("crew-name").textContent = me.crew.name;
    $("crew-station").textContent = me.crew.station_name ? `· ${me.crew.station_name}` : "";
    const queued = queue.items().filter((i) => i.url.endsWith("/crew/status/"));
    const duty = queued.length ? queued[queued.length - 1].body.status : me.crew.duty;
    for (const b of document.querySelectorAll("[data-duty]")) b.setAttribute("aria-pressed", String(b.dataset.duty === duty));
  }

  function renderValves() {
    const iso = job.isolation;
    const around = new Map(((job.network_around && job.network_around.features) || []).filter((f) => f.properties.kind === "valve").map((f) => [f.properties.asset_id, f.properties]));
    $("valves").replaceChildren(
      ...valvesToClose.map((f) => {
        const known = around.get(f.properties.asset_id);
        const type = config.labels.valve_type[known && known.valve_type] || (known && known.valve_type);
        const about = known ? (known.operable ? type : fmt(gettext("%(type)s · seized in the register"), { type })) : "";
        return el("li", {}, el("span", { class: "valve-no" }, String(f.properties.order)), el("strong", {}, f.properties.asset_id), about ? el("span", { class: "muted" }, about) : null);
      }),
    );
    const sources = iso ? iso.valves_to_close.features.filter((f) => f.properties.role === "source_to_shut") : [];
    let note = "";
    const cut = iso ? iso.premises_cut_off : 0;
    if (!iso) note = gettext("No isolation trace: the incident is not placed on a main.");
    else if (!valvesToClose.length && !sources.length) note = gettext("No valve can cut this main off.");
    else if (valvesToClose.length) note = counted(ngettext("Closing these cuts the supply to %(n)s premise.", "Closing these cuts the supply to %(n)s premises.", cut), cut);
    else note = counted(ngettext("Closing the stations cuts the supply to %(n)s premise.", "Closing the stations cuts the supply to %(n)s premises.", cut), cut);
    if (sources.length) note += " " + fmt(gettext("Also shut: %(stations)s."), { stations: list(sources.map((s) => s.properties.name || s.properties.asset_id)) });
    $("isolation-note").textContent = note;
  }

  function tap(name) {
    if (name === "reject") {
      $("reject-panel").hidden = false;
      $("reject-reasons").querySelector("button").focus();
      return;
    }
    if (name === "complete" && armed !== name) {
      // The one tap that closes the job: a second, deliberate one confirms it.
      armed = name;
      const button = document.querySelector("[data-action=complete]");
      button.textContent = gettext("Tap again to complete");
      button.classList.add("armed");
      clearTimeout(armTimer);
      armTimer = setTimeout(() => {
        armed = null;
        renderJobQueue();
      }, ARM_MS);
      return;
    }
    armed = null;
    clearTimeout(armTimer);
    act(name);
  }

  function act(action, extra = {}) {
    const body = { action, client_event_id: uuid(), device_time: new Date().toISOString(), ...extra };
    queue.push({ url: `/api/field/work-orders/${job.id}/actions/`, body, label: BUTTON_TEXT[action], workOrder: job.id });
  }

  for (const reason of config.reject_reasons) {
    $("reject-reasons").append(
      el("button", { type: "button", class: "reason", onclick: () => {
        $("reject-panel").hidden = true;
        act("reject", { reason: reason.value }); // kept in English: the dispatcher's screen translates
      } }, reason.label),
    );
  }
  $("reject-back").addEventListener("click", () => ($("reject-panel").hidden = true));

  for (const b of document.querySelectorAll("[data-duty]")) {
    b.addEventListener("click", () => {
      const status = b.dataset.duty;
      const body = { status, client_event_id: uuid(), device_time: new Date().toISOString() };
      queue.push({ url: "/api/field/crew/status/", body, label: fmt(gettext("Duty: %(duty)s"), { duty: config.labels.duty[status] }) }).then(renderDuty);
    });
  }

  /* Reads: the list every few seconds, a job's network when the job changes. */
  function choose() {
    const live = jobs.filter((j) => j.live);
    const picked = Number(localStorage.getItem(pickKey));
    if (live.some((j) => j.id === picked)) return picked;
    if (live.length) return live[0].id; // the chosen one finished: on to the next
    if (jobs.some((j) => j.id === picked)) return picked; // finished; findings may follow
    return null;
  }

  function pick(id) {
    localStorage.setItem(pickKey, String(id));
    loadDetail(id).catch((err) => say(fmt(gettext("That job could not be opened: %(error)s"), { error: err.message }), "error"));
  }

  async function loadDetail(id) {
    const detail = await get(`/api/field/work-orders/${id}/`);
    job = detail;
    fresh = true;
    cache();
    showJob();
  }

  function showJob() {
    render();
    if (!map) map = window.tabletMap($("map"), { get, labels: config.labels, onError: (m) => say(m, "error") });
    valvesToClose = map.show(job);
    renderValves();
    const layout = `${job.id}:${valvesToClose.map((f) => f.properties.asset_id).join(",")}`;
    if (layout !== formFor) findings.reset(valvesToClose); // never wipe what is being typed
    formFor = layout;
  }

  function cache() {
    localStorage.setItem(cacheKey, JSON.stringify({ me, jobs, job, at: new Date().toISOString() }));
  }

  async function refresh() {
    const seen = writes;
    try {
      if (!navigator.onLine) return; // the banner says so; the cached job stays on screen
      const [meNow, list] = await Promise.all([get("/api/field/me/"), get("/api/field/work-orders/")]);
      if (seen !== writes) return; // a write was answered meanwhile: the next poll is fresher
      me = meNow;
      jobs = list.results;
      newJobsCheck(jobs);
      const id = choose();
      if (id === null) job = null;
      else if (!fresh || !job || job.id !== id) return await loadDetail(id);
      else Object.assign(job, jobs.find((j) => j.id === id));
      cache();
      render();
      readError = null;
    } catch (err) {
      if (err.message === "offline" || !err.status || err.message === readError) return;
      readError = err.message;
      const signedOut = err.status === 401 || (err.status === 403 && /credentials|authenticat/i.test(err.message));
      // e.g. not on a crew yet, or a session that ran out
      say(signedOut ? gettext("You have been signed out: sign in again. What you did stays on this tablet.") : err.message, "error");
    } finally {
      document.querySelector(".tablet").dataset.ready = "";
    }
  }

  /* A new job sounds a chime (and buzzes, where the tablet can): the crew may be driving with
     the tablet on the seat. The job ids seen are kept on the tablet, so a reload does not ring
     for the same job twice; the first list a tablet ever sees rings for nothing. Browsers keep
     audio off until the page is touched: until then a button asks for that touch. */
  const seenKey = `gasdispatch.tablet.seen.${config.user}`;
  const soundButton = $("sound-enable");
  const audio = (() => {
    const Context = window.AudioContext || window.webkitAudioContext;
    return Context ? new Context() : null;
  })();
  let chimes = 0;

  function soundShow() {
    soundButton.hidden = !audio || audio.state === "running";
  }
  function soundEnable() {
    if (audio) audio.resume().catch(() => {}).finally(soundShow);
  }
  if (audio) {
    audio.addEventListener("statechange", soundShow);
    for (const type of ["pointerdown", "keydown"]) document.addEventListener(type, soundEnable, { capture: true });
  }
  soundButton.addEventListener("click", soundEnable);
  soundShow();

  function chime() {
    if (navigator.vibrate) navigator.vibrate([300, 150, 300]);
    soundShow();
    if (!audio || audio.state !== "running") return;
    const start = audio.currentTime + 0.02;
    [[660, 0], [990, 0.18], [660, 0.5], [990, 0.68]].forEach(([frequency, at]) => {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.type = "triangle";
      osc.frequency.value = frequency;
      gain.gain.setValueAtTime(0.0001, start + at);
      gain.gain.exponentialRampToValueAtTime(0.5, start + at + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + at + 0.16);
      osc.connect(gain).connect(audio.destination);
      osc.start(start + at);
      osc.stop(start + at + 0.18);
    });
    chimes += 1;
  }

  function newJobsCheck(list) {
    const kept = localStorage.getItem(seenKey);
    const seen = new Set(kept ? JSON.parse(kept) : []);
    const arrived = list.filter((j) => j.live && !seen.has(j.id));
    localStorage.setItem(seenKey, JSON.stringify(list.map((j) => j.id)));
    if (kept === null || !arrived.length) return;
    chime();
    const j = arrived[0];
    say(fmt(gettext("New job: P%(priority)s %(reference)s"), { priority: j.incident.priority, reference: j.incident.reference }));
  }
  window.tabletSound = { chimes: () => chimes, blocked: () => !audio || audio.state !== "running" };

  const findings = window.tabletFindingsForm({ config, queue, uuid, jobId: () => job && job.id, say });

  // Start from what this tablet last saw, so a page opened in a dead zone still has the job.
  const cached = JSON.parse(localStorage.getItem(cacheKey) || "null");
  if (cached) {
    ({ me, jobs, job } = cached);
    if (job) showJob();
    else render();
  }
  renderNet(queue.state());
  refresh().then(() => queue.flush());
  setInterval(refresh, POLL_MS);
  setInterval(renderEta, 30_000);
})();
