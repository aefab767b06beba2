/* The incident as the server sent it, drawn: facts, SLA clocks, crews, work order, log. */
"use strict";

window.consoleRender = function (labels) {
  const { el, clock, km, eta, duration } = window.consoleKit;
  const label = (kind, value) => (labels[kind] && labels[kind][value]) || value;

  function facts(i) {
    const rows = [
      ["Priority", `P${i.priority}`], ["Status", label("incident_status", i.status)],
      ["Category", i.category_label], ["Address", i.address || "—"], ["Station", i.station],
      ["Reports", String(i.report_count)],
      ["Main", i.segment_id ? `${i.segment_asset_id}, ${km(i.segment_distance_m || 0)} away` : "not snapped"],
    ];
    return rows.flatMap(([k, v]) => [el("dt", { text: k }), el("dd", { text: v })]);
  }

  function clocks(deadlines) {
    return deadlines.map((d) => el("li", { "data-due": d.due_at, "data-met": d.met_at || "", "data-na": d.not_applicable_at || "" },
      el("span", { class: "what", text: label("milestone", d.milestone) }),
      el("span", { class: "left" }), el("span", { class: "due", text: `due ${clock(d.due_at)}` })));
  }

  /* Called every second: the clocks count down on screen, the server keeps the truth. */
  function tick(list, now) {
    for (const li of list.children) {
      const due = new Date(li.dataset.due).getTime();
      const left = li.querySelector(".left");
      if (li.dataset.na) {  // the incident ended (cancelled, merged...): the clock stopped
        li.className = "na";
        left.textContent = `not applicable since ${clock(li.dataset.na)}`;
        continue;
      }
      if (li.dataset.met) {
        const late = new Date(li.dataset.met).getTime() > due;
        li.className = late ? "late" : "met";
        left.textContent = `${late ? "met late" : "met"} ${clock(li.dataset.met)}`;
        continue;
      }
      const s = Math.round((due - now) / 1000);
      li.className = s < 0 ? "breached" : s < 300 ? "soon" : "running";
      left.textContent = s < 0 ? `OVERDUE ${duration(-s)}` : `${duration(s)} left`;
    }
  }

  function crews(list, onDispatch) {
    if (!list.length) {
      return [el("li", { class: "muted", text: "The utility has no crew with a van on the map: call the station." })];
    }
    return list.map((r, i) => el("li", { class: [i === 0 ? "top" : "", r.ideal === false ? "next-best" : ""].join(" ").trim() },
      el("div", { class: "crew" },
        el("strong", { text: r.crew_name }),
        el("span", { class: "eta", text: `ETA ${eta(r.eta_seconds)}` }),
        el("span", { text: km(r.distance_m) }),
        r.method ? el("span", { class: "muted", text: r.method.toLowerCase().replaceAll("_", " ") }) : null,
        r.preempts_work_order_id ? el("span", { class: "flag", text: `takes over from work order #${r.preempts_work_order_id}` }) : null,
        r.ideal === false ? el("span", { class: "flag", text: "next best" }) : null,
        r.ideal === false && r.can_make_safe ? el("span", { class: "flag", text: "can make safe: first responder" }) : null),
      el("p", { class: "reason", text: r.reason || "" }),
      (r.lacks || []).length ? el("p", { class: "lacks", text: r.lacks.map((l) => l.text).join("; ") }) : null,
      el("button", {
        type: "button", class: "dispatch", "aria-label": `Dispatch ${r.crew_name}, ETA ${eta(r.eta_seconds)}`,
        onclick: () => onDispatch(r),
      }, "Dispatch")));
  }

  function workOrder(wo) {
    return el("p", { class: "wo" },
      el("strong", { text: `#${wo.id} ${wo.crew_name}` }), " · ",
      el("span", { class: `wo-status s-${wo.status}`, text: label("work_order_status", wo.status) }),
      wo.eta ? ` · ETA ${clock(wo.eta)}` : "",
      wo.distance_m !== null && wo.distance_m !== undefined ? ` · ${km(wo.distance_m)}` : "");
  }

  const EVENT_TEXT = {
    "call.received": (d) => `Call received${d.phone ? ` from ${d.phone}` : ""}${d.address ? `: ${d.address}` : ""}`,
    "incident.opened": (d) => `Incident ${d.reference} opened, P${d.priority}, station ${d.station}`,
    "call.joined": (d) => `Call joined the incident (${d.reports} reports${d.counted === false ? `; a repeat from the same ${d.same}, not counted toward priority` : ""})`,
    "call.answered": () => "Call answered and closed",
    "incident.priority_raised": (d) => `Priority raised to P${d.priority}`,
    "incident.supply_cause": () => "Suspected upstream cause found",
    "crews.recommended": (d) => `Crews recommended: ${(d.crews || []).map((c) => c.crew_name).join(", ") || "none"}`,
    "crews.none_available": () => "No crew available",
    "work_order.assigned": (d) => `Work order: ${d.crew} dispatched`,
    "sla.started": () => "SLA clocks started",
    "incident.closed": (d) => `Incident closed: ${d.reason.replaceAll("_", " ")}${d.note ? ` (${d.note})` : ""}`,
    "incident.cancelled": (d) => `Incident cancelled: ${d.reason.replaceAll("_", " ")}${d.note ? ` (${d.note})` : ""}`,
    "incident.merged": (d) => `Merged into ${d.into_reference}${d.note ? ` (${d.note})` : ""}`,
    "incident.merged_in": (d) => `${d.from_reference} merged in (${d.reports} reports)`,
    "incident.referred": (d) => `Referred to ${d.agency}: ${d.reason.replaceAll("_", " ")}`,
    "sla.not_applicable": (d) => `Clocks stopped, not applicable: ${(d.milestones || []).map((m) => label("milestone", m)).join(", ")}`,
    "incident.status": (d) => `Status: ${label("incident_status", d.to)}`,
    "incident.note": (d) => `Note: ${d.text}`,
    "sla.met": (d) => `${label("milestone", d.milestone)}: ${d.on_time ? "on time" : `${Math.round(d.late_seconds / 60)} min late`}`,
    "sla.breached": (d) => `${label("milestone", d.milestone)}: OVERDUE`,
  };

  function eventText(e) {
    if (EVENT_TEXT[e.kind]) return EVENT_TEXT[e.kind](e.data || {});
    if (e.kind.startsWith("work_order.")) return `Work order ${label("work_order_status", e.kind.slice(11)).toLowerCase()}`;
    return e.kind;
  }

  /* Newest first: the last thing that happened is the one in view. */
  function timeline(events) {
    return [...events].reverse().map((e) => el("li", { class: e.kind.replace(".", "-") },
      el("time", { datetime: e.at, text: clock(e.at) }), " ", eventText(e),
      e.actor ? el("span", { class: "muted", text: ` · ${e.actor}` }) : null));
  }

  return { label, facts, clocks, tick, crews, workOrder, timeline };
};
