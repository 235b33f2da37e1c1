"""A command whose stdout pipe is closed (``driftline analyze … | head -1``) ends quietly, 0.

click's ``main`` caught the BrokenPipeError first and exited with status 1 — what ``analyze``
exits with for violations under ``--fail-on-violation`` — so a script under ``set -o
pipefail`` saw a clean run fail.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


def _run_into_a_closed_pipe(args: list[str]) -> subprocess.CompletedProcess[bytes]:
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the command writes its first line
    try:
        return subprocess.run(
            [sys.executable, "-m", "stream.cli", *args],
            stdout=write_end, stderr=subprocess.PIPE, timeout=120, check=False,
        )  # fmt: skip
    finally:
        os.close(write_end)


@pytest.fixture(scope="module")
def training(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("closed") / "train.csv"
    path.write_text("age,plan\n" + "".join(f"{20 + i % 50},{'ab'[i % 2]}\n" for i in range(100)))
    return path


def test_baseline_suggest_into_a_closed_pipe(tmp_path: Path, training: Path) -> None:
    run = _run_into_a_closed_pipe(["baseline", "suggest", "--data", str(training),
                                   "--out", str(tmp_path / "b")])  # fmt: skip
    assert (run.returncode, run.stderr) == (0, b"")


def test_analyze_into_a_closed_pipe(tmp_path: Path, training: Path) -> None:
    baseline = tmp_path / "b"
    built = _run_into_a_closed_pipe(["baseline", "suggest", "--data", str(training),
                                     "--out", str(baseline)])  # fmt: skip
    assert built.returncode == 0 and (baseline / "constraints.json").is_file()
    run = _run_into_a_closed_pipe(["analyze", "--data", str(training), "--baseline",
                                   str(baseline), "--out", str(tmp_path / "r")])  # fmt: skip
    assert (run.returncode, run.stderr) == (0, b"")
    assert (tmp_path / "r" / "constraint_violations.json").is_file()  # the run itself finished
