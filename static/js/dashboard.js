// Draws the dashboard's charts from the data the server rendered with json_script.
(function () {
  "use strict";
  const language = document.documentElement.lang || "en";
  const numbers = new Intl.NumberFormat(language, { maximumFractionDigits: 2 });
  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    const spec = JSON.parse(document.getElementById(canvas.dataset.chart).textContent);
    new Chart(canvas, {
      type: spec.type,
      data: { labels: spec.labels, datasets: spec.datasets },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        scales: { y: { beginAtZero: true, ticks: { callback: function (value) { return numbers.format(value); } } } },
        plugins: {
          tooltip: {
            callbacks: {
              label: function (context) { return context.dataset.label + ": " + numbers.format(context.parsed.y); },
            },
          },
        },
      },
    });
  });
})();
