"""``driftline replay --live [--loop]``: recorded captures as live traffic, on a real broker."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from stream.cli import main
from stream.kafka.broker import die_with_parent
from stream.kafka.topics import TopicNames, ensure_topics_sync
from tests.integration.cli_env import kafka_env
from tests.integration.readback import read_topic
from tests.integration.workers import DRIFTLINE, wait_for

pytestmark = pytest.mark.kafka

EXAMPLE_HOUR = (
    Path(__file__).resolve().parents[2]
    / "examples/credit/captures/credit-endpoint/AllTraffic/2024/03/05/14"
)


@pytest.fixture
def env(kafka_bootstrap: str, topic_prefix: str) -> dict[str, str]:
    return kafka_env(kafka_bootstrap, topic_prefix, 2)


def received(bootstrap: str, topic: str) -> list[dict]:
    return [
        orjson.loads(line) for m in read_topic(bootstrap, topic) for line in m.value.split(b"\n")
    ]


def test_live_replay_stamps_the_time_of_sending_and_keeps_the_rest(
    env: dict[str, str], kafka_bootstrap: str, topic_prefix: str
) -> None:
    (file,) = EXAMPLE_HOUR.glob("*.jsonl")
    recorded = {
        r["eventMetadata"]["inferenceId"]: r
        for r in map(orjson.loads, file.read_bytes().splitlines())
    }
    before = datetime.now(UTC)
    result = CliRunner().invoke(main, ["replay", str(file), "--live", "--rate", "600"], env=env)
    after = datetime.now(UTC)
    assert result.exit_code == 0, result.output
    assert "replayed 300 records (0 malformed)" in result.output
    records = received(kafka_bootstrap, f"{topic_prefix}.capture")
    assert len(records) == 300
    times = []
    for record in records:
        original = recorded[record["eventMetadata"]["inferenceId"]]
        stamped = record["eventMetadata"].pop("inferenceTime")
        original["eventMetadata"].pop("inferenceTime")
        assert record == original
        times.append(datetime.fromisoformat(stamped.replace("Z", "+00:00")))
    assert before <= min(times) and max(times) <= after
    # paced at 600 records/s: the 300 records span about half a second, not an instant
    assert (max(times) - min(times)).total_seconds() > 0.3


def test_live_loop_repeats_until_sigterm_and_exits_0(
    env: dict[str, str], kafka_bootstrap: str, topic_prefix: str, tmp_path: Path
) -> None:
    log = tmp_path / "replay.log"
    ensure_topics_sync(kafka_bootstrap, TopicNames.from_prefix(topic_prefix), 2, 1)  # to poll
    with log.open("wb") as out:
        process = subprocess.Popen(
            [DRIFTLINE, "replay", str(EXAMPLE_HOUR), "--live", "--loop", "--rate", "2000"],
            stdout=out, stderr=subprocess.STDOUT, env={**os.environ, **env},
            preexec_fn=die_with_parent,
        )  # fmt: skip
        try:
            topic = f"{topic_prefix}.capture"
            wait_for(lambda: len(received(kafka_bootstrap, topic)) > 700, 60, "a third pass")
        finally:
            process.send_signal(signal.SIGTERM)
            code = process.wait(20)
    time.sleep(0.5)
    records = received(kafka_bootstrap, topic)
    text = log.read_text()
    assert code == 0, text
    assert "Traceback" not in text
    summary = [line for line in text.splitlines() if line.startswith("replayed ")]
    assert summary, text
    sent = int(summary[0].split()[1])
    assert sent >= len(records) > 700  # every pass sends every record again
    ids = [r["eventMetadata"]["inferenceId"] for r in records]
    assert ids.count("00-0000") >= 2
