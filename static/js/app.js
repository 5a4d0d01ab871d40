// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  // Times: static/js/times.js. Focus and announcements after swaps: static/js/a11y.js.

  // A failed htmx request must say so instead of doing nothing.
  document.addEventListener("htmx:responseError", function (evt) {
    var box = document.getElementById("flashes");
    if (!box) { return; }
    var p = document.createElement("p");
    p.className = "flash flash--error";
    var status = evt.detail.xhr.status;
    // Rate limits say when to come back (Retry-After, in seconds); so does this message.
    var retry = parseInt(evt.detail.xhr.getResponseHeader("Retry-After"), 10);
    var wait = retry >= 90 ? Math.ceil(retry / 60) + " minutes"
      : retry > 0 ? retry + " seconds" : "a moment";
    p.textContent = status === 413 ? "That upload is too large. Nothing was saved."
      : status === 404 ? "That is no longer available."
      : status === 429 ? "Too many attempts. For your safety, please wait " + wait +
        " and try again."
      : status === 503 ? "We're having trouble right now. Nothing you wrote was lost: it is " +
        "still in the form. Try again in a few seconds."
      : "Something went wrong. Nothing you wrote was lost: try again.";
    box.replaceChildren(p);
  });
  // A live refresh never wipes what someone is typing (or a <details> they opened): while
  // the part holds unsent edits, the refresh waits; the next one after sending applies.
  function edited(root) {
    var fields = root.querySelectorAll("input, textarea, select");
    for (var i = 0; i < fields.length; i++) {
      var f = fields[i];
      if (f.type === "hidden" || f.type === "submit") { continue; }
      if (f.type === "checkbox" || f.type === "radio") {
        if (f.checked !== f.defaultChecked) { return true; }
      } else if (f.tagName === "SELECT") {
        for (var j = 0; j < f.options.length; j++) {
          if (f.options[j].selected !== f.options[j].defaultSelected) { return true; }
        }
      } else if (f.value !== f.defaultValue) {
        return true;
      }
    }
    return root.querySelector("details[open]") !== null;
  }
  document.addEventListener("htmx:beforeSwap", function (evt) {
    var target = evt.detail.target;
    var refresh = evt.detail.requestConfig && evt.detail.requestConfig.elt === target;
    if (refresh && target.hasAttribute("data-keep-edits") && edited(target)) {
      evt.detail.shouldSwap = false;
    }
  });
  // Live parts refresh on "sse:changed"; staff parts also listen for "live:poll". While a
  // page's event stream is down (live updates unavailable: the server answers 503), those
  // are refreshed every 30 s instead, and once when the stream is back, for what was missed.
  // Customer parts poll every 30 s anyway (answered 304 when nothing changed).
  var LIVE_POLL_MS = 30000;
  function pollLive(source) {
    var parts = Array.prototype.slice.call(source.querySelectorAll("[hx-trigger*='live:poll']"));
    if (source.matches("[hx-trigger*='live:poll']")) { parts.push(source); }
    parts.forEach(function (part) { htmx.trigger(part, "live:poll"); });
  }
  document.addEventListener("htmx:sseError", function (evt) {
    evt.target.setAttribute("data-live-down", "");
  });
  document.addEventListener("htmx:sseOpen", function (evt) {
    if (evt.target.hasAttribute("data-live-down")) {
      evt.target.removeAttribute("data-live-down");
      pollLive(evt.target);
    }
  });
  window.setInterval(function () {
    document.querySelectorAll("[sse-connect][data-live-down]").forEach(pollLive);
  }, LIVE_POLL_MS);
  document.addEventListener("htmx:sendError", function () {
    var box = document.getElementById("flashes");
    if (box) {
      var p = document.createElement("p");
      p.className = "flash flash--error";
      p.textContent = "You seem to be offline. Your text is still in the form: try again.";
      box.replaceChildren(p);
    }
  });
  // A long text is never cut without a word: no maxlength (a paste would lose its end),
  // a counter instead, near the limit, and a plain message past it. The server refuses an
  // over-long text the same way and keeps it in the form (portal/customer/forms.py).
  function countRoom(field) {
    var box = document.getElementById(field.id + "-count");
    var most = parseInt(field.getAttribute("data-maxlength"), 10);
    if (!box || !most) { return; }
    if (!box.hasAttribute("data-idle")) { box.setAttribute("data-idle", box.textContent); }
    var left = most - Array.from(field.value).length;  // characters, as the server counts
    var over = left < 0;
    box.textContent = over ? box.getAttribute("data-over").replace("{n}", String(-left))
      : left < most / 10 ? box.getAttribute("data-left").replace("{n}", String(left))
      : box.getAttribute("data-idle");
    box.classList.toggle("counter--over", over);
    if (over) { field.setAttribute("aria-invalid", "true"); box.setAttribute("role", "alert"); }
    else if (box.hasAttribute("role")) { field.removeAttribute("aria-invalid"); box.removeAttribute("role"); }
  }
  document.addEventListener("input", function (evt) {
    if (evt.target.hasAttribute && evt.target.hasAttribute("data-maxlength")) {
      countRoom(evt.target);
    }
  });
  // Text restored by the browser (Back) or kept after a refused send is counted at once.
  function countAll(root) {
    (root.querySelectorAll ? root : document).querySelectorAll("[data-maxlength]")
      .forEach(function (field) { if (field.value) { countRoom(field); } });
  }
  document.addEventListener("DOMContentLoaded", function () { countAll(document); });
  document.addEventListener("htmx:load", function (evt) { countAll(evt.target); });
})();
