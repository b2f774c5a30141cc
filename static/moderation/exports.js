// Staff exports: while an export on the page is queued or being built, ask the server for
// its progress every two seconds and move its bar; reload the list once one is finished,
// so its download link shows. Without JavaScript the list's Refresh link does the same.
(function () {
  "use strict";
  var INTERVAL = 2000;

  function pending() {
    return Array.prototype.filter.call(document.querySelectorAll("progress[data-export]"), function (bar) {
      return bar.dataset.state === "queued" || bar.dataset.state === "running";
    });
  }

  function poll(url) {
    var bars = pending();
    if (!bars.length) return;
    var query = bars.map(function (bar) { return "id=" + encodeURIComponent(bar.dataset.export); }).join("&");
    fetch(url + "?" + query, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) return;
        var finished = false;
        data.exports.forEach(function (row) {
          var bar = document.querySelector('progress[data-export="' + row.id + '"]');
          if (!bar) return;
          if (row.status === "done" || row.status === "failed") finished = true;
          if (row.rows_total) {
            bar.max = row.rows_total;
            bar.value = row.rows_done;
          }
          var count = document.querySelector('[data-export-count="' + row.id + '"]');
          if (count && row.rows_total) {
            count.textContent = row.rows_done.toLocaleString() + " / " + row.rows_total.toLocaleString();
          }
          var state = document.querySelector('[data-export-state="' + row.id + '"]');
          if (state) state.textContent = row.label;
          bar.dataset.state = row.status;
        });
        if (finished) {
          window.location.reload();
        } else {
          window.setTimeout(function () { poll(url); }, INTERVAL);
        }
      })
      .catch(function () { window.setTimeout(function () { poll(url); }, INTERVAL * 3); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var holder = document.getElementById("export-poll");
    if (holder && holder.dataset.progressUrl) {
      window.setTimeout(function () { poll(holder.dataset.progressUrl); }, INTERVAL);
    }
  });
})();
