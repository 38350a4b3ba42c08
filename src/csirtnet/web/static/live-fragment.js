// csirtnet: a page part that follows its data live (the advisory tracking view, an exercise's
// scoreboard and its projector view). Every few seconds (data-live-every) it fetches the fragment
// route named by [data-live-fragment] and swaps it in; without this file the page is complete, and
// a reload shows the same. No library: fetch and DOMParser.
(function () {
  "use strict";
  var live = document.querySelector("[data-live-fragment]");
  if (!live) return;
  var every = Math.max(2, parseInt(live.getAttribute("data-live-every") || "10", 10)) * 1000;
  var busy = false;
  function refresh() {
    // A hidden tab asks nothing; a slow answer is not asked again before it arrives.
    if (busy || document.hidden) return;
    busy = true;
    fetch(live.getAttribute("data-live-fragment"), { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (html === null) return;
        var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("[data-live-fragment]");
        if (!fresh) return;
        live.replaceWith(fresh);
        live = fresh;
      })
      .catch(function () {})
      .then(function () { busy = false; });
  }
  setInterval(refresh, every);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) refresh(); });
})();
