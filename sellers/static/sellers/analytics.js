// The seller's analytics page: draws this period against the previous one as bar charts
// from the figures the page carries as JSON (#analytics-data); each chart also has its
// table, read without this script. Changing the period or grouping shows it at once.
(function () {
  "use strict";

  var CURRENT = "#0f766e";
  var PREVIOUS = "#cbd5e1";

  function chart(canvas, labels, series, names) {
    return new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: labels,
        datasets: [
          { label: names.previous_label, data: series.previous, backgroundColor: PREVIOUS, borderRadius: 3, maxBarThickness: 22 },
          { label: names.current_label, data: series.current, backgroundColor: CURRENT, borderRadius: 3, maxBarThickness: 22 },
        ],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } },
        scales: {
          x: { ticks: { autoSkip: true, maxRotation: 0 }, grid: { display: false } },
          y: { beginAtZero: true, ticks: { precision: 0 } },
        },
      },
    });
  }

  // Expected units as a line inside its likely range (the band fills down to the low line).
  function forecastChart(canvas, data) {
    var line = { borderColor: CURRENT, backgroundColor: CURRENT, pointRadius: 2, tension: 0.25 };
    var edge = { borderWidth: 0, pointRadius: 0, tension: 0.25 };
    return new window.Chart(canvas, {
      type: "line",
      data: {
        labels: data.labels,
        datasets: [
          Object.assign({ label: data.band_label, data: data.high, fill: "+1", backgroundColor: "rgba(15, 118, 110, 0.15)" }, edge),
          Object.assign({ label: "", data: data.low, fill: false }, edge),
          Object.assign({ label: data.expected_label, data: data.expected }, line),
        ],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: {
          legend: { position: "bottom", labels: { boxWidth: 12, filter: function (item) { return item.text !== ""; } } },
        },
        scales: {
          x: { ticks: { autoSkip: true, maxRotation: 0 }, grid: { display: false } },
          y: { beginAtZero: true, ticks: { precision: 0 } },
        },
      },
    });
  }

  function draw() {
    var source = document.getElementById("analytics-data");
    if (source && window.Chart) {
      var data = JSON.parse(source.textContent);
      document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
        if (canvas.dataset.chart === "forecast") {
          if (data.forecast) forecastChart(canvas, data.forecast);
          return;
        }
        var series = canvas.dataset.chart === "orders" ? data.orders : data.revenue[canvas.dataset.currency];
        if (series) chart(canvas, data.labels, series, data);
      });
    }
    var filter = document.querySelector("[data-testid=analytics-filter]");
    if (filter) {
      filter.addEventListener("change", function () {
        filter.requestSubmit();
      });
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
