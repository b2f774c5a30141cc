// Order pages: the timeline, status and actions arrive over the socket as htmx
// out-of-band fragments. Delivery is at most once, so each time the socket (re)opens the
// page re-reads them from the server: nothing missed while it was away.
(function () {
  document.addEventListener("htmx:wsOpen", function () {
    document.querySelectorAll("[data-order-live]").forEach(function (el) {
      htmx.ajax("GET", el.dataset.orderLive, { source: el, target: el, swap: "none" });
    });
  });
})();
