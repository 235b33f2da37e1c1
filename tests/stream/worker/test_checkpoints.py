"""Checkpointer: restoring several capture partitions at once."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

from stream.worker.checkpoints import Changelog, Checkpointer
from stream.worker.state import CAPTURE


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
