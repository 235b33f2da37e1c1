"""A long name without spaces does not push the status page's charts off screen, in Chromium.

Feature names come from the baseline's header (or a JSON capture's keys), metric names from
the baselines, monitor names from the config. One feature named with 10,000 characters and
no space made the features table 93,499 px wide: every feature's drift figure, timeline and
distribution were 90,000 px to the right of a 1,440 px window, and a long monitor name did
the same to its section. Names now break anywhere. The board is made by the worker's own
output code; the page is rendered by Debian's headless chromium.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from stream.demo.synthetic import CategoricalFeature, NumericFeature, SyntheticSchema
from stream.status.board import StatusBoard
from tests.chromium import HeadlessChromium
from tests.stream.status.served import served
from tests.stream.status.windows import data_quality_windows, messages, model_quality_window

WIDTH = 1440
LONG = "n" * 10_000
MONITOR = "m" * 2_000
READ = """(() => ({
  pageWidth: document.documentElement.scrollWidth,
  rightmost: Math.max(...[...document.querySelectorAll("svg, td, h2, h4")].map(
    (e) => e.getBoundingClientRect().right)),
  features: document.querySelectorAll("tr.feature svg.timeline").length,
}))()"""


def _board() -> StatusBoard:
    schema = SyntheticSchema(
        numeric=(NumericFeature(LONG, "normal", 0.0, 1.0), NumericFeature("age", "integer", 40, 9)),
        categorical=(CategoricalFeature("plan", ("basic", "gold"), (3, 1)),),
    )
    baseline = schema.baseline(n=2000)
    board = StatusBoard({MONITOR: baseline.statistics})
    for result in data_quality_windows(schema, baseline, [(), (LONG,)], 300):
        for kind, doc in messages(result):
            board.apply(kind, {**doc, "monitor": MONITOR})
    for kind, doc in model_quality_window(0, 0.5):  # accuracy violated: listed with its name
        named = {**doc, "monitor": MONITOR}
        if "metric_name" in doc:
            named["metric_name"] = LONG
        board.apply(kind, named)
    return board


async def _read(port: int, profile: Path) -> dict[str, Any]:
    async with HeadlessChromium(profile, width=WIDTH) as browser:
        await browser.navigate(f"http://127.0.0.1:{port}/")
        details = "[...document.querySelectorAll('section.monitor .window-detail')]"
        await browser.wait_for(
            f"{details}.length === 2 && {details}.every((d) => !d.textContent.includes('loading'))"
        )
        page = await browser.evaluate(READ)
        assert not browser.console, browser.console
        return dict(page)


def test_long_names_break_instead_of_widening_the_page(tmp_path: Path) -> None:
    with served(_board()) as server:
        page = asyncio.run(_read(server.port, tmp_path / "profile"))
    assert page["features"] == 3
    assert page["pageWidth"] <= WIDTH
    assert page["rightmost"] <= WIDTH
