"""Read a whole topic back with an assigned-partition consumer (no group: works on Tansu)."""

from __future__ import annotations

from kafka import KafkaConsumer, TopicPartition

FETCH_BYTES = 64 * 1024 * 1024  # a snapshot chunk or a wide window's partial in one fetch
IDLE_POLLS = 20  # empty polls in a row after which what is stored has been read


def read_topic(bootstrap: str, topic: str, expected_messages: int | None = None) -> list:
    """Every message of ``topic`` currently stored, as kafka-python ConsumerRecords (in offset
    order per partition).

    Reads until every partition's end offset, however many messages that is, or until
    ``IDLE_POLLS`` polls in a row bring nothing (an end offset counting records the broker
    no longer answers with); then takes what the consumer fetched past the end. Tansu reports
    a partition's end as its last record batch's first offset plus one, and a poll returns
    at most ``max_poll_records`` messages: a poll that stopped inside the last batch reached
    that end with the rest of the batch still in the consumer (it lost a window's latest
    revision, now and then, in a full test run).
    """
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
                             max_partition_fetch_bytes=FETCH_BYTES,
                             fetch_max_bytes=FETCH_BYTES)  # fmt: skip
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic)]
        consumer.assign(partitions)
        consumer.seek_to_beginning()
        end = consumer.end_offsets(partitions)
        messages: list = []
        idle = 0
        while idle < IDLE_POLLS and not all(consumer.position(tp) >= end[tp] for tp in partitions):
            polled = consumer.poll(timeout_ms=200)
            idle = 0 if polled else idle + 1
            for batch in polled.values():
                messages.extend(batch)
        while polled := consumer.poll(timeout_ms=0):  # the rest of each last batch, fetched
            for batch in polled.values():
                messages.extend(batch)
        if expected_messages is not None:
            assert len(messages) == expected_messages
        return messages
    finally:
        consumer.close()
