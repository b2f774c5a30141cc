// Soko's page behaviour: toasts, live pushes, Back/Forward, and keeping live state right
// after a socket reconnect.
(function () {
  // Each toast once. One the server rendered shown (a page's messages, readable without
  // JavaScript) is only timed out: without the fade, showing it again cannot blink it.
  function showToasts(root) {
    (root || document).querySelectorAll(".toast:not([data-soko-toast])").forEach(function (el) {
      el.setAttribute("data-soko-toast", "");
      var toast = bootstrap.Toast.getOrCreateInstance(el, el.classList.contains("show") ? { animation: false } : {});
      el.addEventListener("hidden.bs.toast", function () { el.remove(); });
      toast.show();
    });
  }
  document.addEventListener("DOMContentLoaded", function () { showToasts(document); });
  document.addEventListener("htmx:load", function () { showToasts(document); });
  document.addEventListener("htmx:wsAfterMessage", function () { showToasts(document); });

  // A push goes to every open page of its user: each out-of-band part is swapped where the
  // page has its target (an order's timeline on that order's page, a new row on an open
  // list) and skipped on pages without it, instead of failing with htmx:oobErrorNoTarget.
  function oobSelector(el) {
    var spec = el.getAttribute("hx-swap-oob") || el.getAttribute("data-hx-swap-oob") || "true";
    var colon = spec.indexOf(":");
    if (colon > 0) return spec.slice(colon + 1);
    return el.id ? "#" + CSS.escape(el.id) : null;
  }
  htmx.defineExtension("soko-live", {
    transformResponse: function (text) {
      var template = document.createElement("template");
      template.innerHTML = text;
      var parts = Array.from(template.content.children);
      // What the same push deletes first (a row it moves to the top of its list).
      var deleted = parts
        .map(function (part) { return /^delete:#(.+)$/.exec(part.getAttribute("hx-swap-oob") || ""); })
        .filter(Boolean)
        .map(function (match) { return match[1]; });
      parts.forEach(function (part) {
        var selector = oobSelector(part);
        if (!selector || !document.querySelector(selector)) { part.remove(); return; }
        // An item added to a list that already shows it (the page read it meanwhile),
        // unless this push takes the old one out.
        var item = part.firstElementChild;
        var spec = part.getAttribute("hx-swap-oob") || "";
        if (item && item.id && /^(beforeend|afterbegin):/.test(spec) && document.getElementById(item.id) && deleted.indexOf(item.id) < 0) part.remove();
      });
      return template.innerHTML;
    }
  });

  function rereadBell() {
    if (document.getElementById("bell-count")) {
      htmx.ajax("GET", "/notifications/count/", { target: "#bell-count", swap: "outerHTML" });
    }
  }

  // Lists that grow live ([data-live-list]) and other parts that pushes keep current
  // ([data-live-part]), each with an id, re-read themselves from the address.
  function rereadLiveLists() {
    document.querySelectorAll("[data-live-list][id], [data-live-part][id]").forEach(function (el) {
      htmx.ajax("GET", window.location.pathname + window.location.search, { target: "#" + el.id, swap: "outerHTML" });
    });
  }

  // Delivery over the socket is at most once: after a reconnect, re-read what pushes keep
  // up to date (the bell count, open lists).
  var opened = false;
  document.addEventListener("htmx:wsOpen", function () {
    if (opened) {
      rereadBell();
      rereadLiveLists();
    }
    opened = true;
  });
  // 4012: the server's channel layer was replaced and pushes may be lost. Connect again
  // after a moment (spread out, so a crowd of pages does not return at once); the open
  // above re-reads.
  document.addEventListener("htmx:wsClose", function (event) {
    var detail = event.detail || {};
    if (detail.event && detail.event.code === 4012 && detail.socketWrapper) {
      setTimeout(detail.socketWrapper.reconnect, 1000 + Math.random() * 4000);
    }
  });

  // Back/Forward: htmx re-reads the page from the server and swaps it in (see base.html).
  // A drawer (offcanvas) open on the page being left belongs to elements about to go:
  // close it first so its backdrop, scroll lock and focus trap go with it.
  var openDrawers = new Set();
  document.addEventListener("show.bs.offcanvas", function (event) { openDrawers.add(event.target); });
  document.addEventListener("hidden.bs.offcanvas", function (event) { openDrawers.delete(event.target); });
  function closeDrawers() {
    openDrawers.forEach(function (el) {
      var drawer = bootstrap.Offcanvas.getInstance(el);
      if (drawer) drawer.hide();
    });
    openDrawers.clear();
  }
  document.addEventListener("htmx:historyCacheHit", closeDrawers);

  // Back twice in a row: only the last address's page may land (an earlier answer
  // arriving late would show the wrong page under the address).
  var restoring = null;
  document.addEventListener("htmx:historyCacheMiss", function (event) {
    closeDrawers();
    if (restoring) restoring.abort();
    restoring = event.detail.xhr;
  });
  document.addEventListener("htmx:historyRestore", function () { restoring = null; });
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

// Behaviour that would otherwise be an inline handler (the Content-Security-Policy runs no
// inline script): a button that prints the page, and forms that ask before they submit.
document.addEventListener("click", function (event) {
  if (event.target.closest("[data-print]")) window.print();
});
document.addEventListener("submit", function (event) {
  var question = event.target.getAttribute("data-confirm");
  if (question && !window.confirm(question)) event.preventDefault();
});

// A form pushed over the socket was rendered without a request, so without its CSRF token
// (the payment page's "Continue", "Pay another way"): it posts with the page's token, the
// one htmx sends in its headers.
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (form.method !== "post" || form.querySelector("input[name=csrfmiddlewaretoken]")) return;
  var token = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"];
  if (!token) return;
  var input = document.createElement("input");
  input.type = "hidden";
  input.name = "csrfmiddlewaretoken";
  input.value = token;
  form.appendChild(input);
});

// Focus after an action (WCAG 2.4.3). A page or swapped part may mark one element
// [data-focus] (an error summary, the result of an action): focus moves there, once. An
// htmx action that took focus away (its button disabled while it ran, or swapped for a new
// one) gives it back to the control that started it, or to that control's replacement.
(function () {
  var FOCUSABLE = "a[href], button, input, select, textarea, summary, [tabindex]";
  function focusMarked() {
    var target = document.querySelector("[data-focus]");
    if (!target) return false;
    target.removeAttribute("data-focus");
    if (!target.matches(FOCUSABLE)) target.setAttribute("tabindex", "-1");
    target.focus();
    return true;
  }
  document.addEventListener("DOMContentLoaded", focusMarked);

  var started = null;
  document.addEventListener("htmx:beforeRequest", function () {
    var control = document.activeElement;
    if (!control || control === document.body) { started = null; return; }
    var anchor = control.closest("[id], [data-testid]");
    started = {
      control: control,
      anchor: anchor && (anchor.id ? "#" + CSS.escape(anchor.id) : "[data-testid='" + CSS.escape(anchor.getAttribute("data-testid")) + "']"),
    };
  });
  document.addEventListener("htmx:afterSettle", function () {
    var was = started;
    started = null;
    if (!was || focusMarked()) return;
    if (document.activeElement && document.activeElement !== document.body) return;
    if (was.control.isConnected) { was.control.focus(); return; }
    var anchor = was.anchor && document.querySelector(was.anchor);
    if (!anchor) return;
    var same = anchor.matches(was.control.tagName) ? anchor : anchor.querySelector(was.control.tagName);
    (same || anchor.querySelector(FOCUSABLE) || anchor).focus();
  });
})();

// Announcements (WCAG 4.1.3). A part that htmx swaps in is a new element, which a screen
// reader does not read even inside aria-live, and a live region around a ticking countdown
// would speak every second. So a part that changes marks what to say on its change with
// data-announce="<what it is>"; when one arrives with a different text, the text is
// written into the page's one polite live region, which never leaves the page.
(function () {
  var said = {};
  var region = null;
  function text(el) { return el.textContent.replace(/\s+/g, " ").trim(); }
  function marked(node) {
    if (node.nodeType !== 1) return [];
    var found = Array.from(node.querySelectorAll("[data-announce]"));
    return node.matches("[data-announce]") ? [node].concat(found) : found;
  }
  document.addEventListener("DOMContentLoaded", function () {
    marked(document.body).forEach(function (el) { said[el.getAttribute("data-announce")] = text(el); });
    region = document.createElement("div");
    region.className = "visually-hidden";
    region.setAttribute("aria-live", "polite");
    region.setAttribute("aria-atomic", "true");
    region.setAttribute("data-testid", "announcer");
    document.body.appendChild(region);
    new MutationObserver(function (changes) {
      var news = [];
      changes.forEach(function (change) {
        change.addedNodes.forEach(function (node) {
          marked(node).forEach(function (el) {
            var what = el.getAttribute("data-announce");
            var now = text(el);
            if (now && said[what] !== now) news.push(now);
            said[what] = now;
          });
        });
      });
      if (news.length) region.textContent = news.join(". ");
    }).observe(document.body, { childList: true, subtree: true });
  });
})();

// A choice made or a word typed before the page's scripts ran (a slow phone, a quick
// hand, a form the browser put back after Back) was never sent. Once htmx is ready, each
// part that reads its inputs again on "change", "input" or "search" (hx-get: a reading,
// never an action) and whose inputs no longer say what the page was served with is asked once:
// what the page shows is what its form says.
(function () {
  var READS = ["change", "input", "search"];
  function changed(control) {
    if (control.type === "radio" || control.type === "checkbox") return control.checked !== control.defaultChecked;
    if (control.tagName === "SELECT") {
      return Array.from(control.options).some(function (option) { return option.selected !== option.defaultSelected; });
    }
    if (control.type === "hidden" || control.type === "file") return false;
    return control.value !== control.defaultValue;
  }
  // The first of a part's triggers that reads an input as it stands: not one only for a
  // value htmx has not seen ("changed": it took the typed one as seen), nor another element's.
  function readingEvent(part) {
    var triggers = part.getAttribute("hx-trigger").split(",");
    for (var i = 0; i < triggers.length; i++) {
      var words = triggers[i].trim().split(/\s+/);
      var fromElsewhere = words.some(function (word) { return word.indexOf("from:") === 0; });
      if (READS.indexOf(words[0]) !== -1 && words.indexOf("changed") === -1 && !fromElsewhere) return words[0];
    }
    return null;
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[hx-get][hx-trigger]").forEach(function (part) {
      var event = readingEvent(part);
      if (!event) return;
      var controls = part.matches("input, select, textarea") ? [part] : Array.from(part.querySelectorAll("input, select, textarea"));
      if (controls.some(changed)) htmx.trigger(part, event);
    });
  });
})();
