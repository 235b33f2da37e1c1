"use strict";
// driftline status page: plain JavaScript and SVG, no library, nothing fetched but this worker.
// /api/status gives every monitor's windows and charts; /api/window one window in detail.

const REFRESH_MS = 5000;
const TYPE_NAMES = {
  data_quality: "data quality",
  model_quality: "model quality",
  bias_drift: "bias drift",
  feature_attribution_drift: "feature attribution drift",
};
const CHECK_NAMES = {
  baseline_drift_check: "drift",
  completeness_check: "completeness",
  data_type_check: "data type",
  categorical_values_check: "new categories",
  missing_column_check: "missing column",
  extra_column_check: "extra column",
  online_drift_check: "online drift",
};
const state = { version: null, summary: null, worker: null, selected: {}, details: {} };

// A window is known by its start and its end: after a worker restarted with another window
// length, two windows can share a start.
const windowId = (w) => `${w.start}/${w.end}`;

function esc(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
function fmt(v) {
  if (v === null || v === undefined || Number.isNaN(v)) return "–";
  if (v !== 0 && (Math.abs(v) >= 1e6 || Math.abs(v) < 1e-3)) return v.toExponential(2);
  return String(Number(v.toPrecision(3)));
}
// counts (rows, labelled predictions) as they are: fmt's three digits made 1398 rows "1400"
function count(n) {
  return n === null || n === undefined ? "–" : String(n);
}
// "2024-03-05 14:00:00" of an ISO time in UTC; a fraction of a second stays (to the
// millisecond), or windows under a second would read alike
function utc(iso) {
  return iso ? iso.replace("T", " ").replace(/(\.\d{1,3})\d*Z$/, "$1").replace(/(\.0*)?Z?$/, "") : "";
}
// a window's end after its start: the time alone on the same day, else with its date
function until(start, end) {
  const [from, to] = [utc(start), utc(end)];
  return to.slice(0, 10) === from.slice(0, 10) ? to.slice(11) : to;
}
function keyOf(m) {
  return `${m.monitor}|${m.monitor_type}`;
}
function checkName(check) {
  return CHECK_NAMES[check] || check.replace(/_check$/, "").replace(/_/g, " ");
}
function statusClass(status) {
  return { Completed: "ok", CompletedWithViolations: "bad", Failed: "failed" }[status] || "pending";
}
// What a window's status reads as: [text, class, tooltip]. A window the executions topic
// calls Completed but whose every check went without a verdict is not a clean window.
function shownStatus(w) {
  if (w.pending) return ["pending", "pending", "no execution message read yet"];
  if (w.no_verdict) {
    return ["no verdict", "undecided", "Completed, but without a verdict: too few rows or labelled predictions to judge (fewer than min_window_count)"];
  }
  return [w.status, statusClass(w.status), w.failure_reason];
}
function statusPill(w, prefix = "") {
  const [text, cls, title] = shownStatus(w);
  return `<span class="pill ${cls}" title="${esc(title || "")}">${esc(prefix + text)}</span>`;
}
async function getJSON(url) {
  const response = await fetch(url, { cache: "no-store" });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response.json();
}

// ---- data ---------------------------------------------------------------------------------

async function refresh() {
  let data;
  try {
    data = await getJSON("/api/status");
  } catch (error) {
    document.getElementById("worker").className = "worker down";
    document.getElementById("worker").textContent = `worker unreachable (${error.message})`;
    return;
  }
  renderWorker(data.worker);
  document.getElementById("updated").textContent = `updated ${new Date().toISOString().slice(11, 19)} UTC`;
  if (data.summary.version === state.version) return;
  state.version = data.summary.version;
  state.summary = data.summary;
  await Promise.all(data.summary.monitors.map((m) => {
    const key = keyOf(m);
    const ids = m.windows.map(windowId);
    if (!ids.includes(state.selected[key])) state.selected[key] = ids[ids.length - 1];
    return loadDetail(m);
  }));
  render();
}

async function loadDetail(m) {
  const key = keyOf(m);
  const w = m.windows.find((x) => windowId(x) === state.selected[key]);
  if (!w) return;
  const query = new URLSearchParams({ monitor: m.monitor, type: m.monitor_type, start: w.start });
  if (w.end) query.set("end", w.end);
  try {
    state.details[key] = await getJSON(`/api/window?${query}`);
  } catch (error) {
    state.details[key] = null;
  }
}

async function select(key, id) {
  const m = state.summary.monitors.find((x) => keyOf(x) === key);
  if (!m) return;
  state.selected[key] = id;
  await loadDetail(m);
  renderMonitor(m);
}

// ---- rendering ----------------------------------------------------------------------------

function renderWorker(worker) {
  const el = document.getElementById("worker");
  state.worker = worker;
  if (worker.ready) {
    el.className = "worker ready";
    el.textContent = `ready · ${worker.assigned_partitions} capture partitions · broker reachable`;
  } else {
    el.className = "worker not-ready";
    el.textContent = `not ready: ${worker.reasons.join("; ")}`;
  }
}

function render() {
  const monitors = state.summary.monitors;
  document.getElementById("empty").hidden = monitors.length > 0;
  const nav = document.getElementById("monitor-nav");
  nav.innerHTML = monitors.map((m) => {
    const last = m.windows[m.windows.length - 1];
    const cls = last ? shownStatus(last)[1] : "pending";
    return `<a href="#m-${esc(keyOf(m))}" class="chip ${cls}">${esc(m.monitor)} · ${esc(TYPE_NAMES[m.monitor_type] || m.monitor_type)}</a>`;
  }).join("");
  const main = document.getElementById("monitors");
  // a monitor the worker no longer shows (it restarted with another config) leaves the page
  const shown = new Set(monitors.map((m) => `m-${keyOf(m)}`));
  for (const old of [...main.querySelectorAll("section.monitor")]) if (!shown.has(old.id)) old.remove();
  for (const m of monitors) {
    let section = document.getElementById(`m-${keyOf(m)}`);
    if (!section) {
      section = document.createElement("section");
      section.id = `m-${keyOf(m)}`;
      section.className = "monitor";
      section.dataset.monitor = m.monitor;
      section.dataset.type = m.monitor_type;
    }
    main.appendChild(section); // in the summary's order, a newly seen monitor too
    renderMonitor(m);
  }
  document.body.dataset.rendered = String(Number(document.body.dataset.rendered || 0) + 1);
  if (window.driftlineFirstRenderMs === undefined && monitors.length) {
    window.driftlineFirstRenderMs = performance.now(); // since navigation start (benchmark)
  }
}

function renderMonitor(m) {
  const key = keyOf(m);
  const section = document.getElementById(`m-${key}`);
  const scroller = section.querySelector(".windows-scroll");
  const scrollTop = scroller ? scroller.scrollTop : 0;
  const index = m.windows.findIndex((w) => windowId(w) === state.selected[key]);
  const detail = state.details[key];
  const flagged = m.windows.filter((w) => w.violations > 0).length;
  const undecided = m.windows.filter((w) => w.no_verdict).length;
  const last = m.windows[m.windows.length - 1];
  // a configured monitor that has published no window yet: said so, without empty charts
  const body = !m.windows.length ? "" : m.monitor_type === "data_quality"
    ? window.driftlineCharts.featuresPanel(m, index, detail, state.summary.quantile_levels)
    : window.driftlineCharts.metricsPanel(m, index, detail);
  section.innerHTML = `
    <h2>${esc(m.monitor)} <span class="badge">${esc(TYPE_NAMES[m.monitor_type] || m.monitor_type)}</span>
      ${last ? statusPill(last, "latest: ") : ""}
      <span class="muted">${m.windows.length ? `${m.windows.length} windows kept · ${flagged} with violations${undecided ? ` · ${undecided} without a verdict` : ""}` : "no window published yet"}</span></h2>
    <div class="columns">
      <div class="windows-scroll">${windowsTable(m, index)}</div>
      <div class="window-detail">${windowDetail(m, index, detail)}</div>
    </div>
    ${body}
    ${onlineAlarms(m)}`;
  const newScroller = section.querySelector(".windows-scroll");
  if (newScroller) newScroller.scrollTop = scrollTop;
  document.body.dataset.rendered = String(Number(document.body.dataset.rendered || 0) + 1);
}

function windowsTable(m, selected) {
  const labelled = m.monitor_type !== "data_quality";
  const counted = m.monitor_type === "feature_attribution_drift" ? "explained" : "labelled";
  const covered = m.windows.some((w) => w.label_coverage !== null);
  const starts = {}; // a start shared by windows of two lengths: their ends tell them apart
  m.windows.forEach((w) => { starts[w.start] = (starts[w.start] || 0) + 1; });
  const rows = [];
  for (let i = m.windows.length - 1; i >= 0; i--) {
    const w = m.windows[i];
    const end = starts[w.start] > 1 ? ` <span class="muted">to ${esc(until(w.start, w.end))}</span>` : "";
    const complete = w.complete === false ? `<span class="warn" title="partitions reported: ${esc(w.partitions.join(", "))}">incomplete</span>` : "";
    rows.push(`<tr class="window${i === selected ? " selected" : ""}" data-start="${esc(w.start)}" data-id="${esc(windowId(w))}" title="click: this window's violations and distributions">
      <td>${esc(utc(w.start))}${end}</td>
      <td>${statusPill(w)} ${complete}${w.warnings.length ? ` <span class="warn" title="${esc(w.warnings.join("\n"))}">warning</span>` : ""}</td>
      <td class="num">${count(labelled ? w.labelled : w.rows)}</td>
      <td class="num">${w.violations ? `<button class="violations-link">${w.violations} ▸</button>` : "0"}</td>
      <td class="num">${w.revision}</td>
      ${covered ? `<td class="num">${w.label_coverage === null ? "–" : `${Math.round(w.label_coverage * 100)} %`}</td>` : ""}
    </tr>`);
  }
  return `<table class="windows"><thead><tr><th>window start (UTC)</th><th>status</th>
    <th class="num" title="${labelled ? "labelled (or explained) predictions the verdicts stand on" : "feature rows"}">${labelled ? counted : "rows"}</th><th class="num">violations</th><th class="num" title="a later revision replaces an earlier one">rev.</th>
    ${covered ? "<th class=\"num\" title=\"share of the window's predictions with a label\">labels</th>" : ""}</tr></thead><tbody>${rows.join("")}</tbody></table>`;
}

function windowDetail(m, index, detail) {
  const w = m.windows[index];
  if (!w) return `<p class="muted">No window yet: the first shows when this monitor closes one.</p>`;
  const head = `<h3>window ${esc(utc(w.start))} – ${esc(until(w.start, w.end))} UTC
    ${statusPill(w)}</h3>
    <p class="muted">${m.monitor_type === "data_quality"
      ? `${count(w.rows)} rows · finalised by ${esc(w.finalised_by || "–")}`
      : `${count(w.labelled)} ${m.monitor_type === "feature_attribution_drift" ? "explained" : "labelled"} predictions${w.label_coverage === null ? "" : ` · ${Math.round(w.label_coverage * 100)} % of the window's predictions labelled`}`} · revision ${w.revision}
    ${w.failure_reason ? ` · <span class="warn">${esc(w.failure_reason)}</span>` : ""}</p>
    ${w.warnings.map((text) => `<p class="warn">${esc(text)}</p>`).join("")}`;
  if (!detail) return `${head}<p class="muted">loading…</p>`;
  // the violations topic says why; until its messages arrive, the execution's decisions say what
  const listed = detail.violations.length ? detail.violations
    : detail.decisions.filter((d) => d.violated).map((d) => ({ ...d, description: "(from the execution's decisions)" }));
  if (!listed.length) return `${head}${noViolations(m, w, detail.decisions)}`;
  const rows = listed.map((v) => `<tr data-check="${esc(v.check_type)}" data-name="${esc(v.name)}">
    <td>${esc(v.name)}</td><td>${esc(checkName(v.check_type))}</td>
    <td class="num">${fmt(v.value)}</td><td class="num">${fmt(v.threshold)}</td>
    <td class="description">${esc(v.description)}</td></tr>`);
  const missing = w.violations - listed.length - detail.violations_dropped;
  const dropped = (detail.violations_dropped ? `<p class="warn">${detail.violations_dropped} more not kept</p>` : "")
    + (missing > 0 ? `<p class="muted">${missing} more reported by the execution, not read yet</p>` : "");
  return `${head}<table class="violations"><thead><tr><th>feature / metric</th><th>check</th>
    <th class="num">value</th><th class="num">threshold</th><th>description</th></tr></thead>
    <tbody>${rows.join("")}</tbody></table>${dropped}`;
}

// What a window without violations found: nothing (clean), no verdict (too few to judge: not
// clean), or nothing at all (a failed window was not judged).
function noViolations(m, w, decisions) {
  if (w.status === "Failed") {
    return `<p class="warn">Not judged: ${esc(w.failure_reason || "the window failed")}.</p>`;
  }
  if (w.no_verdict) {
    const drift = m.monitor_type === "data_quality";
    const undecided = decisions.filter((d) => d.violated === null && (!drift || d.check_type === "baseline_drift_check"));
    const n = undecided.length ? Math.max(...undecided.map((d) => d.sample_count)) : null;
    const counted = drift ? "rows" : m.monitor_type === "feature_attribution_drift" ? "explained predictions" : "labelled predictions";
    return `<p class="warn">No ${drift ? "drift " : ""}verdict in this window: too few to judge (${count(n)} ${counted}, fewer than min_window_count)${drift ? "; its other checks found nothing" : ""}.</p>`;
  }
  return `<p class="ok-text">No violations in this window.</p>`;
}

function onlineAlarms(m) {
  if (!m.online_alarms.length) return "";
  const rows = m.online_alarms.slice(0, 20).map((a) => `<tr><td>${esc(utc(a.detected_at))}</td>
    <td>${esc(a.name)}</td><td>${esc(a.detector || "")}</td><td class="num">${a.partition ?? "–"}</td>
    <td class="description">${esc(a.description)}</td></tr>`);
  return `<h3>online alarms between windows (latest ${rows.length})</h3><table class="online">
    <thead><tr><th>detected (UTC)</th><th>feature</th><th>detector</th><th class="num">partition</th>
    <th>description</th></tr></thead><tbody>${rows.join("")}</tbody></table>`;
}

// ---- events -------------------------------------------------------------------------------

document.addEventListener("click", (event) => {
  const section = event.target.closest("section.monitor");
  if (!section) return;
  const key = `${section.dataset.monitor}|${section.dataset.type}`;
  const row = event.target.closest("tr.window");
  if (row) {
    select(key, row.dataset.id);
    return;
  }
  const timeline = event.target.closest("svg.timeline");
  if (timeline) {
    const m = state.summary.monitors.find((x) => keyOf(x) === key);
    const box = timeline.getBoundingClientRect();
    const w = window.driftlineCharts.nearestWindow(m, timeline, (event.clientX - box.left) / box.width);
    if (w) select(key, windowId(w));
  }
});

setInterval(() => {
  if (document.getElementById("live").checked) refresh();
}, REFRESH_MS);
refresh();
