"""Driving a PendingStore the way the worker's checkpointer does, with crashes, for tests.

The *manifest* here is what the lead's snapshot store would save in step 3: the changelog
end offset and the orphan ranges. The references are plain dicts: ``live`` is what the store
must hold now, ``saved`` what it held when the last saved manifest's delta was frozen.
"""

from __future__ import annotations

import random
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stream.worker.pending_store import PendingStore
from tests.stream.worker.pending_reference import ReferencePending

NAMESPACES = ("prediction", "label")
KEYS = tuple(f"inference-{i}" for i in range(40))
TIMES = (100.0, 200.0, 300.0, 400.0, 1e12)
OUTCOMES = ("ok", "crash_after_freeze", "crash_after_changelog", "manifest_failed",
            "crash_after_manifest")  # fmt: skip


@dataclass(frozen=True)
class Manifest:
    end: int = 0
    orphans: tuple[tuple[int, int], ...] = ()


def random_ops(rng: random.Random, n: int) -> list[tuple[Any, ...]]:
    """``n`` operations: puts (most), deletes and expiries on a small key space."""
    ops: list[tuple[Any, ...]] = []
    for _ in range(n):
        ns, key = rng.choice(NAMESPACES), rng.choice(KEYS)
        roll = rng.random()
        if roll < 0.6:
            value = rng.randbytes(rng.randint(0, 24))
            ops.append(("put", ns, key, value, rng.choice(TIMES)))
        elif roll < 0.9:
            ops.append(("delete", ns, key))
        else:
            ops.append(("expire", rng.choice(TIMES[:-1]), rng.randint(1, 5)))
    return ops


def apply_ops(target: Any, ops: list[tuple[Any, ...]]) -> list[Any]:
    """Run ops on a store or a reference; return what the expiries returned."""
    results = []
    for op, *args in ops:
        result = getattr(target, op)(*args)
        if op == "expire":
            results.append(result)
    return results


class CrashableStore:
    """One partition's store on a real changelog, checkpointed and crashed on demand."""

    def __init__(self, producer: Any, consumer: Any, topic: str, partition: int) -> None:
        self.producer, self.consumer = producer, consumer
        self.topic, self.partition = topic, partition
        self.manifest = Manifest()
        self.live = ReferencePending()
        self.saved = ReferencePending()
        self.store: PendingStore | None = None
        self.orphan_ranges_seen = 0

    def run(self, ops: list[tuple[Any, ...]]) -> None:
        assert self.store is not None
        assert apply_ops(self.store, ops) == apply_ops(self.live, ops)

    async def restore(self, folder: Path) -> Any:
        """Crash (if running) and restore from the manifest into ``folder``."""
        self.crash()
        self.store = PendingStore(folder, self.partition)
        new_orphans = await self.store.restore(
            self.consumer, self.topic, self.manifest.end, list(self.manifest.orphans)
        )
        self.live = self.saved.copy()
        self.orphan_ranges_seen += new_orphans is not None
        self.check()
        return self.store.last_restore

    def crash(self) -> None:
        if self.store is not None:
            self.store.close()
            self.store = None

    async def checkpoint(self, outcome: str, rng: random.Random) -> bool:
        """One checkpoint, with ops running meanwhile; True when it ended in a crash."""
        store = self.store
        assert store is not None
        frozen = store.freeze()
        at_freeze = self.live.copy()
        self.run(random_ops(rng, rng.randint(0, 4)))
        if outcome == "crash_after_freeze":
            return True
        end = await store.write_changelog(frozen, self.producer, self.topic)
        self.run(random_ops(rng, rng.randint(0, 4)))
        if outcome == "crash_after_changelog":
            return True
        if outcome == "manifest_failed":
            store.thaw(frozen)
            return False
        self.manifest, self.saved = Manifest(end, store.orphans), at_freeze
        if outcome == "crash_after_manifest":
            return True
        store.applied(frozen, end)
        return False

    def check(self, reference: ReferencePending | None = None) -> None:
        """The store holds exactly the reference (default: ``live``), counts included."""
        expected = reference or self.live
        assert self.store is not None
        for ns in NAMESPACES:
            assert self.store.count(ns) == expected.count(ns)
            got = {key: self.store.get(ns, key) for key in KEYS}
            assert got == {key: expected.get(ns, key) for key in KEYS}

    def check_expiry_times(self) -> None:
        """Destructive: expiring at each reference time returns exactly its entries."""
        assert self.store is not None
        for at in sorted({t for _, t in self.live.entries.values()}):
            assert self.store.expire(at, 10**6) == self.live.expire(at, 10**6)
        assert all(self.store.count(ns) == 0 for ns in NAMESPACES)


async def read_partition(consumer: Any, topic: str, partition: int, end: int) -> list[Any]:
    """Every record of ``topic[partition]`` below ``end``, read independently of the store."""
    from aiokafka import TopicPartition

    tp = TopicPartition(topic, partition)
    consumer.assign([tp])
    consumer.seek(tp, 0)
    records: list[Any] = []
    for _ in range(200):
        if records and records[-1].offset >= end - 1:
            break
        records.extend((await consumer.getmany(tp, timeout_ms=500)).get(tp, []))
    return [r for r in records if r.offset < end]


def compacted_state(records: list[Any], manifest: Manifest) -> ReferencePending:
    """What a restore would see after log compaction kept only each key's latest record."""
    latest = {}
    for record in records:
        latest[record.key] = record
    state = ReferencePending()
    for key, record in latest.items():
        orphan = any(s <= record.offset < e for s, e in manifest.orphans)
        if record.value is None or orphan or record.offset >= manifest.end:
            continue
        fmt, expires_at = struct.unpack_from(">Bd", record.value)
        assert fmt == 1
        ns, _, name = key.decode().partition("/")
        state.put(ns, name, record.value[9:], expires_at)
    return state
