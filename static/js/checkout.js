// Checkout page: show the new-address fields only while "A new address" is chosen, keep a
// second click on "Place order" from sending the form twice (the server would recognise it
// anyway by the form's idempotency key), and after Back, when the browser puts back what
// was chosen in the form, ask for the review of that choice: the figures shown are always
// those of the form (placing refuses a review that differs from what it would charge).
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

  // A new address's place or pin decides each store's delivery and the fees: each change
  // of one has the options and the review read again, once.
  var PLACE_FIELDS = ["country", "region", "district", "neighbourhood", "latitude", "longitude"];
  var reader = form.querySelector("[data-address-typed]");
  if (fields && reader) {
    var typed = function () {
      if (window.htmx) window.htmx.trigger(reader, "address-typed");
    };
    fields.addEventListener("change", function (event) {
      if (PLACE_FIELDS.indexOf(event.target.name) !== -1) typed();
    });
    fields.addEventListener("address-pinned", typed);
  }

  form.addEventListener("submit", function (event) {
    var button = event.submitter;
    if (!button || button.name === "recalculate") return;
    if (form.dataset.submitting) {
      event.preventDefault();
      return;
    }
    form.dataset.submitting = "1";
    if (button.dataset.placingText) {
      button.dataset.placeText = button.innerHTML;
      button.textContent = button.dataset.placingText;
    }
  });

  window.addEventListener("pageshow", function (event) {
    var entries = window.performance && performance.getEntriesByType ? performance.getEntriesByType("navigation") : [];
    var back = event.persisted || (entries.length > 0 && entries[0].type === "back_forward");
    if (!back) return;
    // Restored from the back-forward cache as it was left: placeable again.
    delete form.dataset.submitting;
    form.querySelectorAll("[data-place-text]").forEach(function (button) {
      button.innerHTML = button.dataset.placeText;
      delete button.dataset.placeText;
    });
    syncAddress();
    // The review of the form as it now stands (every input of the total is sent).
    var options = document.getElementById("delivery-options");
    if (options && window.htmx) window.htmx.trigger(options, "change");
  });
})();
