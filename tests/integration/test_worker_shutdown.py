"""SIGTERM and SIGINT stop a ``driftline worker`` and the embedded broker it started."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from stream.kafka.broker import die_with_parent
from tests.integration.workers import DRIFTLINE, alive, broker_children, wait_for, write_config

pytestmark = pytest.mark.kafka


@pytest.mark.parametrize("when", ["running", "starting"])
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_signal_stops_worker_and_its_embedded_broker(tmp_path, signum, when):
    config = write_config(tmp_path, "", "shutdown")  # empty bootstrap: embedded broker
    env = {k: v for k, v in os.environ.items() if not k.startswith("DRIFTLINE_")}
    env["DRIFTLINE_METRICS_PORT"] = "0"
    log = (tmp_path / "worker.log").open("wb")
    process = subprocess.Popen(
        [DRIFTLINE, "worker", "--config", str(config), "--log-level", "info"],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
        preexec_fn=die_with_parent,
    )
    try:
        broker_pid = wait_for(lambda: broker_children(process.pid), 20, "the embedded broker")[0]
        worker_log = tmp_path / "worker.log"
        if when == "running":
            wait_for(lambda: "capture partitions assigned" in worker_log.read_text(), 45,
                     "the worker to join its group")  # fmt: skip
        assert alive(broker_pid)
        process.send_signal(signum)
        code = process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
        log.close()
    assert code == 0
    wait_for(lambda: not alive(broker_pid), 2, "the broker process to be gone")


# ``driftline ARGS…`` that sends itself signal ``argv[1]`` as it first imports faust: the
# signal comes while the command imports the worker, before any handler of run_worker's.
_SIGNAL_WHILE_IMPORTING = """
import builtins, os, sys
real_import, sent, signum = builtins.__import__, [], int(sys.argv[1])
def importing(name, *args, **kwargs):
    if name.split(".")[0] == "faust" and not sent:
        sent.append(name)
        os.kill(os.getpid(), signum)
    return real_import(name, *args, **kwargs)
builtins.__import__ = importing
sys.argv = ["driftline", *sys.argv[2:]]
from stream.cli import main
main()
"""


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_while_the_worker_imports_stops_it_cleanly(tmp_path, signum):
    """It ended the process by the signal (exit status -15; a traceback for SIGINT)."""
    config = write_config(tmp_path, "", "importing")
    env = {k: v for k, v in os.environ.items() if not k.startswith("DRIFTLINE_")}
    env["DRIFTLINE_METRICS_PORT"] = "0"
    args = [str(int(signum)), "worker", "--config", str(config), "--log-level", "info"]
    done = subprocess.run([sys.executable, "-c", _SIGNAL_WHILE_IMPORTING, *args],
                          capture_output=True, text=True, env=env, timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert f"stopped during startup ({signum.name})" in done.stderr
    assert "Traceback" not in done.stderr and "broker" not in done.stderr.lower()


def test_sigterm_with_a_frozen_broker_exits_cleanly_in_time(tmp_path):
    """The broker stops answering: the final checkpoint cannot be saved, the worker still
    exits 0 within shutdown_timeout_seconds, and the last saved snapshot stands."""
    import time

    from stream.kafka.broker import EmbeddedBroker
    from tests.integration.workers import WorkerProcess

    with EmbeddedBroker() as broker:
        config = write_config(tmp_path, broker.bootstrap_servers, "frozen",
                              worker={"shutdown_timeout_seconds": 6})  # fmt: skip
        worker = WorkerProcess(config, tmp_path / "worker.log")
        try:
            wait_for(lambda: worker.assigned() == 4, 60, "the worker to own 4 partitions")
            os.kill(broker.pid, signal.SIGSTOP)
            started = time.monotonic()
            worker.process.send_signal(signal.SIGTERM)
            code = worker.process.wait(timeout=15)
            took = time.monotonic() - started
        finally:
            os.kill(broker.pid, signal.SIGCONT)
            if worker.process.poll() is None:
                worker.process.kill()
    assert code == 0
    assert took < 6 + 2.0  # the watchdog's deadline, and a margin for a loaded machine
