"""A configured monitor that has published nothing yet is on the status page, in Chromium.

The board was filled only from the output topics, so a monitor whose windows never close
(no traffic, a ``match`` that no capture record meets, a stuck partition) was not on the page
at all: "showing all monitors" showed the other ones, and nothing told the operator that one
was missing. Now every (monitor, monitor type) of the config has its section from the start,
saying that no window was published yet. The page is rendered by Debian's headless chromium.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from stream.config import DriftlineConfig, MonitorConfig
from stream.config.sections import AttributionDriftSettings, ModelQualitySettings
from stream.status.board import StatusBoard
from stream.status.service import configured_monitors
from tests.chromium import HeadlessChromium
from tests.stream.status.served import served
from tests.stream.status.windows import model_quality_window

READ = """(() => ({
  sections: [...document.querySelectorAll("section.monitor")].map((s) => [
    s.dataset.monitor, s.dataset.type, s.querySelector("h2 .muted").textContent.trim(),
    s.querySelectorAll("tr.window").length]),
  chips: [...document.querySelectorAll("#monitor-nav a.chip")].map((a) => a.textContent),
}))()"""


def _config() -> DriftlineConfig:
    """``credit`` with model quality (it publishes), ``fraud`` with attribution (silent)."""
    quality = ModelQualitySettings(problem_type="BinaryClassification")
    return DriftlineConfig(monitors=(
        MonitorConfig(name="credit", baseline=Path("credit"), model_quality=quality),
        MonitorConfig(name="fraud", baseline=Path("fraud"),
                      attribution=AttributionDriftSettings()),
    ))  # fmt: skip


def test_every_configured_monitor_type_is_named() -> None:
    assert configured_monitors(_config()) == [
        ("credit", "data_quality"), ("credit", "model_quality"),
        ("fraud", "data_quality"), ("fraud", "feature_attribution_drift"),
    ]  # fmt: skip


async def _read(port: int, profile: Path) -> dict[str, Any]:
    async with HeadlessChromium(profile) as browser:
        await browser.navigate(f"http://127.0.0.1:{port}/")
        await browser.wait_for("document.querySelectorAll('section.monitor').length >= 1")
        await browser.wait_for(
            "!document.querySelector('section[data-type=model_quality] .window-detail')"
            ".textContent.includes('loading')"
        )
        page = await browser.evaluate(READ)
        assert not browser.console, browser.console
        return dict(page)


def test_a_monitor_without_windows_is_shown_and_said_to_have_none(tmp_path: Path) -> None:
    board = StatusBoard(monitors=configured_monitors(_config()))
    for i in range(3):
        for kind, doc in model_quality_window(i, 0.9):  # credit's model quality only
            board.apply(kind, doc)
    with served(board) as server:
        page = asyncio.run(_read(server.port, tmp_path / "profile"))
    silent = "no window published yet"
    assert page["sections"] == [  # data quality first, then by type and name
        ["credit", "data_quality", silent, 0],
        ["fraud", "data_quality", silent, 0],
        ["credit", "model_quality", "3 windows kept · 0 with violations", 3],
        ["fraud", "feature_attribution_drift", silent, 0],
    ]
    assert "fraud · feature attribution drift" in page["chips"]
