// Soko's page behaviour: toasts, and keeping live state right after a socket reconnect.
(function () {
  function showToasts(root) {
    (root || document).querySelectorAll(".toast:not(.showing):not(.show):not(.hide)").forEach(function (el) {
      var toast = bootstrap.Toast.getOrCreateInstance(el);
      el.addEventListener("hidden.bs.toast", function () { el.remove(); });
      toast.show();
    });
  }
  document.addEventListener("DOMContentLoaded", function () { showToasts(document); });
  document.addEventListener("htmx:load", function (e) { showToasts(document); });
  document.addEventListener("htmx:wsAfterMessage", function () { showToasts(document); });

  // Delivery over the socket is at most once: after a reconnect, re-read the bell count.
  var opened = false;
  document.addEventListener("htmx:wsOpen", function () {
    if (opened) {
      htmx.ajax("GET", "/notifications/count/", { target: "#bell-count", swap: "outerHTML" });
    }
    opened = true;
  });
})();

// A field the server marked invalid stops saying so once the person changes it; the
// server checks it again on submit.
document.addEventListener("input", function (event) {
  var field = event.target;
  if (!field.classList || !field.classList.contains("is-invalid")) return;
  field.classList.remove("is-invalid");
  field.removeAttribute("aria-invalid");
  var box = field.closest(".input-group") || field;
  box.parentElement.querySelectorAll(":scope > .invalid-feedback").forEach(function (feedback) { feedback.hidden = true; });
});

// The dashboard's store switcher (a <details>, so it opens without JavaScript) closes on
// a click elsewhere or Escape, like a menu.
document.addEventListener("click", function (event) {
  document.querySelectorAll("details.store-switcher[open]").forEach(function (menu) {
    if (!menu.contains(event.target)) menu.open = false;
  });
});
document.addEventListener("keydown", function (event) {
  if (event.key !== "Escape") return;
  document.querySelectorAll("details.store-switcher[open]").forEach(function (menu) {
    menu.open = false;
    menu.querySelector("summary").focus();
  });
});

// A strip of tabs wider than the screen (a list's status tabs on a phone) fades at each
// edge it continues past, so it is plain that it scrolls.
(function () {
  function mark(strip) {
    var back = Math.abs(strip.scrollLeft);
    strip.classList.toggle("scrolls-back", back > 1);
    strip.classList.toggle("scrolls-on", strip.scrollWidth - strip.clientWidth - back > 1);
  }
  function watch() {
    document.querySelectorAll(".status-tabs").forEach(function (strip) {
      mark(strip);
      if (!strip.dataset.scrollHint) {
        strip.dataset.scrollHint = "1";
        strip.addEventListener("scroll", function () { mark(strip); }, { passive: true });
      }
    });
  }
  document.addEventListener("DOMContentLoaded", watch);
  document.addEventListener("htmx:load", watch);
  window.addEventListener("resize", watch);
})();
