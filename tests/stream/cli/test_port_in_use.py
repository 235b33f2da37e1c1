"""Issue 12: the metrics port already in use is one ``driftline: error:`` line and exit 2."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.workers import write_config

DRIFTLINE = str(Path(sys.executable).with_name("driftline"))


@pytest.fixture
def taken_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def assert_one_error_line(run: subprocess.CompletedProcess, port: int, hint: str) -> None:
    assert run.returncode == 2
    assert "Traceback" not in run.stderr
    last = run.stderr.strip().splitlines()[-1]
    assert last.startswith(f"driftline: error: port {port} on 127.0.0.1 is already in use")
    assert hint in last


def test_worker_with_a_taken_metrics_port(tmp_path, taken_port):
    config = write_config(tmp_path, "127.0.0.1:9", "taken")  # nothing is contacted
    env = dict(os.environ, DRIFTLINE_METRICS_PORT=str(taken_port))
    run = subprocess.run([DRIFTLINE, "worker", "--config", str(config)], env=env,
                         capture_output=True, text=True, timeout=60)  # fmt: skip
    assert_one_error_line(run, taken_port, "DRIFTLINE_METRICS_PORT")


def test_demo_with_a_taken_metrics_port(taken_port):
    run = subprocess.run([DRIFTLINE, "demo", "--metrics-port", str(taken_port), "--seconds", "3"],
                         capture_output=True, text=True, timeout=120)  # fmt: skip
    assert_one_error_line(run, taken_port, "--metrics-port")
    assert run.stdout == ""  # no broker was started, no summary printed
