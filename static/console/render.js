/* The incident as the server sent it, drawn: facts, SLA clocks, crews, work order, log. */
"use strict";

window.consoleRender = function (labels) {
  const { el, clock, km, eta, duration, fmt } = window.consoleKit;
  const label = (kind, value) => (labels[kind] && labels[kind][value]) || value;
  // How a crew's ETA was found (the recommendation's `method`).
  const ROUTE = { road: gettext("by road"), straight_line: gettext("straight line") };

  function facts(i) {
    const main = i.segment_id
      ? fmt(gettext("%(main)s, %(distance)s away"), { main: i.segment_asset_id, distance: km(i.segment_distance_m || 0) })
      : gettext("not snapped");
    const rows = [
      [gettext("Priority"), `P${i.priority}`], [gettext("Status"), label("incident_status", i.status)],
      [gettext("Category"), i.category_label], [gettext("Address"), i.address || "—"],
      [gettext("Station"), label("station", i.station)],
      [gettext("Reports"), String(i.report_count)],
      [gettext("Main"), main],
    ];
    return rows.flatMap(([k, v]) => [el("dt", { text: k }), el("dd", { text: v })]);
  }

  function clocks(deadlines) {
    return deadlines.map((d) => el("li", { "data-due": d.due_at, "data-met": d.met_at || "", "data-na": d.not_applicable_at || "" },
      el("span", { class: "what", text: label("milestone", d.milestone) }),
      el("span", { class: "left" }), el("span", { class: "due", text: fmt(gettext("due %(time)s"), { time: clock(d.due_at) }) })));
  }

  /* Called every second: the clocks count down on screen, the server keeps the truth. */
  function tick(list, now) {
    for (const li of list.children) {
      const due = new Date(li.dataset.due).getTime();
      const left = li.querySelector(".left");
      if (li.dataset.na) {  // the incident ended (cancelled, merged...): the clock stopped
        li.className = "na";
        left.textContent = fmt(gettext("not applicable since %(time)s"), { time: clock(li.dataset.na) });
        continue;
      }
      if (li.dataset.met) {
        const late = new Date(li.dataset.met).getTime() > due;
        li.className = late ? "late" : "met";
        left.textContent = fmt(late ? gettext("met late %(time)s") : gettext("met %(time)s"), { time: clock(li.dataset.met) });
        continue;
      }
      const s = Math.round((due - now) / 1000);
      li.className = s < 0 ? "breached" : s < 300 ? "soon" : "running";
      left.textContent = s < 0
        ? fmt(gettext("OVERDUE %(time)s"), { time: duration(-s) })
        : fmt(gettext("%(time)s left"), { time: duration(s) });
    }
  }

  function crews(list, onDispatch) {
    if (!list.length) {
      return [el("li", { class: "muted", text: gettext("The utility has no crew with a van on the map: call the station.") })];
    }
    return list.map((r, i) => el("li", { class: [i === 0 ? "top" : "", r.ideal === false ? "next-best" : ""].join(" ").trim() },
      el("div", { class: "crew" },
        el("strong", { text: r.crew_name }),
        el("span", { class: "eta", text: fmt(gettext("ETA %(eta)s"), { eta: eta(r.eta_seconds) }) }),
        el("span", { text: km(r.distance_m) }),
        r.method ? el("span", { class: "muted", text: ROUTE[r.method.toLowerCase()] || r.method.toLowerCase().replaceAll("_", " ") }) : null,
        r.preempts_work_order_id ? el("span", { class: "flag", text: fmt(gettext("takes over from work order #%(id)s"), { id: r.preempts_work_order_id }) }) : null,
        r.ideal === false ? el("span", { class: "flag", text: gettext("next best") }) : null,
        r.ideal === false && r.can_make_safe ? el("span", { class: "flag", text: gettext("can make safe: first responder") }) : null),
      el("p", { class: "reason", text: r.reason || "" }),
      (r.lacks || []).length ? el("p", { class: "lacks", text: r.lacks.map((l) => l.text).join(gettext("; ")) }) : null,
      el("button", {
        type: "button", class: "dispatch",
        "aria-label": fmt(gettext("Dispatch %(crew)s, ETA %(eta)s"), { crew: r.crew_name, eta: eta(r.eta_seconds) }),
        onclick: () => onDispatch(r),
      }, pgettext("button: send this crew", "Dispatch"))));
  }

  function workOrder(wo) {
    return el("p", { class: "wo" },
      el("strong", { text: `#${wo.id} ${wo.crew_name}` }), " · ",
      el("span", { class: `wo-status s-${wo.status}`, text: label("work_order_status", wo.status) }),
      wo.eta ? ` · ${fmt(gettext("ETA %(eta)s"), { eta: clock(wo.eta) })}` : "",
      wo.distance_m !== null && wo.distance_m !== undefined ? ` · ${km(wo.distance_m)}` : "");
  }

  /* "(note)" after an ending, when one was given. */
  const noted = (d) => (d.note ? fmt(gettext(" (%(note)s)"), { note: d.note }) : "");
  const reason = (d) => label("end_reason", d.reason);

  function received(d) {
    if (d.phone && d.address) return fmt(gettext("Call received from %(phone)s: %(address)s"), d);
    if (d.phone) return fmt(gettext("Call received from %(phone)s"), d);
    if (d.address) return fmt(gettext("Call received: %(address)s"), d);
    return gettext("Call received");
  }

  function joined(d) {
    if (d.counted !== false) {
      return fmt(ngettext("Call joined the incident (%(reports)s report)", "Call joined the incident (%(reports)s reports)", d.reports), d);
    }
    if (d.same === "email") {
      return fmt(ngettext(
        "Call joined the incident (%(reports)s report; a repeat from the same email, not counted toward priority)",
        "Call joined the incident (%(reports)s reports; a repeat from the same email, not counted toward priority)",
        d.reports), d);
    }
    return fmt(ngettext(
      "Call joined the incident (%(reports)s report; a repeat from the same phone, not counted toward priority)",
      "Call joined the incident (%(reports)s reports; a repeat from the same phone, not counted toward priority)",
      d.reports), d);
  }

  const EVENT_TEXT = {
    "call.received": received,
    "incident.opened": (d) => fmt(gettext("Incident %(reference)s opened, P%(priority)s, station %(station)s"),
      { reference: d.reference, priority: d.priority, station: label("station", d.station) }),
    "call.joined": joined,
    "call.answered": () => gettext("Call answered and closed"),
    "incident.priority_raised": (d) => fmt(gettext("Priority raised to P%(priority)s"), d),
    "incident.supply_cause": () => gettext("Suspected upstream cause found"),
    "crews.recommended": (d) => fmt(gettext("Crews recommended: %(crews)s"),
      { crews: (d.crews || []).map((c) => c.crew_name).join(gettext(", ")) || gettext("none") }),
    "crews.none_available": () => gettext("No crew available"),
    "work_order.assigned": (d) => fmt(gettext("Work order: %(crew)s dispatched"), d),
    "sla.started": () => gettext("SLA clocks started"),
    "incident.closed": (d) => fmt(gettext("Incident closed: %(reason)s"), { reason: reason(d) }) + noted(d),
    "incident.cancelled": (d) => fmt(gettext("Incident cancelled: %(reason)s"), { reason: reason(d) }) + noted(d),
    "incident.merged": (d) => fmt(gettext("Merged into %(reference)s"), { reference: d.into_reference }) + noted(d),
    "incident.merged_in": (d) => fmt(ngettext("%(reference)s merged in (%(reports)s report)", "%(reference)s merged in (%(reports)s reports)", d.reports),
      { reference: d.from_reference, reports: d.reports }),
    "incident.referred": (d) => fmt(gettext("Referred to %(agency)s: %(reason)s"), { agency: d.agency, reason: reason(d) }),
    "sla.not_applicable": (d) => fmt(gettext("Clocks stopped, not applicable: %(milestones)s"),
      { milestones: (d.milestones || []).map((m) => label("milestone", m)).join(gettext(", ")) }),
    "incident.status": (d) => fmt(gettext("Status: %(status)s"), { status: label("incident_status", d.to) }),
    "incident.note": (d) => fmt(gettext("Note: %(text)s"), d),
    "sla.met": (d) => (d.on_time
      ? fmt(gettext("%(milestone)s: on time"), { milestone: label("milestone", d.milestone) })
      : fmt(gettext("%(milestone)s: %(minutes)s min late"), { milestone: label("milestone", d.milestone), minutes: Math.round(d.late_seconds / 60) })),
    "sla.breached": (d) => fmt(gettext("%(milestone)s: OVERDUE"), { milestone: label("milestone", d.milestone) }),
  };

  function eventText(e) {
    if (EVENT_TEXT[e.kind]) return EVENT_TEXT[e.kind](e.data || {});
    if (e.kind.startsWith("work_order.")) {
      return fmt(gettext("Work order %(status)s"), { status: label("work_order_status", e.kind.slice(11)).toLowerCase() });
    }
    return label("event", e.kind);
  }

  /* Newest first: the last thing that happened is the one in view. */
  function timeline(events) {
    return [...events].reverse().map((e) => el("li", { class: e.kind.replace(".", "-") },
      el("time", { datetime: e.at, text: clock(e.at) }), " ", eventText(e),
      e.actor ? el("span", { class: "muted", text: ` · ${e.actor === "system" ? gettext("system") : e.actor}` }) : null));
  }

  return { label, facts, clocks, tick, crews, workOrder, timeline };
};
