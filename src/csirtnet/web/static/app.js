// csirtnet: progressive enhancement only; every form works without this file.
(function () {
  "use strict";
  // Keep the bell's unread count fresh.
  function refreshBell() {
    var badge = document.querySelector("[data-unread-count]");
    if (!badge) return;
    fetch("/api/v1/notifications/unread-count", { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) return;
        badge.textContent = String(data.unread);
        badge.hidden = data.unread === 0;
      })
      .catch(function () {});
  }
  // Ask before destructive actions: <form data-confirm="...">.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var message = form.getAttribute && form.getAttribute("data-confirm");
    if (!message) return;
    if (!window.confirm(message)) { event.preventDefault(); return; }
    // Asked and answered: the server then does not ask again on a page of its own (without a
    // script it does, so a removal is never one click away).
    if (!form.querySelector("input[name=confirmed]")) {
      var confirmed = document.createElement("input");
      confirmed.type = "hidden"; confirmed.name = "confirmed"; confirmed.value = "1";
      form.appendChild(confirmed);
    }
  });
  // Partial updates: <a data-fragment="#target" href="..."> replaces #target with the same id from the response.
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[data-fragment]") : null;
    if (!link) return;
    var selector = link.getAttribute("data-fragment");
    var target = document.querySelector(selector);
    if (!target) return;
    event.preventDefault();
    fetch(link.href, { credentials: "same-origin" })
      .then(function (r) { return r.text(); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.querySelector(selector);
        if (fresh) { target.replaceWith(fresh); history.replaceState(null, "", link.href); }
      });
  });
  if (document.querySelector("[data-unread-count]")) setInterval(refreshBell, 30000);
  // A form that came back with errors: its summary takes the focus, so it is read out first.
  var summary = document.querySelector("[data-autofocus]");
  if (summary) summary.focus();
})();
