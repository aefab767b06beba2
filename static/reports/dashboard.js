/* The dashboard's tiles and charts, drawn from the figures the page was sent (the same answer
   as /api/reports/figures/ for the page's query). A tile or a bar opens its records. */
(function () {
  "use strict";
  const fmt = window.reportsFormat;
  const drill = window.reportsDrill;
  const config = fmt.config;
  const figures = config.figures;
  const byKey = Object.fromEntries(figures.map((f) => [f.key, f]));
  const COLOURS = { bar: "#4fc3ff", p90: "#c58cff", met: "#2fbf71", missed: "#ff5a5f", ink: "#e8edf3",
    muted: "#9aa7b6", grid: "#2a3442" };

  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function sub(parts) {
    const line = el("span", "t-sub");
    parts.forEach(([label, text], i) => {
      if (i) line.appendChild(document.createTextNode(" · "));
      line.appendChild(document.createTextNode(label + " "));
      line.appendChild(el("b", "", text));
    });
    return line;
  }

  function distribution(f) {
    const t = f.total;
    return sub([
      [gettext("p90"), fmt.value(f.measure, t.p90)],
      [gettext("p97"), fmt.value(f.measure, t.p97)],
      [gettext("longest"), fmt.value(f.measure, t.longest)],
    ]);
  }

  function tile(f) {
    const box = el("button", "rp-tile");
    box.type = "button";
    box.dataset.key = f.key;
    box.dataset.value = f.value === null ? "" : String(f.value);
    if (f.meets_target === true) box.classList.add("met");
    if (f.meets_target === false) box.classList.add("missed");
    box.appendChild(el("span", "t-label", f.label));
    const value = el("span", "t-value", fmt.value(f.measure, f.value));
    box.appendChild(value);
    const t = f.total;
    if (f.kind === "distribution") {
      const median = el("span", "t-sub", interpolate(gettext("median of %(n)s"), { n: fmt.count(t.count) }, true));
      box.appendChild(median);
      box.appendChild(distribution(f));
    } else if (f.kind === "share") {
      box.appendChild(el("span", "t-sub", interpolate(gettext("%(hits)s of %(count)s"),
        { hits: fmt.count(t.hits), count: fmt.count(t.count) }, true)));
    } else if (f.kind === "mean") {
      box.appendChild(el("span", "t-sub", interpolate(ngettext("%(n)s answer", "%(n)s answers", t.count),
        { n: fmt.count(t.count) }, true)));
    }
    if (f.key.startsWith("preset:")) {
      const marks = [];
      if (f.target !== null) marks.push([gettext("target"), fmt.value("share", f.target)]);
      if (f.average_max !== null) marks.push([gettext("average at most"), fmt.value("minutes", f.average_max)]);
      if (f.longest_max !== null) marks.push([gettext("longest at most"), fmt.value("minutes", f.longest_max)]);
      if (marks.length) box.appendChild(sub(marks));
      box.appendChild(sub([
        [gettext("average"), fmt.value("minutes", t.mean)],
        [gettext("longest"), fmt.value("minutes", t.longest)],
      ]));
      if (t.over) {
        box.appendChild(el("span", "t-sub", interpolate(ngettext("%(n)s over the longest allowed",
          "%(n)s over the longest allowed", t.over), { n: fmt.count(t.over) }, true)));
      }
    }
    if (f.not_applicable) box.appendChild(el("span", "t-sub", f.not_applicable));
    if (f.note && !f.key.startsWith("preset:")) box.title = f.note;
    box.addEventListener("click", () => drill.open(f, null, ""));
    return box;
  }

  function tiles() {
    const main = document.getElementById("rp-tiles");
    const presets = document.getElementById("rp-presets");
    figures.forEach((f) => (f.key.startsWith("preset:") ? presets : main).appendChild(tile(f)));
    document.getElementById("rp-presets-section").hidden = !presets.children.length;
  }

  function datasets(f, rows, line) {
    const kind = line ? "line" : "bar";
    const base = { type: kind, borderWidth: line ? 2 : 0, pointRadius: line ? 3 : 0, tension: 0, maxBarThickness: 90 };
    if (f.kind === "share") {
      return [{ ...base, label: gettext("share met"), data: rows.map((r) => r.share),
        backgroundColor: COLOURS.bar, borderColor: COLOURS.bar }];
    }
    if (f.kind === "distribution") {
      return [
        { ...base, label: gettext("median"), data: rows.map((r) => r.median), backgroundColor: COLOURS.bar,
          borderColor: COLOURS.bar },
        { ...base, label: gettext("p90"), data: rows.map((r) => r.p90), backgroundColor: COLOURS.p90,
          borderColor: COLOURS.p90 },
      ];
    }
    if (f.kind === "mean") {
      return [{ ...base, label: gettext("average"), data: rows.map((r) => r.mean), backgroundColor: COLOURS.bar,
        borderColor: COLOURS.bar }];
    }
    return [{ ...base, label: f.label, data: rows.map((r) => r.count), backgroundColor: COLOURS.bar,
      borderColor: COLOURS.bar }];
  }

  function chart(f) {
    const card = el("div", "rp-chart");
    card.dataset.key = f.key;
    card.appendChild(el("h3", "", f.label));
    const rows = f.rows;
    if (!rows.length) {
      card.appendChild(el("p", "c-none", f.not_applicable || gettext("No records in this scope.")));
      return card;
    }
    const box = el("div", "c-box");
    const canvas = el("canvas");
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", f.label);
    box.appendChild(canvas);
    card.appendChild(box);
    const line = config.periods.includes(config.by) && rows.length > 1;
    const measure = f.kind === "count" ? "count" : f.measure;
    // Drawn once the card is in the page, so Chart.js can measure its box.
    card.draw = () => new Chart(canvas, {
      type: line ? "line" : "bar",
      data: { labels: rows.map((r) => r.label), datasets: datasets(f, rows, line) },
      options: {
        maintainAspectRatio: false,
        animation: false,
        onClick: (event, elements) => {
          if (!elements.length) return;
          const row = rows[elements[0].index];
          drill.open(f, row.key === null ? "" : row.key, row.label);
        },
        onHover: (event, elements) => { canvas.style.cursor = elements.length ? "pointer" : "default"; },
        plugins: {
          legend: { display: f.kind === "distribution", labels: { color: COLOURS.ink } },
          tooltip: { callbacks: {
            label: (ctx) => ctx.dataset.label + ": " + fmt.value(measure, ctx.parsed.y),
            afterLabel: (ctx) => interpolate(ngettext("%(n)s record", "%(n)s records", rows[ctx.dataIndex].count),
              { n: fmt.count(rows[ctx.dataIndex].count) }, true),
          } },
        },
        scales: {
          x: { ticks: { color: COLOURS.ink, autoSkip: true, maxRotation: 45 }, grid: { display: false } },
          y: {
            beginAtZero: true,
            max: f.kind === "share" ? 1 : f.kind === "mean" ? 5 : undefined,
            ticks: { color: COLOURS.muted, callback: (v) => fmt.value(measure, v), precision: f.kind === "count" ? 0 : undefined },
            grid: { color: COLOURS.grid },
          },
        },
      },
    });
    return card;
  }

  function charts() {
    const holder = document.getElementById("rp-charts");
    Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    Chart.defaults.font.size = 14;
    Chart.defaults.color = COLOURS.ink;
    config.charted.filter((key) => byKey[key]).forEach((key) => {
      const card = chart(byKey[key]);
      holder.appendChild(card);
      if (card.draw) card.draw();
    });
  }

  tiles();
  charts();
  drill.breaches().finally(() => { document.querySelector(".reports").dataset.ready = "1"; });
})();
