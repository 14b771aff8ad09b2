/* The statistics page's charts (vendored ECharts 6). The data and the translated labels come
 * from two JSON blocks the server renders (json_script); every chart has a data table under it
 * that stays open when this script or ECharts cannot run, and folds away once the chart is
 * drawn. Clicking a bar, slice or month opens the list behind it (the table's links). */
(function () {
  "use strict";
  if (typeof echarts === "undefined") return;
  var dataNode = document.getElementById("chart-data");
  var labelNode = document.getElementById("chart-labels");
  if (!dataNode) return;
  var data = JSON.parse(dataNode.textContent);
  var labels = labelNode ? JSON.parse(labelNode.textContent) : {};

  function linksOf(tableId) {
    // The URLs of the table's rows, in order: the chart opens the same lists.
    var table = document.getElementById(tableId);
    if (!table) return [];
    return Array.prototype.map.call(table.querySelectorAll("tbody tr"), function (tr) {
      var a = tr.querySelector("a");
      return a ? a.getAttribute("href") : null;
    });
  }

  function monthly(d, stacked) {
    return {
      tooltip: { trigger: "axis" },
      legend: { type: "scroll", top: 0 },
      grid: { left: 40, right: 16, top: 36, bottom: 28 },
      xAxis: { type: "category", data: d.months },
      yAxis: { type: "value", name: labels.count || "", minInterval: 1 },
      series: d.series.map(function (s) {
        return {
          name: s.name,
          type: stacked ? "bar" : "line",
          stack: stacked ? "total" : undefined,
          areaStyle: stacked ? undefined : {},
          data: s.data,
        };
      }),
    };
  }

  function bar(rows) {
    var names = rows.map(function (r) { return r.name; }).reverse();
    return {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      grid: { left: 8, right: 24, top: 8, bottom: 24, containLabel: true },
      xAxis: { type: "value", minInterval: 1, name: labels.count || "" },
      yAxis: { type: "category", data: names, axisLabel: { width: 160, overflow: "truncate" } },
      series: [{ type: "bar", data: rows.map(function (r) { return r.value; }).reverse() }],
    };
  }

  function pie(rows) {
    return {
      tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)" },
      series: [{
        type: "pie",
        radius: ["35%", "70%"],
        label: { formatter: "{b}\n{c}", width: 120, overflow: "truncate" },
        data: rows,
      }],
    };
  }

  function flows(rows) {
    var nodes = {};
    rows.forEach(function (r) {
      nodes[r.source] = (nodes[r.source] || 0) + r.value;
      nodes[r.target] = (nodes[r.target] || 0) + r.value;
    });
    var max = Math.max.apply(null, rows.map(function (r) { return r.value; }).concat([1]));
    return {
      tooltip: {},
      series: [{
        type: "graph",
        layout: "circular",
        circular: { rotateLabel: true },
        roam: true,
        label: { show: true, position: "right", fontSize: 10 },
        edgeSymbol: ["none", "arrow"],
        lineStyle: { curveness: 0.25, opacity: 0.6 },
        data: Object.keys(nodes).map(function (name) {
          return { name: name, value: nodes[name], symbolSize: 6 + Math.sqrt(nodes[name]) * 3 };
        }),
        links: rows.map(function (r) {
          return { source: r.source, target: r.target, value: r.value,
                   lineStyle: { width: 1 + 4 * r.value / max } };
        }),
      }],
    };
  }

  function indicators(rows) {
    return bar(rows.map(function (r) { return { name: r.name, value: r.value }; }));
  }

  var builders = {
    cases_by_month: function () { return monthly(data.cases_by_month, true); },
    evidence_by_month: function () { return monthly(data.evidence_by_month, false); },
    cases_by_dispute_type: function () { return pie(data.cases_by_dispute_type); },
    cases_by_region: function () { return bar(data.cases_by_region); },
    confirmations_by_court: function () { return bar(data.confirmations_by_court); },
    flows: function () { return flows(data.flows); },
    indicators: function () { return indicators(data.indicators); },
  };

  document.querySelectorAll(".chart[data-chart]").forEach(function (node) {
    var key = node.getAttribute("data-chart");
    var build = builders[key];
    var rows = key.indexOf("_by_month") > 0 ? data[key].months : data[key];
    if (!build || !rows || rows.length === 0) return;
    node.hidden = false;
    var height = key === "flows" ? 420 : Math.max(260, Math.min(560, rows.length * 22 + 60));
    node.style.height = height + "px";
    var chart = echarts.init(node, null, { renderer: "svg" });
    var option = build();
    // Tooltips drawn by the chart renderer, not as HTML: ECharts' HTML tooltips carry inline
    // style attributes, which the Content-Security-Policy refuses (decision 0016).
    option.tooltip = Object.assign({}, option.tooltip, { renderMode: "richText" });
    chart.setOption(option);
    var links = linksOf(key);
    chart.on("click", function (params) {
      if (key === "flows" || key === "indicators") return;
      var index = params.dataIndex;
      if (key.indexOf("_by_month") > 0) {
        var url = links[index];
      } else if (params.seriesType === "bar") {
        url = links[links.length - 1 - index];  // bars are drawn bottom-up
      } else {
        url = links[index];
      }
      if (url) window.location.href = url;
    });
    window.addEventListener("resize", function () { chart.resize(); });
    var details = node.parentNode.querySelector("details.chart-data");
    if (details) details.open = false;
  });
})();
