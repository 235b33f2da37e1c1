"""SnapshotStore against a real broker: a snapshot of many blobs, some of several chunks,
saved, partly changed and saved again, loads as the last save gave it.

A labelled monitor's partials partition holds thousands of window blobs, written at many
different checkpoints, so the chunks of one snapshot lie scattered over the topic between
superseded ones; the load reads them in offset order. Past a thousand blobs the manifest
is written in pages (:mod:`stream.worker.snapshot_pages`); the last save here has fewer
again. The reference is the dictionary saved.
"""

from __future__ import annotations

import asyncio
import random

import pytest

from stream.kafka.topics import TopicNames, ensure_topics
from stream.worker.runner import MAX_MESSAGE_BYTES
from stream.worker.snapshot_pages import INLINE_BLOBS
from stream.worker.snapshots import CHUNK_BYTES, SnapshotStore

pytestmark = pytest.mark.kafka


def _blob(rng: random.Random, size: int) -> bytes:
    return rng.randbytes(size)


def test_a_snapshot_of_many_scattered_blobs_loads_as_last_saved(kafka_bootstrap, topic_prefix):
    rng = random.Random(5)
    names = TopicNames.from_prefix(topic_prefix)
    topic = names.aggregate_state
    blobs = {f"m/window/{i}": _blob(rng, rng.randrange(1, 4000)) for i in range(1500)}
    blobs["m/big"] = _blob(rng, 2 * CHUNK_BYTES + 17)  # three chunks
    blobs["m/empty"] = b""

    async def run() -> tuple[dict, dict]:
        from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

        await ensure_topics(kafka_bootstrap, [topic], 1, 1, configs=names.configs)
        producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all",
                                    linger_ms=2, max_request_size=MAX_MESSAGE_BYTES)  # fmt: skip
        consumers = [
            AIOKafkaConsumer(bootstrap_servers=kafka_bootstrap, enable_auto_commit=False,
                             max_partition_fetch_bytes=MAX_MESSAGE_BYTES, fetch_max_wait_ms=50)
            for _ in range(2)
        ]  # fmt: skip
        await producer.start()
        for consumer in consumers:
            await consumer.start()
        try:
            store = SnapshotStore(producer, consumers[0], topic)
            await store.save(0, blobs, {"step": 1})
            for step in range(2, 6):  # later checkpoints change a few blobs, drop some, add one
                for i in rng.sample(range(1500), 20):
                    blobs[f"m/window/{i}"] = _blob(rng, rng.randrange(1, 4000))
                for i in rng.sample(range(1500), 3):
                    blobs.pop(f"m/window/{i}", None)
                blobs[f"m/new/{step}"] = _blob(rng, 100)
                if step == 4:
                    blobs["m/big"] = _blob(rng, CHUNK_BYTES + 1)
                if step == 5:  # most windows forgotten: the manifest lists its blobs again
                    for i in range(1000):
                        blobs.pop(f"m/window/{i}", None)
                await store.save(0, blobs, {"step": step})
                if step == 4:
                    paged = await SnapshotStore(producer, consumers[1], topic).load(0)
                    assert paged is not None and paged.blobs == blobs
            loaded = await SnapshotStore(producer, consumers[1], topic).load(0)
            assert loaded is not None
            return loaded.blobs, loaded.meta
        finally:
            await producer.stop()
            for consumer in consumers:
                await consumer.stop()

    loaded, meta = asyncio.run(run())
    assert meta == {"step": 5} and len(blobs) < INLINE_BLOBS
    assert loaded.keys() == blobs.keys()
    assert [name for name in blobs if loaded[name] != blobs[name]] == []
