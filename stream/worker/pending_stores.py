"""The waiting entries of the label join, one store per capture partition this worker owns.

In a worker the stores are durable (:class:`~stream.worker.pending_store.PendingStore`:
RocksDB on local disk, each checkpoint's changes in a Kafka changelog), and
:mod:`stream.worker.checkpoints` commits them with the partition's snapshot:
:meth:`PendingStores.freeze` in the snapshot's synchronous step, the changelog written
before the manifest (which records its end offset and any orphan ranges), RocksDB updated
after it. ``PendingStores.in_memory()`` keeps entries in dicts instead — for the worker's
unit tests, where nothing is restarted.

Several labelled monitors share a partition's store, each under its own namespaces
(:meth:`PendingStores.monitor_entries`): the labels topic is one for every monitor, and the
same inference id may be waiting in two monitors at once. A config with a single labelled
monitor keeps the plain namespaces, as before there could be several. When a second one is
added, the first one's entries written under the plain namespaces belong to no monitor:
they wait out their time and are dropped uncounted.

Examples
--------
>>> stores = PendingStores.in_memory()
>>> stores.entries(3).put("label", "i1", b"{}", expires_at=10.0)
>>> stores.entries(3).count("label"), stores.freeze(3)
(1, None)
>>> a, b = stores.monitor_entries("a", shared=True), stores.monitor_entries("b", shared=True)
>>> a(3).put("label", "i1", b"A", expires_at=5.0)
>>> a(3).get("label", "i1"), b(3).get("label", "i1"), b(3).count("label")
(b'A', None, 0)
>>> b(3).expire(now=20.0, limit=10), a(3).expire(now=20.0, limit=10)
([], [('label', 'i1', b'A')])
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any

from stream.monitors.label_join import MemoryEntries, PendingEntries

MONITOR_MARK = "|"  # ends a monitor's namespace prefix: "<monitor>|prediction"


class PendingStores:
    """Per-partition stores of waiting join entries, durable under ``folder`` (or in memory)."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self._stores: dict[int, Any] = {}
        self.orphans: dict[int, list[tuple[int, int]]] = {}  # changelog ranges no snapshot covers
        self.changelog_end: dict[int, int] = {}
        # expired entries not yet handed to their monitor: prefix -> partition -> entries
        self._expired: dict[str, dict[int, list[Any]]] = {}
        # local stores that did not open and were rebuilt from the changelog, by reason
        self.errors: Counter[str] = Counter()
        self._opening = threading.Lock()  # /metrics asks for stores from the server's thread

    @classmethod
    def in_memory(cls) -> PendingStores:
        """Stores kept in dicts: nothing survives the process (unit tests)."""
        return cls(None)

    @property
    def durable(self) -> bool:
        """Whether the stores are on disk with a changelog."""
        return self.folder is not None

    def monitor_entries(self, monitor: str, *, shared: bool) -> Callable[[int], PendingEntries]:
        """A monitor's stores by partition: its own namespaces when ``shared``, else plain.

        ``shared`` is whether the config has more than one labelled monitor. Every shared
        monitor must be asked for before any of them expires entries.
        """
        if not shared:
            return self.entries
        prefix = monitor.replace("/", "%2F") + MONITOR_MARK
        self._expired.setdefault(prefix, {})
        return lambda partition: MonitorEntries(self, partition, prefix)

    def expired_for(self, partition: int, prefix: str, now: float, limit: int) -> list[Any]:
        """Up to ``limit`` due entries of the monitor of ``prefix``, namespaces unprefixed.

        The partition's store expires store-wide: what is due goes to each monitor's pile,
        and an entry of no monitor of this config is dropped.
        """
        pile = self._expired[prefix].setdefault(partition, [])
        if len(pile) < limit:
            for namespace, key, value in self.entries(partition).expire(now, limit):
                owner, mark, plain = namespace.rpartition(MONITOR_MARK)
                piles = self._expired.get(owner + mark) if mark else None
                if piles is not None:
                    piles.setdefault(partition, []).append((plain, key, value))
        taken, self._expired[prefix][partition] = pile[:limit], pile[limit:]
        return taken

    def entries(self, partition: int) -> PendingEntries:
        """The store of ``partition`` (opened on first use, by one thread only)."""
        store = self._stores.get(partition)
        if store is None:
            with self._opening:
                store = self._stores.get(partition)
                if store is None:
                    store = self._stores[partition] = self._open(partition)
        return store  # type: ignore[no-any-return]

    def _open(self, partition: int) -> Any:
        if self.folder is None:
            return MemoryEntries()
        from stream.worker.pending_store import PendingStore

        store = PendingStore(self.folder / f"pending-{partition}", partition)
        if store.discarded is not None:
            self.errors["unopenable_pending_store"] += 1
        return store

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
            for piles in self._expired.values():
                piles.pop(partition, None)

    def close(self) -> None:
        """Close every store."""
        self.drop(list(self._stores))


class MonitorEntries:
    """One labelled monitor's :class:`PendingEntries` in a partition store it shares."""

    __slots__ = ("_partition", "_prefix", "_stores")

    def __init__(self, stores: PendingStores, partition: int, prefix: str) -> None:
        self._stores, self._partition, self._prefix = stores, partition, prefix

    def get(self, namespace: str, key: str) -> bytes | None:
        """The monitor's entry, or None."""
        return self._stores.entries(self._partition).get(self._prefix + namespace, key)

    def put(self, namespace: str, key: str, value: bytes, expires_at: float) -> None:
        """Keep (or replace) the monitor's entry."""
        store = self._stores.entries(self._partition)
        store.put(self._prefix + namespace, key, value, expires_at)

    def delete(self, namespace: str, key: str) -> None:
        """Forget the monitor's entry."""
        self._stores.entries(self._partition).delete(self._prefix + namespace, key)

    def expire(self, now: float, limit: int) -> list[tuple[str, str, bytes]]:
        """Remove and return up to ``limit`` of the monitor's entries due at ``now``."""
        return self._stores.expired_for(self._partition, self._prefix, now, limit)

    def count(self, namespace: str) -> int:
        """How many of the monitor's entries ``namespace`` holds."""
        return self._stores.entries(self._partition).count(self._prefix + namespace)
