// Order pages: the timeline, status and actions arrive over the socket as htmx
// out-of-band fragments. Delivery is at most once, so each time the socket (re)opens the
// page re-reads them from the server: nothing missed while it was away.
//
// The page's own actions answer 204 with an "order-changed" event aimed at the stable
// [data-order-live] element, and the page re-reads from there: the form that sent the
// request may already have been replaced by a push, and htmx would swap the response's
// out-of-band fragments into that detached form instead of the page.
//
// A refused form (a page answered 422: the reason shown, what was typed given back) keeps
// its reason and what was typed through the re-read at the socket's opening, for as long
// as the re-read still offers that form: the socket opens just after such a page loads,
// and the re-read would otherwise wipe both before they are read.
(function () {
  var REFUSED = "[data-testid=form-refused]";

  // A form is the same form after a re-read when it has the same test id (forms sharing an
  // action carry one), else the same action.
  function formName(form) {
    return (form.dataset.testid || "") + " " + form.getAttribute("action");
  }

  function refusedForms() {
    var kept = [];
    document.querySelectorAll("form").forEach(function (form) {
      var reason = form.querySelector(REFUSED);
      if (!reason) return;
      var typed = [];
      form.querySelectorAll("input, textarea, select").forEach(function (field) {
        if (!field.name || field.type === "hidden" || field.type === "submit") return;
        typed.push([field.name, field.type === "checkbox" || field.type === "radio" ? field.checked : field.value]);
      });
      kept.push({ form: form, name: formName(form), reason: reason, typed: typed });
    });
    return kept;
  }

  function giveBack(kept) {
    kept.forEach(function (was) {
      if (was.form.isConnected) return; // the re-read left it as it was
      var fresh = Array.prototype.find.call(document.querySelectorAll("form"), function (form) {
        return formName(form) === was.name;
      });
      if (!fresh || fresh.querySelector(REFUSED)) return;
      fresh.insertBefore(was.reason.cloneNode(true), fresh.firstChild);
      was.typed.forEach(function (pair) {
        var field = fresh.querySelector('[name="' + CSS.escape(pair[0]) + '"]');
        if (!field) return;
        if (field.type === "checkbox" || field.type === "radio") field.checked = pair[1];
        else field.value = pair[1];
      });
    });
  }

  function reread(el, kept) {
    var asked = htmx.ajax("GET", el.dataset.orderLive, { source: el, target: el, swap: "none" });
    if (kept && kept.length && asked && asked.then) asked.then(function () { giveBack(kept); });
  }
  document.addEventListener("htmx:wsOpen", function () {
    var kept = refusedForms();
    document.querySelectorAll("[data-order-live]").forEach(function (el) { reread(el, kept); });
  });
  document.addEventListener("order-changed", function (e) {
    if (e.target.dataset && e.target.dataset.orderLive) reread(e.target);
  });
})();
