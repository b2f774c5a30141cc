// Order pages: the timeline, status and actions arrive over the socket as htmx
// out-of-band fragments. Delivery is at most once, so each time the socket (re)opens the
// page re-reads them from the server: nothing missed while it was away.
//
// The page's own actions answer 204 with an "order-changed" event aimed at the stable
// [data-order-live] element, and the page re-reads from there: the form that sent the
// request may already have been replaced by a push, and htmx would swap the response's
// out-of-band fragments into that detached form instead of the page.
(function () {
  function reread(el) {
    htmx.ajax("GET", el.dataset.orderLive, { source: el, target: el, swap: "none" });
  }
  document.addEventListener("htmx:wsOpen", function () {
    document.querySelectorAll("[data-order-live]").forEach(reread);
  });
  document.addEventListener("order-changed", function (e) {
    if (e.target.dataset && e.target.dataset.orderLive) reread(e.target);
  });
})();
