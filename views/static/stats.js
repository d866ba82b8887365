/* The statistics dashboard draws its charts lazily: the page comes with one placeholder
   per chart; each is fetched (/stats/chart/<name>: its heading and table as HTML, its
   figure as Plotly's JSON) when it scrolls into view, at most two at a time, in the
   page's order, and drawn with Plotly, itself loaded once, after the page's load event. */
(function () {
  "use strict";
  var container = document.querySelector(".stats-charts");
  if (!container) { return; }
  var PARALLEL = 2;
  var queue = [], running = 0, plotly = null;

  function loadPlotly() {
    if (!plotly) {
      plotly = new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = container.dataset.plotly;
        script.onload = function () { resolve(window.Plotly); };
        script.onerror = reject;
        document.head.appendChild(script);
      });
    }
    return plotly;
  }

  function draw(panel, chart) {
    panel.innerHTML = chart.html;
    panel.classList.remove("stats-pending");
    var target = panel.querySelector(".stats-plot");
    if (!chart.figure || !target) { return Promise.resolve(); }
    return loadPlotly().then(function (Plotly) {
      return Plotly.newPlot(target, chart.figure.data, chart.figure.layout,
                            {displayModeBar: false, responsive: true});
    }).then(function (plot) {
      if (chart.clickable) {
        plot.on("plotly_click", function (event) {  // a bar opens that region's dashboard
          var url = event.points[0].customdata;
          if (url) { window.location.href = url; }
        });
      }
      panel.classList.add("stats-drawn");
      if (window.performance && performance.mark) { performance.mark("stats-chart-drawn"); }  // bench/dashboard_load.py
    });
  }

  function failed(panel) {
    var body = panel.querySelector(".panel-body");
    body.textContent = container.dataset.failed + " ";
    var retry = document.createElement("button");
    retry.type = "button";
    retry.className = "btn btn-xs btn-default";
    retry.textContent = container.dataset.retry;
    retry.addEventListener("click", function () { enqueue(panel); });
    body.appendChild(retry);
  }

  function next() {
    while (running < PARALLEL && queue.length) {
      var panel = queue.shift();
      running += 1;
      fetch(panel.dataset.src, {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (response) {
          if (!response.ok) { throw new Error(response.status); }
          return response.json();
        })
        .then(draw.bind(null, panel))
        .catch(failed.bind(null, panel))
        .then(function () { running -= 1; next(); });
    }
  }

  function enqueue(panel) {
    queue.push(panel);
    // The page's order: the first visible charts first.
    var panels = Array.prototype.slice.call(container.children);
    queue.sort(function (a, b) { return panels.indexOf(a) - panels.indexOf(b); });
    next();
  }

  // Plotly (4.8 MB to parse) starts loading once the page has loaded, while the first
  // charts' numbers are fetched: the page is usable before, the charts come right after.
  window.addEventListener("load", function () { loadPlotly(); });

  var panels = container.querySelectorAll(".stats-chart[data-src]");
  if (!("IntersectionObserver" in window)) {
    Array.prototype.forEach.call(panels, enqueue);
    return;
  }
  var observer = new IntersectionObserver(function (entries) {
    entries.forEach(function (entry) {
      if (entry.isIntersecting) {
        observer.unobserve(entry.target);
        enqueue(entry.target);
      }
    });
  }, {rootMargin: "200px 0px"});
  Array.prototype.forEach.call(panels, function (panel) { observer.observe(panel); });
}());
