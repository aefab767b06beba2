/* How the reports write a value: by its measure (a share as %, a time with its unit, a count,
   a score out of 5) and in the page's language, through the browser's Intl (digit grouping,
   decimal mark, "12.5 min" or "12.5分钟"). Dates are the utility's own time zone. */
(function () {
  "use strict";
  const lang = document.documentElement.lang || "en";
  const config = JSON.parse(document.getElementById("reports-config").textContent);

  function number(digits) {
    return new Intl.NumberFormat(lang, { maximumFractionDigits: digits });
  }
  const counts = number(0);
  const units = { minutes: "minute", seconds: "second", hours: "hour" };

  function unitFormat(measure) {
    return new Intl.NumberFormat(lang, {
      style: "unit", unit: units[measure], unitDisplay: "short",
      maximumFractionDigits: measure === "seconds" ? 0 : 1,
    });
  }

  // A value of `measure`; "–" when there is none (no rows, so nothing to measure).
  function value(measure, v) {
    if (v === null || v === undefined) return "–";
    if (measure === "share") {
      return new Intl.NumberFormat(lang, { style: "percent", maximumFractionDigits: 1 }).format(v);
    }
    if (units[measure]) return unitFormat(measure).format(v);
    if (measure === "score") {
      return interpolate(gettext("%(score)s/5"), { score: number(1).format(v) }, true);
    }
    return counts.format(v);
  }

  function count(n) { return counts.format(n); }

  const moments = new Intl.DateTimeFormat(lang, {
    dateStyle: "short", timeStyle: "short", timeZone: config.time_zone,
  });
  function moment(iso) { return iso ? moments.format(new Date(iso)) : "–"; }

  // The measure a figure's items are valued in (a share's items carry its minutes or hours).
  function itemMeasure(figure) {
    if (figure.measure !== "share") return figure.measure;
    if (/reply/.test(figure.key)) return "hours";
    if (figure.key === "repeat_calls" || figure.key === "callback_on_time") return null;
    return "minutes";
  }

  window.reportsFormat = { lang, config, value, count, moment, itemMeasure };
})();
