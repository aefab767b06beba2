/* The wall's line of the phone (telephony/summary.json, every 3 s): callers waiting in the
   queues and the longest wait (red from 20 s: four rings), agents ready and on calls. Hidden
   while no agent has an extension. */
(function () {
  const row = document.getElementById("phone-counts");
  if (!row) return;
  const LONG_WAIT_S = 20;
  async function refresh() {
    try {
      const response = await fetch("/telephony/summary.json", { headers: { Accept: "application/json" } });
      if (!response.ok) return;
      const s = await response.json();
      const agents = s.agents || {};
      const known = Object.values(agents).reduce((a, b) => a + b, 0);
      row.hidden = known === 0 && s.waiting === 0;
      document.getElementById("phone-waiting").textContent = String(s.waiting);
      const longest = document.getElementById("phone-longest");
      longest.textContent = String(s.longest_wait_s);
      longest.parentElement.className = s.longest_wait_s >= LONG_WAIT_S ? "bad" : "";
      document.getElementById("phone-ready").textContent = String(agents.ready || 0);
      document.getElementById("phone-busy").textContent = String((agents.on_call || 0) + (agents.ringing || 0));
    } catch (err) {
      /* the wall's own feed says when the server is unreachable */
    }
  }
  refresh();
  setInterval(refresh, 3000);
})();
