// Checkout page: show the new-address fields only while "A new address" is chosen, and
// keep a second click on "Place order" from sending the form twice (the server would
// recognise it anyway by the form's idempotency key).
(function () {
  "use strict";
  var form = document.getElementById("checkout-form");
  if (!form) return;
  var fields = form.querySelector("[data-new-address-fields]");

  function syncAddress() {
    var chosen = form.querySelector("[data-address-choice]:checked");
    if (!fields || !chosen) return;
    fields.hidden = chosen.value !== "new";
    if (!fields.hidden) {
      var map = fields.querySelector("[data-address-map]");
      if (map && map.soko_map) map.soko_map.invalidateSize();
    }
  }
  form.querySelectorAll("[data-address-choice]").forEach(function (radio) {
    radio.addEventListener("change", syncAddress);
  });
  syncAddress();

  form.addEventListener("submit", function (event) {
    var button = event.submitter;
    if (!button || button.name === "recalculate") return;
    if (form.dataset.submitting) {
      event.preventDefault();
      return;
    }
    form.dataset.submitting = "1";
    if (button.dataset.placingText) button.textContent = button.dataset.placingText;
  });
})();
