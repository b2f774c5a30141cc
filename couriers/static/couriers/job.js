// A job's page: the map of the pickup and the drop-off, and, while the order is on its way
// and the courier chose to, its location sent every few seconds for the buyer's map.
(function () {
  const element = document.querySelector("[data-job-map]");
  if (element && window.L) {
    const point = (text) => text.split(",").map(Number);
    const pickup = point(element.dataset.pickup);
    const dropoff = point(element.dataset.dropoff);
    const map = window.L.map(element, { scrollWheelZoom: false });
    window.L.tileLayer(element.dataset.tiles, { attribution: element.dataset.attribution, maxZoom: 19 }).addTo(map);
    window.L.marker(pickup, { title: element.dataset.pickupLabel }).addTo(map).bindTooltip(element.dataset.pickupLabel);
    window.L.marker(dropoff, { title: element.dataset.dropoffLabel }).addTo(map).bindTooltip(element.dataset.dropoffLabel);
    window.L.polyline([pickup, dropoff], { dashArray: "6 6" }).addTo(map);
    map.fitBounds([pickup, dropoff], { padding: [30, 30], maxZoom: 16 });
  }

  let timer = null;
  function share() {
    const holder = document.querySelector("[data-share-location]");
    if (!holder || !navigator.geolocation) return;
    const csrf = document.querySelector("input[name=csrfmiddlewaretoken]");
    navigator.geolocation.getCurrentPosition(function (position) {
      const body = new URLSearchParams({
        lat: position.coords.latitude.toFixed(6),
        lng: position.coords.longitude.toFixed(6),
      });
      fetch(holder.dataset.shareLocation, {
        method: "POST",
        body: body,
        headers: { "X-CSRFToken": csrf ? csrf.value : "" },
        credentials: "same-origin",
      });
    });
  }
  function schedule() {
    const holder = document.querySelector("[data-share-location]");
    if (timer || !holder) return;
    share();
    timer = window.setInterval(share, Number(holder.dataset.every || 30) * 1000);
  }
  schedule();
  document.body.addEventListener("htmx:oobAfterSwap", schedule);
})();
