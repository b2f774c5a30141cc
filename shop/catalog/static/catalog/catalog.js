// Catalog pages: "Near me" fills the filter form with the browser's location; gallery thumbnails.
(function () {
  function nearMe(button) {
    var form = document.getElementById("filter-form");
    var sort = document.getElementById("id_sort");
    if (!form || !navigator.geolocation) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      button.disabled = true;
      navigator.geolocation.getCurrentPosition(function (position) {
        form.querySelector("[data-geo=lat]").value = position.coords.latitude.toFixed(5);
        form.querySelector("[data-geo=lng]").value = position.coords.longitude.toFixed(5);
        if (sort) sort.value = "distance";
        button.disabled = false;
        button.classList.add("active");
        form.requestSubmit();
      }, function () {
        button.disabled = false;
        button.title = gettext("Your location is not available");
        button.classList.add("btn-outline-danger");
      }, { maximumAge: 600000, timeout: 10000 });
    });
  }

  // Delegated, so a gallery swapped in by the variant picker works too.
  document.addEventListener("click", function (event) {
    var thumb = event.target.closest("[data-gallery-thumb]");
    var root = thumb && thumb.closest(".product-gallery");
    var main = root && root.querySelector(".product-gallery-main img");
    if (!main) return;
    var source = root.querySelector(".product-gallery-main source");
    event.preventDefault();
    if (source) source.srcset = thumb.dataset.fullSrcset;
    main.removeAttribute("srcset");
    main.src = thumb.dataset.fullSrc;
    root.querySelectorAll("[data-gallery-thumb]").forEach(function (other) { other.classList.remove("active"); });
    thumb.classList.add("active");
  });

  // Filter requests: leave empty fields out of the address, and skip a request for the
  // results already shown (Enter in a field fires both "change" and "submit").
  document.addEventListener("htmx:configRequest", function (event) {
    var elt = event.detail.elt;
    if (!elt || !(elt.id === "filter-form" || elt.id === "id_sort")) return;
    var data = event.detail.formData;
    Array.from(new Set(data.keys())).forEach(function (key) {
      if (data.getAll(key).every(function (value) { return value === ""; })) data.delete(key);
    });
    var next = new URLSearchParams(data);
    var current = new URLSearchParams(window.location.search);
    next.sort();
    current.sort();
    if (event.detail.path === window.location.pathname && next.toString() === current.toString()) {
      event.preventDefault();
    }
  });

  // On page load and on every swap (Back/Forward swap in a fresh page): bind new elements once.
  // htmx loads deferred: register once the document is parsed (before htmx's first pass).
  function each(root, selector, bind) {
    var found = Array.from(root.querySelectorAll(selector));
    if (root.matches && root.matches(selector)) found.push(root);
    found.forEach(function (el) {
      if (el.sokoBound) return;
      el.sokoBound = true;
      bind(el);
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    htmx.onLoad(function (root) {
      each(root, "[data-near-me]", nearMe);
    });
  });
})();
