// "ago" kept fresh, and the browser's own zone offered once to a person who has not chosen one.
// Progressive enhancement only: the server already wrote every time in the viewer's zone.
(function () {
  "use strict";

  var root = document.documentElement;
  // The page's language, in the browser's own variant of it (en-GB writes dates as en-GB).
  var lang = root.lang || undefined;
  var own = navigator.language || "";
  if (lang && own.toLowerCase().indexOf(lang.toLowerCase()) === 0) { lang = own; }
  var zone = root.getAttribute("data-timezone") || undefined;
  // The same units and rounding as the server (Babel's format_timedelta, threshold 1).
  var UNITS = [["year", 31536000], ["month", 2592000], ["week", 604800], ["day", 86400],
               ["hour", 3600], ["minute", 60], ["second", 1]];

  function ago(date, now) {
    var seconds = (date - now) / 1000;
    if (Math.abs(seconds) < 45 || typeof Intl.RelativeTimeFormat !== "function") { return null; }
    for (var i = 0; i < UNITS.length; i++) {
      var value = Math.abs(seconds) / UNITS[i][1];
      if (value >= 1) {
        var count = Math.max(1, Math.round(value)) * (seconds < 0 ? -1 : 1);
        return new Intl.RelativeTimeFormat(lang, { numeric: "always" }).format(count, UNITS[i][0]);
      }
    }
    return null;
  }

  // Only "ago" changes: the dates and hours stay as the server wrote them, in the page's zone,
  // hour cycle and words, so one page never mixes "Tue 24 Nov, 14:00" and "Nov 24, 2:00 PM".
  function localise(scope) {
    var now = new Date();
    scope.querySelectorAll("time[datetime]").forEach(function (el) {
      var date = new Date(el.getAttribute("datetime"));
      var rel = el.querySelector(".when__ago");
      var phrase = !isNaN(date) && rel && ago(date, now);
      if (phrase) { rel.textContent = phrase; }
    });
  }

  var OFFER_COOKIE = "zone_offer=no";

  // Only the browser knows its own zone: offer it when it differs from the page's.
  function offerZone() {
    var offer = document.getElementById("zone-offer");
    var own = "";
    try { own = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { own = ""; }
    if (!offer || !own || own === zone || document.cookie.indexOf(OFFER_COOKIE) !== -1) { return; }
    offer.querySelector("[data-zone-offer-name]").value = own;
    // The server's CLDR city where it differs from the name: ICU still says Asia/Calcutta.
    var cities = {};
    try { cities = JSON.parse(offer.getAttribute("data-zone-cities") || "{}"); } catch (e) { cities = {}; }
    offer.querySelector("[data-zone-offer-city]").textContent =
      cities[own] || own.split("/").pop().replace(/_/g, " ");
    offer.querySelector("[data-zone-offer-dismiss]").addEventListener("click", function () {
      document.cookie = OFFER_COOKIE + "; path=/; max-age=31536000; SameSite=Lax";
      offer.hidden = true;
    });
    offer.hidden = false;
  }

  document.addEventListener("DOMContentLoaded", function () { localise(document); offerZone(); });
  document.addEventListener("htmx:afterSettle", function (evt) {
    if (evt.detail.boosted) { offerZone(); }
  });
  document.addEventListener("htmx:afterSettle", function (evt) {
    var target = evt.detail.target;
    localise(target && target.isConnected ? target : document);
  });
  window.setInterval(function () { localise(document); }, 60000);
})();
