"""The worker's last step before its event loop closes: one pass, not mode's second of sleep;
and its way out of a hung shutdown (``exit_hung``), which skips every ``finally``.

The whole SIGTERM path runs against a real broker in ``tests/integration/test_worker_shutdown``.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path
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


def _child(tmp_path: Path, exit_call: str) -> tuple[subprocess.CompletedProcess[str], Path]:
    """A child that prints a line to a piped stdout, makes a folder, then exits as told."""
    folder = tmp_path / "scratch"
    (folder / "pending").mkdir(parents=True)
    code = (
        "import os, sys\n"
        "from pathlib import Path\n"
        "from stream.worker.process import exit_hung\n"
        "print('a line a script printed')\n"
        f"{exit_call}\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # a piped stdout
    run = subprocess.run([sys.executable, "-c", code, str(folder)], capture_output=True,
                         text=True, timeout=60, env=env)  # fmt: skip
    return run, folder


def test_the_hung_exit_keeps_what_was_printed_and_removes_its_temporary_folders(
    tmp_path: Path,
) -> None:
    bare, folder = _child(tmp_path / "bare", "os._exit(0)")
    assert (bare.returncode, bare.stdout) == (0, "")  # what os._exit alone loses
    assert folder.is_dir()
    run, folder = _child(tmp_path / "owned", "exit_hung([Path(sys.argv[1])])")
    assert (run.returncode, run.stdout) == (0, "a line a script printed\n"), run.stderr
    assert not folder.exists()


def test_a_failing_last_word_does_not_stop_the_hung_exit(caplog: pytest.LogCaptureFixture) -> None:
    from stream.worker.process import last_words

    said: list[str] = []

    def broken() -> None:
        said.append("summary")
        raise OSError("stdout closed")

    last_words(broken)  # the exit that follows it must still happen: nothing escapes
    last_words(None)
    assert said == ["summary"]
    assert "on_hang failed" in caplog.text and "stdout closed" in caplog.text
