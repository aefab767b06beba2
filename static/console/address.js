/* The address field: geocoder candidates as you type, chosen with ↑ ↓ and Enter (a combobox). */
"use strict";

window.consoleAddress = function (input, list, hooks) {
  const { el, KINDS, METHODS } = window.consoleKit;
  const DELAY_MS = 250; // long enough not to search on every key, short for a headset
  const combo = { items: [], active: -1, timer: null, abort: null };

  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    combo.active = -1;
    hooks.onPreview(null);
  }

  async function search(now = false) {
    clearTimeout(combo.timer);
    const q = input.value.trim();
    if (!q) {
      close();
      return;
    }
    if (!now) {
      combo.timer = setTimeout(() => search(true), DELAY_MS);
      return;
    }
    if (combo.abort) combo.abort.abort(); // only the answer to the latest text counts
    combo.abort = new AbortController();
    try {
      combo.items = await hooks.search(q, combo.abort.signal);
    } catch (err) {
      if (err.name !== "AbortError") hooks.onError(err);
      return;
    }
    render();
  }

  function render() {
    list.replaceChildren();
    if (!combo.items.length) {
      list.append(el("li", { class: "none", text: gettext("Nothing found: try the road and number, a landmark, or click the map.") }));
    }
    combo.items.forEach((c, i) => {
      list.append(el("li", {
        id: `cand-${i}`, role: "option", "aria-selected": "false",
        onmousedown: (e) => { e.preventDefault(); pick(i); }, // before the input's blur closes us
      },
      el("span", { class: "label", lang: "zh-Hans", text: c.label }),
      el("span", { class: `score m-${c.method}`, text: `${KINDS[c.kind] || c.kind} · ${METHODS[c.method] || c.method} · ${c.score.toFixed(2)}` })));
    });
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
    combo.active = -1;
  }

  function move(step) {
    if (list.hidden || !combo.items.length) return;
    combo.active = (combo.active + step + combo.items.length) % combo.items.length;
    combo.items.forEach((_, i) => document.getElementById(`cand-${i}`).setAttribute("aria-selected", String(i === combo.active)));
    input.setAttribute("aria-activedescendant", `cand-${combo.active}`);
    hooks.onPreview(combo.items[combo.active]);
  }

  function pick(i) {
    const c = combo.items[i];
    close();
    input.value = c.label;
    hooks.onPick(c);
  }

  input.addEventListener("input", () => {
    hooks.onEdit();
    search();
  });
  input.addEventListener("keydown", (e) => {
    const open = !list.hidden;
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      if (!open) search(true);
      else move(e.key === "ArrowDown" ? 1 : -1);
    } else if (e.key === "Enter") {
      if (open && combo.items.length) {
        e.preventDefault();
        pick(Math.max(combo.active, 0)); // Enter alone takes the best candidate
      } else if (!hooks.isPlaced() && input.value.trim()) {
        e.preventDefault(); // an address typed but not yet placed: search, don't store the call
        search(true);
      }
    } else if (e.key === "Escape" && open) {
      e.preventDefault();
      close();
    }
  });
  input.addEventListener("blur", () => setTimeout(close, 150));

  return { close };
};
