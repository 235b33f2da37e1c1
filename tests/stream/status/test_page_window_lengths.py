"""Two windows that share a start (a worker restarted with another window length), in Chromium.

After a restart from 60 s to 120 s windows the worker publishes ``[14:05, 14:06)`` and
``[14:05, 14:07)``. The board kept one window per start, so the page showed one of the two
(whichever message came last) with the other's violations mixed in. Now both are rows, their
ends told apart, and a click on each shows its own violations. Windows of a day end on the
next day's date, and windows under a second keep their fraction. The board is built by hand from
messages of the outputs contract; the page is rendered by Debian's headless chromium.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from stream.capture.records import iso_utc
from stream.status.board import StatusBoard
from tests.chromium import HeadlessChromium
from tests.stream.status.served import served
from tests.stream.status.windows import model_quality_window

SHORT = "2024-03-05T14:05:00Z/2024-03-05T14:06:00Z"
LONG = "2024-03-05T14:05:00Z/2024-03-05T14:07:00Z"
READ = """(() => ({
  rows: [...document.querySelectorAll("tr.window")].map((r) => [
    r.dataset.id, r.querySelector("td").textContent.trim(), r.classList.contains("selected")]),
  head: document.querySelector(".window-detail h3").textContent.replace(/\\s+/g, " ").trim(),
  detail: document.querySelector(".window-detail").textContent.replace(/\\s+/g, " "),
}))()"""


def _board() -> StatusBoard:
    board = StatusBoard()
    for i in range(5):
        for kind, doc in model_quality_window(i, 0.9):
            board.apply(kind, doc)
    for kind, doc in model_quality_window(5, 0.6):  # [14:05, 14:06): accuracy violated
        board.apply(kind, doc)
    for kind, doc in model_quality_window(5, 0.95):  # [14:05, 14:07): clean
        board.apply(kind, {**doc, "window_end": "2024-03-05T14:07:00Z"})
    return board


async def _pages(port: int, profile: Path) -> list[dict[str, Any]]:
    async with HeadlessChromium(profile) as browser:
        await browser.navigate(f"http://127.0.0.1:{port}/")
        await browser.wait_for("document.querySelectorAll('tr.window').length === 7")
        await browser.wait_for("document.querySelector('.window-detail h3') !== null")
        pages = [await browser.evaluate(READ)]
        await browser.click(f"tr.window[data-id='{SHORT}']")
        await browser.wait_for("document.querySelector('.window-detail h3').textContent"
                               ".includes('14:06:00')")  # fmt: skip
        pages.append(await browser.evaluate(READ))
        assert not browser.console, browser.console
        return pages


def test_windows_sharing_a_start_are_two_rows_and_each_shows_its_own(tmp_path: Path) -> None:
    with served(_board()) as server:
        first, clicked = asyncio.run(_pages(server.port, tmp_path / "profile"))
    assert [row[:2] for row in first["rows"][:3]] == [
        [LONG, "2024-03-05 14:05:00 to 14:07:00"],
        [SHORT, "2024-03-05 14:05:00 to 14:06:00"],
        ["2024-03-05T14:04:00Z/2024-03-05T14:05:00Z", "2024-03-05 14:04:00"],
    ]
    assert first["rows"][0][2] and "14:05:00 – 14:07:00" in first["head"]
    assert "Completed" in first["head"] and "accuracy 0.6" not in first["detail"]
    assert [row[2] for row in clicked["rows"][:2]] == [False, True]
    assert "14:05:00 – 14:06:00" in clicked["head"] and "CompletedWithViolations" in clicked["head"]
    assert "accuracy 0.6 < 0.8" in clicked["detail"]


DAY = 1_709_596_800.0  # 2024-03-05T00:00:00Z
LENGTHS_READ = """(() => Object.fromEntries([...document.querySelectorAll("section.monitor")].map(
  (s) => [s.dataset.monitor, {
    head: s.querySelector(".window-detail h3").textContent.replace(/\\s+/g, " ").trim(),
    starts: [...s.querySelectorAll("tr.window td:first-child")].map((td) => td.textContent.trim()),
  }])))()"""


def _lengths_board() -> StatusBoard:
    """Two daily windows and three of half a second (window_seconds = 0.5)."""
    board = StatusBoard()
    spans = {"daily": [(DAY + i * 86_400, DAY + (i + 1) * 86_400) for i in range(2)],
             "halfsec": [(DAY + i * 0.5, DAY + (i + 1) * 0.5) for i in range(3)]}  # fmt: skip
    for monitor, windows in spans.items():
        for i, (start, end) in enumerate(windows):
            times = {"monitor": monitor, "window_start": iso_utc(start), "window_end": iso_utc(end)}
            for kind, doc in model_quality_window(i, 0.9):
                board.apply(kind, {**doc, **times})
    return board


async def _lengths_page(port: int, profile: Path) -> dict[str, Any]:
    async with HeadlessChromium(profile) as browser:
        await browser.navigate(f"http://127.0.0.1:{port}/")
        await browser.wait_for("document.querySelectorAll('.window-detail h3').length === 2")
        page = await browser.evaluate(LENGTHS_READ)
        assert not browser.console, browser.console
        return dict(page)


def test_a_day_long_window_ends_on_the_next_day_and_half_seconds_are_told_apart(
    tmp_path: Path,
) -> None:
    # a one-day window read "window 2024-03-06 00:00:00 – 00:00:00 UTC" (no length at all), and
    # windows of half a second dropped their fraction: two rows read "00:00:00", and the
    # header of [00:00:01, 00:00:01.5) said "00:00:01 – 00:00:01"
    with served(_lengths_board()) as server:
        page = asyncio.run(_lengths_page(server.port, tmp_path / "profile"))
    daily, half = page["daily"], page["halfsec"]
    assert daily["head"].startswith("window 2024-03-06 00:00:00 – 2024-03-07 00:00:00 UTC")
    assert daily["starts"] == ["2024-03-06 00:00:00", "2024-03-05 00:00:00"]
    assert half["head"].startswith("window 2024-03-05 00:00:01 – 00:00:01.500 UTC")
    assert half["starts"] == ["2024-03-05 00:00:01", "2024-03-05 00:00:00.500",
                              "2024-03-05 00:00:00"]  # fmt: skip
