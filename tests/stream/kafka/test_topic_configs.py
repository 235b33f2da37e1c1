"""The configs each topic is created with: compaction, and the join changelog's limits."""

from __future__ import annotations

import random

import orjson

from stream.config import DriftlineConfig, KafkaConfig, MonitorConfig
from stream.demo.synthetic import SyntheticSchema, capture_record
from stream.kafka.topics import TopicNames
from stream.monitors.data_quality import load_data_quality_baseline, save_data_quality_baseline
from stream.worker.runner import MAX_MESSAGE_BYTES
from stream.worker.state import CAPTURE, PARTIALS, WorkerState


def test_the_join_changelog_takes_every_record_the_worker_may_write() -> None:
    """A request of many instances waits as one entry: Kafka's 1 MiB default refused it."""
    names = TopicNames.from_prefix("p")
    configs = names.topic_configs(names.join_changelog)
    assert configs["cleanup.policy"] == "compact"
    assert configs["min.compaction.lag.ms"] == str(24 * 3600 * 1000)
    assert int(configs["max.message.bytes"]) == MAX_MESSAGE_BYTES == 8 * 1024 * 1024


def test_only_the_state_topics_are_compacted() -> None:
    names = TopicNames.from_prefix("p")
    compacted = {n for n in names if names.topic_configs(n).get("cleanup.policy") == "compact"}
    assert compacted == {names.capture_state, names.aggregate_state, names.join_changelog}
    assert names.topic_configs(names.capture) == {}


# Apache Kafka's default max.message.bytes (broker message.max.bytes, and a topic's without
# an override): 1 MiB plus a record batch's 12-byte log overhead.
KAFKA_DEFAULT_MESSAGE_BYTES = 1_048_588


def test_a_wide_window_fits_every_topic_the_worker_writes_it_to(fake_clock, tmp_path) -> None:
    """A 100-feature window's partial is over Kafka's default: the broker refused it, and the
    partition's checkpoints failed on it again and again, its results never published."""
    schema = SyntheticSchema.wide(n_numeric=100, n_categorical=0)
    save_data_quality_baseline(tmp_path, schema.baseline(n=2000))
    monitor = MonitorConfig(name="m", baseline=tmp_path, window_seconds=3600.0,
                            allowed_lateness_seconds=0.0)  # fmt: skip
    config = DriftlineConfig(kafka=KafkaConfig(topic_prefix="p", partitions=1),
                             monitors=(monitor,))  # fmt: skip
    ws = WorkerState(config, {"m": load_data_quality_baseline(tmp_path)}, now=fake_clock)
    start = fake_clock().timestamp() // 3600 * 3600 - 3600  # the hour before the clock's
    rows = schema.rows(random.Random(1), 10_000)
    for offset in range(100):
        batch = rows[offset * 100 : (offset + 1) * 100]
        ws.on_capture(0, offset, b"\n".join(
            orjson.dumps(capture_record(f"k{offset}-{i}", start + offset * 30 + i * 0.1, row))
            for i, row in enumerate(batch)
        ))  # fmt: skip
    closing = capture_record("late", start + 3600 + 1, rows[0])
    ws.on_capture(0, 100, orjson.dumps(closing))
    ws.tick()
    sent = list(ws.checkpoint(CAPTURE, 0).outbox)
    for offset, message in enumerate(m for m in list(sent) if m.topic == ws.names.partials):
        ws.on_partial(message.partition, offset, message.value)
    ws.tick()
    sent += ws.checkpoint(PARTIALS, 0).outbox
    largest = {m.topic: max(len(n.value) for n in sent if n.topic == m.topic) for m in sent}
    assert largest[ws.names.partials] > KAFKA_DEFAULT_MESSAGE_BYTES  # the case is real
    for topic, size in largest.items():
        limit = int(ws.names.topic_configs(topic).get("max.message.bytes",
                                                      KAFKA_DEFAULT_MESSAGE_BYTES))  # fmt: skip
        assert size < limit <= MAX_MESSAGE_BYTES, topic
