"""The pending store's local RocksDB (through ``rocksdict``, raw bytes): entries, index, counts.

Key layout (one key space, a one-byte prefix per kind):

- ``e<entry key>`` → entry value (see :mod:`stream.worker.pending_codec`);
- ``x<sortable expiry><entry key>`` → empty: the index by expiry time, in RocksDB's order;
- ``c<namespace>`` → how many entries the namespace holds (8 bytes, big-endian);
- ``m`` → the meta: the changelog end offset this content reflects, and the digest of the
  changelog record written last below it (to recognise a store from another run).

Every change goes through :meth:`PendingRocks.apply`, one ``WriteBatch``: entries, their index
items, counts and meta change together or not at all (RocksDB's write-ahead log makes a batch
atomic across ``kill -9``). The database is a local copy of the changelog: one that does not
open (a truncated table file, a damaged ``CURRENT`` or ``MANIFEST`` after a disk fault or a
hand edit) is discarded with a warning and starts empty, and the restore replays the whole
changelog into it, as for a worker without ``state_dir``. One whose ``LOCK`` is held is
open, not damaged: that refusal is raised, nothing is discarded. Memory is bounded by
:class:`RocksTuning`, not by the number of entries: index and filter blocks are charged to
the block cache.
"""

from __future__ import annotations

import logging
import shutil
import struct
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from rocksdict import (
    BlockBasedIndexType,
    BlockBasedOptions,
    Cache,
    Options,
    Rdict,
    WriteBatch,
)

from stream.worker.pending_codec import expiry_of, namespace_of, sortable_time, time_from_sortable

log = logging.getLogger("driftline.pending")

ENTRY, INDEX, COUNT, META = b"e", b"x", b"c", b"m"
_TIME_BYTES = 8
_COUNT = struct.Struct(">q")


@dataclass(frozen=True, slots=True)
class RocksTuning:
    """Memory and file knobs of one partition's RocksDB.

    Parameters
    ----------
    block_cache_bytes
        Block cache, which also holds index and filter blocks (so they do not grow outside it).
    write_buffer_bytes
        Size of one memtable.
    max_write_buffers
        Memtables kept in memory at most (one filling, the others being flushed).
    max_open_files
        Table files kept open.
    """

    block_cache_bytes: int = 8 * 1024 * 1024
    write_buffer_bytes: int = 8 * 1024 * 1024
    max_write_buffers: int = 2
    max_open_files: int = 256


@dataclass(frozen=True, slots=True)
class AppliedMeta:
    """What the RocksDB content reflects: the changelog up to ``end`` (exclusive).

    ``last`` is ``(offset, digest)`` of the newest changelog record below ``end`` this store
    knows of, or None.
    """

    end: int
    last: tuple[int, str] | None = None

    def to_bytes(self) -> bytes:
        """JSON bytes of the meta."""
        return orjson.dumps({"end": self.end, "last": list(self.last) if self.last else None})

    @classmethod
    def from_bytes(cls, raw: bytes) -> AppliedMeta:
        """The meta read back."""
        data = orjson.loads(raw)
        last = data.get("last")
        return cls(int(data["end"]), (int(last[0]), str(last[1])) if last else None)


def index_key(expires_at: float, key: bytes) -> bytes:
    """The index item of an entry."""
    return INDEX + sortable_time(expires_at) + key


def _options(tuning: RocksTuning) -> Any:
    options = Options(raw_mode=True)
    options.create_if_missing(True)
    table = BlockBasedOptions()
    table.set_block_cache(Cache(tuning.block_cache_bytes))
    table.set_bloom_filter(10, False)  # a lookup of an absent key reads no data block
    # Index and filter blocks in the cache, cut into partitions of a few KB: a whole-file
    # filter of a large table would not fit one cache shard and be read again on every get.
    table.set_index_type(BlockBasedIndexType.two_level_index_search())
    table.set_partition_filters(True)
    table.set_metadata_block_size(4096)
    table.set_cache_index_and_filter_blocks(True)
    table.set_pin_top_level_index_and_filter(True)
    table.set_pin_l0_filter_and_index_blocks_in_cache(True)
    table.set_format_version(5)
    options.set_block_based_table_factory(table)
    options.set_write_buffer_size(tuning.write_buffer_bytes)
    options.set_max_write_buffer_number(tuning.max_write_buffers)
    options.set_max_open_files(tuning.max_open_files)
    return options


class IndexScan:
    """The expiry index from a seek key on, in expiry order; :meth:`close` releases it."""

    def __init__(self, db: Any, start: bytes) -> None:
        self._iterator: Any = db.iter()
        self._iterator.seek(start)

    def head(self) -> tuple[bytes, float, bytes] | None:
        """``(index key, expires_at, entry key)`` of the current item, or None at the end."""
        iterator = self._iterator
        if iterator is None or not iterator.valid():
            return None
        raw: bytes = iterator.key()
        if raw[:1] != INDEX:
            return None
        return raw, time_from_sortable(raw[1:]), raw[1 + _TIME_BYTES :]

    def advance(self) -> None:
        """Move to the next index item."""
        self._iterator.next()

    def close(self) -> None:
        """Release the iterator (an open iterator keeps the database open)."""
        self._iterator = None


def _held_elsewhere(error: Exception) -> bool:
    """Whether RocksDB refused to open because its ``LOCK`` is held (the database is open)."""
    return str(error).startswith("IO error: lock") or "/LOCK:" in str(error)


class PendingRocks:
    """One partition's RocksDB: entries, their expiry index, counts and meta.

    Parameters
    ----------
    path
        The folder of the database (created when missing).
    tuning
        Memory and file knobs.
    """

    def __init__(self, path: Path, tuning: RocksTuning) -> None:
        self.path = Path(path)
        self.tuning = tuning
        self.db: Any = None
        self.counts: dict[str, int] = {}
        self.meta: AppliedMeta | None = None
        self.discarded: str | None = None  # why the local copy was discarded at open, if it was
        try:
            self._open()
        except Exception as error:  # rocksdict raises a bare Exception ("Corruption: …")
            if _held_elsewhere(error):  # open in this process: no damage, nothing to discard
                raise
            self._discard(error)

    def _discard(self, error: Exception) -> None:
        """Remove a database that does not open and start an empty one in its place."""
        self.discarded = f"{type(error).__name__}: {error}"
        log.warning(
            "pending store %s: its RocksDB does not open (%s); discarded, the restore "
            "rebuilds it from the changelog",
            self.path,
            self.discarded,
        )
        self.close()
        shutil.rmtree(self.path, ignore_errors=True)
        self._open()

    def _open(self) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        self.db = Rdict(str(self.path), _options(self.tuning))
        raw_meta = self.db.get(META)
        self.meta = None if raw_meta is None else AppliedMeta.from_bytes(raw_meta)
        self.counts = {}
        iterator = self.db.iter()
        iterator.seek(COUNT)
        while iterator.valid() and iterator.key()[:1] == COUNT:
            self.counts[iterator.key()[1:].decode()] = _COUNT.unpack(iterator.value())[0]
            iterator.next()
        del iterator

    def get(self, key: bytes) -> bytes | None:
        """The entry value stored for an entry key, or None."""
        value: bytes | None = self.db.get(ENTRY + key)
        return value

    def scan_index(self, start: bytes = INDEX) -> IndexScan:
        """The expiry index from ``start`` (an index key or the prefix) on."""
        return IndexScan(self.db, start)

    def apply(self, changes: Iterable[tuple[bytes, bytes | None]], meta: AppliedMeta) -> None:
        """Write changes (entry key → entry value or None), counts and meta in one batch."""
        batch = WriteBatch(raw_mode=True)
        moved: Counter[str] = Counter()
        for key, new in changes:
            old = self.db.get(ENTRY + key)
            if old is not None:
                batch.delete(index_key(expiry_of(old), key))
            if new is not None:
                batch.put(ENTRY + key, new)
                batch.put(index_key(expiry_of(new), key), b"")
                moved[namespace_of(key)] += int(old is None)
            elif old is not None:
                batch.delete(ENTRY + key)
                moved[namespace_of(key)] -= 1
        counts = dict(self.counts)
        for namespace, change in moved.items():
            counts[namespace] = counts.get(namespace, 0) + change
            if counts[namespace]:
                batch.put(COUNT + namespace.encode(), _COUNT.pack(counts[namespace]))
            else:
                del counts[namespace]
                batch.delete(COUNT + namespace.encode())
        batch.put(META, meta.to_bytes())
        self.db.write(batch)
        self.counts, self.meta = counts, meta

    def wipe(self) -> None:
        """Delete every entry, count and the meta (the folder is kept)."""
        log.warning("pending store %s: local content discarded", self.path)
        self.db.close()
        self.db = None
        Rdict.destroy(str(self.path), _options(self.tuning))
        self._open()

    def close(self) -> None:
        """Close the database (flushes its memtables)."""
        if self.db is not None:
            self.db.close()
            self.db = None
