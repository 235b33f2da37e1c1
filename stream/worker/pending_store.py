"""Pending join entries of one source partition: RocksDB on disk, a changelog on Kafka.

A prediction waits for its label (or a label for its prediction) for up to
``label_ttl_seconds`` — days, millions of entries. :class:`PendingStore` keeps them out of
process memory: committed entries live in a local RocksDB (``<state_dir>/<topic-prefix>/
pending-<partition>``), and every change is also appended to a compacted changelog topic
(partition = the source partition), so that whichever worker owns the partition next
rebuilds them. Only the changes since the last checkpoint are in memory.

Three layers answer a read, newest first: the *live delta* (changes since the last
``freeze``), the *committing delta* (frozen, on its way to the changelog and RocksDB), and
RocksDB. ``count`` is exact: RocksDB keeps a counter per namespace in the same write batch
as the entries, and each delta knows how much it adds or removes. ``expire`` merges the
three layers' expiry orders (a heap per delta, an index in RocksDB).

The checkpoint protocol, driven by the worker's checkpointer (one partition at a time):

1. ``freeze()`` — the live delta becomes the committing delta and a new live delta starts.
   Synchronous, so the partition's snapshot taken in the same step reflects exactly the
   frozen changes.
2. ``await write_changelog(frozen, producer, topic)`` — every frozen change is sent to the
   changelog (key ``<namespace>/<key>``, value the entry with its expiry, or a tombstone);
   returns the changelog end offset after the acknowledged records.
3. The worker saves its snapshot manifest with that end offset and :attr:`orphans`.
4. ``applied(frozen, changelog_end)`` — the frozen changes go into RocksDB in one write
   batch together with ``changelog_end``; the committing delta is dropped.

When step 2 or 3 fails, ``thaw(frozen)`` puts the frozen changes back under the live ones
(newer live changes win), and the next checkpoint writes them again. Why this order: the
manifest is the commit point. RocksDB must never run ahead of a saved manifest (a restart
would keep changes no snapshot covers), and the changelog must hold every change a manifest
covers before the manifest is saved (the next owner replays the changelog up to the
manifest's end). If step 4 does not happen (a crash), the next restore replays the missing
part from the changelog.

Orphans: a crash between steps 2 and 3 leaves changelog records past the last manifest's
end that no snapshot covers. The restored partition re-processes the source messages that
made them, and may not produce them again (a label may have been joined differently,
entries expired at another time), so replaying them would resurrect entries. ``restore``
therefore replays only up to the manifest's end, skips the orphan ranges the manifest
lists, and reports the new range ``[changelog_end, actual_end)`` in :attr:`orphans`, which
the worker records in its next manifest. Log compaction keeps only the latest record of a
key, which could be an orphan, so every key an orphan touched is marked changed in the live
delta with its restored value (or a tombstone): the next checkpoint writes it again, after
the orphan. (Until then the older record must survive compaction: give the changelog topic a
``min.compaction.lag.ms`` well above the checkpoint interval.)

Examples
--------
>>> import tempfile
>>> with tempfile.TemporaryDirectory() as folder:
...     store = PendingStore(folder, partition=0)
...     store.put("prediction", "id-1", b"p1", expires_at=100.0)
...     store.put("prediction", "id-2", b"p2", expires_at=50.0)
...     frozen = store.freeze()
...     store.delete("prediction", "id-1")
...     store.applied(frozen, changelog_end=2)  # as if written and its manifest saved
...     print(store.get("prediction", "id-2"), store.count("prediction"))
...     print(store.expire(now=60.0, limit=10), store.count("prediction"))
...     store.close()
b'p2' 1
[('prediction', 'id-2', b'p2')] 0
"""

from __future__ import annotations

import heapq
from pathlib import Path
from typing import Any

from stream.worker.pending_changelog import send_changes
from stream.worker.pending_codec import (
    check_namespace,
    encode_entry,
    entry_key,
    entry_value,
    split_entry_key,
)
from stream.worker.pending_delta import Delta, Frozen
from stream.worker.pending_restore import Ranges, Restored, merge_ranges, restore_rocks
from stream.worker.pending_rocks import INDEX, AppliedMeta, IndexScan, PendingRocks, RocksTuning


class PendingStore:
    """The pending entries of one source partition; see the module docstring.

    Parameters
    ----------
    path
        Folder of the partition's RocksDB (created when missing).
    partition
        The source partition, also the changelog partition.
    tuning
        RocksDB memory knobs.
    """

    def __init__(self, path: str | Path, partition: int, *, tuning: RocksTuning | None = None):
        self.partition = partition
        self._rocks = PendingRocks(Path(path), tuning or RocksTuning())
        self._live = Delta()
        self._committing: Frozen | None = None
        self._frozen_count = 0
        self._cursor = INDEX  # index items before it are all superseded by a delta
        self._changelog_end: int | None = None  # known once restored
        self._orphans: Ranges = ()
        self._namespaces: set[str] = set()
        self.last_restore: Restored | None = None  # what the last restore did

    @property
    def discarded(self) -> str | None:
        """Why the local RocksDB was discarded when it would not open (None: it opened)."""
        return self._rocks.discarded

    @property
    def orphans(self) -> Ranges:
        """Changelog offset ranges no snapshot covers: record them in every manifest."""
        return self._orphans

    @property
    def changes_in_memory(self) -> int:
        """Changes held in the live and committing deltas."""
        committing = len(self._committing) if self._committing is not None else 0
        return len(self._live) + committing

    def _key(self, namespace: str, key: str) -> bytes:
        if namespace not in self._namespaces:
            check_namespace(namespace)
            self._namespaces.add(namespace)
        return entry_key(namespace, key)

    def _current(self, key: bytes) -> bytes | None:
        live = self._live.changes
        if key in live:
            return live[key]
        if self._committing is not None:
            committing = self._committing.delta.changes
            if key in committing:
                return committing[key]
        return self._rocks.get(key)

    def get(self, namespace: str, key: str) -> bytes | None:
        """The value pending under ``key``, or None (expiry is left to :meth:`expire`)."""
        encoded = self._current(self._key(namespace, key))
        return None if encoded is None else entry_value(encoded)

    def put(self, namespace: str, key: str, value: bytes, expires_at: float) -> None:
        """Keep ``value`` under ``key`` until it is deleted or expired at ``expires_at``."""
        raw = self._key(namespace, key)
        existed = self._current(raw) is not None
        self._live.put(raw, encode_entry(value, expires_at), expires_at, namespace, existed=existed)

    def delete(self, namespace: str, key: str) -> None:
        """Remove ``key`` (nothing happens when it is not pending)."""
        raw = self._key(namespace, key)
        if self._current(raw) is not None:
            self._live.remove(raw, namespace, existed=True)

    def count(self, namespace: str) -> int:
        """How many entries ``namespace`` holds."""
        total = self._rocks.counts.get(namespace, 0) + self._live.counts[namespace]
        if self._committing is not None:
            total += self._committing.delta.counts[namespace]
        return total

    def expire(self, now: float, limit: int) -> list[tuple[str, str, bytes]]:
        """Remove and return up to ``limit`` entries with ``expires_at <= now``, oldest first.

        Ties in ``expires_at`` go in the order of ``<namespace>/<key>`` as UTF-8 bytes.
        """
        expired: list[tuple[str, str, bytes]] = []
        scan = self._rocks.scan_index(self._cursor)
        try:
            while len(expired) < limit:
                earliest = self._earliest(scan)
                if earliest is None or earliest[0] > now:
                    break
                _, raw, encoded = earliest
                namespace, key = split_entry_key(raw)
                self._live.remove(raw, namespace, existed=True)
                expired.append((namespace, key, entry_value(encoded)))
        finally:
            scan.close()
        return expired

    def _earliest(self, scan: IndexScan) -> tuple[float, bytes, bytes] | None:
        """``(expires_at, entry key, entry value)`` of the entry expiring first, or None."""
        candidates = []
        live = self._live.heap_head()
        if live is not None:
            candidates.append((*live, self._live.changes[live[1]]))
        if self._committing is not None:
            committing = self._committing.delta
            while (head := committing.heap_head()) is not None and head[1] in self._live.changes:
                heapq.heappop(committing.heap)  # superseded by a live change
            if head is not None:
                candidates.append((*head, committing.changes[head[1]]))
        stored = self._stored_head(scan)
        if stored is not None:
            encoded = self._rocks.get(stored[1])
            assert encoded is not None, "the expiry index names an entry RocksDB lacks"
            candidates.append((*stored, encoded))
        return min(candidates) if candidates else None

    def _stored_head(self, scan: IndexScan) -> tuple[float, bytes] | None:
        """The first index item whose key no delta changed; moves the cursor past the others."""
        committing = self._committing.delta.changes if self._committing is not None else {}
        while (item := scan.head()) is not None:
            index, expires_at, raw = item
            if raw not in self._live.changes and raw not in committing:
                return expires_at, raw
            scan.advance()
            self._cursor = index + b"\x00"
        return None

    def freeze(self) -> Frozen:
        """Checkpoint step 1: the live delta becomes the committing delta."""
        if self._committing is not None:
            msg = f"{self._committing!r} is not applied or thawed yet; one checkpoint at a time"
            raise RuntimeError(msg)
        self._frozen_count += 1
        frozen = Frozen(self._live, self._frozen_count)
        self._committing, self._live = frozen, Delta()
        return frozen

    async def write_changelog(self, frozen: Frozen, producer: Any, topic: str) -> int:
        """Checkpoint step 2: send the frozen changes; return the changelog's end after them.

        ``producer`` is a started ``aiokafka.AIOKafkaProducer``. Raises when a change is not
        acknowledged (then :meth:`thaw` the delta).
        """
        self._check_committing(frozen)
        if self._changelog_end is None:
            msg = "restore() the store first: the changelog's end is not known yet"
            raise RuntimeError(msg)
        written = await send_changes(producer, topic, self.partition, frozen.delta.changes.items())
        if written is not None:
            frozen.last_record = written.last
            self._changelog_end = max(self._changelog_end, written.end)
        return self._changelog_end

    def applied(self, frozen: Frozen, changelog_end: int) -> None:
        """Checkpoint step 4: the manifest is saved; write the frozen changes to RocksDB."""
        self._check_committing(frozen)
        meta = self._rocks.meta
        if meta is not None and changelog_end < meta.end:
            msg = f"changelog_end {changelog_end} is before the applied end {meta.end}"
            raise ValueError(msg)
        last = frozen.last_record or (meta.last if meta is not None else None)
        self._rocks.apply(frozen.delta.changes.items(), AppliedMeta(changelog_end, last))
        self._committing = None
        self._cursor = INDEX

    def thaw(self, frozen: Frozen) -> None:
        """Step 2 or 3 failed: the frozen changes go back under the live ones."""
        self._check_committing(frozen)
        self._live = frozen.delta.absorb_under(self._live)
        self._committing = None

    def _check_committing(self, frozen: Frozen) -> None:
        if frozen is not self._committing:
            msg = f"{frozen!r} is not the delta being committed ({self._committing!r})"
            raise RuntimeError(msg)

    async def restore(
        self,
        consumer: Any,
        topic: str,
        changelog_end: int,
        orphans: Ranges | list[tuple[int, int]] = (),
    ) -> tuple[int, int] | None:
        """Bring the store to the changelog up to ``changelog_end``, skipping ``orphans``.

        Returns the new orphan range ``[changelog_end, actual_end)`` when the changelog goes
        past the snapshot, else None; :attr:`orphans` then holds every range to record, and
        :attr:`last_restore` what the restore did. ``consumer`` is a started
        ``aiokafka.AIOKafkaConsumer`` without a group; it is assigned the changelog
        partition. A partition without a snapshot restores with ``changelog_end=0``:
        whatever its changelog holds is then orphans. Both deltas are empty afterwards,
        except for the keys orphans touched (marked to be written again, see the module
        docstring). Call before :meth:`write_changelog`.
        """
        from aiokafka import TopicPartition  # type: ignore[import-untyped]

        tp = TopicPartition(topic, self.partition)
        consumer.assign([tp])
        self._live, self._committing, self._cursor = Delta(), None, INDEX
        restored, orphan_keys = await restore_rocks(
            self._rocks, consumer, tp, changelog_end, merge_ranges(orphans)
        )
        for raw in sorted(orphan_keys):
            self._live.mark(raw, self._rocks.get(raw))
        self._orphans = restored.orphans
        self._changelog_end = restored.actual_end
        self.last_restore = restored
        return restored.new_orphans

    def close(self) -> None:
        """Close RocksDB; what the deltas hold is gone (the next restore replays it)."""
        self._rocks.close()
