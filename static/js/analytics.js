// The analytics page's charts (Chart.js), from the JSON the page carries; a click on a bar, a point or a
// slice opens the list behind it (each series carries one link per label).
(function () {
  var palette = ["#0e7c80", "#1b3a4b", "#e0a526", "#c0392b", "#6c8ea0", "#8e5ea2", "#3cba9f", "#b0b0b0"];
  function open(links) {
    return function (event, elements) {
      if (!elements.length) return;
      var e = elements[0];
      var target = Array.isArray(links[0]) ? links[e.datasetIndex][e.index] : links[e.index];
      if (target) window.location.href = target;
    };
  }
  function hover(event, elements) {
    event.native.target.style.cursor = elements.length ? "pointer" : "default";
  }
  document.addEventListener("DOMContentLoaded", function () {
    var node = document.getElementById("analytics-data");
    if (!node || typeof Chart === "undefined") return;
    var data = JSON.parse(node.textContent);
    var small = { animation: false, onHover: hover, plugins: { legend: { position: "bottom" } } };
    new Chart(document.getElementById("chart-mix"), {
      type: "doughnut",
      data: { labels: data.mix.labels, datasets: [{ data: data.mix.values, backgroundColor: palette }] },
      options: Object.assign({ onClick: open(data.mix.links) }, small)
    });
    new Chart(document.getElementById("chart-outcomes"), {
      type: "doughnut",
      data: { labels: data.outcomes.labels, datasets: [{ data: data.outcomes.values, backgroundColor: palette }] },
      options: Object.assign({ onClick: open(data.outcomes.links) }, small)
    });
    new Chart(document.getElementById("chart-daily"), {
      type: "bar",
      data: { labels: data.daily.labels, datasets: [{ label: "Transactions", data: data.daily.count, backgroundColor: palette[0] }] },
      options: { animation: false, onHover: hover, onClick: open(data.daily.links), plugins: { legend: { display: false } } }
    });
    new Chart(document.getElementById("chart-volume"), {
      type: "line",
      data: { labels: data.daily.labels, datasets: [
        { label: "Volume (" + data.daily.currency + ")", data: data.daily.amount, borderColor: palette[1], yAxisID: "y" },
        { label: "Average ticket (" + data.daily.currency + ")", data: data.daily.average, borderColor: palette[2], yAxisID: "y1" }
      ] },
      options: { animation: false, onHover: hover, onClick: open([data.daily.links, data.daily.links]),
                 scales: { y: { position: "left" }, y1: { position: "right", grid: { drawOnChartArea: false } } } }
    });
    var colours = { High: "#c0392b", Medium: "#e0a526", Low: "#6c8ea0" };
    new Chart(document.getElementById("chart-alerts"), {
      type: "bar",
      data: { labels: data.alerts.labels, datasets: data.alerts.series.map(function (s) {
        return { label: s.label, data: s.values, backgroundColor: colours[s.label] };
      }) },
      options: { animation: false, onHover: hover, onClick: open(data.alerts.series.map(function (s) { return s.links; })),
                 scales: { x: { stacked: true }, y: { stacked: true } } }
    });
  });
})();
