/* A page's recordings of its call (a desk case's): the recorded legs the signed-in user may
   hear, each with its player and a link to its page (reviews). Nothing for a user who may
   not listen: the element keeps its dash. */
(function () {
  const box = document.getElementById("recordings");
  if (!box || !box.dataset.call) return;
  fetch(`/telephony/calls/${box.dataset.call}/legs.json`, { headers: { Accept: "application/json" } })
    .then((r) => (r.ok ? r.json() : { legs: [] }))
    .then(({ legs }) => {
      if (!legs.length) {
        box.textContent = gettext("none recorded");
        return;
      }
      box.replaceChildren(...legs.map((leg) => {
        const row = document.createElement("div");
        const link = document.createElement("a");
        link.href = leg.page;
        link.textContent = leg.extension ? interpolate(gettext("extension %(ext)s"), { ext: leg.extension }, true) : gettext("caller");
        const audio = document.createElement("audio");
        audio.controls = true;
        audio.preload = "none";
        audio.src = leg.audio;
        row.append(link, " ", audio);
        return row;
      }));
    })
    .catch(() => { box.textContent = gettext("the recordings could not be listed"); });
})();
