"""Ctrl-C and SIGTERM stop the producing commands at once while the broker is frozen.

The broker is frozen (SIGSTOP), not stopped: its connections stay open and nothing answers,
so a command that waits for acknowledgements waits out the producer's request timeout (30 s).
``labels push`` interrupted then exited 130 but printed kafka-python's exit-hook traceback and
not what was not delivered; ``replay --loop`` waited the 30 s after its stop signal, and a
second SIGTERM killed it without a word. The reference is the README's: Ctrl-C ends a command
with one line and exit 130, and what was not delivered is said.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from stream.kafka.broker import EmbeddedBroker, die_with_parent
from tests.integration.readback import read_topic
from tests.integration.test_broker_gone import EXAMPLE_HOUR, broker, env  # noqa: F401
from tests.integration.test_labels_push import ground_truth_line
from tests.integration.workers import DRIFTLINE, wait_for

pytestmark = pytest.mark.kafka

GIVE_UP_SECONDS = 120  # generous bound; the assertions are about the outcome


@contextmanager
def frozen(broker: EmbeddedBroker) -> Iterator[None]:  # noqa: F811
    group = os.getpgid(broker.pid or 0)
    os.killpg(group, signal.SIGSTOP)
    try:
        yield
    finally:
        os.killpg(group, signal.SIGCONT)


def _assert_interrupted(code: int, output: str) -> None:
    assert code == 130, output
    assert "Traceback" not in output and "Exception ignored" not in output, output
    last = output.strip().splitlines()[-1]
    assert last.startswith("driftline: interrupted; "), output
    assert last.endswith(" not delivered"), output
    assert int(last.split("; ")[1].split()[0]) > 0, output  # the frozen broker took none


def test_labels_push_interrupted_while_the_broker_is_frozen(
    broker: EmbeddedBroker,  # noqa: F811
    env: dict[str, str],  # noqa: F811
    tmp_path: Path,
) -> None:
    labels = tmp_path / "labels.jsonl"
    labels.write_text("".join(ground_truth_line(f"i-{i}", "1") + "\n" for i in range(2000)))
    marker = tmp_path / "paused"
    child = "tests.integration.broker_gone_child"
    process = subprocess.Popen(
        [sys.executable, "-m", child, str(marker), "500", "labels", "push", str(labels)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, text=True,
        cwd=Path(__file__).resolve().parents[2], preexec_fn=die_with_parent,
    )  # fmt: skip
    try:
        wait_for(marker.exists, 60, "the 500th label pushed")
        with frozen(broker):
            marker.unlink()
            time.sleep(1.0)  # the rest is pushed, and waits for the broker's answer
            process.send_signal(signal.SIGINT)
            output, _ = process.communicate(timeout=GIVE_UP_SECONDS)
    finally:
        process.kill()
    _assert_interrupted(process.returncode, output)


def test_replay_loop_stopping_on_a_frozen_broker_is_interrupted_by_a_second_sigterm(
    broker: EmbeddedBroker,  # noqa: F811
    env: dict[str, str],  # noqa: F811
    topic_prefix: str,
) -> None:
    bootstrap = broker.bootstrap_servers
    process = subprocess.Popen(
        [DRIFTLINE, "replay", str(EXAMPLE_HOUR), "--live", "--loop", "--rate", "2000"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, text=True,
        preexec_fn=die_with_parent,
    )  # fmt: skip
    try:
        topic = f"{topic_prefix}.capture"
        wait_for(lambda: len(read_topic(bootstrap, topic)) >= 3, 60, "replayed messages")
        with frozen(broker):
            time.sleep(1.0)  # messages sent since wait for the broker's answer
            process.send_signal(signal.SIGTERM)  # the end of the loop: what is left is flushed
            time.sleep(0.5)
            process.send_signal(signal.SIGTERM)  # and that flush is abandoned
            output, _ = process.communicate(timeout=GIVE_UP_SECONDS)
    finally:
        process.kill()
    _assert_interrupted(process.returncode, output)
