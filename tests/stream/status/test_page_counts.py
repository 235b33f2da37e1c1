"""Counts on the status page are exact, in Chromium: rows, labelled predictions, values.

The page wrote every figure with three significant digits, counts included: a window of
1,398 rows read "1400 rows" (and 1,478 read "1480"), while ``driftline demo``'s own table,
the executions topic and ``/api/status`` said 1398. Metric values keep three digits; counts
are shown as they are. The board is built by hand from messages of the outputs contract;
the page is rendered by Debian's headless chromium.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from stream.status.board import StatusBoard
from tests.chromium import HeadlessChromium
from tests.stream.status.served import served
from tests.stream.status.windows import execution, window_fields

ROWS = (1398, 1_234_567)  # a data-quality window each
LABELLED = 1077  # the model-quality window's labelled predictions (a verdict)
UNDECIDED = 1234  # labelled predictions of a window judged on min_window_count = 2000
READ = """(() => {
  const out = {};
  for (const section of document.querySelectorAll("section.monitor")) {
    out[section.dataset.type] = {
      cells: [...section.querySelectorAll("tr.window")].map(
        (tr) => tr.querySelectorAll("td")[2].textContent.trim()),
      detail: section.querySelector(".window-detail").textContent.replace(/\\s+/g, " "),
    };
  }
  return out;
})()"""


def _decision(name: str, count: int, violated: bool | None) -> dict[str, Any]:
    return {"check_type": "LessThanThreshold", "metric_name": name, "value": 0.9,
            "threshold": 0.8, "violated": violated, "sample_count": count}  # fmt: skip


def _board() -> StatusBoard:
    board = StatusBoard()
    for i, rows in enumerate(ROWS):
        common = window_fields("credit", "data_quality", i)
        drift = {"check_type": "baseline_drift_check", "feature_name": "age", "value": 0.0,
                 "threshold": 0.1, "violated": False, "sample_count": rows}  # fmt: skip
        board.apply("executions", {**execution(common, [drift], 0), "row_count": rows})
    mq = [window_fields("credit", "model_quality", i) for i in (0, 1)]
    board.apply("executions", execution(mq[0], [_decision("accuracy", LABELLED, False)], 0))
    board.apply("executions", execution(mq[1], [_decision("accuracy", UNDECIDED, None)], 0))
    return board


async def _read(port: int, profile: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    async with HeadlessChromium(profile) as browser:
        await browser.navigate(f"http://127.0.0.1:{port}/")
        details = "[...document.querySelectorAll('section.monitor .window-detail')]"
        await browser.wait_for(
            f"{details}.length === 2 && {details}.every((d) => !d.textContent.includes('loading'))"
        )
        latest = await browser.evaluate(READ)
        mq = "section.monitor[data-type='model_quality']"
        await browser.click(f"{mq} tr.window:last-child")  # the older, judged window
        await browser.wait_for(
            f"document.querySelector(\"{mq} tr.window:last-child\").classList.contains('selected')"
        )
        await browser.wait_for(f"!document.querySelector(\"{mq} .window-detail\")"
                               ".textContent.includes('too few')")  # fmt: skip
        judged = await browser.evaluate(READ)
        assert not browser.console, browser.console
        return latest, judged


def test_counts_are_shown_exactly(tmp_path: Path) -> None:
    with served(_board()) as server:
        latest, judged = asyncio.run(_read(server.port, tmp_path / "profile"))
    dq, mq = latest["data_quality"], latest["model_quality"]
    assert dq["cells"] == [str(n) for n in reversed(ROWS)]  # newest first
    assert f"{ROWS[-1]} rows · finalised by" in dq["detail"]
    assert mq["cells"] == [str(UNDECIDED), str(LABELLED)]
    assert f"too few to judge ({UNDECIDED} labelled predictions" in mq["detail"]
    assert f"{LABELLED} labelled predictions" in judged["model_quality"]["detail"]
