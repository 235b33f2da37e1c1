"""The worker's last step before its event loop closes: one pass, not mode's second of sleep.

The whole SIGTERM path runs against a real broker in ``tests/integration/test_worker_shutdown``.
"""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import mode
import pytest

from stream.worker.process import _Worker


def _last_step(sentinel: Any, monkeypatch: pytest.MonkeyPatch) -> tuple[list[str], list[float]]:
    """What ran of a callback scheduled before ``sentinel``, and what it slept."""
    slept: list[float] = []
    real_sleep = asyncio.sleep

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        await real_sleep(0)

    monkeypatch.setattr(asyncio, "sleep", sleep)
    loop = asyncio.new_event_loop()
    try:
        ran: list[str] = []
        loop.call_soon(ran.append, "a closing socket's callback")
        loop.run_until_complete(sentinel(SimpleNamespace()))
    finally:
        loop.close()
    return ran, slept


def test_the_last_pass_runs_what_closing_sockets_scheduled_without_a_second_of_sleep(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert _last_step(mode.Worker._sentinel_task, monkeypatch)[1] == [1.0]  # mode's own
    ran, slept = _last_step(_Worker._sentinel_task, monkeypatch)
    assert ran == ["a closing socket's callback"]
    assert slept == [0]
