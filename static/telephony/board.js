/* The phone board: polls /telephony/board.json every two seconds and counts each state's age
   on this screen's clock in between. */
(function () {
  const STATES = {
    ready: gettext("Ready"),
    not_ready: gettext("Not ready"),
    ringing: gettext("Ringing"),
    on_call: gettext("On a call"),
    wrap_up: gettext("Wrap-up"),
    signed_off: gettext("No presence yet"),
  };
  const LONG_WAIT_S = 20; // four rings
  let last = null;
  let fetchedAt = 0;

  function age(seconds) {
    if (seconds === null) return "";
    const s = Math.max(0, Math.round(seconds));
    const m = Math.floor(s / 60);
    return m ? interpolate(gettext("%(m)s min %(s)s s"), { m, s: s % 60 }, true) : interpolate(gettext("%(s)s s"), { s }, true);
  }

  function cell(text, cls) {
    const td = document.createElement("td");
    td.textContent = text;
    if (cls) td.className = cls;
    return td;
  }

  function draw() {
    if (!last) return;
    const drift = (Date.now() - fetchedAt) / 1000;
    const queues = document.querySelector("#queues tbody");
    queues.replaceChildren(...last.queues.map((q) => {
      const tr = document.createElement("tr");
      const wait = q.longest_wait_s + drift;
      if (wait >= LONG_WAIT_S) tr.className = "long";
      tr.append(cell(q.queue), cell(String(q.waiting), "n"), cell(age(wait), "n"));
      return tr;
    }));
    document.getElementById("no-queue").hidden = last.queues.length > 0;
    const agents = document.querySelector("#agents tbody");
    agents.replaceChildren(...last.agents.map((a) => {
      const tr = document.createElement("tr");
      const state = document.createElement("span");
      state.className = `state ${a.state}`;
      state.textContent = a.reason ? `${STATES[a.state]}: ${a.reason}` : STATES[a.state];
      const td = document.createElement("td");
      td.append(state);
      const since = a.since ? (Date.parse(last.now) - Date.parse(a.since)) / 1000 + drift : null;
      tr.dataset.state = a.state;
      tr.append(cell(a.name), cell(a.extension, "n"), td, cell(age(since), "n"), cell(a.caller));
      return tr;
    }));
  }

  async function refresh() {
    try {
      const response = await fetch("/telephony/board.json", { headers: { Accept: "application/json" } });
      const body = await response.json();
      if (!response.ok) throw new Error(body.detail || response.statusText);
      last = body;
      fetchedAt = Date.now();
      document.getElementById("board-error").textContent = "";
      draw();
      document.querySelector(".phone-board").dataset.ready = "1";
    } catch (err) {
      document.getElementById("board-error").textContent = interpolate(gettext("The board could not be refreshed (%(why)s); trying again."), { why: err.message }, true);
    }
  }

  refresh();
  setInterval(refresh, 2000);
  setInterval(draw, 1000);
})();
