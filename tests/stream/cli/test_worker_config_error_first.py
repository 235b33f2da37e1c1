"""A worker config that fails to load shows its one error line, not a config dump before it.

The worker logged its whole configuration (fifty lines) and then the error of a baseline
folder without statistics.json, or of a preprocessor that fails to import: the error a user
must act on came last, under a dump that suggested the worker had started. Nothing is
contacted in these runs (the bootstrap address is never reached).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.workers import write_config


def run_worker(config: Path, *options: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, DRIFTLINE_METRICS_PORT="0")
    return subprocess.run(
        [sys.executable, "-m", "stream.cli", "worker", "--config", str(config), *options],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def assert_only_the_error(run: subprocess.CompletedProcess[str], fragment: str) -> None:
    assert run.returncode == 2, run.stderr
    assert run.stderr.splitlines() == [run.stderr.strip()], run.stderr  # one line, nothing else
    assert run.stderr.startswith("driftline: error: "), run.stderr
    assert fragment in run.stderr
    assert run.stdout == ""


def test_a_baseline_folder_without_statistics(tmp_path: Path) -> None:
    (tmp_path / "baseline").mkdir()  # write_config leaves an existing folder as it is
    config = write_config(tmp_path, "127.0.0.1:9", "nostats")
    assert_only_the_error(run_worker(config), "statistics.json")


@pytest.mark.parametrize(
    ("script", "fragment"),
    [
        ("raise RuntimeError('boom')\n", "failed to import: RuntimeError: boom"),
        ("x = 1\n", "Preprocess Handler not implemented"),
    ],
)
def test_a_preprocessor_that_does_not_load(tmp_path: Path, script: str, fragment: str) -> None:
    (tmp_path / "pre.py").write_text(script)
    config = write_config(tmp_path, "127.0.0.1:9", "badscript", preprocessor="pre.py")
    assert_only_the_error(run_worker(config), fragment)


def test_a_state_dir_that_cannot_be_created(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("")
    config = write_config(tmp_path, "127.0.0.1:9", "nostate",
                          worker={"state_dir": str(tmp_path / "a-file" / "state")})  # fmt: skip
    assert_only_the_error(run_worker(config), "worker.state_dir")


def test_a_log_level_python_does_not_know(tmp_path: Path) -> None:
    """A mistyped --log-level is a usage error naming the levels, not "a bug in driftline"."""
    config = write_config(tmp_path, "127.0.0.1:9", "loglevel")
    run = run_worker(config, "--log-level", "verbose")
    assert_only_the_error(run, "Invalid value for '--log-level': 'verbose' is not one of")
    for level in ("debug", "info", "warning", "error", "critical"):
        assert f"'{level}'" in run.stderr
