"""The in-memory part of the pending store: changes since the last checkpoint.

A :class:`Delta` maps entry keys to their new entry value, or to ``None`` for a removal, and
keeps what is needed to answer ``count`` and ``expire`` without touching RocksDB for what
it holds: the change in entry count per namespace, and a heap of ``(expires_at, entry key)``
over its puts. The heap is cleaned lazily: an item whose key was changed again no longer
matches the delta and is dropped when it reaches the top.

An entry put and removed within one delta, never pending before it (a label joined by its
prediction before the next checkpoint), leaves no change at all: the layers under the delta
never held it, so a tombstone would only cost a changelog record and a RocksDB delete.

Its size is bounded by what one checkpoint interval changes, not by how many entries are
pending.

Examples
--------
>>> from stream.worker.pending_codec import encode_entry
>>> delta = Delta()
>>> delta.put(b"p/a", encode_entry(b"1", 20.0), 20.0, "p", existed=False)
>>> delta.put(b"p/b", encode_entry(b"2", 10.0), 10.0, "p", existed=False)
>>> delta.remove(b"p/a", "p", existed=True)
>>> delta.counts["p"], b"p/a" in delta.changes, delta.heap_head()
(1, False, (10.0, b'p/b'))
>>> delta.remove(b"p/c", "p", existed=True)  # pending before this delta: a tombstone
>>> delta.changes[b"p/c"], delta.counts["p"]
(None, 0)
"""

from __future__ import annotations

import heapq
from collections import Counter
from dataclasses import dataclass, field

from stream.worker.pending_codec import expiry_of


@dataclass(eq=False, slots=True)
class Delta:
    """Changes to the pending entries: entry key → new entry value, or None (removed)."""

    changes: dict[bytes, bytes | None] = field(default_factory=dict)
    counts: Counter[str] = field(default_factory=Counter)  # entries added minus removed
    heap: list[tuple[float, bytes]] = field(default_factory=list)  # puts, cleaned lazily
    fresh: set[bytes] = field(default_factory=set)  # put here, absent from the layers below

    def __len__(self) -> int:
        return len(self.changes)

    def put(
        self, key: bytes, encoded: bytes, expires_at: float, namespace: str, *, existed: bool
    ) -> None:
        """Set ``key`` (of ``namespace``) to ``encoded`` (expiring at ``expires_at``).

        ``existed`` tells whether it was pending before. The caller encoded the entry, so it
        passes its expiry and namespace rather than have them read back from the bytes.
        """
        if not existed and key not in self.changes:
            self.fresh.add(key)
        self.changes[key] = encoded
        heapq.heappush(self.heap, (expires_at, key))
        if not existed:
            self.counts[namespace] += 1

    def remove(self, key: bytes, namespace: str, *, existed: bool) -> None:
        """Remove ``key`` (of ``namespace``); ``existed`` tells whether it was pending before."""
        if key in self.fresh:
            self.fresh.discard(key)
            del self.changes[key]  # the layers below never held it
        else:
            self.changes[key] = None
        if existed:
            self.counts[namespace] -= 1

    def mark(self, key: bytes, encoded: bytes | None) -> None:
        """Record ``key`` as changed to the value it already has (rewritten, not counted)."""
        self.changes[key] = encoded
        if encoded is not None:
            heapq.heappush(self.heap, (expiry_of(encoded), key))

    def holds(self, item: tuple[float, bytes]) -> bool:
        """Whether a heap item still describes this delta's put of its key."""
        encoded = self.changes.get(item[1])
        return encoded is not None and expiry_of(encoded) == item[0]

    def heap_head(self) -> tuple[float, bytes] | None:
        """The earliest-expiring put still in this delta, or None."""
        heap = self.heap
        while heap and not self.holds(heap[0]):
            heapq.heappop(heap)
        return heap[0] if heap else None

    def absorb_under(self, newer: Delta) -> Delta:
        """This delta with ``newer``'s changes on top (``newer`` wins); ``self`` is reused.

        ``self`` was frozen: its changes may be in the changelog already, so none of its
        keys stays fresh.
        """
        self.fresh = newer.fresh.difference(self.changes)
        self.changes.update(newer.changes)
        self.counts.update(newer.counts)
        self.heap.extend(newer.heap)
        heapq.heapify(self.heap)
        return self


class Frozen:
    """A delta being checkpointed: written to the changelog, then applied to RocksDB.

    Parameters
    ----------
    delta
        The changes; nothing changes them any more.
    number
        The store's checkpoint number, starting at 1 (for logs and checks).
    """

    __slots__ = ("delta", "number", "last_record")

    def __init__(self, delta: Delta, number: int) -> None:
        self.delta = delta
        self.number = number
        # (offset, digest) of the changelog record written last, set by write_changelog
        self.last_record: tuple[int, str] | None = None

    def __len__(self) -> int:
        return len(self.delta)

    def __repr__(self) -> str:
        return f"Frozen(number={self.number}, changes={len(self.delta)})"
