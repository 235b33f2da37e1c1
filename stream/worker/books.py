"""What a worker keeps per source partition besides the monitors' state: its book.

A :class:`PartitionBook` holds, per source partition, the last offset processed of each
source topic role (a capture partition's state reflects three co-partitioned topics:
capture, labels, attributions) and the *outbox*: window partials and window results that
wait there until a snapshot that includes them is saved. A :class:`Checkpoint` is what
:meth:`stream.worker.state.WorkerState.checkpoint` hands to :mod:`stream.worker.checkpoints`.

Examples
--------
>>> book = PartitionBook()
>>> book.last_offset(CAPTURE), book.changed
(-1, False)
>>> book.processed(CAPTURE, 41)
>>> book.last_offset(CAPTURE), book.last_offset("labels"), book.changed
(41, -1, True)
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from stream.worker.outbox import Outbound
from stream.worker.partition_state import Blobs

CAPTURE, PARTIALS = "capture", "partials"
OUTBOX_BLOB = "outbox"  # the snapshot blob that carries a partition's outbox
CHUNKS_BLOB = "partial_chunks"  # a partials partition's chunks of partials still incomplete


@dataclass
class PartitionBook:
    """One source partition's progress and the messages waiting for its next snapshot.

    A capture partition's state reflects three co-partitioned topics (capture, labels,
    attributions), so the book keeps the last offset processed of each.
    """

    offsets: dict[str, int] = field(default_factory=dict)  # source topic role → last offset
    outbox: list[Outbound] = field(default_factory=list)
    changed: bool = False  # processed something since the last snapshot

    def last_offset(self, source: str) -> int:
        """The last offset of ``source`` processed (-1 before any)."""
        return self.offsets.get(source, -1)

    def processed(self, source: str, offset: int) -> None:
        """Record that the message at ``offset`` of ``source`` was processed."""
        self.offsets[source] = offset
        self.changed = True


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """What to save for one partition (blobs, meta) and what to send once it is saved.

    ``frozen`` holds the partition's label-join changes since the last checkpoint (capture
    partitions with labelled monitors only), to commit with the snapshot; ``counts`` the
    per-record counters' increments the snapshot covers, exported once it is saved
    (:mod:`stream.worker.uncommitted_counts`).
    """

    kind: str
    partition: int
    blobs: Blobs
    meta: dict[str, Any]
    outbox: tuple[Outbound, ...]
    frozen: Any = None
    counts: Counter[tuple[str, tuple[str, ...]]] = field(default_factory=Counter)
