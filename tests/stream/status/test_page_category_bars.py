"""The baseline-vs-window bars of a categorical feature, in Chromium: largest shares, and the rest.

The bars drew the first 8 categories of the baseline's top list, then the window's: with 20
classes, a category new in the window holding 30 % of its rows was not drawn at all, and
nothing stood for the shares left out (the module docstring of ``distributions`` promises
an "other" share), so eight bars of 5 % each looked like the whole feature. Now the 8
largest shares of either side are drawn, and one "other" pair holds the rest. References:
``Counter`` over the very rows of the baseline and of the window.
"""

from __future__ import annotations

import asyncio
import random
import re
from collections import Counter
from pathlib import Path

import pytest

from stream.demo.synthetic import CategoricalFeature, SyntheticSchema
from stream.status.board import StatusBoard
from tests.chromium import HeadlessChromium
from tests.stream.status.served import served
from tests.stream.status.windows import T0, evaluated_window, messages

CLASSES = tuple(f"c{i:02d}" for i in range(20))
SCHEMA = SyntheticSchema(numeric=(), categorical=(
    CategoricalFeature("plan", CLASSES, tuple(range(20, 0, -1))),))  # fmt: skip
WINDOW_ROWS = [[c] for i, c in enumerate(CLASSES) for _ in range(5 * (20 - i))] + [["new"]] * 450
READ = """[...document.querySelectorAll("tr.feature[data-feature='plan'] svg rect")].map(
  (r) => r.querySelector("title").textContent)"""


async def _read(port: int, profile: Path) -> list[str]:
    async with HeadlessChromium(profile) as browser:
        await browser.navigate(f"http://127.0.0.1:{port}/")
        await browser.wait_for(
            "document.querySelectorAll(\"tr.feature[data-feature='plan'] .bar-live\").length > 0"
        )
        titles = await browser.evaluate(READ)
        assert not browser.console, browser.console
        return list(titles)


def _shares(titles: list[str], side: str) -> dict[str, float]:
    """Category → share in percent, from the bars' titles of ``side``."""
    out = {}
    for title in titles:
        found = re.fullmatch(rf"(.*): {side} ([\d.]+) %", title)
        if found:
            out[found[1]] = float(found[2])
    return out


def test_the_largest_shares_are_drawn_and_the_rest_is_one_other_pair(tmp_path: Path) -> None:
    baseline = SCHEMA.baseline(seed=7, n=20_000)
    board = StatusBoard({"m": baseline.statistics})
    for kind, doc in messages(evaluated_window(SCHEMA, baseline, T0, WINDOW_ROWS)):
        board.apply(kind, doc)
    with served(board) as server:
        titles = asyncio.run(_read(server.port, tmp_path / "profile"))
    base, live = _shares(titles, "baseline"), _shares(titles, "this window")
    other = "other (the categories not drawn)"
    drawn = [name for name in live if name != other]
    window = Counter(row[0] for row in WINDOW_ROWS)
    trained = Counter(row[0] for row in SCHEMA.rows(random.Random(7), 20_000))
    assert len(drawn) == 8 and "new" in drawn  # 450 of 1,500 rows: the largest share
    assert live["new"] == pytest.approx(100 * 450 / 1500, abs=0.05)
    expected_live = 100 * (1 - sum(window[n] for n in drawn) / len(WINDOW_ROWS))
    expected_base = 100 * (1 - sum(trained[n] for n in drawn) / 20_000)
    assert live[other] == pytest.approx(expected_live, abs=0.05)
    assert base[other] == pytest.approx(expected_base, abs=0.05)
