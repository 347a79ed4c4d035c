// Small trend lines (Chart.js): every <canvas class="cc-trend"> with data-days and data-values (JSON
// lists of the same length) becomes a line without axes; hovering a point shows its day and value.
(function () {
  function draw(canvas) {
    var days = JSON.parse(canvas.dataset.days || "[]");
    var values = JSON.parse(canvas.dataset.values || "[]");
    if (values.length < 2 || typeof Chart === "undefined") return;
    var colour = getComputedStyle(canvas).color;
    new Chart(canvas, {
      type: "line",
      data: { labels: days, datasets: [{ data: values, borderColor: colour, borderWidth: 1.5, pointRadius: 0,
                                         pointHitRadius: 6, tension: 0.2 }] },
      options: { responsive: false, animation: false, events: ["mousemove", "mouseout"],
                 plugins: { legend: { display: false }, tooltip: { displayColors: false } },
                 scales: { x: { display: false }, y: { display: false } } }
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("canvas.cc-trend").forEach(draw);
  });
})();
