"""The pending store's changelog on Kafka: a delta's records out, a partition read back.

One record per changed entry, on the partition of the source partition it belongs to: key
``<namespace>/<key>``, value the entry value (format byte, expiry, bytes) or None, a
tombstone, for a removal. The expiry index and the counts are derived from the entries on
replay, so they need no records of their own.

End offsets: the offsets a producer gets acknowledged are exact, and so is what a consumer
reads; the *end offset* the embedded Tansu broker reports is the base offset of the last
record batch plus one. :func:`read_changelog` therefore reads up to the reported end and then
keeps reading until a fetch comes back empty, and :func:`send_changes` takes the end from the
acknowledgements, never from the broker's end offset. An end of 0 is exact on both brokers
(no batch was ever written): such a partition is not read at all.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from typing import Any

from stream.kafka.error_text import error_text
from stream.worker.pending_codec import record_digest

FETCH_TIMEOUT_MS = 1000
DRAIN_TIMEOUT_MS = 200
NO_PROGRESS_SECONDS = 30.0
BATCH_RECORDS = 10_000


class ChangelogError(RuntimeError):
    """The changelog could not be written, or not read up to where a snapshot says it goes."""


@dataclass(frozen=True, slots=True)
class ChangelogRecord:
    """One record read back: its offset, key (None: not a pending entry) and value."""

    offset: int
    key: bytes | None
    value: bytes | None


@dataclass(frozen=True, slots=True)
class Written:
    """Records written and acknowledged: the offset after them and the last one's digest."""

    end: int
    last: tuple[int, str]


async def send_changes(
    producer: Any, topic: str, partition: int, changes: Iterable[tuple[bytes, bytes | None]]
) -> Written | None:
    """Send every change to ``topic[partition]`` in record batches and wait for all acks.

    The changes go in order, packed into the producer's record batches (one future per
    batch, not per record: a checkpoint writes tens of thousands of changes). A batch's
    records take consecutive offsets from the one its acknowledgement gives.

    Returns None when there was nothing to send; raises :class:`ChangelogError` (after every
    batch has finished one way or the other) when a record was not acknowledged.
    """
    sent: list[tuple[Any, int]] = []  # (batch future, records in the batch)
    last: tuple[bytes, bytes | None] | None = None
    try:
        batch, count = producer.create_batch(), 0
        for key, value in changes:
            if batch.append(key=key, value=value, timestamp=None) is None:  # full
                sent.append((await producer.send_batch(batch, topic, partition=partition), count))
                batch, count = producer.create_batch(), 0
                batch.append(key=key, value=value, timestamp=None)  # an empty batch takes one
            count += 1
            last = (key, value)
        if count:
            sent.append((await producer.send_batch(batch, topic, partition=partition), count))
    finally:
        outcomes = await asyncio.gather(*(f for f, _ in sent), return_exceptions=True)
    failed = [
        (o, n) for o, (_, n) in zip(outcomes, sent, strict=True) if isinstance(o, BaseException)
    ]
    if failed:
        first = failed[0][0]
        msg = (
            f"{topic}[{partition}]: {sum(n for _, n in failed)} of {sum(n for _, n in sent)}"
            f" changes not acknowledged ({error_text(first)})"
        )
        raise ChangelogError(msg) from first
    if last is None:
        return None
    offset = int(outcomes[-1].offset) + sent[-1][1] - 1  # the last batch's last record
    return Written(offset + 1, (offset, record_digest(*last)))


async def read_changelog(
    consumer: Any, tp: Any, start: int, *, batch_records: int = BATCH_RECORDS
) -> AsyncIterator[list[ChangelogRecord]]:
    """Every record of ``tp`` from ``start`` to the end of the partition, in batches.

    ``consumer`` must have ``tp`` assigned. Raises :class:`ChangelogError` when the reported
    end is not reached and nothing arrives for ``NO_PROGRESS_SECONDS``.
    """
    consumer.seek(tp, start)
    reported_end = (await consumer.end_offsets([tp]))[tp]
    if reported_end == 0:  # no record batch at all (Tansu under-reports only past a batch)
        return  # no drain either: it waited 200 ms per partition at every first start
    position, progressed_at = start, time.monotonic()
    while position < reported_end:
        batch = await _fetch(consumer, tp, FETCH_TIMEOUT_MS, batch_records)
        if not batch:
            if time.monotonic() - progressed_at > NO_PROGRESS_SECONDS:
                msg = f"{tp.topic}[{tp.partition}]: no records past {position}, end {reported_end}"
                raise ChangelogError(msg)
            continue
        position, progressed_at = batch[-1].offset + 1, time.monotonic()
        yield batch
    while batch := await _fetch(consumer, tp, DRAIN_TIMEOUT_MS, batch_records):
        yield batch  # the rest of the last record batch, past the end Tansu reports


async def _fetch(
    consumer: Any, tp: Any, timeout_ms: int, max_records: int
) -> list[ChangelogRecord]:
    fetched = await asyncio.wait_for(
        consumer.getmany(tp, timeout_ms=timeout_ms, max_records=max_records),
        timeout_ms / 1000 + NO_PROGRESS_SECONDS,
    )
    return [
        ChangelogRecord(m.offset, None if m.key is None else bytes(m.key), m.value)
        for m in fetched.get(tp, [])
    ]


async def read_record(consumer: Any, tp: Any, offset: int) -> ChangelogRecord | None:
    """The record at ``offset``, else the first one after it (compacted away), else None."""
    consumer.seek(tp, offset)
    for _ in range(3):
        batch = await _fetch(consumer, tp, FETCH_TIMEOUT_MS, 1)
        if batch:
            return batch[0]
    return None
