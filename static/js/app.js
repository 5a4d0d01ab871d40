// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  // Show times in the viewer's own time zone in the tooltip.
  function localiseTimes(root) {
    root.querySelectorAll("time[datetime]").forEach(function (el) {
      var d = new Date(el.getAttribute("datetime"));
      if (!isNaN(d)) {
        el.title = d.toLocaleString(undefined, {
          weekday: "short", day: "numeric", month: "short", year: "numeric",
          hour: "2-digit", minute: "2-digit", timeZoneName: "short"
        });
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () { localiseTimes(document); });

  document.addEventListener("htmx:afterSettle", function (evt) {
    // After an outerHTML swap the old target is detached: look in the live document.
    var target = evt.detail.target.isConnected ? evt.detail.target : document;
    localiseTimes(target);
    // Keep keyboard and screen-reader users oriented after a swap.
    var invalid = target.querySelector("[aria-invalid=true]");
    var focus = invalid || target.querySelector("[data-focus-after-swap]");
    if (focus) { focus.focus(); }
  });

  // A failed htmx request must say so instead of doing nothing.
  document.addEventListener("htmx:responseError", function (evt) {
    var box = document.getElementById("flashes");
    if (!box) { return; }
    var p = document.createElement("p");
    p.className = "flash flash--error";
    var status = evt.detail.xhr.status;
    p.textContent = status === 413 ? "That upload is too large. Nothing was saved."
      : status === 404 ? "That is no longer available."
      : status === 429 ? "Too many attempts. Wait a moment and try again."
      : "Something went wrong. Nothing you wrote was lost: try again.";
    box.replaceChildren(p);
  });
  document.addEventListener("htmx:sendError", function () {
    var box = document.getElementById("flashes");
    if (box) {
      var p = document.createElement("p");
      p.className = "flash flash--error";
      p.textContent = "You seem to be offline. Your text is still in the form: try again.";
      box.replaceChildren(p);
    }
  });
})();
