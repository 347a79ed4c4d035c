// A report's charts on screen (Chart.js), from the same definitions the PDF draws as SVG; a click on a
// bar, a point or a slice opens the list behind it.
(function () {
  var palette = ["#0e7c80", "#1b3a4b", "#e0a526", "#c0392b", "#6c8ea0", "#8e5ea2", "#3cba9f", "#b0b0b0"];
  document.addEventListener("DOMContentLoaded", function () {
    var node = document.getElementById("report-charts");
    if (!node || typeof Chart === "undefined") return;
    var charts = JSON.parse(node.textContent);
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var c = charts[canvas.dataset.chart];
      if (!c) return;
      var doughnut = c.kind === "doughnut";
      new Chart(canvas, {
        type: c.kind,
        data: { labels: c.labels, datasets: c.series.map(function (s, i) {
          return { label: s.label, data: s.values, borderColor: palette[i % palette.length],
                   backgroundColor: doughnut ? palette : palette[i % palette.length], pointRadius: 0 };
        }) },
        options: {
          animation: false,
          plugins: { legend: { display: doughnut || c.series.length > 1, position: "bottom" } },
          scales: doughnut ? {} : { x: { stacked: c.kind === "bar" }, y: { stacked: c.kind === "bar" } },
          onHover: function (e, els) { e.native.target.style.cursor = els.length && c.links.length ? "pointer" : "default"; },
          onClick: function (e, els) { if (els.length && c.links[els[0].index]) window.location.href = c.links[els[0].index]; }
        }
      });
    });
  });
})();
