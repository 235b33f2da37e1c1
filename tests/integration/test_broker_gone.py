"""Commands producing to a broker that goes away mid-run: one error line and exit 2.

Each test stops a broker of its own (the session's is shared). The commands give up once
the broker has answered nothing for the producer's request timeout (30 s); the waits
below are generous bounds, the assertions are about the outcome.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from stream.kafka.broker import EmbeddedBroker, die_with_parent
from stream.kafka.topics import TopicNames, ensure_topics_sync
from tests.integration.cli_env import kafka_env
from tests.integration.readback import read_topic
from tests.integration.test_labels_push import ground_truth_line
from tests.integration.workers import DRIFTLINE, wait_for

pytestmark = pytest.mark.kafka

EXAMPLE_HOUR = (
    Path(__file__).resolve().parents[2]
    / "examples/credit/captures/credit-endpoint/AllTraffic/2024/03/05/14"
)
GIVE_UP_SECONDS = 120  # generous: the commands stop about 30 s after the broker


@pytest.fixture
def broker(topic_prefix: str) -> Iterator[EmbeddedBroker]:
    with EmbeddedBroker() as running:
        ensure_topics_sync(running.bootstrap_servers, TopicNames.from_prefix(topic_prefix), 2, 1)
        yield running


@pytest.fixture
def env(broker: EmbeddedBroker, topic_prefix: str) -> dict[str, str]:
    return os.environ | kafka_env(broker.bootstrap_servers, topic_prefix, 2)


def _assert_one_error_line(code: int, output: str, bootstrap: str) -> None:
    assert code == 2, output
    assert "Traceback" not in output and "Exception ignored" not in output, output
    errors = [line for line in output.splitlines() if line.startswith("driftline: error: ")]
    assert errors == output.strip().splitlines()[-1:], output  # one line, the last
    assert errors[0].startswith(f"driftline: error: the broker at {bootstrap} stopped answering")


def test_replay_loop_stops_with_one_line_when_the_broker_stops(
    broker: EmbeddedBroker, env: dict[str, str], topic_prefix: str, tmp_path: Path
) -> None:
    bootstrap = broker.bootstrap_servers
    log = tmp_path / "replay.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [DRIFTLINE, "replay", str(EXAMPLE_HOUR), "--live", "--loop", "--rate", "2000"],
            stdout=out, stderr=subprocess.STDOUT, env=env, preexec_fn=die_with_parent,
        )  # fmt: skip
        try:
            topic = f"{topic_prefix}.capture"
            wait_for(lambda: len(read_topic(bootstrap, topic)) >= 3, 60, "replayed messages")
            broker.stop()
            code = process.wait(GIVE_UP_SECONDS)  # on its own: no signal
        finally:
            process.kill()
    _assert_one_error_line(code, log.read_text(), bootstrap)


def test_labels_push_stops_with_one_line_when_the_broker_stops(
    broker: EmbeddedBroker, env: dict[str, str], tmp_path: Path
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
        bootstrap = broker.bootstrap_servers
        broker.stop()
        marker.unlink()
        output, _ = process.communicate(timeout=GIVE_UP_SECONDS)
    finally:
        process.kill()
    _assert_one_error_line(process.returncode, output, bootstrap)
