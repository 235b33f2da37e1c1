"""aiokafka's consumer reads past a record batch that does not decode, for the topics named.

aiokafka unpacks a fetch response one batch at a time as its records are asked for. A batch
whose payload does not decompress (a gzip member that is not deflate, a garbage lz4 frame),
whose records do not parse or whose CRC does not match raises out of ``getmany``: in a faust
worker that ends the worker ("We experienced a crash!"), and the restarted worker fetches the
same batch and ends again. Apache Kafka checks compressed batches when they are produced; a
broker that does not (the embedded one) stores them.

After :func:`read_past_undecodable_batches`, the fetcher hands out, for a batch of one of the
named topics that raises so, one record in its place: at the batch's last offset, its value
an :class:`~stream.capture.undecodable.UndecodableBatch` (empty bytes saying what failed and
which offsets the batch held); then it goes on with the batches after it. The record comes in
order with the others, so the worker dead-letters it, counts it and checkpoints past it as
it does any refused message, and a restart that fetches the batch again does the same.
Records of the batch already handed out (an uncompressed batch whose tenth record does not
parse) stay handed out; the stand-in covers the rest. A batch whose own header does not
parse cannot be skipped (its offsets are unknown) and raises as before, as do the batches
of every other topic: driftline's own state topics are not read past quietly.

The fetcher's class is replaced by a subclass once per process (aiokafka builds one per
partition per fetch response): per record it adds one Python call; the rest runs only when
a batch has raised.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from typing import Any

from aiokafka.consumer import fetcher  # type: ignore[import-untyped]
from aiokafka.structs import ConsumerRecord  # type: ignore[import-untyped]

from stream.capture.undecodable import UndecodableBatch

log = logging.getLogger("driftline.kafka")

_AIOKAFKA_RECORDS = fetcher.PartitionRecords
_TOPICS: set[str] = set()  # the topics whose undecodable batches are read past
_CREATE_TIME = 0  # Kafka's timestamp type of a producer's own time


def read_past_undecodable_batches(topics: Iterable[str]) -> None:
    """Make this process's aiokafka consumers read past undecodable batches of ``topics``."""
    _TOPICS.update(topics)
    fetcher.PartitionRecords = _ReadingPast


class _Batches:
    """A fetch response's batches, as aiokafka reads them, remembering the one read last."""

    def __init__(self, records: Any) -> None:
        self.records = records
        self.last: Any = None

    def has_next(self) -> bool:
        return bool(self.records.has_next())

    def next_batch(self) -> Any:
        self.last = None  # a header that does not parse leaves no batch to skip
        self.last = self.records.next_batch()
        return self.last


class _ReadingPast(_AIOKAFKA_RECORDS):  # type: ignore[misc]
    """One partition's fetched records; an undecodable batch of a named topic: its stand-in."""

    def __init__(self, tp: Any, records: Any, *args: Any, **kwargs: Any) -> None:
        if tp.topic in _TOPICS:
            records = _Batches(records)
        super().__init__(tp, records, *args, **kwargs)

    def __next__(self) -> Any:
        try:
            return super().__next__()
        except StopIteration:
            raise
        except Exception as error:
            stand_in = self._stand_in(error)
            if stand_in is None:
                raise
            return stand_in

    def _stand_in(self, error: Exception) -> ConsumerRecord | None:
        """The record in place of the batch that raised ``error``; None if it cannot be."""
        batches = self._records
        if not isinstance(batches, _Batches) or batches.last is None:
            return None
        batch, batches.last = batches.last, None
        first, end = self.next_fetch_offset, batch.next_offset
        if end <= first:
            return None
        self.next_fetch_offset = end
        self._records_iterator = self._unpack_records()  # the batches after it
        tp = self._tp
        value = UndecodableBatch.of(first, end - 1, f"{type(error).__name__}: {error}")
        log.error("%s partition %d: %s", tp.topic, tp.partition, value.problem)
        return ConsumerRecord(
            topic=tp.topic,
            partition=tp.partition,
            offset=end - 1,
            timestamp=_timestamp(batch),
            timestamp_type=_CREATE_TIME,
            key=None,
            value=value,
            checksum=None,
            serialized_key_size=-1,
            serialized_value_size=0,
            headers=(),
        )


def _timestamp(batch: Any) -> int:
    """The batch's latest timestamp (milliseconds) as its header says; else now."""
    try:
        stamp = int(batch.max_timestamp)
    except Exception:  # an old format's batch, or a header past repair
        stamp = -1
    return stamp if stamp >= 0 else int(time.time() * 1000)
