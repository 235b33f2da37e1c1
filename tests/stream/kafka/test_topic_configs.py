"""The configs each topic is created with: compaction, and the join changelog's limits."""

from __future__ import annotations

from stream.kafka.topics import TopicNames
from stream.worker.runner import MAX_MESSAGE_BYTES


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
