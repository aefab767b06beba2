/* The dispatch screen's forms (maps/static/maps/dispatch.js opens them): a work order given
   to another crew or called off, each with a reason; the case ended (closed, cancelled,
   referred, or merged into another incident from the queue). What the server refuses is shown
   beside the form, in its words, and the focus goes to the field to fix. */
"use strict";

window.dispatchForms = function (screen) {
  const { config, t, api, el, $, label, isOpen, state, queue, say, withConsent, after, lacksSkill } = screen;

  /* ---------- work orders: reassign, cancel ---------- */

  function closeForms() {
    for (const id of ["reassign-form", "cancel-form"]) if ($(id)) $(id).hidden = true;
  }

  function openReassign(woId) {
    const d = state.open;
    if (!config.can_dispatch || !d || !d.work_orders.length) return;
    closeForms();
    $("reassign-wo").value = String(woId || d.work_orders[0].id);
    $("reassign-crew").replaceChildren(...state.recs.map((r, i) => el("option", { value: r.crew_id },
      `${i + 1}. ${r.crew_name} · ${t("eta_min", { n: Math.max(1, Math.round(r.eta_seconds / 60)) })}${lacksSkill(r).length ? ` · ${lacksSkill(r).map((l) => l.text).join("; ")}` : ""}`)));
    $("reassign-error").textContent = state.recs.length ? "" : t("no_crews");
    $("reassign-form").hidden = false;
    $("reassign-crew").focus();
  }

  async function reassign() {
    const d = state.open;
    const woId = Number($("reassign-wo").value);
    const r = state.recs.find((x) => String(x.crew_id) === $("reassign-crew").value);
    const reason = $("reassign-reason").value.trim();
    $("reassign-error").textContent = "";
    if (!r) return;
    say(t("reassigning", { id: woId, crew: r.crew_name }));
    let moved;
    try {
      moved = await withConsent(r, (extra) =>
        api("POST", `/api/work-orders/${woId}/reassign/`, { crew_id: r.crew_id, reason, ...extra }));
    } catch (err) {
      $("reassign-error").textContent = err.message;
      say(t("failed", { doing: t("doing_reassign"), error: err.message }), true);
      (err.field === "reason" ? $("reassign-reason") : $("reassign-crew")).focus();
      return;
    }
    if (moved === null) return say("");
    $("reassign-form").hidden = true;
    $("reassign-reason").value = "";
    say(t("reassigned", { id: woId, crew: r.crew_name }));
    await after(d.id);
  }

  function openCancel(woId) {
    const d = state.open;
    if (!config.can_dispatch || !d || !d.work_orders.length) return;
    closeForms();
    $("cancel-wo").value = String(woId || d.work_orders[0].id);
    $("cancel-error").textContent = "";
    $("cancel-form").hidden = false;
    $("cancel-reason").focus();
  }

  async function cancelWorkOrder() {
    const d = state.open;
    const woId = Number($("cancel-wo").value);
    $("cancel-error").textContent = "";
    try {
      await api("POST", `/api/work-orders/${woId}/cancel/`, { reason: $("cancel-reason").value.trim(), note: $("cancel-note").value.trim() });
    } catch (err) {
      $("cancel-error").textContent = err.message;
      say(t("failed", { doing: t("doing_cancel"), error: err.message }), true);
      $("cancel-reason").focus();
      return;
    }
    $("cancel-form").hidden = true;
    $("cancel-reason").value = "";
    $("cancel-note").value = "";
    say(t("cancelled_wo", { id: woId }));
    await after(d.id);
  }

  /* ---------- ending the case: close, cancel, refer, merge ---------- */

  function renderEnd(d) {
    const box = $("end-box");
    if (!box) return;
    box.hidden = !(isOpen(d.status) || d.status === "resolved");
    // A resolved incident (the crew finished) may only be closed.
    for (const option of $("end-to").options) option.disabled = d.status === "resolved" && option.value !== "close";
    if (d.status === "resolved") $("end-to").value = "close";
    endChoices();
  }

  function endChoices() {
    const to = $("end-to").value;
    const keep = $("end-reason").value;
    $("end-reason").replaceChildren(...config.endings[to].map((r) => el("option", { value: r, text: label("end_reason", r) })));
    if (config.endings[to].includes(keep)) $("end-reason").value = keep;
    for (const node of document.querySelectorAll(".merge-only")) node.hidden = to !== "merge";
    const note = $("end-note-label");
    note.textContent = to === "refer" ? note.dataset.agency : note.dataset.note;
    $("end-note").maxLength = to === "refer" ? 100 : 1000;
    fillMergeTargets();
  }

  /* Merge into: another incident from the queue, still open. */
  function fillMergeTargets() {
    const select = $("end-into");
    if (!select || !state.open) return;
    const keep = select.value;
    const others = queue.items().filter((i) => i.id !== state.open.id && isOpen(i.status));
    select.replaceChildren(...(others.length ? others.map((i) => el("option", { value: i.id },
      `${i.reference} · P${i.priority} · ${i.category_name} · ${i.address || "—"}`)) : [el("option", { value: "", text: t("no_merge_target") })]));
    if (others.some((i) => String(i.id) === keep)) select.value = keep;
  }

  function openEnd(to) {
    const d = state.open;
    if (!config.can_dispatch || !d || $("end-box").hidden) return;
    if (to) {
      $("end-to").value = to;
      endChoices();
    }
    $("end-box").scrollIntoView({ block: "nearest" });
    (to === "merge" ? $("end-into") : $("end-to")).focus();
  }

  async function endCase() {
    const d = state.open;
    const to = $("end-to").value;
    const text = $("end-note").value.trim();
    const body = { reason: $("end-reason").value };
    if (to === "refer") body.agency = text;
    else body.note = text;
    if (to === "merge") body.into_id = Number($("end-into").value) || 0;
    $("end-error").textContent = "";
    let ended;
    try {
      ended = await api("POST", `/api/incidents/${d.id}/${to}/`, body);
    } catch (err) {
      $("end-error").textContent = err.message;
      say(t("failed", { doing: t("doing_end"), error: err.message }), true);
      const slot = { reason: "end-reason", into_id: "end-into" }[err.field] || "end-note";
      $(slot).focus();
      return;
    }
    $("end-note").value = "";
    say(t("ended", { ref: ended.reference, status: label("incident_status", ended.status), reason: label("end_reason", ended.end_reason) }));
    await after(d.id);
  }


  if (config.can_dispatch) {
    $("reassign-form").addEventListener("submit", (e) => { e.preventDefault(); reassign(); });
    $("cancel-form").addEventListener("submit", (e) => { e.preventDefault(); cancelWorkOrder(); });
    $("end-form").addEventListener("submit", (e) => { e.preventDefault(); endCase(); });
    $("end-to").addEventListener("change", endChoices);
    for (const button of document.querySelectorAll("[data-close]")) button.addEventListener("click", closeForms);
  }

  return { closeForms, openReassign, openCancel, openEnd, renderEnd, fillMergeTargets };
};
