"""The embedded broker starts, answers Kafka requests, and leaves no process behind."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from kafka import KafkaAdminClient

from stream.kafka.broker import BrokerError, EmbeddedBroker, answers_metadata
from tests.integration.workers import alive

pytestmark = pytest.mark.kafka


def wait_gone(pid: int, timeout_seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout_seconds
    while time.monotonic() < deadline:
        if not alive(pid):
            return True
        time.sleep(0.05)
    return False


def test_start_answer_stop() -> None:
    broker = EmbeddedBroker(startup_timeout_seconds=10)
    with broker:
        pid = broker.pid
        assert pid is not None and alive(pid)
        host, port = broker.bootstrap_servers.split(":")
        assert host == "127.0.0.1"
        assert answers_metadata(host, int(port))
        # an independent client sees a working broker
        admin = KafkaAdminClient(bootstrap_servers=broker.bootstrap_servers)
        try:
            assert isinstance(admin.list_topics(), list)
        finally:
            admin.close()
    assert not broker.is_running
    assert wait_gone(pid)
    assert not answers_metadata(host, int(port), timeout_seconds=0.2)
    with pytest.raises(BrokerError, match="not running"):
        _ = broker.bootstrap_servers


def test_missing_binary_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(BrokerError, match="cannot run the embedded broker"):
        EmbeddedBroker(binary=tmp_path / "no-such-tansu").start()


def test_a_binary_that_fails_reports_its_output(tmp_path: Path) -> None:
    script = tmp_path / "fake-tansu"
    script.write_text("#!/bin/sh\necho 'address already in use: boom' >&2\nexit 3\n")
    script.chmod(0o755)
    with pytest.raises(BrokerError, match=r"exited with code 3 .*boom"):
        EmbeddedBroker(binary=script, startup_timeout_seconds=5).start()


def test_a_binary_that_never_answers_times_out(tmp_path: Path) -> None:
    script = tmp_path / "silent-tansu"
    script.write_text("#!/bin/sh\necho 'starting'\nexec sleep 30\n")
    script.chmod(0o755)
    started = time.monotonic()
    with pytest.raises(BrokerError, match=r"did not answer .* within 0.5 s: starting"):
        EmbeddedBroker(binary=script, startup_timeout_seconds=0.5).start()
    assert time.monotonic() - started < 5


CHILD = """
import sys, time
from stream.kafka.broker import EmbeddedBroker
broker = EmbeddedBroker().start()
print(broker.pid, flush=True)
if sys.argv[1] == "exit":
    sys.stdin.readline()  # the test has seen the broker alive
    sys.exit(0)  # without stop(): atexit must stop it
time.sleep(60)
"""


@pytest.mark.parametrize("how", ["exit", "kill"])
def test_no_orphan_when_the_parent_goes(how: str) -> None:
    parent = subprocess.Popen([sys.executable, "-c", CHILD, how], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert parent.stdout is not None and parent.stdin is not None
        broker_pid = int(parent.stdout.readline())
        assert alive(broker_pid)
        if how == "kill":
            parent.send_signal(signal.SIGKILL)
        else:
            parent.stdin.write("exit\n")
            parent.stdin.flush()
        parent.wait(timeout=10)
        assert wait_gone(broker_pid), f"broker {broker_pid} outlived its parent ({how})"
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
