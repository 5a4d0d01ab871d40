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
