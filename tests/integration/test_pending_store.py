"""PendingStore on a real broker: its changelog, restores, and crashes at every step.

The reference is a plain dict driven by the same operations; a restore must give back
exactly the dict as of the last saved manifest, whatever folder it restores into (a fresh
one, the crashed one, another owner's older one).
"""

from __future__ import annotations

import asyncio
import json
import random
import signal
import struct
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from stream.kafka.topics import ensure_topics, ensure_topics_sync
from stream.worker.pending_changelog import send_changes
from stream.worker.pending_codec import record_digest
from stream.worker.pending_store import PendingStore
from tests.integration.pending_child import batch
from tests.integration.pending_harness import (
    OUTCOMES,
    CrashableStore,
    Manifest,
    apply_ops,
    compacted_state,
    random_ops,
    read_partition,
)
from tests.stream.worker.pending_reference import ReferencePending

pytestmark = pytest.mark.kafka
COMPACT = {"cleanup.policy": "compact"}

PARTITION = 1


@asynccontextmanager
async def clients(bootstrap: str, topic: str) -> AsyncIterator[tuple[Any, Any]]:
    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

    topics = [topic, f"{topic}-other-run"]
    await ensure_topics(bootstrap, topics, 2, 1, configs=dict.fromkeys(topics, COMPACT))
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=2)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await producer.start()
    await consumer.start()
    try:
        yield producer, consumer
    finally:
        await consumer.stop()
        await producer.stop()


async def crash_scenario(bootstrap: str, topic: str, root: Path, seed: int) -> CrashableStore:
    rng = random.Random(seed)
    async with clients(bootstrap, topic) as (producer, consumer):
        h = CrashableStore(producer, consumer, topic, PARTITION)
        folders = [root / "owner-a", root / "owner-b"]
        await h.restore(folders[0])
        for step in range(40):
            h.run(random_ops(rng, rng.randint(0, 15)))
            outcome = rng.choice(OUTCOMES)
            crashed = await h.checkpoint(outcome, rng)
            if crashed or rng.random() < 0.1:  # a crash, or kill -9 between checkpoints
                await h.restore(rng.choice([*folders, root / f"fresh-{step}"]))
        await h.checkpoint("ok", rng)
        records = await read_partition(consumer, topic, PARTITION, h.manifest.end)
        assert compacted_state(records, h.manifest).entries == h.saved.entries
        await h.restore(root / "final")
        h.check_expiry_times()
        h.crash()
        return h


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_crashes_at_every_step_restore_the_last_saved_manifest(
    kafka_bootstrap: str, topic_prefix: str, tmp_path: Path, seed: int
) -> None:
    topic = f"{topic_prefix}.pending-changelog"
    h = asyncio.run(crash_scenario(kafka_bootstrap, topic, tmp_path, seed))
    assert h.orphan_ranges_seen > 0  # the scenario did leave orphans behind


async def send(producer: Any, topic: str, key: bytes, value: bytes | None) -> int:
    metadata = await producer.send_and_wait(topic, value, key=key, partition=PARTITION)
    return int(metadata.offset)


def entry(value: bytes, expires_at: float) -> bytes:
    return struct.pack(">Bd", 1, expires_at) + value


async def orphan_skip(bootstrap: str, topic: str, root: Path) -> dict[str, Any]:
    async with clients(bootstrap, topic) as (producer, consumer):
        await send(producer, topic, b"p/a", entry(b"A", 10.0))
        orphan_start = await send(producer, topic, b"p/x", entry(b"X", 10.0))
        await send(producer, topic, b"p/a", None)
        end = 1 + await send(producer, topic, b"p/b", entry(b"B", 10.0))
        seen = {}
        for name, orphans in (("skipped", [(orphan_start, orphan_start + 2)]), ("replayed", [])):
            store = PendingStore(root / name, PARTITION)
            await store.restore(consumer, topic, end, orphans)
            seen[name] = {k: store.get("p", k) for k in "abx"}
            store.close()
        return seen


def test_restore_skips_the_orphan_ranges_it_is_given(
    kafka_bootstrap: str, topic_prefix: str, tmp_path: Path
) -> None:
    seen = asyncio.run(orphan_skip(kafka_bootstrap, f"{topic_prefix}.cl", tmp_path))
    assert seen["skipped"] == {"a": b"A", "b": b"B", "x": None}
    assert seen["replayed"] == {"a": None, "b": b"B", "x": b"X"}  # what resurrection looks like


async def orphan_rewrite(bootstrap: str, topic: str, root: Path) -> tuple[Any, ...]:
    async with clients(bootstrap, topic) as (producer, consumer):
        first = PendingStore(root / "first", PARTITION)
        await first.restore(consumer, topic, 0, [])
        first.put("p", "kept", b"K", 50.0)
        frozen = first.freeze()
        end = await first.write_changelog(frozen, producer, topic)
        first.applied(frozen, end)  # manifest: (end, ())
        first.delete("p", "kept")
        first.put("p", "new", b"N", 60.0)
        await first.write_changelog(first.freeze(), producer, topic)
        first.close()  # crash before the manifest: two orphans
        second = PendingStore(root / "second", PARTITION)
        await second.restore(consumer, topic, end, [])
        restored = second.last_restore
        state = (second.get("p", "kept"), second.get("p", "new"), second.count("p"))
        frozen = second.freeze()
        next_end = await second.write_changelog(frozen, producer, topic)
        second.applied(frozen, next_end)
        second.close()
        records = await read_partition(consumer, topic, PARTITION, next_end)
        rewritten = {r.key: r.value for r in records if r.offset >= restored.actual_end}
        return restored, state, rewritten, second.orphans


def test_keys_an_orphan_touched_are_written_again_after_it(
    kafka_bootstrap: str, topic_prefix: str, tmp_path: Path
) -> None:
    restored, state, rewritten, orphans = asyncio.run(
        orphan_rewrite(kafka_bootstrap, f"{topic_prefix}.cl", tmp_path)
    )
    assert (restored.changelog_end, restored.actual_end) == (1, 3)
    assert restored.new_orphans == (1, 3) and orphans == ((1, 3),)
    assert state == (b"K", None, 1)
    assert rewritten == {b"p/kept": entry(b"K", 50.0), b"p/new": None}


async def foreign_stores(bootstrap: str, topic: str, root: Path) -> list[Any]:
    async with clients(bootstrap, topic) as (producer, consumer):
        writer = PendingStore(root / "writer", PARTITION)
        await writer.restore(consumer, topic, 0, [])
        for i in range(5):
            writer.put("p", f"k{i}", b"v", 9.0)
        frozen = writer.freeze()
        end = await writer.write_changelog(frozen, producer, topic)
        writer.applied(frozen, end)
        writer.close()
        ahead = PendingStore(root / "ahead", PARTITION)  # applied past this changelog's end
        ahead.put("p", "stale0", b"S", 9.0)
        ahead.applied(ahead.freeze(), end + 10)
        ahead.close()
        other = PendingStore(root / "other", PARTITION)  # same end, another changelog
        await other.restore(consumer, f"{topic}-other-run", 0, [])
        for i in range(4):
            other.put("p", f"stale{i}", b"S", 9.0)
        other.put("p", "k0", b"other", 9.0)
        frozen = other.freeze()
        other.applied(frozen, await other.write_changelog(frozen, producer, f"{topic}-other-run"))
        other.close()
        results = []
        for name in ("writer", "ahead", "other"):
            store = PendingStore(root / name, PARTITION)
            await store.restore(consumer, topic, end, [])
            restored = store.last_restore
            results.append((name, restored.wiped, restored.start, store.get("p", "stale0"),
                            store.get("p", "k0"), store.count("p")))  # fmt: skip
            store.close()
        return results


def test_a_local_store_from_another_run_is_wiped_and_rebuilt(
    kafka_bootstrap: str, topic_prefix: str, tmp_path: Path
) -> None:
    results = asyncio.run(foreign_stores(kafka_bootstrap, f"{topic_prefix}.cl", tmp_path))
    assert results == [
        ("writer", False, 5, None, b"v", 5),  # its own: nothing to replay
        ("ahead", True, 0, None, b"v", 5),
        ("other", True, 0, None, b"v", 5),
    ]


async def restore_after_kill(
    bootstrap: str, topic: str, root: Path, seed: int, manifest: Manifest, batches: int
) -> tuple[int, int]:
    reference = ReferencePending()
    for n in range(1, batches + 1):
        apply_ops(reference, batch(seed, n))
    async with clients(bootstrap, topic) as (producer, consumer):
        h = CrashableStore(producer, consumer, topic, PARTITION)
        h.manifest, h.saved = manifest, reference
        killed = await h.restore(root / "killed")  # the killed process's folder: RocksDB's WAL
        await h.restore(root / "fresh")
        h.run(random_ops(random.Random(seed), 50))
        await h.checkpoint("ok", random.Random(seed))
        await h.restore(root / "fresh-again")
        h.crash()
        return killed.replayed, len(killed.orphans)


def kill_child(bootstrap: str, topic: str, folder: Path, seed: int, kill_at: str) -> list[str]:
    """Run the child until it kills itself at ``kill_at``, or kill it at a random moment."""
    rng = random.Random(seed)
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.integration.pending_child", bootstrap, topic, str(folder),
         str(seed), kill_at],
        stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parents[2],
    )  # fmt: skip
    lines: list[str] = []
    try:
        if not kill_at:
            lines = [child.stdout.readline() for _ in range(rng.randint(2, 6))]
            time.sleep(rng.uniform(0.0, 0.05))
            child.kill()  # SIGKILL
        rest, _ = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == -signal.SIGKILL
    return [line for line in lines + rest.splitlines() if line.startswith("manifest")]


@pytest.mark.parametrize(("seed", "kill_at"), [(11, ""), (12, ""), (13, "4:changelog"),
                                              (14, "4:manifest")])  # fmt: skip
def test_kill_9_restores_the_last_manifest(
    kafka_bootstrap: str, topic_prefix: str, tmp_path: Path, seed: int, kill_at: str
) -> None:
    topic = f"{topic_prefix}.cl"
    ensure_topics_sync(kafka_bootstrap, [topic], 2, 1, {}, configs={topic: COMPACT})
    manifests = kill_child(kafka_bootstrap, topic, tmp_path / "killed", seed, kill_at)
    assert manifests, "the child printed no manifest"
    _, n, end, orphans = manifests[-1].split()
    manifest = Manifest(int(end), tuple(tuple(r) for r in json.loads(orphans)))
    done = asyncio.run(restore_after_kill(kafka_bootstrap, topic, tmp_path, seed, manifest, int(n)))
    if kill_at == "4:changelog":  # the changelog holds checkpoint 4, no manifest does
        assert int(n) == 3 and done == (0, 1)  # RocksDB is at 3: nothing to replay, 1 orphan
    if kill_at == "4:manifest":  # the manifest covers checkpoint 4, RocksDB does not
        previous_end = int(manifests[-2].split()[2])
        assert int(n) == 4 and done == (int(end) - previous_end, 0)  # checkpoint 4 replayed


async def through_pending_stores(bootstrap: str, topic: str, root: Path) -> list[Any]:
    from stream.worker.pending_stores import PendingStores

    async def checkpoint(stores: PendingStores, manifest: bool) -> dict[str, Any] | None:
        frozen = stores.freeze(PARTITION)
        end = await stores.write_changelog(PARTITION, frozen, producer, topic)
        if not manifest:
            return None  # killed before the manifest
        meta = stores.meta(PARTITION)  # what the checkpointer saves in the manifest
        stores.applied(PARTITION, frozen, end)
        return meta

    seen = []
    async with clients(bootstrap, topic) as (producer, consumer):
        first = PendingStores(root / "first")
        await first.restore(PARTITION, {}, consumer, topic)  # no snapshot yet
        first.entries(PARTITION).put("prediction", "a", b"A", 50.0)
        first.entries(PARTITION).put("label", "b", b"B", 60.0)
        saved = await checkpoint(first, manifest=True)
        first.entries(PARTITION).delete("prediction", "a")
        first.entries(PARTITION).put("label", "c", b"C", 70.0)
        await checkpoint(first, manifest=False)
        first.close()
        for name in ("second", "third"):
            stores = PendingStores(root / name)
            await stores.restore(PARTITION, saved, consumer, topic)
            entries = stores.entries(PARTITION)
            values = [entries.get(ns, key) for ns, key in (("prediction", "a"), ("label", "b"))]
            orphans = stores.meta(PARTITION)["changelog_orphans"]
            seen.append((*values, entries.get("label", "c"), entries.get("label", "d"), orphans))
            entries.put("label", "d", b"D", 80.0)
            saved = await checkpoint(stores, manifest=True)
            stores.close()
    return seen


def test_the_workers_pending_stores_commit_and_restore_it(
    kafka_bootstrap: str, topic_prefix: str, tmp_path: Path
) -> None:
    """PendingStores (the worker's side) drives the store through its manifest meta."""
    seen = asyncio.run(through_pending_stores(kafka_bootstrap, f"{topic_prefix}.cl", tmp_path))
    # the first manifest saw 2 records; the crash left 2 more past it, an orphan range
    assert seen == [(b"A", b"B", None, None, [(2, 4)]), (b"A", b"B", None, b"D", [(2, 4)])]


async def two_monitors_restored(bootstrap: str, topic: str, root: Path) -> list[Any]:
    """Two labelled monitors' entries under one key, committed, restored in a new store."""
    from stream.worker.pending_stores import PendingStores

    async with clients(bootstrap, topic) as (producer, consumer):
        first = PendingStores(root / "first")
        await first.restore(PARTITION, {}, consumer, topic)
        views = [first.monitor_entries(name, shared=True)(PARTITION) for name in ("m", "n/2")]
        views[0].put("prediction", "i1", b"M", 50.0)
        views[1].put("prediction", "i1", b"N", 60.0)
        views[1].put("label", "i2", b"L", 40.0)
        frozen = first.freeze(PARTITION)
        end = await first.write_changelog(PARTITION, frozen, producer, topic)
        saved = first.meta(PARTITION)
        first.applied(PARTITION, frozen, end)
        first.close()
        again = PendingStores(root / "again")
        await again.restore(PARTITION, saved, consumer, topic)
        m, n = (again.monitor_entries(name, shared=True)(PARTITION) for name in ("m", "n/2"))
        seen = [m.get("prediction", "i1"), n.get("prediction", "i1"), m.get("label", "i2"),
                m.count("prediction"), n.count("label"),
                n.expire(now=55.0, limit=10), m.expire(now=55.0, limit=10)]  # fmt: skip
        again.close()
    return seen


def test_two_monitors_entries_stay_apart_through_a_restore(
    kafka_bootstrap: str, topic_prefix: str, tmp_path: Path
) -> None:
    seen = asyncio.run(two_monitors_restored(kafka_bootstrap, f"{topic_prefix}.cl2", tmp_path))
    assert seen == [
        b"M", b"N", None, 1, 1,
        [("label", "i2", b"L")],  # due at 40: n's; m's prediction (50) is due too
        [("prediction", "i1", b"M")],
    ]  # fmt: skip


async def _fetches_reading(bootstrap: str, topic: str, records: int) -> tuple[int, int]:
    """(records read back, fetches made) from a changelog partition holding ``records``."""
    from aiokafka import TopicPartition

    from stream.worker.pending_changelog import read_changelog

    async with clients(bootstrap, topic) as (producer, consumer):
        for i in range(records):
            await producer.send_and_wait(topic, b"v", key=f"k{i}".encode(), partition=PARTITION)
        tp = TopicPartition(topic, PARTITION)
        consumer.assign([tp])
        fetches = 0
        getmany = consumer.getmany

        async def counted(*args: Any, **kwargs: Any) -> Any:
            nonlocal fetches
            fetches += 1
            return await getmany(*args, **kwargs)

        consumer.getmany = counted
        read = [r async for batch in read_changelog(consumer, tp, 0) for r in batch]
        return len(read), fetches


def test_an_empty_changelog_partition_is_not_fetched_at_all(
    kafka_bootstrap: str, topic_prefix: str
) -> None:
    # an end offset of 0 is exact: no drain fetch (200 ms per partition at a first start)
    assert asyncio.run(_fetches_reading(kafka_bootstrap, f"{topic_prefix}.empty-cl", 0)) == (0, 0)
    read, fetches = asyncio.run(_fetches_reading(kafka_bootstrap, f"{topic_prefix}.cl3", 3))
    assert read == 3 and fetches >= 2  # records, then the drain past Tansu's reported end


async def _send_and_read_back(bootstrap: str, topic: str) -> tuple[Any, list[Any], list[Any]]:
    changes = [(f"p/id-{i}".encode(), None if i % 7 == 0 else bytes(90)) for i in range(3000)]
    async with clients(bootstrap, topic) as (producer, consumer):
        await send_changes(producer, topic, PARTITION, [(b"p/first", b"x")])
        written = await send_changes(producer, topic, PARTITION, changes)
        records = await read_partition(consumer, topic, PARTITION, written.end)
    return written, changes, records


def test_a_checkpoints_changes_go_in_order_in_several_batches_and_the_end_is_the_last_ones(
    kafka_bootstrap: str, topic_prefix: str
) -> None:
    # 3,000 changes of ~100 bytes fill several of the producer's 16 KB record batches
    written, changes, records = asyncio.run(
        _send_and_read_back(kafka_bootstrap, f"{topic_prefix}.cl-batches")
    )
    assert [(r.key, r.value) for r in records[1:]] == changes
    assert [r.offset for r in records] == list(range(len(changes) + 1))
    assert written.end == len(changes) + 1
    assert written.last == (len(changes), record_digest(*changes[-1]))


def _damage(folder: Path, how: str) -> None:
    """Damage a closed RocksDB as a disk fault or a half-copied folder would."""
    if how == "current":
        (folder / "CURRENT").write_text("MANIFEST-garbage\n")
    else:  # "table": every table file cut in half
        tables = sorted(folder.glob("*.sst"))
        assert tables, "the store wrote no table file to damage"
        for table in tables:
            table.write_bytes(table.read_bytes()[: table.stat().st_size // 2])


async def damaged_then_restored(
    bootstrap: str, topic: str, root: Path, how: str
) -> tuple[list[Any], Any, Any]:
    """Entries committed through a manifest, the local RocksDB damaged, the same folder reopened."""
    from stream.worker.pending_stores import PendingStores

    async with clients(bootstrap, topic) as (producer, consumer):
        first = PendingStores(root)
        await first.restore(PARTITION, {}, consumer, topic)
        entries = first.entries(PARTITION)
        for i in range(40):
            entries.put("prediction", f"p{i}", f"P{i}".encode(), 100.0 + i)
        entries.put("label", "l", b"L", 90.0)
        frozen = first.freeze(PARTITION)
        end = await first.write_changelog(PARTITION, frozen, producer, topic)
        saved = first.meta(PARTITION)
        first.applied(PARTITION, frozen, end)
        first.close()  # flushes the memtable into a table file
        _damage(root / f"pending-{PARTITION}", how)
        again = PendingStores(root)
        await again.restore(PARTITION, saved, consumer, topic)
        store = again.entries(PARTITION)
        seen = [store.get("prediction", "p7"), store.get("label", "l"),
                store.count("prediction"), store.count("label")]  # fmt: skip
        restored = store.last_restore  # type: ignore[attr-defined]
        again.close()
    return seen, restored, again.errors


@pytest.mark.parametrize("how", ["current", "table"])
def test_a_local_store_that_does_not_open_is_discarded_and_rebuilt_from_the_changelog(
    kafka_bootstrap: str, topic_prefix: str, tmp_path: Path, how: str
) -> None:
    """A damaged RocksDB in a kept state_dir: before, every open raised ("Corruption: …") and
    the partition never restored; now it starts empty and the changelog fills it again."""
    topic = f"{topic_prefix}.cl-damaged-{how}"
    seen, restored, errors = asyncio.run(
        damaged_then_restored(kafka_bootstrap, topic, tmp_path, how)
    )
    assert seen == [b"P7", b"L", 40, 1]  # what was put: 40 predictions and one label
    assert restored.replayed == 41  # the whole changelog, not only its tail
    assert errors == {"unopenable_pending_store": 1}
