// A small self-written SVG line chart: compliance score (0-100 %) per framework over scan days.
// Reads the series from <script type="application/json" id="trend-data"> and draws into #trend-chart.
"use strict";
(function () {
  var SVG = "http://www.w3.org/2000/svg";
  var COLORS = ["#1f5fbf", "#b42318", "#1a7f37", "#9a6700", "#8250df", "#0a7ea4", "#c4590f", "#57606a",
                "#bf3989", "#2f6f4f", "#6639ba", "#a40e26"];
  var DAY = 86400000;

  function el(name, attrs, parent) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    if (parent) { parent.appendChild(node); }
    return node;
  }

  function day(text) {
    var p = text.split("-");
    return Date.UTC(+p[0], +p[1] - 1, +p[2]);
  }

  function label(ms) {
    return new Date(ms).toISOString().slice(0, 10);
  }

  function draw(target, series) {
    var points = [];
    series.forEach(function (s) { s.points.forEach(function (p) { points.push(day(p[0])); }); });
    if (!points.length) {
      var p = document.createElement("p");
      p.className = "chart-empty";
      p.textContent = "No compliance results to chart yet.";
      target.appendChild(p);
      return;
    }
    var width = 900, height = 300, left = 44, right = 16, top = 12, bottom = 28;
    var legendRows = Math.ceil(series.length / 4);
    var total = height + legendRows * 20 + 8;
    var minX = Math.min.apply(null, points), maxX = Math.max.apply(null, points);
    if (minX === maxX) { minX -= DAY; maxX += DAY; }
    var x = function (ms) { return left + (ms - minX) / (maxX - minX) * (width - left - right); };
    var y = function (v) { return top + (100 - v) / 100 * (height - top - bottom); };
    var svg = el("svg", { viewBox: "0 0 " + width + " " + total, "aria-hidden": "true" });

    var grid = el("g", { "class": "grid" }, svg);
    var axis = el("g", { "class": "axis" }, svg);
    [0, 25, 50, 75, 100].forEach(function (v) {
      el("line", { x1: left, x2: width - right, y1: y(v), y2: y(v) }, grid);
      var t = el("text", { x: left - 6, y: y(v) + 4, "text-anchor": "end" }, axis);
      t.textContent = v + "%";
    });
    var days = Array.from(new Set(points)).sort(function (a, b) { return a - b; });
    var step = Math.max(1, Math.ceil(days.length / 8));
    days.forEach(function (ms, i) {
      if (i % step !== 0 && i !== days.length - 1) { return; }
      el("line", { x1: x(ms), x2: x(ms), y1: height - bottom, y2: height - bottom + 4 }, axis);
      var anchor = days.length > 1 && i === 0 ? "start" : (days.length > 1 && i === days.length - 1 ? "end" : "middle");
      var t = el("text", { x: x(ms), y: height - bottom + 16, "text-anchor": anchor }, axis);
      t.textContent = label(ms);
    });

    var groups = [];
    series.forEach(function (s, i) {
      var color = COLORS[i % COLORS.length];
      var g = el("g", { "class": "series", "data-framework": s.framework_key }, svg);
      var d = "", pen = "M";
      s.points.forEach(function (p) {
        if (p[1] === null || p[1] === undefined) { pen = "M"; return; }
        d += pen + x(day(p[0])).toFixed(1) + "," + y(p[1]).toFixed(1) + " ";
        pen = "L";
      });
      if (d) { el("path", { d: d.trim(), stroke: color }, g); }
      s.points.forEach(function (p) {
        if (p[1] === null || p[1] === undefined) { return; }
        var c = el("circle", { cx: x(day(p[0])), cy: y(p[1]), r: 3.5, fill: color }, g);
        var title = el("title", {}, c);
        title.textContent = s.label + " · " + p[0] + ": " + p[1].toFixed(1) + "%";
      });
      groups.push(g);
    });

    var legend = el("g", { "class": "legend" }, svg);
    var active = null;
    series.forEach(function (s, i) {
      var lx = left + (i % 4) * 210, ly = height + 8 + Math.floor(i / 4) * 20;
      var item = el("g", { transform: "translate(" + lx + "," + ly + ")", tabindex: "0", role: "button" }, legend);
      el("rect", { width: 12, height: 12, rx: 2, fill: COLORS[i % COLORS.length] }, item);
      var t = el("text", { x: 18, y: 10 }, item);
      t.textContent = s.label;
      var toggle = function () {
        active = active === i ? null : i;
        groups.forEach(function (g, j) { g.classList.toggle("dim", active !== null && j !== active); });
      };
      item.addEventListener("click", toggle);
      item.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); toggle(); } });
    });
    target.appendChild(svg);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var target = document.getElementById("trend-chart");
    var data = document.getElementById("trend-data");
    if (!target || !data) { return; }
    draw(target, JSON.parse(data.textContent));
  });
})();
