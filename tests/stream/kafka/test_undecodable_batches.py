"""A record batch that does not decode is read past, on a real broker, for the topics named.

The batches are gzip batches whose payload is not deflate, with a valid CRC: what a broker
that does not check batches on produce stores (Apache Kafka refuses them: then there is
nothing to read past, and the tests skip). The reference is the broker's own offsets.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from stream.capture.undecodable import UndecodableBatch
from stream.kafka.undecodable_batches import read_past_undecodable_batches

pytestmark = pytest.mark.kafka


@contextmanager
def _gzip_that_is_not_deflate() -> Iterator[None]:
    """kafka-python's producer writes garbage where a batch's gzip payload goes."""
    import kafka.record.default_records as records

    real = records.gzip_encode
    records.gzip_encode = lambda data: b"\x1f\x8bnot deflate, not anything"  # shorter: sent
    try:
        yield
    finally:
        records.gzip_encode = real


def new_topic(bootstrap: str, suffix: str = "") -> str:
    """A topic of one partition, named ``undecodable-<random><suffix>``, created now."""
    from kafka.admin import KafkaAdminClient, NewTopic

    name = f"undecodable-{uuid.uuid4().hex[:8]}{suffix}"
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        admin.create_topics([NewTopic(name, 1, 1)])
    finally:
        admin.close()
    return name


def send_batches(
    bootstrap: str, topic: str, batches: list[tuple[bool, int]], partition: int = 0
) -> None:
    """Each (undecodable, records) as one batch; good records hold b"good-<n>" values.

    ``n`` counts the records sent here, so it is the offset in a new topic. Skips the test
    when the broker refuses an undecodable batch, as Apache Kafka does.
    """
    from kafka import KafkaProducer
    from kafka.errors import KafkaError

    offset = 0
    for undecodable, records in batches:
        codec = "gzip" if undecodable else None
        producer = KafkaProducer(bootstrap_servers=bootstrap, compression_type=codec,
                                 linger_ms=200, batch_size=1 << 20)  # fmt: skip
        with _gzip_that_is_not_deflate() if undecodable else _nothing():
            futures = [
                producer.send(
                    topic,
                    b"x" * 2000 if undecodable else f"good-{offset + i}".encode(),
                    partition=partition,
                )  # fmt: skip
                for i in range(records)
            ]
            producer.flush()
            try:
                got = [future.get(10).offset for future in futures]
            except KafkaError as error:
                producer.close()
                pytest.skip(f"the broker refuses an undecodable batch ({error}), as Kafka does")
        producer.close()
        assert got == list(range(got[0], got[0] + records)), "not one batch"
        offset += records


@contextmanager
def _nothing() -> Iterator[None]:
    yield


async def _read(bootstrap: str, topic: str) -> tuple[list[tuple[int, bytes]], int]:
    from aiokafka import AIOKafkaConsumer, TopicPartition

    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        tp = TopicPartition(topic, 0)
        consumer.assign([tp])
        await consumer.seek_to_beginning(tp)
        read: list[tuple[int, bytes]] = []
        for _ in range(20):
            for messages in (await consumer.getmany(timeout_ms=300)).values():
                read += [(m.offset, m.value) for m in messages]
        return read, await consumer.position(tp)
    finally:
        await consumer.stop()


def test_each_undecodable_batch_is_one_stand_in_at_its_last_offset(kafka_bootstrap):
    topic = new_topic(kafka_bootstrap)
    # offsets: 0-1 good, 2-5 undecodable, 6 good, 7 undecodable (the partition's last)
    send_batches(kafka_bootstrap, topic, [(False, 2), (True, 4), (False, 1), (True, 1)])
    read_past_undecodable_batches([topic])
    read, position = asyncio.run(_read(kafka_bootstrap, topic))
    assert [offset for offset, _ in read] == [0, 1, 5, 6, 7]
    assert [value for _, value in read] == [b"good-0", b"good-1", b"", b"good-6", b""]
    stand_ins = [value for _, value in read if isinstance(value, UndecodableBatch)]
    assert [value.problem.split(":")[0] for value in stand_ins] == [
        "the record batch of offsets 2..5 does not decode",
        "the record batch of offsets 7..7 does not decode",
    ]
    assert "BadGzipFile" in stand_ins[0].problem
    assert position == 8


def test_a_topic_not_named_still_raises(kafka_bootstrap):
    topic = new_topic(kafka_bootstrap)
    send_batches(kafka_bootstrap, topic, [(False, 1), (True, 1)])
    read_past_undecodable_batches([f"{topic}-other"])
    with pytest.raises(OSError, match="compression method"):
        asyncio.run(_read(kafka_bootstrap, topic))
