/* The findings form and the photo upload: both go through the offline queue like a tap. */
"use strict";

window.tabletFindingsForm = function ({ config, queue, uuid, jobId, say }) {
  const $ = (id) => document.getElementById(id);
  const fmt = (text, values) => interpolate(text, values, true);

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
  const grades = [...config.leak_grades, { value: "", label: gettext("None: no leak grade") }];
  $("grades").replaceChildren(
    ...grades.map((g) => {
      // "Grade 1: what it means", the colon English or Chinese
      const [, head, rest] = g.label.match(/^(.*?)(?:: |：)(.*)$/) || [null, g.label, ""];
      return el("label", { class: "seg" }, el("input", { type: "radio", name: "leak_grade", value: String(g.value) }), el("span", {}, el("b", {}, head), el("small", {}, rest)));
    }),
  );
  $("cause").replaceChildren(option("", gettext("Choose the cause…")), ...config.causes.map((c) => option(c.value, c.label)));
  $("actions-taken").replaceChildren(
    // the English words are what the findings keep; the crew reads its own language
    ...config.actions_taken.map((a) => el("label", { class: "check" }, el("input", { type: "checkbox", value: a.value }), el("span", {}, a.label))),
  );

  function valveRow(asset = null, order = null) {
    const did = asset ? fmt(gettext("What you did with %(valve)s"), { valve: asset }) : gettext("What you did with the valve");
    const turned = asset ? fmt(gettext("Did %(valve)s turn?"), { valve: asset }) : gettext("Did the valve turn?");
    const row = el(
      "div",
      { class: "row valve-row", "data-asset": asset || "" },
      asset
        ? el("span", { class: "asset" }, el("span", { class: "valve-no" }, String(order)), asset)
        : el("input", { class: "asset-input", "aria-label": gettext("Valve asset id"), placeholder: gettext("Valve id, e.g. V-000123"), autocomplete: "off" }),
      el("select", { class: "v-action", "aria-label": did }, option("", gettext("Untouched")), option("closed", gettext("Closed")), option("opened", gettext("Opened"))),
      el("select", { class: "v-operable", "aria-label": turned }, option("yes", gettext("Turns")), option("no", gettext("Seized"))),
    );
    $("valves-operated").append(row);
  }

  function materialRow() {
    $("materials").append(
      el(
        "div",
        { class: "row material-row" },
        el("input", { class: "m-item", "aria-label": gettext("Material"), placeholder: gettext("Material, e.g. repair clamp DN100"), maxlength: "100", autocomplete: "off" }),
        el("input", { class: "m-quantity", type: "number", inputmode: "decimal", min: "0", step: "any", "aria-label": gettext("Quantity"), placeholder: gettext("Qty") }),
        el("select", { class: "m-unit", "aria-label": gettext("Unit") }, ...config.units.map((u) => option(u.value, u.label))),
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
      if (!(quantity >= 0)) throw new Error(fmt(gettext("give a quantity for %(item)s"), { item }));
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
      say(fmt(gettext("Findings not sent: %(reason)s."), { reason: err.message }), "error");
      return;
    }
    if (!id || !Object.keys(body).length) {
      say(gettext("Findings not sent: fill in at least one thing you found or did."), "error");
      return;
    }
    Object.assign(body, { client_event_id: uuid(), device_time: new Date().toISOString() });
    queue.push({ url: `/api/field/work-orders/${id}/findings/`, body, label: gettext("Findings"), workOrder: id });
    reset();
    say(gettext("Findings kept on the tablet and sent as soon as there is a network."));
  });

  const photoName = () => {
    const file = $("photo-file").files[0];
    $("photo-file-name").textContent = file ? file.name : $("photo-file-name").dataset.none;
  };
  $("photo-file").addEventListener("change", photoName);
  $("photo").addEventListener("reset", () => setTimeout(photoName));

  $("photo").addEventListener("submit", (event) => {
    event.preventDefault();
    const id = jobId();
    const file = $("photo-file").files[0];
    if (!id || !file) {
      say(gettext("Take or choose a photo first."), "error");
      return;
    }
    if (file.size > config.photo_max_bytes) {
      say(fmt(gettext("The photo is %(size)s MB; the limit is %(limit)s MB: take it at a lower resolution."), { size: (file.size / 1e6).toFixed(1), limit: (config.photo_max_bytes / 1e6).toFixed(0) }), "error");
      return;
    }
    const body = { client_event_id: uuid(), device_time: new Date().toISOString(), caption: $("photo-caption").value.trim() };
    queue
      .push({ url: `/api/field/work-orders/${id}/photos/`, body, label: gettext("Photo"), workOrder: id, photo: file })
      .then(() => $("photo").reset())
      .catch((err) => say(fmt(gettext("The photo could not be kept on this tablet: %(error)s"), { error: err.message }), "error"));
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
