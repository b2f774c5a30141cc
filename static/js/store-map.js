// Store location: the map picker on the store settings page, and "Near me" in the stores
// directory. Both only add to forms that already work without JavaScript: the map fills
// the latitude/longitude inputs, "Near me" fills the directory's hidden lat/lng fields.
(function () {
  "use strict";

  function round6(value) {
    return Math.round(value * 1e6) / 1e6;
  }

  function setUpMapPicker(element) {
    if (!window.L) return;
    var latInput = document.getElementById(element.dataset.latInput);
    var lngInput = document.getElementById(element.dataset.lngInput);
    if (!latInput || !lngInput) return;
    var form = element.closest("form");
    element.hidden = false;
    form.querySelectorAll(".store-map-help, [data-store-map-locate]").forEach(function (el) {
      el.hidden = false;
    });

    var centreLat = parseFloat(element.dataset.latitude);
    var centreLng = parseFloat(element.dataset.longitude);
    var hasCentre = !isNaN(centreLat) && !isNaN(centreLng);
    var map = L.map(element, { scrollWheelZoom: false }).setView(
      hasCentre ? [centreLat, centreLng] : [0, 20],
      parseInt(element.dataset.zoom, 10) || 2
    );
    var tiles = L.tileLayer(element.dataset.tileUrl, { maxZoom: 19, attribution: element.dataset.attribution });
    // Without a tile server (offline, blocked) the map is blank but still takes clicks.
    tiles.once("tileerror", function () {
      element.classList.add("is-offline");
      var notice = form.querySelector(".store-map-offline");
      if (notice) notice.hidden = false;
    });
    tiles.addTo(map);

    var marker = null;
    function place(lat, lng, pan) {
      if (marker) {
        marker.setLatLng([lat, lng]);
      } else {
        marker = L.marker([lat, lng], { draggable: true, title: gettext("Your store"), alt: gettext("Store location") }).addTo(map);
        marker.on("dragend", function () {
          var point = marker.getLatLng();
          fill(point.lat, point.lng);
        });
      }
      if (pan) map.setView([lat, lng], Math.max(map.getZoom(), 15));
    }
    function fill(lat, lng) {
      latInput.value = round6(lat);
      lngInput.value = round6(L.Util.wrapNum(lng, [-180, 180], true));
    }
    function fromInputs() {
      var lat = parseFloat(latInput.value);
      var lng = parseFloat(lngInput.value);
      if (!isNaN(lat) && !isNaN(lng) && Math.abs(lat) <= 90 && Math.abs(lng) <= 180) place(lat, lng, true);
    }

    fromInputs();
    map.on("click", function (event) {
      place(event.latlng.lat, event.latlng.lng, false);
      fill(event.latlng.lat, event.latlng.lng);
    });
    latInput.addEventListener("change", fromInputs);
    lngInput.addEventListener("change", fromInputs);

    var locate = form.querySelector("[data-store-map-locate]");
    if (locate && navigator.geolocation) {
      locate.addEventListener("click", function () {
        locate.disabled = true;
        navigator.geolocation.getCurrentPosition(
          function (position) {
            locate.disabled = false;
            fill(position.coords.latitude, position.coords.longitude);
            place(position.coords.latitude, position.coords.longitude, true);
          },
          function () {
            locate.disabled = false;
            locate.textContent = gettext("Location unavailable");
          },
          { enableHighAccuracy: true, timeout: 10000 }
        );
      });
    } else if (locate) {
      locate.hidden = true;
    }
    // A map laid out while hidden (or before fonts load) needs its size measured again.
    setTimeout(function () { map.invalidateSize(); }, 0);
  }

  function setUpNearMe(button) {
    var form = button.closest("form");
    var status = form.querySelector("[data-near-me-status]");
    if (!navigator.geolocation || !form) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      button.disabled = true;
      if (status) status.textContent = gettext("Finding you…");
      navigator.geolocation.getCurrentPosition(
        function (position) {
          button.disabled = false;
          form.elements.lat.value = round6(position.coords.latitude);
          form.elements.lng.value = round6(position.coords.longitude);
          form.elements.sort.value = "distance";
          if (status) status.textContent = gettext("Sorted by distance from you.");
          form.requestSubmit();
        },
        function () {
          button.disabled = false;
          if (status) status.textContent = gettext("Your browser did not share your location.");
        },
        { timeout: 10000, maximumAge: 600000 }
      );
    });
  }

  function init() {
    document.querySelectorAll("#store-map").forEach(setUpMapPicker);
    document.querySelectorAll("[data-stores-near-me]").forEach(setUpNearMe);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
