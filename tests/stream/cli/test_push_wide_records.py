"""``replay`` and ``labels push`` of records of ~20 KB: messages stay under Kafka's 1 MiB.

At 100 records a message such a batch is ~2 MB, which kafka-python refuses before sending:
both commands stopped with "unexpected MessageSizeTooLargeError … a bug in driftline".
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from stream.cli import main
from tests.integration.cli_env import kafka_env
from tests.integration.readback import read_topic
from tests.stream.cli.labeled_files import capture_line, write_lines

pytestmark = pytest.mark.kafka

RECORDS = 240
KAFKA_LIMIT = 1_048_576  # kafka-python's default max_request_size, Kafka's default limit
WIDE_CSV = ",".join(["1.5"] * 5000)  # 19,999 characters


def test_wide_captures_and_labels_are_sent_in_messages_kafka_takes(
    tmp_path: Path, kafka_bootstrap: str, topic_prefix: str
) -> None:
    captures = write_lines(
        tmp_path / "wide.jsonl", [capture_line(f"k{i}", WIDE_CSV, "1") for i in range(RECORDS)]
    )
    labels = write_lines(
        tmp_path / "labels.jsonl",
        [
            json.dumps(
                {
                    "groundTruthData": {"data": WIDE_CSV, "encoding": "CSV"},
                    "eventMetadata": {"eventId": f"k{i}"},
                    "eventVersion": "0",
                }
            )
            for i in range(RECORDS)
        ],
    )
    env = kafka_env(kafka_bootstrap, topic_prefix, 1)  # one partition: batches of 100 form
    runner = CliRunner()
    for args, topic in (
        (["replay", str(captures)], "capture"),
        (["labels", "push", str(labels)], "labels"),
    ):
        result = runner.invoke(main, args, env=env)
        assert result.exit_code == 0, result.output
        assert "unexpected" not in result.output
        messages = read_topic(kafka_bootstrap, f"{topic_prefix}.{topic}")
        assert all(len(m.value) < KAFKA_LIMIT for m in messages)
        records = [line for m in messages for line in m.value.split(b"\n")]
        assert len(records) == RECORDS
        assert all(WIDE_CSV.encode() in record for record in records)
