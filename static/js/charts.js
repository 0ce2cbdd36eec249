/* The dashboard's charts, drawn with the vendored Chart.js from data the server puts in a
 * json_script element (no inline script under the Content-Security-Policy).
 *
 * <canvas data-chart="bar|line" data-chart-key="areas" data-chart-source="ID"> reads
 * JSON.parse(#ID.textContent)[key] = {labels, registered, resolved} and the series' names
 * from [...].words. The same numbers stand in a <table> next to the chart (print, screen readers).
 */
(function () {
  "use strict";

  function draw(canvas) {
    if (typeof window.Chart === "undefined") return;
    var source = document.getElementById(canvas.getAttribute("data-chart-source"));
    if (!source) return;
    var all = JSON.parse(source.textContent);
    var data = all[canvas.getAttribute("data-chart-key")];
    if (!data) return;
    var kind = canvas.getAttribute("data-chart");
    var horizontal = kind === "bar";
    if (horizontal) {
      // One row per place, so that long Chinese names stay readable on a phone; the box
      // grows with the rows (set here: no style="" under the CSP).
      canvas.parentElement.style.height = Math.max(14, data.labels.length * 1.8 + 5) + "rem";
    }
    new window.Chart(canvas, {
      type: kind,
      data: {
        labels: data.labels,
        datasets: [
          { label: all.words.registered, data: data.registered, borderColor: "#0d6efd", backgroundColor: "rgba(13,110,253,0.6)", tension: 0.2 },
          { label: all.words.resolved, data: data.resolved, borderColor: "#198754", backgroundColor: "rgba(25,135,84,0.6)", tension: 0.2 }
        ]
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        indexAxis: horizontal ? "y" : "x",
        scales: horizontal
          ? { x: { beginAtZero: true, ticks: { precision: 0 } } }
          : { y: { beginAtZero: true, ticks: { precision: 0 } } },
        plugins: { legend: { position: "bottom" } }
      }
    });
  }

  function init() {
    var canvases = document.querySelectorAll("canvas[data-chart]");
    for (var i = 0; i < canvases.length; i++) draw(canvases[i]);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
