"""A partials partition's snapshot manifest outgrows Kafka's 1 MiB default: its topic takes it.

The aggregator keeps a labelled monitor's windows for the label horizon (14 days by default)
so that late labels can revise them, each window a blob of the partials partition's
snapshot, and the manifest — one message — names every blob with its digest and chunk
offsets: ~70 bytes a window, more with a long monitor name. 14 days of 60 s windows are
20,160 blobs, a manifest of ~1.4 MB. On Apache Kafka's 1 MiB default the broker refused it
from about day 10 on, at every checkpoint: the partials partition was never checkpointed
again. The state topics now take the worker producer's 8 MiB (~120,000 windows). Here the
worker's SnapshotStore writes such a manifest to a real broker; the reference is Kafka's
default limit.
"""

from __future__ import annotations

import asyncio

import pytest

from stream.kafka.topics import TopicNames, ensure_topics
from stream.worker.runner import MAX_MESSAGE_BYTES
from stream.worker.snapshots import MANIFEST_KEY, SnapshotStore

pytestmark = pytest.mark.kafka

KAFKA_DEFAULT_MESSAGE_BYTES = 1_048_588  # Apache Kafka's message.max.bytes default
MONITOR = "credit-risk-scorecard-v7-eu-west-1-production"
T0 = 1_709_647_200.0


def test_the_manifest_of_many_kept_windows_fits_its_state_topic(kafka_bootstrap, topic_prefix):
    names = TopicNames.from_prefix(topic_prefix)
    topic = names.aggregate_state
    blobs = {f"{MONITOR}/window/{T0 + i * 60.0}": b"{}" for i in range(10_000)}

    async def save() -> int:
        from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

        await ensure_topics(kafka_bootstrap, [topic], 1, 1, configs=names.configs)
        producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all",
                                    linger_ms=2, max_request_size=MAX_MESSAGE_BYTES)  # fmt: skip
        consumer = AIOKafkaConsumer(bootstrap_servers=kafka_bootstrap, enable_auto_commit=False,
                                    max_partition_fetch_bytes=MAX_MESSAGE_BYTES)  # fmt: skip
        await producer.start()
        await consumer.start()
        try:
            offset = await SnapshotStore(producer, consumer, topic).save(0, blobs, {})
            tp = TopicPartition(topic, 0)
            consumer.assign([tp])
            consumer.seek(tp, offset)
            fetched = await consumer.getmany(tp, timeout_ms=5000, max_records=1)
            (manifest,) = fetched[tp]
            assert manifest.key == MANIFEST_KEY
            return len(manifest.key) + len(manifest.value)
        finally:
            await producer.stop()
            await consumer.stop()

    size = asyncio.run(save())
    assert size > KAFKA_DEFAULT_MESSAGE_BYTES  # the case is real
    limit = int(names.topic_configs(topic).get("max.message.bytes", KAFKA_DEFAULT_MESSAGE_BYTES))
    assert size < limit
