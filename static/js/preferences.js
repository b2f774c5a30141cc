// The visitor's preferences, without inline script (the Content-Security-Policy runs none).
(function () {
  "use strict";

  // The language select submits when changed; its button is for browsers without JavaScript.
  function autosubmit(root) {
    root.querySelectorAll("[data-autosubmit-button]").forEach(function (button) { button.hidden = true; });
  }
  document.addEventListener("change", function (event) {
    if (event.target.matches("select[data-autosubmit]") && event.target.form) event.target.form.requestSubmit();
  });
  document.addEventListener("DOMContentLoaded", function () { autosubmit(document); });
  document.addEventListener("htmx:load", function (event) { autosubmit(event.target); });

  // The browser's time zone, for times shown in the visitor's zone (saved on the account).
  try {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    var current = document.cookie.split("; ").find(function (part) { return part.indexOf("soko_tz=") === 0; });
    if (zone && current !== "soko_tz=" + encodeURIComponent(zone)) {
      document.cookie = "soko_tz=" + encodeURIComponent(zone) + "; path=/; max-age=31536000; samesite=lax";
    }
  } catch (error) { /* an old browser: times stay in the site's zone */ }
})();
