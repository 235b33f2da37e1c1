"""The status page of a running worker, driven in headless Chromium (Debian's ``chromium``).

A real ``driftline worker`` on the test broker gets capture traffic with drift in its last
windows; contract-shaped model-quality, bias and attribution messages go straight to the
output topics (the worker does not run those monitors yet). The page must render every
monitor, draw each feature's timeline with its threshold and the violations where drift was
injected, show baseline and live distributions, and list a window's violations after a click
on its row. A screenshot of the page is written to the test's temp dir.
"""

from __future__ import annotations

import asyncio
import random
import urllib.request

import orjson
import pytest
from kafka import KafkaProducer

from stream.demo.synthetic import capture_record
from stream.kafka.capture_producer import CaptureProducer
from stream.kafka.topics import TopicNames, ensure_topics_sync
from tests.chromium import HeadlessChromium
from tests.integration.workers import SCHEMA, WorkerProcess, wait_for, write_config
from tests.stream.status.windows import attribution_window, bias_window, model_quality_window

pytestmark = pytest.mark.kafka

T0 = 1_709_647_200.0  # 2024-03-05T14:00:00Z
WINDOW = 10.0
DRIFTED = ("income", "plan")
PLAN = [()] * 6 + [DRIFTED] * 3
FIRST_DRIFTED = "2024-03-05T14:01:00Z"


def send_capture(bootstrap: str, topic: str) -> None:
    rng = random.Random(5)
    with CaptureProducer(bootstrap_servers=bootstrap, topic=topic, linger_seconds=0.2) as out:
        for w, drifted in enumerate(PLAN):
            rows = SCHEMA.rows(rng, 600, drifted)
            out.send_many(
                capture_record(f"w{w}-{k}", T0 + w * WINDOW + k * WINDOW / 600, row)
                for k, row in enumerate(rows)
            )


def send_other_monitors(bootstrap: str, names: TopicNames) -> None:
    producer = KafkaProducer(bootstrap_servers=bootstrap)
    for i in range(8):
        messages = (
            model_quality_window(i, 0.9 if i < 5 else 0.7)
            + bias_window(i, 0.05 if i < 6 else 0.4)
            + attribution_window(i, 0.95 if i < 4 else 0.8)
        )
        for kind, doc in messages:
            producer.send(
                getattr(names, kind), key=doc["monitor"].encode(), value=orjson.dumps(doc)
            )
    producer.flush()
    producer.close()


def api(port: int, path: str):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as r:
            return r.status, orjson.loads(r.read())
    except urllib.error.HTTPError as error:
        return error.code, orjson.loads(error.read())
    except OSError:
        return None, None


def board_filled(port: int):
    _, status = api(port, "/api/status")
    if not status:
        return None
    monitors = {(m["monitor"], m["monitor_type"]): m for m in status["summary"]["monitors"]}
    dq = monitors.get(("m", "data_quality"))
    # complete: every partition's partial merged (an idle close under load can publish a
    # window first without a slow partition's, and its figures then are a part's)
    done = dq and sum(1 for w in dq["windows"] if not w["pending"] and w["complete"]) >= len(PLAN)
    return monitors if done and len(monitors) == 4 else None


def test_status_page_in_headless_chromium(tmp_path, kafka_bootstrap):
    names = TopicNames.from_prefix("statuspage")
    ensure_topics_sync(kafka_bootstrap, names, 4, 1)
    config = write_config(tmp_path, kafka_bootstrap, "statuspage")
    worker = WorkerProcess(config, tmp_path / "worker.log")
    port = worker.metrics_port
    try:
        ready = wait_for(lambda: api(port, "/readyz")[0] == 200, 60, "/readyz to answer 200")
        assert ready and api(port, "/healthz") == (200, {"status": "ok"})
        send_capture(kafka_bootstrap, names.capture)
        send_other_monitors(kafka_bootstrap, names)
        monitors = wait_for(lambda: board_filled(port), 90, "every window on the board")
        dq = monitors[("m", "data_quality")]
        assert [w["violations"] > 0 for w in dq["windows"]] == [bool(d) for d in PLAN]
        page = asyncio.run(drive_page(port, tmp_path))
    finally:
        worker.stop()
    check_page(page)
    assert "too few to judge (366 labelled predictions" in page["undecided"]["undecided"]
    assert "No violations in this window" not in page["undecided"]["undecided"]
    assert "No violations in this window" in page["undecided"]["clean"]
    assert (tmp_path / "status-page.png").stat().st_size > 20_000


async def drive_page(port: int, tmp_path) -> dict:
    """Load the page, read what it drew, click the first drifted window, screenshot."""
    async with HeadlessChromium(tmp_path / "chromium") as browser:
        await browser.navigate(f"http://127.0.0.1:{port}/")
        await browser.wait_for("document.querySelectorAll('section.monitor').length === 4")
        dq = "section.monitor[data-monitor='m'][data-type='data_quality']"
        page = {"before": await browser.evaluate(READ_PAGE.replace("$DQ", dq))}
        await browser.click(f"{dq} tr.window[data-start='{FIRST_DRIFTED}']")
        selected = f'document.querySelector("{dq} tr.window.selected").dataset.start'
        listed = f'document.querySelectorAll("{dq} .window-detail table.violations tbody tr")'
        await browser.wait_for(f"{selected} === '{FIRST_DRIFTED}' && {listed}.length > 0")
        page["after"] = await browser.evaluate(READ_PAGE.replace("$DQ", dq))
        await browser.click(f"{dq} tr.feature[data-feature='age'] svg.timeline")  # its middle
        page["timeline_click"] = await browser.wait_for(
            f"{selected} === '2024-03-05T14:00:40Z' && {selected}"
        )
        await browser.click(f"{dq} tr.window[data-start='{FIRST_DRIFTED}']")
        await browser.wait_for(f"{selected} === '{FIRST_DRIFTED}' && {listed}.length > 0")
        await browser.evaluate("window.scrollTo(0, 0)")
        await browser.screenshot(tmp_path / "status-page.png")
        page["undecided"] = await browser.evaluate(UNDECIDED_DETAIL)
        page["console"] = browser.console
    return page


# The page's own windowDetail on a labelled window whose every check had too few rows
UNDECIDED_DETAIL = """(() => {
  const w = {start: "2024-03-05T14:00:00Z", end: "2024-03-05T14:00:10Z", status: "Completed",
             pending: false, no_verdict: true, labelled: 366, label_coverage: 0.25, revision: 0,
             failure_reason: "", warnings: [], violations: 0};
  const decisions = ["accuracy", "f1"].map((name) => ({check_type: "model_quality_check", name,
    value: 0.5, threshold: 0.7, violated: null, sample_count: 366}));
  const html = windowDetail({monitor_type: "model_quality", windows: [w]}, 0,
                            {violations: [], decisions, violations_dropped: 0});
  const decided = decisions.map((d) => ({...d, violated: false}));
  const judged = {...w, no_verdict: false};
  const clean = windowDetail({monitor_type: "model_quality", windows: [judged]}, 0,
                             {violations: [], decisions: decided, violations_dropped: 0});
  return {undecided: html, clean};
})()"""


READ_PAGE = """(() => {
  const dq = document.querySelector("$DQ");
  const all = (root, sel) => [...root.querySelectorAll(sel)];
  const features = all(dq, "tr.feature").map((tr) => {
    const timeline = tr.querySelector("svg.timeline");
    const dist = tr.querySelector("svg.distribution");
    return {
      name: tr.dataset.feature,
      valuePath: timeline.querySelector("path.series-value").getAttribute("d"),
      distancePath: timeline.querySelector("path.series-distance").getAttribute("d"),
      thresholds: all(timeline, ".threshold").length,
      violations: all(timeline, "circle.violation").length,
      cursor: all(timeline, "line.cursor").length,
      baseline: all(dist, ".series-baseline, .bar-baseline").length,
      live: all(dist, ".series-live, .bar-live").length,
    };
  });
  const metric = (type, name) => {
    const section = document.querySelector(`section[data-type='${type}']`);
    const card = section.querySelector(`div.metric[data-metric='${name}']`);
    return card && {
      violations: all(card, "circle.violation").length,
      thresholds: all(card, ".threshold").length,
      path: card.querySelector("path.series-value").getAttribute("d"),
    };
  };
  return {
    worker: document.getElementById("worker").textContent,
    windows: all(dq, "tr.window").length,
    selected: dq.querySelector("tr.window.selected").dataset.start,
    violations: all(dq, ".window-detail table.violations tbody tr").map(
      (tr) => [tr.dataset.name, tr.dataset.check]),
    features,
    accuracy: metric("model_quality", "accuracy"),
    dppl: metric("bias_drift", "DPPL [sex=0]"),
    ndcg: metric("feature_attribution_drift", "ndcg [label=label0]"),
  };
})()"""


def check_page(page: dict) -> None:
    before, after = page["before"], page["after"]
    assert page["console"] == []  # no script error, no warning
    assert before["worker"].startswith("ready · 4 capture partitions")
    assert before["windows"] == len(PLAN)
    assert before["selected"] == "2024-03-05T14:01:20Z"  # the latest window at first
    features = {f["name"]: f for f in before["features"]}
    assert set(features) == set(SCHEMA.features)
    for name, f in features.items():
        assert f["valuePath"].count("L") == len(PLAN) - 1  # a point per window
        assert f["distancePath"].count("L") == len(PLAN) - 1
        assert f["thresholds"] == 1 and f["cursor"] == 1
        assert f["baseline"] >= 1 and f["live"] >= 1
        assert f["violations"] == (3 if name in DRIFTED else 0), name
    assert after["selected"] == FIRST_DRIFTED
    assert page["timeline_click"] == "2024-03-05T14:00:40Z"  # the window under the click
    assert sorted(after["violations"]) == [[f, "baseline_drift_check"] for f in sorted(DRIFTED)]
    ranked_first = {f["name"] for f in after["features"][:2]}
    assert ranked_first == set(DRIFTED)  # ranked by drift in the chosen window
    assert before["accuracy"]["violations"] == 3 and before["accuracy"]["thresholds"] == 1
    assert before["dppl"]["violations"] == 2
    assert before["ndcg"]["violations"] == 4 and before["ndcg"]["path"].count("L") == 7
