// The job board: "Sort by distance" asks the phone where it is once and reloads the board
// nearest first. New jobs arrive over the socket (out-of-band swaps into #job-list); taken
// ones leave the same way. Pushes are at most once, so whenever the socket (re)opens the
// list is read again from the server.
(function () {
  document.addEventListener("htmx:wsOpen", function () {
    const board = document.getElementById("job-board");
    if (board) htmx.ajax("GET", board.dataset.boardLive, { source: board, target: board, swap: "outerHTML" });
  });
  const button = document.querySelector("[data-near-me]");
  if (!button || !navigator.geolocation) return;
  button.addEventListener("click", function (event) {
    event.preventDefault();
    navigator.geolocation.getCurrentPosition(
      function (position) {
        const url = new URL(button.href, window.location.href);
        url.searchParams.set("lat", position.coords.latitude.toFixed(5));
        url.searchParams.set("lng", position.coords.longitude.toFixed(5));
        window.location.assign(url.toString());
      },
      function () {
        button.classList.add("disabled");
        button.textContent = gettext("Location not available");
      },
      { timeout: 10000, maximumAge: 60000 }
    );
  });
  // A card arriving over the socket replaces the "no jobs" line.
  document.body.addEventListener("htmx:oobAfterSwap", function () {
    const empty = document.getElementById("jobs-empty");
    const list = document.getElementById("job-list");
    if (empty && list) empty.hidden = list.children.length > 0;
  });
})();
