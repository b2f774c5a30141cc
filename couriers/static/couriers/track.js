// The buyer's order page: the courier on a map while the order is on its way, moved when
// a new position arrives over the socket.
(function () {
  const script = document.getElementById("courier-track");
  let map = null;
  let marker = null;
  function draw() {
    const element = document.querySelector("[data-courier-map]");
    const position = document.querySelector("[data-courier-position]");
    if (!element || !position || !window.L || !position.dataset.lat) return;
    const point = [Number(position.dataset.lat), Number(position.dataset.lng)];
    if (!map || map.getContainer() !== element) {
      map = window.L.map(element, { scrollWheelZoom: false }).setView(point, 15);
      window.L.tileLayer(script.dataset.tiles, { attribution: script.dataset.attribution, maxZoom: 19 }).addTo(map);
      marker = window.L.marker(point).addTo(map);
    } else {
      marker.setLatLng(point);
      map.panTo(point);
    }
  }
  draw();
  document.body.addEventListener("htmx:oobAfterSwap", draw);
})();
