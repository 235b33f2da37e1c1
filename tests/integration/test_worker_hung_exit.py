"""A worker whose shutdown hangs still removes its temporary folders on the way out.

When a worker is not down ``shutdown_timeout_seconds`` after SIGTERM (here: the broker is
frozen), its watchdog ends the process with ``os._exit`` — the only way out of a hung event
loop, and it skips every ``finally``: the worker's temporary folders (faust's data folder and,
without ``worker.state_dir``, the RocksDB store of pending label joins) stayed in the
temporary folder for good, one set per hung stop. A frozen broker alone does not always
hang the stop; a deadline of 0.2 s is shorter than any stop of faust's.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from stream.kafka.broker import EmbeddedBroker
from tests.integration.workers import WorkerProcess, wait_for, write_config

pytestmark = pytest.mark.kafka


def test_a_hung_shutdown_leaves_no_temporary_folders(tmp_path: Path) -> None:
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    with EmbeddedBroker() as broker:
        config = write_config(tmp_path, broker.bootstrap_servers, "hung",
                              worker={"shutdown_timeout_seconds": 0.2})  # fmt: skip
        worker = WorkerProcess(config, tmp_path / "worker.log", extra_env={"TMPDIR": str(scratch)})
        try:
            wait_for(lambda: worker.assigned() == 4, 60, "the worker to own 4 partitions")
            assert {p.name.split("-")[1] for p in scratch.iterdir()} >= {"faust", "state"}
            os.kill(broker.pid, signal.SIGSTOP)
            worker.process.send_signal(signal.SIGTERM)
            code = worker.process.wait(timeout=15)
        finally:
            os.kill(broker.pid, signal.SIGCONT)
            if worker.process.poll() is None:
                worker.process.kill()
    log = (tmp_path / "worker.log").read_text()
    assert "did not stop within 0.2 s" in log, log  # the watchdog's way out was taken
    assert code == 0
    assert list(scratch.iterdir()) == []
