"""A pipe or device where a file is expected: one error line saying what it is, and no hang.

``--data fifo.csv`` said "no such file: fifo.csv" (it exists), ``--capture`` "no capture
files under" it, ``--preprocessor`` "script not found"; ``--config`` and ``--bias-config``
opened a FIFO with no writer and blocked forever. Every input option now refuses a special
file before opening it (driftline reads its inputs more than once and sizes them for its
progress bars; a config's relative paths are resolved from its folder). A regular file
behind ``/dev/stdin`` (``< data.csv``) is still read.

The runs are subprocesses with a timeout, so that a hang fails the test instead of stopping
the suite; a broker is never contacted (the config points at a closed port).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

FIFO = "is a named pipe (FIFO)"


def driftline(
    *args: str | Path, cwd: Path, stdin: Path | None = None
) -> subprocess.CompletedProcess[str]:
    with open(stdin or os.devnull, "rb") as source:
        return subprocess.run(
            [sys.executable, "-m", "stream.cli", *map(str, args)],
            cwd=cwd, stdin=source, capture_output=True, text=True, timeout=30,
            env=dict(os.environ, DRIFTLINE_METRICS_PORT="0"),
        )  # fmt: skip


def assert_one_error(run: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert run.returncode == 2, run.stderr
    assert run.stderr.splitlines() == [run.stderr.strip()], run.stderr
    assert run.stderr.startswith("driftline: error: ")
    for fragment in fragments:
        assert fragment in run.stderr, run.stderr


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    os.mkfifo(tmp_path / "pipe.jsonl")  # nobody ever writes to it
    (tmp_path / "data.csv").write_text("a,b\n1,x\n2,y\n3,z\n")
    (tmp_path / "capture.jsonl").write_text("{}\n")
    (tmp_path / "k.toml").write_text('[kafka]\nbootstrap_servers = "127.0.0.1:9"\n')
    run = driftline("baseline", "suggest", "--data", "data.csv", "--out", "b", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    return tmp_path


ANALYZE = ("analyze", "--baseline", "b", "--out", "r")
CASES = {
    "suggest --data": ("baseline", "suggest", "--out", "o", "--data", "pipe.jsonl"),
    "analyze --data": (*ANALYZE, "--data", "pipe.jsonl"),
    "analyze --capture": (*ANALYZE, "--capture", "pipe.jsonl"),
    "analyze --preprocessor": (*ANALYZE, "--capture", "capture.jsonl", "--preprocessor",
                               "pipe.jsonl"),
    "analyze --ground-truth": (*ANALYZE, "--capture", "capture.jsonl", "--ground-truth",
                               "pipe.jsonl", "--problem-type", "Regression"),
    "suggest --bias-config": ("baseline", "suggest", "--data", "data.csv", "--out", "o",
                              "--bias-config", "pipe.jsonl"),
    "suggest --shap": ("baseline", "suggest", "--data", "data.csv", "--out", "o", "--shap",
                       "pipe.jsonl"),
    "worker --config": ("worker", "--config", "pipe.jsonl"),
    "tail --config": ("tail", "--config", "pipe.jsonl"),
    "replay PATH": ("replay", "--config", "k.toml", "pipe.jsonl"),
    "labels push PATH": ("labels", "push", "--config", "k.toml", "pipe.jsonl"),
    "attributions push PATH": ("attributions", "push", "--config", "k.toml", "pipe.jsonl"),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_fifo_with_no_writer_is_refused_at_once(folder: Path, case: str) -> None:
    assert_one_error(driftline(*CASES[case], cwd=folder), "'pipe.jsonl' " + FIFO)


def test_a_character_device_as_data(folder: Path) -> None:
    run = driftline("baseline", "suggest", "--data", "/dev/zero", "--format", "csv", "--out", "o",
                    cwd=folder)  # fmt: skip
    assert_one_error(run, "'/dev/zero' is a character device, not a data file")


def test_stdin_redirected_from_a_file_is_that_file(folder: Path) -> None:
    run = driftline("baseline", "suggest", "--data", "/dev/stdin", "--format", "csv", "--out", "o",
                    cwd=folder, stdin=folder / "data.csv")  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("baseline: 3 rows, 2 features")


@pytest.mark.parametrize(
    "args",
    [
        ("baseline", "suggest", "--out", "o", "--data", "data.csv/"),
        ("replay", "--config", "k.toml", "capture.jsonl/"),
        ("worker", "--config", "k.toml/"),
    ],
)
def test_a_file_named_with_a_trailing_slash(folder: Path, args: tuple[str, ...]) -> None:
    """``data.csv/`` read data.csv (pathlib drops the slash); replay said it did not exist."""
    name = args[-1].rstrip("/")
    assert_one_error(driftline(*args, cwd=folder), f"ends in '/', but {name} is a file")
