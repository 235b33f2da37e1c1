"""Read a whole topic back with an assigned-partition consumer (no group: works on Tansu)."""

from __future__ import annotations

from kafka import KafkaConsumer, TopicPartition


def read_topic(bootstrap: str, topic: str, expected_messages: int | None = None) -> list:
    """Every message of ``topic`` currently stored, as kafka-python ConsumerRecords."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False)
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic)]
        consumer.assign(partitions)
        consumer.seek_to_beginning()
        end = consumer.end_offsets(partitions)
        messages: list = []
        for _ in range(100):
            if all(consumer.position(tp) >= end[tp] for tp in partitions):
                break
            for batch in consumer.poll(timeout_ms=200).values():
                messages.extend(batch)
        if expected_messages is not None:
            assert len(messages) == expected_messages
        return messages
    finally:
        consumer.close()
