"""The tests' read_topic returns every stored message, a long last record batch included."""

from __future__ import annotations

import asyncio

import pytest
from aiokafka import AIOKafkaProducer

from tests.integration.readback import read_topic
from tests.stream.kafka.test_undecodable_batches import new_topic

pytestmark = pytest.mark.kafka


async def _send_in_one_batch(bootstrap: str, topic: str, values: list[bytes]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=200,
                                max_batch_size=4 * 1024 * 1024)  # fmt: skip
    await producer.start()
    try:
        sent = [await producer.send(topic, value, partition=0) for value in values]
        await asyncio.gather(*sent)
    finally:
        await producer.stop()


def test_reads_a_batch_longer_than_one_poll(kafka_bootstrap: str) -> None:
    # more records in one batch than kafka-python's poll hands out (max_poll_records 500)
    topic = new_topic(kafka_bootstrap, "-readback")
    values = [f"m{i}".encode() for i in range(1200)]
    asyncio.run(_send_in_one_batch(kafka_bootstrap, topic, values[:1]))
    asyncio.run(_send_in_one_batch(kafka_bootstrap, topic, values[1:]))
    assert [m.value for m in read_topic(kafka_bootstrap, topic)] == values
