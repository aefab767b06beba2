/* The customer's whole story beside the screen pop: billing and arrears, supply status at the
   premise, the cases and calls at the premise and on its staircase; the search by name, account
   or address; and the desk's actions once a call is stored: a desk case for an office case
   type, the second tier for a consultation. console.js calls in; this file only shows what the
   server decided. */
"use strict";

window.consoleStory = function ({ api, el, clock, fmt, label, say, showError, onPremise, location, handlings }) {
  const $ = (id) => document.getElementById(id);
  const SUPPLY_PREMISES = 5; // a landlord's forty flats: the first five asked about
  const state = { customer: null, premises: [], seq: 0, deskCase: null };

  const money = (v) => (v === null || v === undefined ? "—" : String(v).startsWith("-") ? `-¥${String(v).slice(1)}` : `¥${v}`);
  const day = (iso) => (iso ? iso.slice(0, 10) : "—");
  const WHERE = {
    premise: gettext("at this premise"),
    building_unit: gettext("same building unit"),
    account: gettext("this account"),
  };

  /* ---------- the story ---------- */

  function clear() {
    state.customer = null;
    state.premises = [];
    state.seq += 1; // answers still on their way are for the last caller
    state.deskCase = null;
    $("story").replaceChildren();
    $("story").hidden = true;
    $("supply-banner").replaceChildren();
    $("supply-banner").hidden = true;
    $("customer-hits").replaceChildren();
    $("desk-case-result").replaceChildren();
  }

  async function load(query) {
    const seq = ++state.seq;
    $("story").hidden = false;
    $("story").replaceChildren(el("p", { class: "muted", text: gettext("Loading the customer's story…") }));
    let story;
    try {
      story = await api("GET", `/api/desk/story/?${query}`);
    } catch (err) {
      if (seq !== state.seq) return;
      $("story").replaceChildren(el("p", { class: "field-error", role: "alert", text: fmt(gettext("The customer's story could not be loaded: %(message)s"), { message: err.message }) }));
      return;
    }
    if (seq !== state.seq) return;
    state.customer = story.customers[0] || null;
    state.premises = story.premises;
    render(story);
    await supply(story.premises.slice(0, SUPPLY_PREMISES).map((p) => p.id), seq);
  }

  function billing(c) {
    const b = c.billing;
    if (!b) return el("p", { class: "muted", text: gettext("No billing data from the company's system for this account.") });
    const owing = Number(b.arrears) > 0;
    return el("dl", { class: "billing" },
      el("dt", { text: gettext("Balance") }), el("dd", { text: money(b.balance) }),
      el("dt", { text: gettext("Arrears") }),
      el("dd", { class: owing ? "owing" : "" }, owing
        ? fmt(gettext("%(amount)s since %(since)s"), { amount: money(b.arrears), since: day(b.arrears_since) })
        : gettext("none")),
      el("dt", { text: gettext("Last payment") }),
      el("dd", { text: b.last_payment_at ? `${money(b.last_payment_amount)} · ${day(b.last_payment_at)}` : "—" }),
      el("dt", { text: gettext("Supply") }),
      el("dd", { class: b.supply_status === "normal" ? "" : "owing", text: b.supply_status_label }),
      el("dt", { text: gettext("As of") }), el("dd", { class: "muted", text: clock(b.as_of) }));
  }

  function usage(c) {
    if (!c.usage.length) return null;
    return el("details", { class: "usage" },
      el("summary", { text: fmt(gettext("Usage, last %(count)s months"), { count: c.usage.length }) }),
      el("table", {},
        el("thead", {}, el("tr", {}, el("th", { text: gettext("Month") }), el("th", { text: "m³" }), el("th", { text: gettext("Amount") }))),
        el("tbody", {}, c.usage.map((u) => el("tr", {}, el("td", { text: u.month }), el("td", { text: u.volume_m3 }), el("td", { text: money(u.amount) }))))));
  }

  function rows(title, items, line) {
    return [el("h3", { text: title }),
      items.length ? el("ul", { class: "plain story-list" }, items.map(line)) : el("p", { class: "muted", text: gettext("None.") })];
  }

  function render(story) {
    const box = $("story");
    box.replaceChildren(el("h3", { class: "story-title", text: gettext("The customer's story") }));
    for (const c of story.customers) {
      box.append(el("div", { class: "story-customer" },
        el("p", { class: "who" }, el("strong", { text: c.name }), ` · ${fmt(gettext("account %(number)s"), { number: c.account_no })}`,
          c.billing && Number(c.billing.arrears) > 0 ? el("span", { class: "flag", text: gettext("In arrears") }) : null),
        billing(c), usage(c)));
    }
    if (!story.customers.length) box.append(el("p", { class: "muted", text: gettext("No account at this premise.") }));
    if (story.premises.some((p) => p.building_unit)) {
      box.append(el("p", { class: "muted", text: fmt(ngettext(
        "Building unit %(unit)s: %(count)s premise.", "Building unit %(unit)s: %(count)s premises.", story.building_unit_premises),
      { unit: story.premises.map((p) => p.building_unit).filter(Boolean).join(", "), count: story.building_unit_premises }) }));
    }
    box.append(...rows(gettext("Open field jobs there"), story.incidents, (i) => el("li", {},
      el("strong", { text: i.reference }), ` P${i.priority} · ${i.category_label} · ${label("incident_status", i.status)}`)));
    box.append(...rows(gettext("Cases"), story.cases, (c) => el("li", { class: `where-${c.where}` },
      el("strong", { text: c.reference }), ` ${c.category_label} · ${c.status_label} · ${c.unit} · ${day(c.created_at)}`,
      el("span", { class: "where", text: ` · ${WHERE[c.where]}${c.address && c.where !== "premise" ? ` (${c.address})` : ""}` }),
      c.confidential ? el("span", { class: "flag", text: gettext("confidential") }) : null)));
    box.append(...rows(gettext("Calls"), story.calls, (c) => el("li", { class: `where-${c.where}` },
      `${clock(c.received_at)} · ${c.category_label} · ${c.outcome_label}`, c.incident ? ` · ${c.incident}` : "",
      el("span", { class: "where", text: ` · ${WHERE[c.where]}${c.address && c.where !== "premise" ? ` (${c.address})` : ""}` }))));
  }

  /* ---------- supply status at the premises ---------- */

  async function supply(premiseIds, seq = state.seq) {
    const banner = $("supply-banner");
    const found = [];
    for (const id of premiseIds) {
      try {
        const status = await api("GET", `/api/supply-status/?premise=${id}`);
        if (status.consultation) found.push(status);
      } catch {
        /* the story still shows; the outage list on the wall is the other source */
      }
    }
    if (seq !== state.seq) return;
    banner.replaceChildren(...found.map((s) => el("div", { class: "supply-one" },
      el("strong", { text: s.banner }), el("span", { class: "muted", text: ` ${s.address}` }),
      el("p", { class: "read-out", lang: s.language === "zh" ? "zh-Hans" : "en", text: s.sentence }))));
    banner.hidden = !found.length;
  }

  /* ---------- from the screen pop, the search, or a premise picked ---------- */

  function forPhone(pop) {
    clear();
    const first = pop.customers[0];
    if (first) load(`account=${encodeURIComponent(first.account_no)}`);
  }

  function premisePicked(premiseId) {
    if (!premiseId) return;
    if (!state.customer) load(`premise=${premiseId}`);
    else if (!state.premises.some((p) => p.id === premiseId)) supply([premiseId]);
  }

  async function search() {
    const q = $("customer-q").value.trim();
    $("customer-q-error").textContent = "";
    if (!q) {
      $("customer-q-error").textContent = gettext("Type a name, an account number or an address.");
      return;
    }
    let hits;
    try {
      hits = await api("GET", `/api/desk/customers/search/?q=${encodeURIComponent(q)}`);
    } catch (err) {
      $("customer-q-error").textContent = err.message;
      return;
    }
    const list = $("customer-hits");
    if (!hits.length) {
      list.replaceChildren(el("li", { class: "muted", text: gettext("No customer found: try the account number from the bill.") }));
      return;
    }
    list.replaceChildren(...hits.map((h) => el("li", {},
      el("button", { type: "button", class: "secondary small hit", onclick: () => pick(h) },
        el("strong", { text: h.name }), ` · ${h.account_no}`, h.in_arrears ? el("span", { class: "flag", text: gettext("In arrears") }) : null),
      el("span", { class: "muted", text: ` ${(h.premises[0] && h.premises[0].address) || h.address}` }))));
    list.querySelector("button").focus();
  }

  function pick(hit) {
    $("customer-hits").replaceChildren();
    say(fmt(gettext("Customer %(name)s, account %(number)s."), { name: hit.name, number: hit.account_no }));
    if (!$("caller-name").value) $("caller-name").value = hit.name;
    if (!$("phone").value && hit.phones[0]) $("phone").value = hit.phones[0];
    const premises = $("customer-premises");
    premises.replaceChildren(...hit.premises.map((p) => el("li", {},
      el("button", { type: "button", class: "premise", onclick: (e) => onPremise(p, e.currentTarget) }, p.address))));
    load(`customer=${hit.id}`);
  }

  /* ---------- the desk's actions once a call is stored ---------- */

  const handling = (category) => handlings[category] || "field_job";

  /* An office case type opens a desk case, not an incident; a consultation can go to the
     second tier. Returns true when the open button is a desk case's. */
  function triage(call, category) {
    const office = handling(category) === "office_case";
    const open = $("open-incident");
    open.firstChild.textContent = office ? `${gettext("Open a desk case")} ` : `${gettext("Open incident")} `;
    $("second-tier").hidden = handling(category) !== "on_call";
    $("desk-case-result").replaceChildren();
    mountBooking(call, category);
    return office;
  }

  // The visits a call may book on the spot: inspections, meter work, connection surveys.
  const bookingTypes = JSON.parse(($("booking-case-types") || {}).textContent || "[]");

  function mountBooking(call, category) {
    const box = $("appointment-book");
    box.hidden = !bookingTypes.includes(category);
    if (box.hidden || !window.AppointmentBook || box.dataset.mounted === String(call.id)) return;
    box.dataset.mounted = String(call.id);
    const loc = location();
    window.AppointmentBook.mount(box, {
      phone: $("phone").value.trim(),
      customerId: state.customer ? state.customer.id : null,
      premiseId: (loc && loc.premiseId) || (state.premises[0] && state.premises[0].id) || null,
      callId: call.id,
    });
  }

  async function openDeskCase(call, secondTier = false) {
    if (!call || state.deskCase) return null;
    const buttons = $("triage").querySelectorAll("button");
    buttons.forEach((b) => (b.disabled = true));
    say(secondTier ? gettext("Sending to the second tier…") : gettext("Opening the desk case…"));
    let made;
    try {
      made = await api("POST", "/api/desk/cases/", { call: call.id });
    } catch (err) {
      buttons.forEach((b) => (b.disabled = false));
      showError(err, "triage", secondTier ? gettext("Sending to the second tier") : gettext("Opening the desk case"));
      return null;
    }
    state.deskCase = made;
    const due = made.due_at ? fmt(gettext("reply due %(at)s"), { at: clock(made.due_at) }) : "";
    $("desk-case-result").replaceChildren(
      el("p", {}, el("strong", { text: made.reference }), ` · ${[made.status_label || made.status, made.unit_name || (made.unit && made.unit.name) || made.unit, due].filter(Boolean).join(" · ")} `,
        made.url ? el("a", { href: made.url, target: "_blank", rel: "noopener", text: gettext("Open the case") }) : null));
    say(fmt(secondTier
      ? gettext("Sent to the second tier as %(reference)s. Give the caller the reference.")
      : gettext("Desk case %(reference)s opened. Give the caller the reference."), { reference: made.reference }));
    return made;
  }

  /* ---------- widgets other parts of the desk may ship ---------- */

  if (window.KnowledgeSuggest && $("knowledge-suggest")) {
    window.KnowledgeSuggest.mount($("knowledge-suggest"), { caseTypeInput: $("category"), textInput: $("description") });
  }
  $("customer-find").addEventListener("click", search);
  $("customer-q").addEventListener("keydown", (e) => {
    if (e.key === "Enter") {
      e.preventDefault();
      search();
    }
  });

  return { clear, forPhone, premisePicked, triage, openDeskCase, handling };
};
