/* Reciprocity board chart (vendored ECharts): requests sent, received and completed on time
 * per organisation, from the json_script block "reciprocity-data". The table under the chart
 * has the same figures, so nothing is lost when this script or ECharts cannot run. */
(function () {
  "use strict";
  var element = document.getElementById("reciprocity-chart");
  var dataNode = document.getElementById("reciprocity-data");
  if (!element || !dataNode || !window.echarts) { return; }
  var data = JSON.parse(dataNode.textContent);
  var chart = window.echarts.init(element);
  chart.setOption({
    aria: { enabled: true },
    // Drawn by the chart renderer: ECharts' HTML tooltips carry inline style attributes, which
    // the Content-Security-Policy refuses (decision 0016).
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, renderMode: "richText" },
    legend: { top: 0 },
    grid: { left: 8, right: 8, bottom: 8, top: 36, containLabel: true },
    xAxis: {
      type: "category",
      data: data.categories,
      axisLabel: { interval: 0, rotate: data.categories.length > 6 ? 30 : 0 },
    },
    yAxis: { type: "value", minInterval: 1 },
    series: data.series.map(function (s) { return { name: s.name, type: "bar", data: s.data }; }),
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
