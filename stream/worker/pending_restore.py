"""Restore: the local RocksDB brought to "the changelog up to ``end``, less the orphan ranges".

The local content is kept when its meta says it reflects the changelog up to some
``local_end <= end`` *and* the changelog record it names as its last one is still the one at
that offset (or was compacted away); then only ``[local_end, end)`` is replayed. Otherwise
(no meta, a meta past ``end``, a record that differs: a store from another run or another
broker) it is wiped and the whole partition is replayed. Replay goes batch by batch, one
``WriteBatch`` each, so a restore cut short resumes where it stopped.

Records at or past ``end`` are *orphans* — written by a checkpoint whose snapshot was never
saved. They are not applied; the range they span is added to the orphan ranges, and the keys
they touch are returned so that the store writes those keys again at its next checkpoint.
"""

from __future__ import annotations

import bisect
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from stream.worker.pending_changelog import (
    ChangelogError,
    ChangelogRecord,
    read_changelog,
    read_record,
)
from stream.worker.pending_codec import expiry_of, record_digest
from stream.worker.pending_rocks import AppliedMeta, PendingRocks

log = logging.getLogger("driftline.pending")

Ranges = tuple[tuple[int, int], ...]  # [start, end) offset ranges, sorted and disjoint


def merge_ranges(ranges: Iterable[tuple[int, int]]) -> Ranges:
    """Offset ranges ``[start, end)`` sorted, with empty ones dropped and touching ones joined.

    Examples
    --------
    >>> merge_ranges([(5, 7), (0, 0), (1, 3), (3, 4), (6, 9)])
    ((1, 4), (5, 9))
    """
    merged: list[tuple[int, int]] = []
    for start, end in sorted((int(s), int(e)) for s, e in ranges):
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return tuple(merged)


def in_ranges(offset: int, ranges: Ranges) -> bool:
    """Whether ``offset`` lies in one of the sorted, disjoint ``ranges``.

    Examples
    --------
    >>> [in_ranges(o, ((1, 4), (5, 9))) for o in (0, 1, 3, 4, 5, 8, 9)]
    [False, True, True, False, True, True, False]
    """
    i = bisect.bisect_right(ranges, (offset, float("inf"))) - 1
    return i >= 0 and ranges[i][0] <= offset < ranges[i][1]


@dataclass(frozen=True, slots=True)
class Restored:
    """What a restore did.

    ``orphans`` are the ranges to record in the next snapshot manifest: the ones given to
    the restore and ``[changelog_end, actual_end)`` when the changelog went past the snapshot.
    """

    start: int  # first offset read
    changelog_end: int  # the snapshot's end: the content reflects the changelog up to here
    actual_end: int  # offset after the last record the changelog holds
    replayed: int  # records applied
    skipped: int  # records below changelog_end in orphan ranges
    orphans: Ranges
    wiped: bool  # local content discarded

    @property
    def new_orphans(self) -> tuple[int, int] | None:
        """``[changelog_end, actual_end)`` when records past the snapshot were found."""
        if self.actual_end > self.changelog_end:
            return (self.changelog_end, self.actual_end)
        return None


async def restore_rocks(
    rocks: PendingRocks, consumer: Any, tp: Any, changelog_end: int, orphans: Ranges
) -> tuple[Restored, set[bytes]]:
    """Replay ``tp`` into ``rocks``; return what was done and the keys orphans touched."""
    orphans = merge_ranges(orphans)
    local_end = await _usable_local_end(rocks, consumer, tp, changelog_end)
    wiped = local_end is None and rocks.meta is not None
    if wiped:
        rocks.wipe()
    begin = (await consumer.beginning_offsets([tp]))[tp]
    start = max(local_end or 0, begin)
    last = rocks.meta.last if rocks.meta is not None else None
    orphan_keys: set[bytes] = set()
    actual_end, replayed, skipped = changelog_end, 0, 0
    async for batch in read_changelog(consumer, tp, start):
        changes: dict[bytes, bytes | None] = {}
        newest: ChangelogRecord | None = None  # the last record below changelog_end
        for record in batch:
            actual_end = max(actual_end, record.offset + 1)
            if record.key is None:
                log.warning("%s[%d]@%d: a record without key is not a pending entry; ignored",
                            tp.topic, tp.partition, record.offset)  # fmt: skip
            elif record.offset >= changelog_end:
                orphan_keys.add(record.key)
            else:
                newest = record
                if in_ranges(record.offset, orphans):
                    skipped += 1
                else:
                    changes[record.key] = _checked(record, tp)
                    replayed += 1
        if newest is not None:
            assert newest.key is not None
            last = (newest.offset, record_digest(newest.key, newest.value))
            reached = min(batch[-1].offset + 1, changelog_end)
            rocks.apply(changes.items(), AppliedMeta(reached, last))
    rocks.apply((), AppliedMeta(changelog_end, last))
    new = ((changelog_end, actual_end),) if actual_end > changelog_end else ()
    restored = Restored(
        start, changelog_end, actual_end, replayed, skipped, merge_ranges(orphans + new), wiped
    )
    return restored, orphan_keys


def _checked(record: ChangelogRecord, tp: Any) -> bytes | None:
    if record.value is not None:
        try:
            expiry_of(record.value)
        except ValueError as error:
            msg = f"{tp.topic}[{tp.partition}]@{record.offset}: {error}"
            raise ChangelogError(msg) from error
    return record.value


async def _usable_local_end(
    rocks: PendingRocks, consumer: Any, tp: Any, changelog_end: int
) -> int | None:
    """The local meta's end when its content continues into this changelog, else None."""
    meta = rocks.meta
    if meta is None or meta.end > changelog_end:
        return None
    if meta.last is None:
        return meta.end
    offset, digest = meta.last
    record = await read_record(consumer, tp, offset)
    if record is None:
        return None
    if record.offset == offset and (
        record.key is None or record_digest(record.key, record.value) != digest
    ):
        return None
    return meta.end
