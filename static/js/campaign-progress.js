/* The progress chart of a campaign (templates/publicity/progress.html); its figures come
 * from the page's <script type="application/json" id="progress-data"> (json_script). */
(function () {
  "use strict";
  var canvas = document.getElementById("progress-chart");
  if (!canvas || !window.Chart) return;
  // The box's height grows with the number of rows (set here: no style="" under the CSP).
  var box = canvas.parentElement;
  box.style.height = box.getAttribute("data-chart-height") + "rem";
  var data = JSON.parse(document.getElementById("progress-data").textContent);
  var colours = ["#9ec5fe", "#0d6efd", "#198754", "#dc3545"];
  data.datasets.forEach(function (set, i) { set.backgroundColor = colours[i]; });
  new Chart(canvas, {
    type: "bar",
    data: data,
    options: {
      indexAxis: "y",  // one row per place: long Chinese names stay readable on a phone
      maintainAspectRatio: false,
      scales: {x: {beginAtZero: true, ticks: {precision: 0}}},
      plugins: {legend: {position: "bottom"}}
    }
  });
})();
