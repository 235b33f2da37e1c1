"""ensure_topics creates driftline's topics with the configured partitions, idempotently."""

from __future__ import annotations

import asyncio

import pytest
from kafka import KafkaAdminClient, KafkaConsumer

from stream.kafka.topics import TopicError, TopicNames, ensure_topics, ensure_topics_sync

pytestmark = pytest.mark.kafka


def partition_counts(bootstrap: str, names: list[str]) -> dict[str, int]:
    """Partition counts seen by an independent client (kafka-python)."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None)
    try:
        return {name: len(consumer.partitions_for_topic(name) or ()) for name in names}
    finally:
        consumer.close()


def test_creates_all_topics_with_the_configured_partitions(
    kafka_bootstrap: str, topic_prefix: str
) -> None:
    names = TopicNames.from_prefix(topic_prefix)
    created = ensure_topics_sync(kafka_bootstrap, names, 3, 1, {}, configs=names.configs)
    assert created == dict.fromkeys(names, 3)
    assert partition_counts(kafka_bootstrap, list(names)) == dict.fromkeys(names, 3)
    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    try:
        listed = set(admin.list_topics())
    finally:
        admin.close()
    assert set(names) <= listed
    for role in ("partials", "capture-state", "aggregate-state", "attributions"):
        assert f"{topic_prefix}.{role}" in listed


def test_is_idempotent_and_adds_only_what_is_missing(
    kafka_bootstrap: str, topic_prefix: str
) -> None:
    names = TopicNames.from_prefix(topic_prefix)
    first = [names.capture, names.labels]
    assert asyncio.run(ensure_topics(kafka_bootstrap, first, 5, 1)) == dict.fromkeys(first, 5)
    again = ensure_topics_sync(kafka_bootstrap, names, 5, 1)
    assert again == dict.fromkeys(names, 5)
    assert partition_counts(kafka_bootstrap, list(names)) == dict.fromkeys(names, 5)


def test_a_different_partition_count_is_refused(kafka_bootstrap: str, topic_prefix: str) -> None:
    topic = f"{topic_prefix}.capture"
    ensure_topics_sync(kafka_bootstrap, [topic], 2, 1)
    with pytest.raises(TopicError, match=f"topic {topic} has 2 partitions .* is 6"):
        ensure_topics_sync(kafka_bootstrap, [topic], 6, 1)
