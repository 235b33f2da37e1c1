"""What the status page says of a window without a verdict, or a failed one, in Chromium.

A window the executions topic calls ``Completed`` while every deciding check went without a
verdict (fewer than ``min_window_count`` rows or labelled predictions) is not a clean window:
its badge, the monitor's "latest" badge, its chip and its detail must not read as one — the
window before it may well have had eleven violations. Nor may a ``Failed`` window's detail
say "No violations in this window": it was not judged at all. The board is built by hand
from messages of the outputs contract; the page is rendered by Debian's headless chromium.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from stream.status.board import StatusBoard
from stream.status.payloads import monitor_summary
from tests.chromium import HeadlessChromium
from tests.stream.status.served import served
from tests.stream.status.windows import execution, window_fields

MQ_METRICS = ("accuracy", "precision", "recall", "f1", "f2", "f0_5", "auc", "truePositiveRate",
              "trueNegativeRate", "falsePositiveRate", "falseNegativeRate")  # fmt: skip


def _mq_decisions(violated: bool | None, count: int) -> list[dict[str, Any]]:
    return [
        {"check_type": "LessThanThreshold", "metric_name": name, "value": 0.5,
         "threshold": 0.7, "violated": violated, "sample_count": count}
        for name in MQ_METRICS
    ]  # fmt: skip


def _dq_decisions(drift_verdict: bool | None, count: int) -> list[dict[str, Any]]:
    out = []
    for feature in ("age", "income"):
        out.append({"check_type": "completeness_check", "feature_name": feature, "value": 1.0,
                    "threshold": 1.0, "violated": False, "sample_count": count})  # fmt: skip
        out.append({"check_type": "baseline_drift_check", "feature_name": feature,
                    "value": None if drift_verdict is None else 0.02, "threshold": 0.1,
                    "violated": drift_verdict, "sample_count": count})  # fmt: skip
    return out


def verdict_board() -> StatusBoard:
    """Model quality: 11 violations, then 296 labelled predictions (no verdict at 400).

    Data quality: a judged clean window, then 30 rows (drift unjudged, completeness judged).
    Bias drift: a clean window, then a failed one (no labelled row yet).
    """
    board = StatusBoard()
    mq = [window_fields("credit", "model_quality", i) for i in (0, 1)]
    board.apply("executions", execution(mq[0], _mq_decisions(True, 900), 11, coverage=0.8))
    board.apply("executions", execution(mq[1], _mq_decisions(None, 296), 0, coverage=0.2))
    dq = [window_fields("credit", "data_quality", i) for i in (0, 1)]
    board.apply("executions", execution(dq[0], _dq_decisions(False, 1400), 0))
    board.apply("executions", execution(dq[1], _dq_decisions(None, 30), 0))
    bias = [window_fields("credit", "bias_drift", i) for i in (0, 1)]
    clean = [{"check_type": "bias_drift_check", "metric_name": "DPPL", "facet": "sex",
              "facet_value": "0", "value": 0.01, "threshold": 0.1, "violated": False,
              "sample_count": 900}]  # fmt: skip
    board.apply("executions", execution(bias[0], clean, 0, coverage=0.8))
    failed = {**execution(bias[1], [], 0, coverage=0.0), "status": "Failed",
              "failure_reason": "no labelled row with facet values yet"}  # fmt: skip
    board.apply("executions", failed)
    return board


def test_the_summary_marks_a_completed_window_without_a_verdict() -> None:
    board = verdict_board()
    rows = {
        kind: [
            w["no_verdict"] for w in monitor_summary(board.monitors[("credit", kind)])["windows"]
        ]
        for kind in ("model_quality", "data_quality", "bias_drift")
    }
    assert rows == {
        "model_quality": [False, True],  # 11 violations; then every check skipped
        "data_quality": [False, True],  # completeness judged, drift not: no drift verdict
        "bias_drift": [False, False],  # a failed window is "Failed", not "no verdict"
    }


READ = """(() => {
  const out = {};
  const lines = (el) => {  // line boxes the element's text takes
    const range = document.createRange();
    range.selectNodeContents(el);
    return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size;
  };
  for (const section of document.querySelectorAll("section.monitor")) {
    const latest = section.querySelector("h2 .pill");
    out[section.dataset.type] = {
      latest: latest.textContent.trim(),
      latestClass: latest.className,
      counts: section.querySelector("h2 .muted").textContent.trim(),
      rows: [...section.querySelectorAll("tr.window .pill")].map(
        (p) => [p.textContent.trim(), p.className]),
      detailPill: section.querySelector(".window-detail h3 .pill").textContent.trim(),
      startLines: [...section.querySelectorAll("tr.window td:first-child")].map(lines),
      detail: section.querySelector(".window-detail").textContent.replace(/\\s+/g, " "),
    };
  }
  out.chips = [...document.querySelectorAll("#monitor-nav a.chip")].map(
    (a) => [a.textContent, a.className]);
  return out;
})()"""


async def _read_page(port: int, profile: Path) -> dict[str, Any]:
    async with HeadlessChromium(profile, width=1400, height=1600) as browser:  # the demo's shots
        await browser.navigate(f"http://127.0.0.1:{port}/")
        details = "[...document.querySelectorAll('section.monitor .window-detail')]"
        await browser.wait_for(  # every monitor drawn, with its chosen window's detail
            f"{details}.length === 3 && {details}.every((d) => !d.textContent.includes('loading'))"
        )
        page = await browser.evaluate(READ)
        page["console"] = browser.console
        return dict(page)


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    with served(verdict_board()) as server:
        return asyncio.run(_read_page(server.port, tmp_path_factory.mktemp("chromium")))


def test_a_window_without_a_verdict_is_not_badged_completed(page: dict[str, Any]) -> None:
    assert page["console"] == []
    mq = page["model_quality"]
    assert mq["latest"] == "latest: no verdict"
    assert " ok" not in f" {mq['latestClass']} "  # not the green of a clean window
    assert mq["rows"][0][0] == "no verdict" and mq["detailPill"] == "no verdict"
    assert mq["rows"][1][0] == "CompletedWithViolations"  # the window before: 11 violations
    assert mq["counts"] == "2 windows kept · 1 with violations · 1 without a verdict"
    assert "too few to judge (296 labelled predictions" in mq["detail"]
    assert "No violations in this window" not in mq["detail"]
    chips = dict(page["chips"])
    assert chips["credit · model quality"] == "chip undecided"


def test_a_data_quality_window_without_a_drift_verdict_is_not_clean(page: dict[str, Any]) -> None:
    dq = page["data_quality"]
    assert dq["latest"] == "latest: no verdict"
    assert [text for text, _ in dq["rows"]] == ["no verdict", "Completed"]
    assert "No drift verdict in this window: too few to judge (30 rows" in dq["detail"]
    assert "No violations in this window" not in dq["detail"]


def test_a_failed_window_does_not_say_no_violations(page: dict[str, Any]) -> None:
    bias = page["bias_drift"]
    assert bias["latest"] == "latest: Failed"
    assert "Not judged: no labelled row with facet values yet" in bias["detail"]
    assert "No violations in this window" not in bias["detail"]


def test_window_starts_take_one_line_each(page: dict[str, Any]) -> None:
    # a labelled monitor's table (labels column, CompletedWithViolations) broke them in two
    for kind in ("model_quality", "data_quality", "bias_drift"):
        assert page[kind]["startLines"] == [1, 1], kind
