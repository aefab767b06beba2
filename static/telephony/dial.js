/* Click-to-call: a button with data-number rings the agent's own phone through the phone
   system (POST /telephony/dial); the answer, or why not, is shown beside it. */
(function () {
  function csrf() {
    const found = document.cookie.split("; ").find((c) => c.startsWith("csrftoken="));
    if (found) return decodeURIComponent(found.slice("csrftoken=".length));
    const field = document.querySelector("[name=csrfmiddlewaretoken]"); // an HttpOnly cookie
    return field ? field.value : "";
  }
  document.addEventListener("click", async (e) => {
    const button = e.target.closest("button.dial");
    if (!button) return;
    button.disabled = true;
    let note = button.nextElementSibling;
    if (!note || !note.classList.contains("dial-note")) {
      note = document.createElement("span");
      note.className = "dial-note";
      note.setAttribute("role", "status");
      button.after(note);
    }
    note.textContent = gettext("Calling your phone…");
    try {
      const response = await fetch("/telephony/dial", {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
        body: JSON.stringify({ number: button.dataset.number }),
      });
      const body = await response.json();
      note.textContent = body.detail || "";
      note.classList.toggle("bad", !response.ok);
    } catch (err) {
      note.textContent = gettext("The call could not be placed: dial the number on your phone.");
      note.classList.add("bad");
    } finally {
      button.disabled = false;
    }
  });
})();
