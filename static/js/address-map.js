// Address pin: an optional Leaflet map and a "Use my location" button that fill the
// latitude/longitude inputs. The form works without either (the inputs are plain fields).
(function () {
  "use strict";

  function round6(value) {
    return Math.round(value * 1e6) / 1e6;
  }

  function setUp(element) {
    var fieldset = element.closest("fieldset") || document;
    var latInput = document.getElementById(element.dataset.latInput);
    var lngInput = document.getElementById(element.dataset.lngInput);
    if (!latInput || !lngInput) return;
    var status = fieldset.querySelector("[data-location-status]");
    var map = null;
    var marker = null;

    function fill(lat, lng) {
      latInput.value = round6(lat);
      lngInput.value = round6(window.L ? L.Util.wrapNum(lng, [-180, 180], true) : lng);
      // A page whose figures follow the pin (the checkout) hears of it.
      element.dispatchEvent(new CustomEvent("address-pinned", { bubbles: true }));
    }
    function place(lat, lng, pan) {
      if (!map) return;
      if (marker) {
        marker.setLatLng([lat, lng]);
      } else {
        marker = L.marker([lat, lng], { draggable: true, title: gettext("Delivery point"), alt: gettext("Delivery point") }).addTo(map);
        marker.on("dragend", function () {
          var point = marker.getLatLng();
          fill(point.lat, point.lng);
        });
      }
      if (pan) map.setView([lat, lng], Math.max(map.getZoom(), 16));
    }
    function fromInputs() {
      var lat = parseFloat(latInput.value);
      var lng = parseFloat(lngInput.value);
      if (!isNaN(lat) && !isNaN(lng) && Math.abs(lat) <= 90 && Math.abs(lng) <= 180) place(lat, lng, true);
    }

    if (window.L) {
      element.hidden = false;
      map = L.map(element, { scrollWheelZoom: false }).setView([0, 20], 2);
      var tiles = L.tileLayer(element.dataset.tileUrl, { maxZoom: 19, attribution: element.dataset.attribution });
      tiles.once("tileerror", function () {
        var notice = fieldset.querySelector("[data-address-map-offline]");
        if (notice) notice.hidden = false;
      });
      tiles.addTo(map);
      map.on("click", function (event) {
        place(event.latlng.lat, event.latlng.lng, false);
        fill(event.latlng.lat, event.latlng.lng);
      });
      fromInputs();
      latInput.addEventListener("change", fromInputs);
      lngInput.addEventListener("change", fromInputs);
      element.soko_map = map;
      setTimeout(function () { map.invalidateSize(); }, 0);
    }

    var locate = fieldset.querySelector("[data-use-my-location]");
    if (locate && navigator.geolocation) {
      locate.hidden = false;
      locate.addEventListener("click", function () {
        locate.disabled = true;
        if (status) status.textContent = gettext("Finding you…");
        navigator.geolocation.getCurrentPosition(
          function (position) {
            locate.disabled = false;
            fill(position.coords.latitude, position.coords.longitude);
            place(position.coords.latitude, position.coords.longitude, true);
            if (status) status.textContent = gettext("Pinned where you are now.");
          },
          function () {
            locate.disabled = false;
            if (status) status.textContent = gettext("Your browser did not share your location.");
          },
          { enableHighAccuracy: true, timeout: 10000 }
        );
      });
    }
  }

  function init() {
    document.querySelectorAll("[data-address-map]").forEach(setUp);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
