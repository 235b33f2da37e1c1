"""The process whose memory the pending-store benchmark measures (run by it, not by hand).

``python -m benchmarks.pending_holder fill BOOTSTRAP TOPIC FOLDER SIZES CHANGELOG CHECKPOINT``
fills one PendingStore with prediction-shaped entries, ``CHECKPOINT`` puts a checkpoint;
sizes up to ``CHANGELOG`` go through the whole protocol (changelog on the broker, then
applied), larger ones through ``freeze`` + ``applied`` only. After the first size it churns
at that size (new entries put, the oldest expired) for as many puts as the second size
takes, so that size is seen both fresh and after as many checkpoints. At every stop it
prints ``at <label> <RocksDB bytes> <Python blocks>`` and waits for a line on stdin (the
parent reads ``/proc/<pid>/status`` then). ``restore BOOTSTRAP TOPIC FOLDER END ENTRIES``
restores a fresh folder from the changelog. Figures come out as
``figure <name> <count> <seconds>`` lines.
"""

from __future__ import annotations

import asyncio
import gc
import random
import sys
import time
from typing import Any

from stream.worker.pending_store import PendingStore

NAMESPACE = "prediction"
T0 = 1_709_647_200.0
TTL_SECONDS = 14 * 86400
SUB_CHUNK = 10_000  # entries built ahead of a timed put loop
FACETS = ("18-25", "26-40", "41-65", "65+")


def key_of(i: int) -> str:
    """A unique, well-spread inference id."""
    return f"{(i * 2654435761) % 4294967296:08x}-7f3c-4e1a-9b2d-{i:012d}"


def value_of(i: int) -> bytes:
    """A prediction: inference time, predicted label, score and a few facet values."""
    t = T0 + i / 1000
    return (
        b'{"inferenceTime":"%.3f","predicted_label":%d,"score":%.6f,'
        b'"facets":{"age":"%s","gender":"%s","region":"%s"}}'
        % (t, i % 2, (i * 7919 % 10007) / 10007, FACETS[i % 4].encode(), b"FM"[i % 2 : i % 2 + 1],
           b"eu-west-%d" % (i % 3))
    )  # fmt: skip


def expiry_of(i: int) -> float:
    return T0 + i / 1000 + TTL_SECONDS


def figure(name: str, count: int, seconds: float) -> None:
    print(f"figure {name} {count} {seconds:.6f}", flush=True)


ROCKSDB_MEMORY = ("block-cache-usage", "cur-size-all-mem-tables", "estimate-table-readers-mem")
ROCKSDB_BUSY = ("num-running-compactions", "num-running-flushes", "compaction-pending")


async def pause(label: str, store: PendingStore) -> None:
    """Let RocksDB finish its flushes and compactions, then stop until the parent read us."""
    await asyncio.sleep(0)  # the loop lets go of the step that ran the last checkpoint
    db = store._rocks.db  # read-only properties of the store's own RocksDB
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and any(
        int(db.property_value(f"rocksdb.{name}")) for name in ROCKSDB_BUSY
    ):
        time.sleep(0.1)
    gc.collect()
    rocksdb = sum(int(db.property_value(f"rocksdb.{name}")) for name in ROCKSDB_MEMORY)
    print(f"at {label} {rocksdb} {sys.getallocatedblocks()}", flush=True)
    sys.stdin.readline()


async def clients(bootstrap: str) -> tuple[Any, Any]:
    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, max_partition_fetch_bytes=8 << 20
    )
    await producer.start()
    await consumer.start()
    return producer, consumer


def put_range(store: PendingStore, start: int, stop: int) -> float:
    """Put entries ``[start, stop)``; return the seconds spent in ``put`` only."""
    seconds = 0.0
    for low in range(start, stop, SUB_CHUNK):
        ids = range(low, min(stop, low + SUB_CHUNK))
        batch = [(key_of(i), value_of(i), expiry_of(i)) for i in ids]
        began = time.perf_counter()
        for key, value, expires_at in batch:
            store.put(NAMESPACE, key, value, expires_at)
        seconds += time.perf_counter() - began
    return seconds


class Filler:
    """Fills a store through checkpoints: with the changelog on the broker, or direct."""

    def __init__(self, store: PendingStore, producer: Any, topic: str, checkpoint: int) -> None:
        self.store, self.producer, self.topic = store, producer, topic
        self.checkpoint_entries = checkpoint
        self.next_id = self.oldest = 0  # entries [oldest, next_id) are pending
        self.end = 0  # the applied end offset (direct checkpoints count on past the changelog)
        self.changelog_end = 0  # the changelog's own end
        self.changelog_entries = 0  # pending entries the changelog holds
        self.seconds = dict.fromkeys(("put", "changelog", "applied", "expire"), 0.0)
        self.counts = dict.fromkeys(("put", "changelog", "applied", "expire"), 0)
        self.started = time.perf_counter()

    def _add(self, name: str, seconds: float, count: int) -> None:
        self.seconds[name] += seconds
        self.counts[name] += count

    async def checkpoint(self, via_changelog: bool) -> None:
        frozen = self.store.freeze()
        changes = len(frozen)
        began = time.perf_counter()
        if via_changelog:
            self.end = await self.store.write_changelog(frozen, self.producer, self.topic)
            self._add("changelog", time.perf_counter() - began, changes)
        else:
            self.end += changes  # offsets past the changelog, nothing sent
        began = time.perf_counter()
        self.store.applied(frozen, self.end)
        self._add("applied", time.perf_counter() - began, changes)
        del frozen  # applied: nothing of it stays in memory
        if via_changelog:
            self.changelog_end = self.end
            self.changelog_entries = self.store.count(NAMESPACE)

    def put_new(self, count: int) -> None:
        stop = self.next_id + count
        self._add("put", put_range(self.store, self.next_id, stop), count)
        self.next_id = stop

    async def fill_to(self, pending: int, via_changelog: bool) -> None:
        while self.next_id - self.oldest < pending:
            self.put_new(min(self.checkpoint_entries, self.oldest + pending - self.next_id))
            await self.checkpoint(via_changelog)
            if self.next_id % 1_000_000 == 0:
                print(
                    f"  holder: {self.next_id:,} entries put, "
                    f"{time.perf_counter() - self.started:.0f} s",
                    file=sys.stderr,
                    flush=True,
                )

    async def churn(self, puts: int, via_changelog: bool) -> None:
        """Put ``puts`` new entries and expire as many of the oldest, at the same size.

        A checkpoint takes half of its usual puts and as many expiries, so it holds as
        many changes as a filling checkpoint.
        """
        pending, half = self.next_id - self.oldest, self.checkpoint_entries // 2
        for _ in range(puts // half):
            self.put_new(half)
            self.oldest += self.expire_before(self.next_id - pending)
            await self.checkpoint(via_changelog)

    def expire_before(self, first_kept: int) -> int:
        """Expire every entry put before ``first_kept``; return how many."""
        began, expired = time.perf_counter(), 0
        while batch := self.store.expire(expiry_of(first_kept - 1), 10_000):
            expired += len(batch)
        self._add("expire", time.perf_counter() - began, expired)
        return expired


async def fill(bootstrap: str, topic: str, folder: str, sizes: list[int], changelog: int,
               checkpoint: int) -> None:  # fmt: skip
    producer, consumer = await clients(bootstrap)
    store = PendingStore(folder, 0)
    await store.restore(consumer, topic, 0, [])
    filler = Filler(store, producer, topic, checkpoint)
    for i, size in enumerate(sizes):
        await filler.fill_to(size, via_changelog=size <= changelog)
        await pause(str(size), store)
        if i == 0 and len(sizes) > 1:  # as many puts as the next size, at the same size
            await filler.churn(sizes[1] - size, via_changelog=size <= changelog)
            await pause(f"{size}-churned", store)
    measure_reads(filler)
    for name in ("put", "changelog", "applied", "expire"):
        figure(name, filler.counts[name], filler.seconds[name])
    print(f"changelog_end {filler.changelog_end} {filler.changelog_entries}", flush=True)
    await producer.stop()
    await consumer.stop()
    store.close()


def measure_reads(filler: Filler) -> None:
    """Gets of pending and absent keys beside raw gets of the same RocksDB (best of two)."""
    store, rng = filler.store, random.Random(7)
    picks = [key_of(rng.randrange(filler.oldest, filler.next_id)) for _ in range(200_000)]
    absent = [f"absent-{i}" for i in range(200_000)]
    db = store._rocks.db  # the same RocksDB, read directly: the floor under get
    for name, keys in (("get", picks), ("get_absent", absent)):
        raw_keys = [f"e{NAMESPACE}/{key}".encode() for key in keys]
        best = {name: float("inf"), f"raw_{name}": float("inf")}
        for _ in range(2):  # alternated, so that neither reads a cache the other warmed
            began = time.perf_counter()
            for key in keys:
                store.get(NAMESPACE, key)
            best[name] = min(best[name], time.perf_counter() - began)
            began = time.perf_counter()
            for raw in raw_keys:
                db.get(raw)
            best[f"raw_{name}"] = min(best[f"raw_{name}"], time.perf_counter() - began)
        for figure_name, seconds in best.items():
            figure(figure_name, len(keys), seconds)


async def restore(bootstrap: str, topic: str, folder: str, end: int, entries: int) -> None:
    producer, consumer = await clients(bootstrap)
    store = PendingStore(folder, 0)
    began = time.perf_counter()
    await store.restore(consumer, topic, end, [])
    figure("restore", store.last_restore.replayed, time.perf_counter() - began)
    assert store.count(NAMESPACE) == entries, (store.count(NAMESPACE), entries)
    await pause("restored", store)
    await producer.stop()
    await consumer.stop()
    store.close()


if __name__ == "__main__":
    command, bootstrap, topic, folder, *rest = sys.argv[1:]
    if command == "fill":
        sizes = sorted(int(s) for s in rest[0].split(","))
        asyncio.run(fill(bootstrap, topic, folder, sizes, int(rest[1]), int(rest[2])))
    else:
        asyncio.run(restore(bootstrap, topic, folder, int(rest[0]), int(rest[1])))
