// The staff dashboard (the admin's landing page): draws the per-day bar charts from the
// figures the page carries as JSON (#dashboard-data). Each chart also has its table, read
// without this script.
(function () {
  "use strict";

  var COLOURS = { orders_series: "#417690", reports_series: "#ba2121" };

  function draw() {
    var source = document.getElementById("dashboard-data");
    if (!source || !window.Chart) return;
    var data = JSON.parse(source.textContent);
    var styles = getComputedStyle(document.documentElement);
    var text = styles.getPropertyValue("--body-quiet-color").trim() || "#666";
    var grid = styles.getPropertyValue("--hairline-color").trim() || "#e8e8e8";
    document.querySelectorAll("canvas[data-series]").forEach(function (canvas) {
      var series = data[canvas.dataset.series];
      if (!series) return;
      new window.Chart(canvas, {
        type: "bar",
        data: {
          labels: series.days,
          datasets: [
            {
              label: series.label,
              data: series.values,
              backgroundColor: COLOURS[canvas.dataset.series] || "#417690",
              borderRadius: 3,
              maxBarThickness: 28,
            },
          ],
        },
        options: {
          responsive: true,
          maintainAspectRatio: false,
          animation: false,
          plugins: { legend: { display: false } },
          scales: {
            x: { ticks: { color: text, autoSkip: true, maxRotation: 0 }, grid: { display: false } },
            y: { beginAtZero: true, ticks: { color: text, precision: 0 }, grid: { color: grid } },
          },
        },
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
