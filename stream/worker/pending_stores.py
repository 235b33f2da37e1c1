"""The waiting entries of the label join, one store per capture partition this worker owns.

In a worker the stores are durable (:class:`~stream.worker.pending_store.PendingStore`:
RocksDB on local disk, each checkpoint's changes in a Kafka changelog), and
:mod:`stream.worker.checkpoints` commits them with the partition's snapshot:
:meth:`PendingStores.freeze` in the snapshot's synchronous step, the changelog written
before the manifest (which records its end offset and any orphan ranges), RocksDB updated
after it. ``PendingStores.in_memory()`` keeps entries in dicts instead — for the worker's
unit tests, where nothing is restarted.

Examples
--------
>>> stores = PendingStores.in_memory()
>>> stores.entries(3).put("label", "i1", b"{}", expires_at=10.0)
>>> stores.entries(3).count("label"), stores.freeze(3)
(1, None)
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path
from typing import Any

from stream.monitors.label_join import MemoryEntries, PendingEntries


class PendingStores:
    """Per-partition stores of waiting join entries, durable under ``folder`` (or in memory)."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self._stores: dict[int, Any] = {}
        self.orphans: dict[int, list[tuple[int, int]]] = {}  # changelog ranges no snapshot covers
        self.changelog_end: dict[int, int] = {}

    @classmethod
    def in_memory(cls) -> PendingStores:
        """Stores kept in dicts: nothing survives the process (unit tests)."""
        return cls(None)

    @property
    def durable(self) -> bool:
        """Whether the stores are on disk with a changelog."""
        return self.folder is not None

    def entries(self, partition: int) -> PendingEntries:
        """The store of ``partition`` (opened on first use)."""
        store = self._stores.get(partition)
        if store is None:
            store = self._stores[partition] = self._open(partition)
        return store  # type: ignore[no-any-return]

    def _open(self, partition: int) -> Any:
        if self.folder is None:
            return MemoryEntries()
        from stream.worker.pending_store import PendingStore

        return PendingStore(self.folder / f"pending-{partition}", partition)

    def freeze(self, partition: int) -> Any:
        """The partition's changes since the last checkpoint, now being committed (or None)."""
        if self.folder is None or partition not in self._stores:
            return None
        return self._stores[partition].freeze()

    async def write_changelog(self, partition: int, frozen: Any, producer: Any, topic: str) -> int:
        """Append the frozen changes to the changelog; return its end offset after them."""
        end = await self._stores[partition].write_changelog(frozen, producer, topic)
        self.changelog_end[partition] = end
        return int(end)

    def applied(self, partition: int, frozen: Any, changelog_end: int) -> None:
        """The manifest naming ``changelog_end`` is saved: apply the changes locally."""
        self._stores[partition].applied(frozen, changelog_end)

    def thaw(self, partition: int, frozen: Any) -> None:
        """The checkpoint failed: the frozen changes go back to be committed next time."""
        self._stores[partition].thaw(frozen)

    def meta(self, partition: int) -> dict[str, Any]:
        """What a manifest records of the partition's changelog."""
        return {
            "changelog_end": self.changelog_end.get(partition, 0),
            "changelog_orphans": self.orphans.get(partition, []),
        }

    async def restore(
        self, partition: int, meta: dict[str, Any], consumer: Any, topic: str
    ) -> None:
        """Bring the partition's store to exactly what the snapshot's changelog covers."""
        if self.folder is None:
            return
        end = int(meta.get("changelog_end", 0))
        orphans = [(int(a), int(b)) for a, b in meta.get("changelog_orphans", [])]
        store = self.entries(partition)
        found = await store.restore(consumer, topic, end, orphans)  # type: ignore[attr-defined]
        self.orphans[partition] = orphans + ([tuple(found)] if found else [])
        self.changelog_end[partition] = end

    def drop(self, partitions: Collection[int]) -> None:
        """Close the stores of partitions this worker no longer owns (their files stay)."""
        for partition in partitions:
            store = self._stores.pop(partition, None)
            if store is not None and hasattr(store, "close"):
                store.close()
            self.orphans.pop(partition, None)
            self.changelog_end.pop(partition, None)

    def close(self) -> None:
        """Close every store."""
        self.drop(list(self._stores))
