"""Checkpointer: restoring several capture partitions at once; a checkpoint that fails."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import orjson
import pytest

from stream.demo.labelled import write_labelled_baselines
from stream.worker.checkpoints import Changelog, Checkpointer
from stream.worker.pending_stores import PendingStores
from stream.worker.snapshots import Snapshot, SnapshotError
from stream.worker.state import CAPTURE
from tests.stream.worker.test_labelled import MODEL, T0, lines, traffic
from tests.stream.worker.test_labelled import state as labelled_state


class SharedConsumer:
    """A consumer that, like aiokafka's, holds one assignment at a time."""

    def __init__(self) -> None:
        self.assigned: int | None = None
        self.errors: list[str] = []


class DurableStores:
    """Replays a partition's changelog the way the pending store does: assign, then read."""

    durable = True

    def __init__(self) -> None:
        self.replayed: list[int] = []

    async def restore(self, partition, meta, consumer: SharedConsumer, topic) -> None:
        consumer.assigned = partition
        for _ in range(3):  # reads span several awaits
            await asyncio.sleep(0)
            if consumer.assigned != partition:
                consumer.errors.append(f"partition {partition} lost its assignment")
        self.replayed.append(partition)


class NoSnapshots:
    async def load(self, partition):
        return None


def test_partitions_restored_at_once_take_turns_on_the_changelog_consumer():
    consumer = SharedConsumer()
    stores = DurableStores()
    checkpointer = Checkpointer(
        SimpleNamespace(stores=stores),  # type: ignore[arg-type]
        {CAPTURE: NoSnapshots()},  # type: ignore[dict-item]
        send=lambda messages: asyncio.sleep(0),
        interval_seconds=1.0,
        changelog=Changelog(producer=None, consumer=consumer, topic="t.join-changelog"),
    )

    async def restore_all() -> None:
        await asyncio.gather(*(checkpointer.ensure_restored(CAPTURE, p) for p in range(4)))

    asyncio.run(restore_all())
    assert consumer.errors == []
    assert sorted(stores.replayed) == [0, 1, 2, 3]


class RefusingStores(PendingStores):
    """Durable join stores whose freeze fails (as one still committing did)."""

    def freeze(self, partition: int) -> None:
        msg = "still committing"
        raise RuntimeError(msg)


def test_a_checkpoint_that_cannot_be_taken_leaves_the_outbox_in_the_book(fake_clock, tmp_path):
    write_labelled_baselines(tmp_path / "baseline", MODEL, n=1000)
    stores = RefusingStores(tmp_path / "pending")
    ws = labelled_state(fake_clock, tmp_path / "baseline")
    ws.stores = stores  # what the labelled monitors' join wrote is in memory: only freeze fails
    for offset, start in enumerate((T0, T0 + 15)):  # the second closes the first window
        ws.on_capture(0, offset, lines(r for _, r, _ in traffic(offset, 50, start)))
    outbox = list(ws.book(CAPTURE, 0).outbox)
    assert outbox
    with pytest.raises(RuntimeError, match="still committing"):
        ws.checkpoint(CAPTURE, 0)
    assert ws.book(CAPTURE, 0).outbox == outbox  # before: emptied, the partials lost
    stores.close()


class OneSnapshot:
    """A snapshot store holding one loaded snapshot (its chunks matched their digests)."""

    def __init__(self, blobs: dict[str, bytes], meta: dict) -> None:
        self.blobs, self.meta = blobs, meta

    async def load(self, partition):
        return Snapshot(self.meta, self.blobs)


def _newer_version(blob: bytes) -> bytes:
    """The labelled windows as a later driftline might write them: the detector's version 99."""
    state = orjson.loads(blob)
    state["windows"][0][1]["model_quality"]["detector"]["version"] = 99
    return orjson.dumps(state)


@pytest.mark.parametrize(
    "edit",
    [_newer_version, lambda blob: blob[: len(blob) // 2], lambda blob: b'{"seq": 0}'],
    ids=["another version", "cut short", "no windows"],
)
def test_a_snapshot_whose_state_does_not_restore_starts_the_partition_empty(
    fake_clock, tmp_path, edit
):
    """Its ValueError (or KeyError) was retried every second: the partition never started."""
    write_labelled_baselines(tmp_path / "baseline", MODEL, n=1000)
    ws = labelled_state(fake_clock, tmp_path / "baseline")
    ws.on_capture(0, 0, lines(r for _, r, _ in traffic(0, 50, T0)))
    saved = ws.checkpoint(CAPTURE, 0)
    blobs = dict(saved.blobs)
    [labelled] = [k for k in blobs if k.endswith("/labelled")]
    blobs[labelled] = edit(blobs[labelled])
    fresh = labelled_state(fake_clock, tmp_path / "baseline")
    checkpointer = Checkpointer(
        fresh,
        {CAPTURE: OneSnapshot(blobs, dict(saved.meta))},  # type: ignore[dict-item]
        send=lambda messages: asyncio.sleep(0),
        interval_seconds=1.0,
    )
    with pytest.raises(SnapshotError, match="does not restore"):
        asyncio.run(checkpointer.ensure_restored(CAPTURE, 0))
    assert fresh.internal_errors["unrestorable_snapshot"] == 1
    assert fresh.book(CAPTURE, 0).offsets == {}  # empty, not half-restored
    assert not fresh.labelled["m"].windows  # no window half-restored
    # and it runs on: the next captures open the partition's windows afresh
    assert fresh.on_capture(0, 1, lines(r for _, r, _ in traffic(1, 20, T0))) == []
    assert fresh.labelled["m"].windows
