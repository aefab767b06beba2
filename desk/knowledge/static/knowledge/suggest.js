/* Knowledge suggestions: as the call taker picks a case type and types the caller's words,
 * the five best articles, each opened with a click.
 *
 *   const widget = window.KnowledgeSuggest.mount(element, {
 *     caseTypeInput,   // <select> or <input> holding a case-type code (optional)
 *     textInput,       // <input> or <textarea> with the caller's words
 *     lang,            // "zh" | "en" (default: <html lang>)
 *     delayMs,         // debounce, default 300
 *     onShow,          // called with the results each time they are shown (optional)
 *   });
 *   widget.refresh();  // after setting an input's value from code (no event fires then)
 *   widget.destroy();
 *
 * It reads GET /api/knowledge/search/?q=&case_type=&lang= (words typed) or
 * GET /api/knowledge/articles/?case_type=&lang= (a case type, no words yet) with the page's
 * session, and GET /api/knowledge/articles/<id>/ for the article opened. Strings go through
 * Django's JavaScript catalog (gettext) when the page loads /jsi18n/.
 */
(function () {
  "use strict";

  // Django's catalog when the page loaded /jsi18n/, else the English words.
  const gettext = typeof window.gettext === "function" ? window.gettext : (s) => s;
  const MIN_CHARS = 2;

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => node.setAttribute(k, v));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  const STYLE = `
    .kb-suggest-list { list-style: none; padding: 0; margin: .3rem 0; }
    .kb-suggest-item { padding: .35rem 0; border-bottom: 1px solid rgba(128,128,128,.3); }
    .kb-suggest-item a, .kb-suggest-reader a { color: var(--accent, #4aa3ff); cursor: pointer; }
    .kb-suggest-draft { color: var(--bad, #e55); font-size: .8rem; }
    .kb-suggest-snippet, .kb-suggest-status { color: var(--muted, #888); font-size: .85rem; }
    .kb-suggest-title { font-size: .95rem; margin: .4rem 0 0; }
    .kb-suggest-reader { border: 1px solid rgba(128,128,128,.4); padding: .6rem; margin-top: .4rem; }
    .kb-suggest-close { margin-left: 1rem; }`;

  function styleOnce() {
    if (document.getElementById("kb-suggest-style")) return;
    const style = el("style", { id: "kb-suggest-style" }, STYLE);
    document.head.append(style);
  }

  function mount(element, options) {
    styleOnce();
    const opts = options || {};
    const textInput = opts.textInput;
    const caseTypeInput = opts.caseTypeInput || null;
    const lang = (opts.lang || document.documentElement.lang || "zh").slice(0, 2);
    const delay = opts.delayMs === undefined ? 300 : opts.delayMs;
    let timer = null;
    let inFlight = null;
    let lastUrl = "";

    element.classList.add("kb-suggest");
    const box = el("section", { "aria-live": "polite", "aria-label": gettext("Suggested articles") });
    const heading = el("h3", { class: "kb-suggest-title", hidden: "" }, gettext("Suggested articles"));
    const status = el("p", { class: "kb-suggest-status" });
    const list = el("ol", { class: "kb-suggest-list" });
    const reader = el("article", { class: "kb-suggest-reader", hidden: "" });
    box.append(heading, status, list, reader);
    element.replaceChildren(box);

    function urlFor() {
      const words = (textInput && textInput.value ? textInput.value : "").trim().slice(0, 500);
      const caseType = caseTypeInput && caseTypeInput.value ? caseTypeInput.value.trim() : "";
      const params = new URLSearchParams({ lang });
      if (caseType) params.set("case_type", caseType);
      if (words.length >= MIN_CHARS) {
        params.set("q", words);
        return "/api/knowledge/search/?" + params;
      }
      return caseType ? "/api/knowledge/articles/?" + params : "";
    }

    function show(results) {
      list.replaceChildren();
      heading.hidden = false;
      status.textContent = results.length ? "" : gettext("No article matches these words.");
      results.slice(0, 5).forEach((hit) => {
        const item = el("li", { class: "kb-suggest-item" });
        const link = el("a", { href: hit.url, "data-article-id": String(hit.id) }, hit.title);
        link.addEventListener("click", (event) => {
          event.preventDefault();
          open(hit.id);
        });
        item.append(link);
        if (hit.status !== "published") {
          // Editors are shown drafts too: never read one out as the company's answer.
          item.append(el("span", { class: "kb-suggest-draft" }, " · " + gettext("not published")));
        }
        item.append(el("div", { class: "kb-suggest-snippet" }, hit.snippet));
        list.append(item);
      });
      if (typeof opts.onShow === "function") opts.onShow(results);
    }

    async function load() {
      const url = urlFor();
      if (url === lastUrl) return;
      lastUrl = url;
      if (inFlight) inFlight.abort();
      if (!url) {
        list.replaceChildren();
        status.textContent = "";
        heading.hidden = true;
        return;
      }
      inFlight = new AbortController();
      try {
        const response = await fetch(url, {
          credentials: "same-origin",
          headers: { Accept: "application/json" },
          signal: inFlight.signal,
        });
        const body = await response.json();
        if (!response.ok) {
          list.replaceChildren();
          status.textContent = body.error || gettext("The knowledge base could not be searched.");
          return;
        }
        show(Array.isArray(body) ? body : body.results);
      } catch (error) {
        if (error.name !== "AbortError") {
          status.textContent = gettext("The knowledge base could not be searched.");
          lastUrl = "";
        }
      }
    }

    async function open(id) {
      const response = await fetch("/api/knowledge/articles/" + id + "/", {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      const body = await response.json();
      reader.replaceChildren();
      if (!response.ok) {
        reader.append(el("p", {}, body.error || gettext("The article could not be opened.")));
      } else {
        const en = lang === "en" && body.title_en;
        const close = el("button", { type: "button", class: "kb-suggest-close" }, gettext("Close"));
        close.addEventListener("click", () => reader.setAttribute("hidden", ""));
        reader.append(
          el("h4", {}, en ? body.title_en : body.title_zh),
          el("div", { class: "kb-suggest-body", style: "white-space: pre-line" },
            en ? body.body_en : body.body_zh),
          el("a", { href: body.url, target: "_blank", rel: "noopener" }, gettext("Open the full page")),
          close,
        );
      }
      reader.removeAttribute("hidden");
    }

    function schedule() {
      clearTimeout(timer);
      timer = setTimeout(load, delay);
    }

    const listened = [textInput, caseTypeInput].filter(Boolean);
    listened.forEach((input) => {
      input.addEventListener("input", schedule);
      input.addEventListener("change", schedule);
    });
    schedule();

    return {
      refresh() {
        lastUrl = "";
        schedule();
      },
      open,
      destroy() {
        clearTimeout(timer);
        if (inFlight) inFlight.abort();
        listened.forEach((input) => {
          input.removeEventListener("input", schedule);
          input.removeEventListener("change", schedule);
        });
        element.replaceChildren();
      },
    };
  }

  window.KnowledgeSuggest = { mount };
})();
