"""The open status page follows a worker that restarted with another config, in Chromium.

The page kept the section of every monitor it had ever drawn and appended new ones at the
end: after the worker restarted without monitor ``old`` (and with ``fresh``), ``old`` stayed
on the page with its last windows, as if current, until the page was reloaded; and ``fresh``
data quality came after the labelled monitors. Now the sections are the summary's, in its
order. The restart is the server's board replaced; the page is Debian's headless chromium.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from stream.status.board import StatusBoard
from stream.status.server import StatusServer
from tests.chromium import HeadlessChromium
from tests.stream.status.served import served
from tests.stream.status.windows import model_quality_window

SECTIONS = """[...document.querySelectorAll("section.monitor")].map(
  (s) => `${s.dataset.monitor} ${s.dataset.type}`).join(", ")"""


def _board(monitors: list[tuple[str, str]], version: int) -> StatusBoard:
    board = StatusBoard(monitors=monitors)
    for kind, doc in model_quality_window(0, 0.9):  # credit's model quality
        board.apply(kind, doc)
    board.version = version  # a restarted worker's board counts from 0 again: make it differ
    return board


async def _sections(server: StatusServer, later: StatusBoard, profile: Path) -> list[str]:
    async with HeadlessChromium(profile) as browser:
        await browser.navigate(f"http://127.0.0.1:{server.port}/")
        await browser.wait_for("document.querySelectorAll('section.monitor').length === 2")
        before = await browser.evaluate(SECTIONS)
        with server.board.lock:
            server.board = later  # the worker restarted with another config
        after = await browser.wait_for(  # the page refreshes every 5 s
            f"{SECTIONS}.includes('fresh') && {SECTIONS}", 15
        )
        assert not browser.console, browser.console
        return [before, after]


def test_a_restarted_worker_s_page_shows_its_monitors_only(tmp_path: Path) -> None:
    first = _board([("old", "data_quality"), ("credit", "model_quality")], version=1)
    later = _board([("fresh", "data_quality"), ("credit", "model_quality")], version=50)
    with served(first) as server:
        before, after = asyncio.run(_sections(server, later, tmp_path / "profile"))
    assert before == "old data_quality, credit model_quality"
    assert after == "fresh data_quality, credit model_quality"
