/* The findings form and the photo upload: both go through the offline queue like a tap. */
"use strict";

window.tabletFindingsForm = function ({ config, queue, uuid, jobId, say }) {
  const $ = (id) => document.getElementById(id);
  const UNITS = ["pcs", "m", "kg", "L"];

  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (k === "class") node.className = v;
      else if (v !== null && v !== undefined && v !== false) node.setAttribute(k, v === true ? "" : v);
    }
    node.append(...children.filter((c) => c !== null && c !== undefined));
    return node;
  }
  const option = (value, text) => el("option", { value }, text);

  // Leak grade: big segments, "Grade 1" large and what it means small beneath.
  const grades = [...config.leak_grades, { value: "", label: "None: no leak grade" }];
  $("grades").replaceChildren(
    ...grades.map((g) => {
      const [head, ...rest] = g.label.split(": ");
      return el("label", { class: "seg" }, el("input", { type: "radio", name: "leak_grade", value: String(g.value) }), el("span", {}, el("b", {}, head), el("small", {}, rest.join(": "))));
    }),
  );
  $("cause").replaceChildren(option("", "Choose the cause…"), ...config.causes.map((c) => option(c.value, c.label)));
  $("actions-taken").replaceChildren(
    ...config.actions_taken.map((a) => el("label", { class: "check" }, el("input", { type: "checkbox", value: a }), el("span", {}, a))),
  );

  function valveRow(asset = null, order = null) {
    const name = asset || "the valve";
    const row = el(
      "div",
      { class: "row valve-row", "data-asset": asset || "" },
      asset
        ? el("span", { class: "asset" }, el("span", { class: "valve-no" }, String(order)), asset)
        : el("input", { class: "asset-input", "aria-label": "Valve asset id", placeholder: "Valve id, e.g. V-000123", autocomplete: "off" }),
      el("select", { class: "v-action", "aria-label": `What you did with ${name}` }, option("", "Untouched"), option("closed", "Closed"), option("opened", "Opened")),
      el("select", { class: "v-operable", "aria-label": `Did ${name} turn?` }, option("yes", "Turns"), option("no", "Seized")),
    );
    $("valves-operated").append(row);
  }

  function materialRow() {
    $("materials").append(
      el(
        "div",
        { class: "row material-row" },
        el("input", { class: "m-item", "aria-label": "Material", placeholder: "Material, e.g. repair clamp DN100", maxlength: "100", autocomplete: "off" }),
        el("input", { class: "m-quantity", type: "number", inputmode: "decimal", min: "0", step: "any", "aria-label": "Quantity", placeholder: "Qty" }),
        el("select", { class: "m-unit", "aria-label": "Unit" }, ...UNITS.map((u) => option(u, u))),
      ),
    );
  }
  $("add-valve").addEventListener("click", () => valveRow());
  $("add-material").addEventListener("click", materialRow);

  function collect() {
    const form = $("findings");
    const body = {};
    const grade = form.querySelector("input[name=leak_grade]:checked");
    if (grade && grade.value) body.leak_grade = Number(grade.value);
    if ($("cause").value) body.cause = $("cause").value;
    const actions = [...$("actions-taken").querySelectorAll("input:checked")].map((i) => i.value);
    if ($("other-action").value.trim()) actions.push($("other-action").value.trim());
    if (actions.length) body.actions_taken = actions;
    const valves = [];
    for (const row of $("valves-operated").children) {
      const asset = row.dataset.asset || row.querySelector(".asset-input").value.trim();
      const action = row.querySelector(".v-action").value;
      if (asset && action) valves.push({ asset_id: asset, action, operable: row.querySelector(".v-operable").value === "yes" });
    }
    if (valves.length) body.valves_operated = valves;
    const materials = [];
    for (const row of $("materials").children) {
      const item = row.querySelector(".m-item").value.trim();
      if (!item) continue;
      const quantity = Number.parseFloat(row.querySelector(".m-quantity").value);
      if (!(quantity >= 0)) throw new Error(`give a quantity for ${item}`);
      materials.push({ item, quantity, unit: row.querySelector(".m-unit").value });
    }
    if (materials.length) body.materials = materials;
    if ($("notes").value.trim()) body.notes = $("notes").value.trim();
    return body;
  }

  $("findings").addEventListener("submit", (event) => {
    event.preventDefault();
    const id = jobId();
    let body;
    try {
      body = collect();
    } catch (err) {
      say(`Findings not sent: ${err.message}.`, "error");
      return;
    }
    if (!id || !Object.keys(body).length) {
      say("Findings not sent: fill in at least one thing you found or did.", "error");
      return;
    }
    Object.assign(body, { client_event_id: uuid(), device_time: new Date().toISOString() });
    queue.push({ url: `/api/field/work-orders/${id}/findings/`, body, label: "Findings", workOrder: id });
    reset();
    say("Findings kept on the tablet and sent as soon as there is a network.");
  });

  $("photo").addEventListener("submit", (event) => {
    event.preventDefault();
    const id = jobId();
    const file = $("photo-file").files[0];
    if (!id || !file) {
      say("Take or choose a photo first.", "error");
      return;
    }
    if (file.size > config.photo_max_bytes) {
      say(`The photo is ${(file.size / 1e6).toFixed(1)} MB; the limit is ${(config.photo_max_bytes / 1e6).toFixed(0)} MB: take it at a lower resolution.`, "error");
      return;
    }
    const body = { client_event_id: uuid(), device_time: new Date().toISOString(), caption: $("photo-caption").value.trim() };
    queue
      .push({ url: `/api/field/work-orders/${id}/photos/`, body, label: "Photo", workOrder: id, photo: file })
      .then(() => $("photo").reset())
      .catch((err) => say(`The photo could not be kept on this tablet: ${err.message}`, "error"));
  });

  /* A fresh form for a job: one row per valve to close, in closing order. */
  function reset(valvesToClose = reset.valves || []) {
    reset.valves = valvesToClose;
    $("findings").reset();
    $("valves-operated").replaceChildren();
    $("materials").replaceChildren();
    for (const f of valvesToClose) valveRow(f.properties.asset_id, f.properties.order);
    if (!valvesToClose.length) valveRow();
    materialRow();
  }

  return { reset };
};
