"""A partials partition's snapshot of many kept windows: every message within Kafka's default.

The aggregator keeps a labelled monitor's windows for the label horizon (14 days by default)
so that late labels can revise them, each window a blob of the partials partition's
snapshot. A manifest naming every blob with its digest and chunk offsets is ~70 bytes a
window: 14 days of 60 s windows are 20,160 blobs, a manifest of ~1.4 MB, which Apache
Kafka's 1 MiB default refused from about day 10 on (and which went out at every
checkpoint). Past a thousand blobs the entries are written in pages
(:mod:`stream.worker.snapshot_pages`), so every message of such a snapshot — chunks, pages,
the manifest — stays far below the default, and a checkpoint that changes a few windows
writes a few pages. Here the worker's SnapshotStore writes such a snapshot to a real broker
and loads it back; the reference is Kafka's default limit and the blobs saved.
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
WINDOWS = 3_000  # past INLINE_BLOBS; 14 days of one-minute windows are 20,160 (slow to write)


def test_a_snapshot_of_thousands_of_kept_windows_fits_kafkas_default(kafka_bootstrap, topic_prefix):
    names = TopicNames.from_prefix(topic_prefix)
    topic = names.aggregate_state
    blobs = {f"{MONITOR}/window/{T0 + i * 60.0}": b"{}" for i in range(WINDOWS)}

    async def save() -> tuple[list, list, dict]:
        from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

        await ensure_topics(kafka_bootstrap, [topic], 1, 1, configs=names.configs)
        producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all",
                                    linger_ms=2, max_request_size=MAX_MESSAGE_BYTES)  # fmt: skip
        consumer = AIOKafkaConsumer(bootstrap_servers=kafka_bootstrap, enable_auto_commit=False,
                                    max_partition_fetch_bytes=MAX_MESSAGE_BYTES)  # fmt: skip
        await producer.start()
        await consumer.start()
        try:
            store = SnapshotStore(producer, consumer, topic)
            first = await store.save(0, blobs, {})
            blobs[f"{MONITOR}/window/{T0}"] = b'{"revised": 1}'  # a late label
            second = await store.save(0, blobs, {})
            tp = TopicPartition(topic, 0)
            consumer.assign([tp])
            consumer.seek(tp, first)
            written = []
            while not written or written[-1].offset < second:
                fetched = await consumer.getmany(tp, timeout_ms=5000)
                written.extend(fetched[tp])
            loaded = await SnapshotStore(producer, consumer, topic).load(0)
            assert loaded is not None
            manifests = [m for m in written if m.key == MANIFEST_KEY]
            return manifests, [m for m in written if m.offset > first], loaded.blobs
        finally:
            await producer.stop()
            await consumer.stop()

    manifests, second_save, loaded = asyncio.run(save())
    sizes = [len(m.key) + len(m.value) for m in manifests]
    assert max(sizes) < KAFKA_DEFAULT_MESSAGE_BYTES // 100  # 64 pages, however many windows
    # the second checkpoint: the revised window, its page and the manifest
    assert [m.key.split(b"/")[0] for m in second_save] == [b"blob", b"page", b"manifest"]
    assert sum(len(m.value) for m in second_save) < 64 * 1024
    assert loaded == blobs
