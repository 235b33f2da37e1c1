"""A worker whose broker does not answer stops with one ``driftline: error:`` line, exit 2.

``replay``, ``tail`` and the push commands already said "cannot reach the broker"; the worker
said "unexpected KafkaConnectionError … (a bug in driftline)".
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from tests.integration.workers import write_config


def closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_worker_with_no_broker_at_the_bootstrap_servers(tmp_path: Path) -> None:
    bootstrap = f"127.0.0.1:{closed_port()}"
    config = write_config(tmp_path, bootstrap, "nobroker")
    env = dict(os.environ, DRIFTLINE_METRICS_PORT="0")
    run = subprocess.run(
        [sys.executable, "-m", "stream.cli", "worker", "--config", str(config)],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr
    errors = [line for line in run.stderr.splitlines() if line.startswith("driftline: error:")]
    assert len(errors) == 1 and run.stderr.strip().endswith(errors[0]), run.stderr
    assert errors[0].startswith(f"driftline: error: cannot reach the broker at {bootstrap}: ")
    assert "unexpected" not in errors[0]
