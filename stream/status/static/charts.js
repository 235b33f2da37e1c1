"use strict";
// SVG charts of the status page: timelines (value per window, threshold, violation markers,
// the chosen window) and baseline-vs-live distributions (CDF from quantiles, category bars).

(function () {
  const TIMELINE = { width: 520, height: 54, pad: 5 };
  const BIG = { width: 380, height: 130, pad: 8, left: 46, bottom: 14 };
  const DIST = { width: 300, height: 84, pad: 4, bottom: 16 };

  function esc(text) {
    return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  }
  function fmt(v) {
    if (v === null || v === undefined || Number.isNaN(v)) return "–";
    if (v !== 0 && (Math.abs(v) >= 1e6 || Math.abs(v) < 1e-3)) return v.toExponential(2);
    return String(Number(v.toPrecision(3)));
  }
  // as status.js's: a fraction of a second stays, to the millisecond
  const utc = (iso) => (iso ? iso.replace("T", " ").replace(/(\.\d{1,3})\d*Z$/, "$1").replace(/(\.0*)?Z?$/, "") : "");
  const finite = (v) => v !== null && v !== undefined && Number.isFinite(v);
  const times = (m) => m.windows.map((w) => Date.parse(w.start));
  const thresholdAt = (chart, i) => (Array.isArray(chart.threshold) ? chart.threshold[i] : chart.threshold);

  function scales(m, chart, box) {
    const t = times(m);
    const t0 = Math.min(...t);
    const t1 = Math.max(...t, t0 + 1);
    const left = box.left || box.pad;
    const limits = Array.isArray(chart.threshold) ? chart.threshold : [chart.threshold];
    const known = chart.values.concat(limits, chart.distances || []).filter(finite);
    let lo = Math.min(0, ...known);
    let hi = Math.max(...known, lo + 1e-9);
    hi += (hi - lo) * 0.12;
    if (lo < 0) lo -= (hi - lo) * 0.05;
    return {
      t,
      lo,
      hi,
      x: (ti) => left + ((ti - t0) / (t1 - t0)) * (box.width - left - box.pad),
      y: (v) => box.height - (box.bottom || box.pad) - ((v - lo) / (hi - lo)) * (box.height - box.pad - (box.bottom || box.pad)),
    };
  }

  function polyline(xs, values, y) {
    let d = "";
    let pen = false;
    values.forEach((v, i) => {
      if (!finite(v)) {
        pen = false;
        return;
      }
      d += `${pen ? "L" : "M"}${xs[i].toFixed(1)} ${y(v).toFixed(1)}`;
      pen = true;
    });
    return d;
  }

  // one series over every kept window: value line, threshold, violations, chosen window
  function timeline(m, chart, selected, box = TIMELINE) {
    const s = scales(m, chart, box);
    const xs = s.t.map(s.x);
    let threshold = "";
    if (Array.isArray(chart.threshold)) {
      threshold = `<path class="threshold" d="${polyline(xs, chart.threshold, s.y)}"/>`;
    } else if (finite(chart.threshold)) {
      const y = s.y(chart.threshold).toFixed(1);
      threshold = `<line class="threshold" x1="${xs[0] ?? 0}" x2="${box.width - box.pad}" y1="${y}" y2="${y}"><title>threshold ${fmt(chart.threshold)}</title></line>`;
    }
    const marked = new Map();
    for (const [i, check] of chart.violations) marked.set(i, (marked.get(i) || []).concat(check));
    const markers = [...marked].map(([i, checks]) => {
      const v = chart.values[i];
      const y = finite(v) ? s.y(v) : box.pad;
      return `<circle class="violation" cx="${xs[i].toFixed(1)}" cy="${y.toFixed(1)}" r="3.2"><title>${esc(m.windows[i].start)}: ${esc(checks.join(", "))}</title></circle>`;
    }).join("");
    const raw = chart.distances ? `<path class="series-distance" d="${polyline(xs, chart.distances, s.y)}"/>` : "";
    const cursor = selected >= 0 ? `<line class="cursor" x1="${xs[selected].toFixed(1)}" x2="${xs[selected].toFixed(1)}" y1="0" y2="${box.height - (box.bottom || 0)}"/>` : "";
    const first = m.windows[0];
    const last = m.windows[m.windows.length - 1];
    const axis = box.left
      ? `<text class="axis" x="${box.left - 4}" y="${s.y(s.hi) + 9}" text-anchor="end">${fmt(s.hi)}</text>
         <text class="axis" x="${box.left - 4}" y="${s.y(s.lo)}" text-anchor="end">${fmt(s.lo)}</text>
         <line class="axis-line" x1="${box.left}" x2="${box.left}" y1="${box.pad}" y2="${s.y(s.lo)}"/>
         <text class="axis" x="${box.left}" y="${box.height}">${esc(utc(first.start))}</text>
         <text class="axis" x="${box.width - box.pad}" y="${box.height}" text-anchor="end">${esc(utc(last.start))}</text>`
      : "";
    const x0 = s.x(Math.min(...s.t)).toFixed(1);
    const x1 = s.x(Math.max(...s.t, Math.min(...s.t) + 1)).toFixed(1);
    return `<svg class="timeline" data-series="${esc(chart.name)}" data-x0="${x0}" data-x1="${x1}" width="${box.width}" height="${box.height}" viewBox="0 0 ${box.width} ${box.height}">
      ${axis}${threshold}${raw}<path class="series-value" d="${polyline(xs, chart.values, s.y)}"/>${cursor}${markers}</svg>`;
  }

  // the window nearest to a click at horizontal fraction ``fraction`` of a timeline svg
  function nearestWindow(m, svg, fraction) {
    const t = times(m);
    if (!t.length) return null;
    const t0 = Math.min(...t);
    const t1 = Math.max(...t, t0 + 1);
    const x = fraction * Number(svg.getAttribute("width"));
    const [x0, x1] = [Number(svg.dataset.x0), Number(svg.dataset.x1)];
    const target = t0 + ((x - x0) / Math.max(x1 - x0, 1e-9)) * (t1 - t0);
    let best = 0;
    t.forEach((ti, i) => {
      if (Math.abs(ti - target) < Math.abs(t[best] - target)) best = i;
    });
    return m.windows[best];
  }

  // baseline vs this window: CDFs through the quantiles, or bars of category shares
  function distribution(name, baseline, live, levels) {
    const shape = baseline || live;
    if (!shape) return `<span class="muted">no values</span>`;
    const body = shape.kind === "numeric" ? cdf(baseline, live, levels) : bars(baseline, live);
    return `<svg class="distribution ${shape.kind}" data-feature="${esc(name)}" width="${DIST.width}" height="${DIST.height}" viewBox="0 0 ${DIST.width} ${DIST.height}">${body}</svg>`;
  }

  function cdf(baseline, live, levels) {
    const sets = [baseline, live].filter((d) => d && d.kind === "numeric");
    const all = sets.flatMap((d) => d.quantiles).filter(finite);
    if (!all.length) return "";
    const lo = Math.min(...all);
    const hi = Math.max(...all, lo + 1e-9);
    const plotH = DIST.height - DIST.bottom;
    const x = (v) => DIST.pad + ((v - lo) / (hi - lo)) * (DIST.width - 2 * DIST.pad);
    const y = (p) => plotH - p * (plotH - DIST.pad);
    const path = (d) => d.quantiles.map((q, i) => (finite(q) ? `${i ? "L" : "M"}${x(q).toFixed(1)} ${y(levels[i]).toFixed(1)}` : "")).join("");
    const lines = [];
    if (baseline && baseline.kind === "numeric") lines.push(`<path class="series-baseline" d="${path(baseline)}"><title>baseline CDF (${baseline.count} values)</title></path>`);
    if (live && live.kind === "numeric") lines.push(`<path class="series-live" d="${path(live)}"><title>this window's CDF (${live.count} values)</title></path>`);
    return `<line class="axis-line" x1="${DIST.pad}" x2="${DIST.width - DIST.pad}" y1="${plotH}" y2="${plotH}"/>
      ${lines.join("")}
      <text class="axis" x="${DIST.pad}" y="${DIST.height - 3}">${fmt(lo)}</text>
      <text class="axis" x="${DIST.width - DIST.pad}" y="${DIST.height - 3}" text-anchor="end">${fmt(hi)}</text>`;
  }

  // the 8 largest shares of baseline or window (a category new in the window among them), and
  // one "other" pair for the rest: the categories not drawn, or not kept (top 12 of each)
  function bars(baseline, live) {
    const share = (d) => {
      if (!(d && d.kind === "categorical" && d.total > 0)) return null;
      return new Map(d.categories.map(([v, c]) => [v, c / d.total]));
    };
    const [b, l] = [share(baseline), share(live)];
    const of = (m, name) => (m && m.get(name)) || 0;
    const names = [...new Set([...(b ? b.keys() : []), ...(l ? l.keys() : [])])]
      .sort((x, y) => Math.max(of(b, y), of(l, y)) - Math.max(of(b, x), of(l, x)))
      .slice(0, 8);
    const rest = (m) => (m ? Math.max(0, 1 - names.reduce((sum, name) => sum + of(m, name), 0)) : 0);
    const entries = names.map((name) => [name, of(b, name), of(l, name)]);
    const other = [rest(b), rest(l)];
    if (other.some((v) => v >= 0.0005)) entries.push([null, ...other]);
    const plotH = DIST.height - DIST.bottom;
    const slot = (DIST.width - 2 * DIST.pad) / Math.max(entries.length, 1);
    const bar = Math.min(14, slot / 2 - 2);
    const top = Math.max(...entries.flatMap(([, bv, lv]) => [bv, lv]), 0.01);
    const h = (v) => (v / top) * (plotH - DIST.pad);
    return entries.map(([name, bv, lv], i) => {
      const x0 = DIST.pad + i * slot + slot / 2 - bar;
      const shown = name === null ? "other" : name;
      const label = shown.length > 9 ? `${shown.slice(0, 8)}…` : shown;
      const what = name === null ? "other (the categories not drawn)" : name;
      return `<rect class="bar-baseline" x="${x0.toFixed(1)}" y="${(plotH - h(bv)).toFixed(1)}" width="${bar.toFixed(1)}" height="${h(bv).toFixed(1)}"><title>${esc(what)}: baseline ${(bv * 100).toFixed(1)} %</title></rect>
        <rect class="bar-live" x="${(x0 + bar).toFixed(1)}" y="${(plotH - h(lv)).toFixed(1)}" width="${bar.toFixed(1)}" height="${h(lv).toFixed(1)}"><title>${esc(what)}: this window ${(lv * 100).toFixed(1)} %</title></rect>
        <text class="axis${name === null ? " other" : ""}" x="${(x0 + bar).toFixed(1)}" y="${DIST.height - 3}" text-anchor="middle">${esc(label)}</text>`;
    }).join("") + `<line class="axis-line" x1="${DIST.pad}" x2="${DIST.width - DIST.pad}" y1="${plotH}" y2="${plotH}"/>`;
  }

  const TIMELINE_KEYS = `<span class="key threshold"></span>threshold
    <span class="key violation"></span>violation <span class="key cursor"></span>chosen window on the timeline`;
  // the metric timelines draw no distribution: no baseline or chosen-window keys there
  const TIMELINE_LEGEND = `<p class="legend">${TIMELINE_KEYS}</p>`;
  const LEGEND = `<p class="legend"><span class="key baseline"></span>baseline
    <span class="key live"></span>chosen window ${TIMELINE_KEYS}</p>`;
  const DRIFT_LEGEND = `<p class="legend"><span class="key judged"></span>drift distance as judged (Robust:
    L∞ less the KS critical value, 0 when not significant) <span class="key distance"></span>L∞ distance
    of the window alone against the baseline</p>`;

  // data quality: one row per feature, ranked by the chosen window's drift
  function featuresPanel(m, index, detail, levels) {
    const shapes = new Map((detail ? detail.features : []).map((f) => [f.name, f]));
    const rows = m.charts.map((c) => ({
      chart: c,
      value: index >= 0 ? c.values[index] : null,
      flags: c.violations.filter(([i]) => i === index).map(([, check]) => check),
    }));
    for (const row of rows) row.distance = index >= 0 && row.chart.distances ? row.chart.distances[index] : null;
    rows.sort((a, b) => (b.flags.length > 0) - (a.flags.length > 0) || (b.value ?? -1) - (a.value ?? -1)
      || (b.distance ?? -1) - (a.distance ?? -1));
    const first = m.windows[0];
    const last = m.windows[m.windows.length - 1];
    const body = rows.map(({ chart, value, flags, distance }) => {
      const limit = index >= 0 ? thresholdAt(chart, index) : null;
      const shape = shapes.get(chart.name) || {};
      const badges = [...new Set(flags)].map((f) => `<span class="flag">${esc(f.replace(/_check$/, "").replace(/_/g, " "))}</span>`).join(" ");
      return `<tr class="feature${flags.length ? " flagged" : ""}" data-feature="${esc(chart.name)}">
        <td class="name">${esc(chart.name)}<br>${badges}</td>
        <td class="num drift">${fmt(value)}<br><span class="muted">threshold ${fmt(limit)}<br>L∞ ${fmt(distance)}</span></td>
        <td>${timeline(m, chart, index)}</td>
        <td>${distribution(chart.name, shape.baseline, shape.live, levels)}</td></tr>`;
    }).join("");
    return `<h3>features, ranked by drift in the chosen window</h3>${LEGEND}${DRIFT_LEGEND}
      <table class="features"><thead><tr><th>feature</th><th class="num">drift distance</th>
      <th>drift per window <span class="muted">${first ? esc(utc(first.start)) : ""} → ${last ? esc(utc(last.start)) : ""} UTC (click: choose a window)</span></th>
      <th>baseline vs chosen window</th></tr></thead><tbody>${body}</tbody></table>`;
  }

  // model quality, bias drift, attribution drift: one chart per metric, violated ones first
  function metricsPanel(m, index, detail) {
    const charts = [...m.charts].sort((a, b) => (b.violations.length > 0) - (a.violations.length > 0));
    const cards = charts.map((c) => {
      const value = index >= 0 ? c.values[index] : null;
      const limit = index >= 0 ? thresholdAt(c, index) : null;
      const flagged = c.violations.some(([i]) => i === index);
      return `<div class="metric${flagged ? " flagged" : ""}" data-metric="${esc(c.name)}">
        <h4>${esc(c.name)} <span class="value">${fmt(value)}</span>
        ${finite(limit) ? `<span class="muted">threshold ${fmt(limit)}</span>` : ""}</h4>
        ${c.values.some(finite) ? timeline(m, c, index, BIG) : `<p class="muted no-values">no finite value in any window (infinite or undefined)</p>`}</div>`;
    }).join("");
    return `<h3>metrics per window</h3>${TIMELINE_LEGEND}<div class="metrics">${cards}</div>${shapPanel(detail)}`;
  }

  function shapPanel(detail) {
    if (!detail || !Object.keys(detail.shap).length) return "";
    return Object.entries(detail.shap).map(([label, pairs]) => {
      const top = Math.max(...pairs.map(([, v]) => Math.abs(v)), 1e-12);
      const rows = pairs.map(([f, v]) => `<tr><td>${esc(f)}</td><td><span class="shap-bar" style="width:${(Math.abs(v) / top) * 220}px"></span> ${fmt(v)}</td></tr>`).join("");
      return `<h3>global SHAP values in the chosen window · ${esc(label)}</h3><table class="shap">${rows}</table>`;
    }).join("");
  }

  window.driftlineCharts = { featuresPanel, metricsPanel, nearestWindow, timeline, distribution };
})();
