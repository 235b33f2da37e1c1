"""A process that checkpoints a PendingStore in a loop until it is killed (kill -9 tests).

``python -m tests.integration.pending_child BOOTSTRAP TOPIC FOLDER SEED [N:POINT]`` applies
the operation batch ``n`` (seeded by ``SEED`` and ``n``), then checkpoints, and prints
``manifest <n> <end> <orphans as JSON>`` once the changelog holds batch ``n`` — the moment the
worker would save its manifest — before applying it to RocksDB. With ``N:POINT`` it sends
itself SIGKILL in checkpoint ``N`` after ``changelog`` (written, no manifest) or after
``manifest`` (saved, not applied).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import random
import signal
import sys
from typing import Any

from stream.worker.pending_store import PendingStore
from tests.integration.pending_harness import apply_ops, random_ops

PARTITION = 1
BATCH_OPS = 300


def batch(seed: int, n: int) -> list[tuple[Any, ...]]:
    """The operations of batch ``n``."""
    return random_ops(random.Random(f"{seed}-{n}"), BATCH_OPS)


def kill_here(kill_at: str, n: int, point: str) -> None:
    """SIGKILL this process when ``kill_at`` is ``f"{n}:{point}"``."""
    if kill_at == f"{n}:{point}":
        os.kill(os.getpid(), signal.SIGKILL)


async def main(bootstrap: str, topic: str, folder: str, seed: int, kill_at: str) -> None:
    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=2)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await producer.start()
    await consumer.start()
    store = PendingStore(folder, PARTITION)
    await store.restore(consumer, topic, 0, [])
    for n in itertools.count(1):
        apply_ops(store, batch(seed, n))
        frozen = store.freeze()
        end = await store.write_changelog(frozen, producer, topic)
        kill_here(kill_at, n, "changelog")
        print(f"manifest {n} {end} {json.dumps(store.orphans)}", flush=True)
        kill_here(kill_at, n, "manifest")
        store.applied(frozen, end)


if __name__ == "__main__":
    bootstrap, topic, folder, seed = sys.argv[1:5]
    asyncio.run(main(bootstrap, topic, folder, int(seed), (sys.argv[5:] or [""])[0]))
