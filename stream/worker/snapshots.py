"""Partition snapshots on a compacted Kafka topic: changed blobs, then a manifest naming them.

A snapshot of one partition is a set of named blobs (see
:mod:`stream.worker.partition_state`) plus a small ``meta`` mapping (the source offset it
reflects). :meth:`SnapshotStore.save` writes, in order,

1. every blob that changed since the partition's last save, cut into chunks of
   ``CHUNK_BYTES`` (key ``blob/<name>/<i>``);
2. past :data:`~stream.worker.snapshot_pages.INLINE_BLOBS` blobs, the pages of blob entries
   that changed (key ``page/<n>/<i>``, :mod:`stream.worker.snapshot_pages`);
3. the manifest (key ``manifest``): ``meta`` and, per blob (or per page), its digest and
   chunk offsets — an unchanged blob keeps the offsets of the chunks already written;
4. tombstones for blobs (and pages) no longer named, so that compaction keeps the topic
   small.

Each message is sent alone and acknowledged before the next (so the end offset the broker
reports is exact), and the manifest goes last: a save cut short by a crash leaves the
previous manifest the latest one. A blob given as the very bytes object saved (or loaded)
last time is known unchanged without hashing it again: the aggregator's settled windows are
thousands of blobs, each the same object from one save to the next.
:meth:`SnapshotStore.load` finds the partition's latest manifest by reading backwards from
the end and fetches its chunks in offset order, reading on through short gaps while a fetch
brings some of them and seeking otherwise (one fetch brings many chunks: a labelled
monitor's snapshot holds thousands of windows, which one seek and fetch each took minutes to
restore).
An empty poll short of the end offset is a slow broker, not the end: the read goes on, and
after ``_READ_TIMEOUT_SECONDS`` without an answer the load raises :class:`SnapshotUnanswered`
(the worker loads again) instead of finding no snapshot and starting the partition empty.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from stream.worker.snapshot_pages import (
    INLINE_BLOBS,
    Entry,
    entries_of,
    manifest_pages,
    page_entries,
)

log = logging.getLogger("driftline.snapshots")

CHUNK_BYTES = 512 * 1024
MANIFEST_KEY = b"manifest"
_SCAN_STEPS = (16, 256, 4096)
_READ_ON = 256  # chunks this close to the last one read are read on to, not sought
_READ_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A loaded snapshot: its meta and its blobs."""

    meta: dict[str, Any]
    blobs: dict[str, bytes]


class SnapshotError(RuntimeError):
    """A snapshot could not be read back (a chunk is missing or does not match its digest)."""


class SnapshotUnanswered(RuntimeError):
    """The broker did not answer a snapshot's read for ``_READ_TIMEOUT_SECONDS``: load again.

    Not a :class:`SnapshotError`: the snapshot is there, and a partition that started without
    it would lose what it holds (a labelled monitor's thousands of kept windows).
    """


class SnapshotStore:
    """Saves and loads per-partition snapshots of one state topic.

    Parameters
    ----------
    producer
        A started ``aiokafka.AIOKafkaProducer`` (``acks="all"``).
    consumer
        A started ``aiokafka.AIOKafkaConsumer`` without a group (partitions are assigned);
        a short ``fetch_max_wait_ms`` keeps its offset requests from queueing behind a fetch.
    topic
        The compacted state topic; partition ``p`` holds the snapshots of source partition ``p``.
    """

    def __init__(self, producer: Any, consumer: Any, topic: str) -> None:
        self.producer = producer
        self.consumer = consumer
        self.topic = topic
        self._saved: dict[int, dict[str, Entry]] = {}
        self._saved_pages: dict[int, dict[str, Entry]] = {}
        self._saved_data: dict[int, dict[str, bytes]] = {}  # the bytes objects saved last
        self._reading = asyncio.Lock()  # one consumer: one load at a time

    async def save(
        self, partition: int, blobs: Mapping[str, bytes], meta: Mapping[str, Any]
    ) -> int:
        """Write a snapshot of ``partition``; return the manifest's offset."""
        previous = self._saved.get(partition, {})
        previous_data = self._saved_data.get(partition, {})
        named: dict[str, Entry] = {}
        for name, data in blobs.items():
            known = previous.get(name)
            if known is not None and previous_data.get(name) is data:
                named[name] = known
            else:
                named[name] = await self._stored(partition, "blob", name, data, known)
        pages_before = self._saved_pages.get(partition, {})
        pages: dict[str, Entry] = {}
        if len(named) > INLINE_BLOBS:
            for page, data in manifest_pages(named).items():
                pages[page] = await self._stored(partition, "page", page, data,
                                                 pages_before.get(page))  # fmt: skip
            listed = {"pages": pages}  # each entry a JSON [digest, offsets]
        else:
            listed = {"blobs": named}
        offset = await self._send(
            partition, MANIFEST_KEY, orjson.dumps({"meta": dict(meta), **listed})
        )
        self._saved[partition] = named
        self._saved_data[partition] = dict(blobs)
        self._saved_pages[partition] = pages
        await self._delete(partition, "blob", previous, named)
        await self._delete(partition, "page", pages_before, pages)
        return offset

    async def _stored(
        self, partition: int, kind: str, name: str, data: bytes, known: Entry | None
    ) -> Entry:
        """``data``'s entry: ``known`` if unchanged, else after writing its chunks."""
        digest = _digest(data)
        if known is not None and known[0] == digest:
            return known
        offsets = []
        for i, start in enumerate(range(0, max(len(data), 1), CHUNK_BYTES)):
            key = f"{kind}/{name}/{i}".encode()
            offsets.append(await self._send(partition, key, data[start : start + CHUNK_BYTES]))
        return digest, offsets

    async def _delete(
        self, partition: int, kind: str, before: Mapping[str, Entry], now: Mapping[str, Entry]
    ) -> None:
        """Tombstones for the chunks of what ``now`` no longer names."""
        for name, (_, offsets) in before.items():
            if name not in now:
                for i in range(len(offsets)):
                    await self._send(partition, f"{kind}/{name}/{i}".encode(), None)

    async def _send(self, partition: int, key: bytes, value: bytes | None) -> int:
        metadata = await self.producer.send_and_wait(
            self.topic, value, key=key, partition=partition
        )
        return int(metadata.offset)

    async def load(self, partition: int) -> Snapshot | None:
        """The latest snapshot of ``partition``, or None when it has none."""
        async with self._reading:
            try:
                return await self._load(partition)
            finally:  # an assigned consumer keeps fetching, and a fetch delays what follows it
                self.consumer.unsubscribe()

    async def _load(self, partition: int) -> Snapshot | None:
        from aiokafka import TopicPartition  # type: ignore[import-untyped]

        tp = TopicPartition(self.topic, partition)
        self.consumer.assign([tp])
        end = (await self.consumer.end_offsets([tp]))[tp]
        if end == 0:  # never written: no snapshot (and no beginning to ask for, a slow request)
            self._forget_saved(partition)
            return None
        begin = (await self.consumer.beginning_offsets([tp]))[tp]
        manifest = None
        for step in (*_SCAN_STEPS, end - begin):
            start = max(begin, end - step)
            manifest = await self._last_manifest(tp, start, end)
            if manifest is not None or start == begin:
                break
        if manifest is None:
            self._forget_saved(partition)
            return None
        pages = entries_of(manifest.get("pages", {}))
        named = entries_of(manifest.get("blobs", {}))
        for data in (await self._read_entries(tp, "page", pages)).values():
            named.update(page_entries(data))
        blobs = await self._read_entries(tp, "blob", named)
        self._saved[partition] = named
        self._saved_pages[partition] = pages
        self._saved_data[partition] = dict(blobs)  # the blobs restored are the objects saved next
        return Snapshot(dict(manifest["meta"]), blobs)

    async def _read_entries(
        self, tp: Any, kind: str, entries: Mapping[str, Entry]
    ) -> dict[str, bytes]:
        """The data of each entry, its digest checked."""
        chunks = await self._read_chunks(
            tp, [o for _, offsets in entries.values() for o in offsets]
        )
        found = {}
        for name, (digest, offsets) in entries.items():
            data = b"".join([chunks[o] for o in offsets])
            if _digest(data) != digest:
                msg = f"{self.topic}[{tp.partition}]: {kind} {name} does not match its digest"
                raise SnapshotError(msg)
            found[name] = data
        return found

    async def _last_manifest(self, tp: Any, start: int, end: int) -> dict[str, Any] | None:
        if start >= end:
            return None
        self.consumer.seek(tp, start)
        found = None
        position = start
        while position < end:
            messages = await self._poll(tp, f"the manifest after offset {position}")
            for message in messages:
                position = message.offset + 1
                if message.key == MANIFEST_KEY and message.value is not None:
                    found = orjson.loads(message.value)
        return found

    async def _read_chunks(self, tp: Any, offsets: list[int]) -> dict[int, bytes]:
        """The values at ``offsets`` in offset order (a seek over long gaps, fruitless fetches)."""
        wanted = sorted(set(offsets))
        found: dict[int, bytes] = {}
        i, position = 0, None
        while i < len(wanted):
            target = wanted[i]
            if position is None or not position <= target <= position + _READ_ON:
                self.consumer.seek(tp, target)
                position = target
            messages = await self._poll(tp, f"the chunk at {target}")
            before = i
            for message in messages:
                if message.offset == wanted[i]:
                    if message.value is None:
                        msg = f"{self.topic}[{tp.partition}]: chunk at {message.offset} was deleted"
                        raise SnapshotError(msg)
                    found[message.offset] = bytes(message.value)
                    i += 1
                    if i == len(wanted):
                        break
                elif message.offset > wanted[i]:
                    msg = f"{self.topic}[{tp.partition}]: chunk at {wanted[i]} is gone"
                    raise SnapshotError(msg)
            # read on while it pays: a fetch that brought none of the chunks (a broker answering
            # one large superseded chunk at a time) is followed by a seek to the next one
            position = messages[-1].offset + 1 if i > before else None
        return found

    async def _poll(self, tp: Any, what: str) -> list[Any]:
        """The next messages of ``tp``; SnapshotUnanswered when none came for a while.

        An empty poll is a broker slower than the poll (a stall, a load), not the end: the
        reads stop short of the end offset. Taking it for the end lost the snapshot.
        """
        deadline = asyncio.get_running_loop().time() + _READ_TIMEOUT_SECONDS
        while True:
            batch = await asyncio.wait_for(
                self.consumer.getmany(tp, timeout_ms=1000), _READ_TIMEOUT_SECONDS
            )
            messages = batch.get(tp, [])
            if messages:
                return list(messages)
            if asyncio.get_running_loop().time() >= deadline:
                msg = f"{self.topic}[{tp.partition}]: no answer reading {what}"
                raise SnapshotUnanswered(msg)

    def forget(self, partition: int) -> None:
        """Forget what was saved for ``partition`` (it moved to another worker)."""
        self._forget_saved(partition)

    def _forget_saved(self, partition: int) -> None:
        self._saved.pop(partition, None)
        self._saved_pages.pop(partition, None)
        self._saved_data.pop(partition, None)


def _digest(data: bytes) -> str:
    """A blob's (or page's) digest, as its manifest entry names it."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()
