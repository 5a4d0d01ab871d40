// Keeping keyboard and screen-reader users oriented when htmx changes part of a page.
// Progressive enhancement only: without JavaScript every form posts and the page reloads.
(function () {
  "use strict";

  // One polite live region that outlives every swap of <main>'s content (it sits in <body>,
  // which a boosted navigation replaces, so it is looked up again each time).
  function announce(text) {
    var region = document.getElementById("announcer");
    text = (text || "").replace(/\s+/g, " ").trim();
    if (!region || !text) { return; }
    region.textContent = "";
    // A short pause: a region emptied and refilled in one task is often not read out.
    window.setTimeout(function () { region.textContent = text; }, 150);
  }

  function focusOn(el) {
    if (!el) { return false; }
    if (!el.matches("a[href], button, input, select, textarea, summary, [tabindex]")) {
      el.setAttribute("tabindex", "-1");
    }
    el.focus({ preventScroll: false });
    return document.activeElement === el;
  }

  function focusLost() {
    var el = document.activeElement;
    return !el || el === document.body || !el.isConnected;
  }

  // Where focus was before a swap: the focused element's id, or its nearest ancestor's.
  var before = [];
  document.addEventListener("htmx:beforeSwap", function () {
    before = [];
    for (var el = document.activeElement; el && el !== document.body; el = el.parentElement) {
      if (el.id) { before.push(el.id); }
    }
  });

  function byUser(detail) {
    var elt = detail.requestConfig && detail.requestConfig.elt;
    return !!elt && !!elt.closest && !!elt.closest("form, a, button");
  }

  // Scroll boxes (wide tables) must be reachable by keyboard and named for screen readers.
  function labelScrollers(root) {
    root.querySelectorAll(".table-wrap").forEach(function (box) {
      var scrolls = box.scrollWidth > box.clientWidth + 1;
      if (scrolls && !box.hasAttribute("tabindex")) {
        var table = box.querySelector("table");
        var caption = table && table.caption;
        var section = box.closest("section[aria-labelledby]");
        var heading = section && document.getElementById(section.getAttribute("aria-labelledby"));
        var name = (table && table.getAttribute("aria-label")) ||
          (caption && caption.textContent) || (heading && heading.textContent) ||
          document.title.split(" · ")[0];
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", name.replace(/\s+/g, " ").trim());
        box.dataset.scroller = "";
      } else if (!scrolls && box.hasAttribute("data-scroller")) {
        ["tabindex", "role", "aria-label", "data-scroller"].forEach(function (a) {
          box.removeAttribute(a);
        });
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () { labelScrollers(document); });
  var resizing;
  window.addEventListener("resize", function () {
    window.clearTimeout(resizing);
    resizing = window.setTimeout(function () { labelScrollers(document); }, 200);
  });

  document.addEventListener("htmx:afterSettle", function (evt) {
    var detail = evt.detail;
    // After an outerHTML swap the old target is detached: look in the live document.
    var target = detail.target && detail.target.isConnected ? detail.target : document;
    labelScrollers(document);
    var user = byUser(detail);  // live refreshes (SSE, polling) never move focus
    // An error next to a field: go to the field, whose label and error are read out.
    if (user && focusOn(target.querySelector("[aria-invalid=true]"))) { return; }
    if (detail.boosted) {
      // A new page. htmx has focused an [autofocus] field if the page has one.
      if (!focusLost()) { return; }
      // Else read its message first if there is one, or start at its heading.
      focusOn(document.querySelector("#flashes .flash") ||
              document.querySelector("main h1") || document.getElementById("main"));
      return;
    }
    var marked = user && target.querySelector("[data-focus-after-swap]");
    if (marked) {
      focusOn(marked);
      announce(marked.getAttribute("data-announce"));
      return;
    }
    var news = user && target.querySelector("[data-announce]");
    if (news) { announce(news.getAttribute("data-announce") || news.textContent); }
    if (!focusLost()) { return; }
    // The focused control was swapped away: go back to it, or to the nearest place there is.
    for (var i = 0; i < before.length; i++) {
      if (focusOn(document.getElementById(before[i]))) { return; }
    }
    if (user) { focusOn(target === document ? document.getElementById("main") : target); }
  });
})();
