"""A snapshot read while the broker stalls for a few seconds loads whole, or not yet; never empty.

A loaded broker (here: a labelled monitor's restore of thousands of settled windows while
another client reads) can leave a fetch unanswered for more than the load's one-second
poll. An empty poll was taken for the end of the partition (no manifest: "no snapshot", so
the partition started empty and its kept windows were lost) or, after three, for a chunk
that cannot be read (the same). The broker here is a real one, stopped with SIGSTOP for
5 s at the load's first read or at its first read of chunks; the reference is the blobs
saved. The load may instead say the broker did not answer (SnapshotUnanswered), and is
then tried again, as the worker does; it must never return less than the snapshot.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import signal
import threading

import pytest

from stream.kafka.broker import EmbeddedBroker
from stream.kafka.topics import TopicNames, ensure_topics
from stream.worker.runner import MAX_MESSAGE_BYTES
from stream.worker.snapshots import SnapshotStore, SnapshotUnanswered

pytestmark = pytest.mark.kafka

STALL_SECONDS = 5.0


@pytest.mark.parametrize("stalled_read", [1, 2])  # the manifest's read, the first chunks' read
def test_a_snapshot_read_through_a_broker_stall_loads_whole(stalled_read):
    rng = random.Random(3)
    blobs = {f"m/window/{i}": rng.randbytes(rng.randrange(1, 3000)) for i in range(300)}
    names = TopicNames.from_prefix(f"stall{rng.randrange(10**6)}")

    async def run(broker: EmbeddedBroker) -> dict[str, bytes] | None:
        from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

        bootstrap = broker.bootstrap_servers
        await ensure_topics(bootstrap, [names.aggregate_state], 1, 1, configs=names.configs)
        producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all",
                                    max_request_size=MAX_MESSAGE_BYTES)  # fmt: skip
        consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False,
                                    max_partition_fetch_bytes=MAX_MESSAGE_BYTES,
                                    fetch_max_wait_ms=20)  # fmt: skip
        await producer.start()
        await consumer.start()
        try:
            await SnapshotStore(producer, consumer, names.aggregate_state).save(0, blobs, {})
            reads = 0
            poll = consumer.getmany

            async def stalling_poll(*args, **kwargs):  # the broker stops as this read begins
                nonlocal reads
                reads += 1
                if reads == stalled_read:
                    os.kill(broker.pid, signal.SIGSTOP)
                    threading.Timer(STALL_SECONDS, os.kill, (broker.pid, signal.SIGCONT)).start()
                return await poll(*args, **kwargs)

            consumer.getmany = stalling_poll
            store = SnapshotStore(producer, consumer, names.aggregate_state)
            for _ in range(5):
                try:
                    loaded = await store.load(0)
                except SnapshotUnanswered:  # the worker tries again a second later
                    await asyncio.sleep(1.0)
                    continue
                return None if loaded is None else loaded.blobs
            return None
        finally:
            os.kill(broker.pid, signal.SIGCONT)
            for client in (consumer, producer):  # a fetch the stall dropped holds stop() ~60 s
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(client.stop(), 5)

    with EmbeddedBroker() as broker:
        loaded = asyncio.run(run(broker))
    assert loaded == blobs
