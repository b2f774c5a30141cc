// The visitor's preferences, without inline script (the Content-Security-Policy runs none).
(function () {
  "use strict";

  // The browser's time zone, for times shown in the visitor's zone (saved on the account).
  try {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    var current = document.cookie.split("; ").find(function (part) { return part.indexOf("soko_tz=") === 0; });
    if (zone && current !== "soko_tz=" + encodeURIComponent(zone)) {
      document.cookie = "soko_tz=" + encodeURIComponent(zone) + "; path=/; max-age=31536000; samesite=lax";
    }
  } catch (error) { /* an old browser: times stay in the site's zone */ }
})();
