"""A window partial too large for one message travels as several: its chunks, and their assembly.

A data-quality partial carries a KLL sketch per numeric feature (~7.4 KiB each at 2,000
rows): past ~1,100 features it is over the ``WORKER_MESSAGE_BYTES`` a message may be. Such a
partial's bytes (:meth:`WindowPartial.to_bytes`) are cut into pieces of ``CHUNK_BYTES``
(:func:`partial_messages`); each message is one self-describing chunk: the digest of the whole
partial, its index and the count of chunks, the monitor, partition and window it belongs to,
and its bytes (base64, so a chunk message stays JSON like any partial).

On the aggregator side, :class:`PartialChunks` keeps a partials partition's chunks by digest
until all of a partial's are there, then gives back the partial's bytes. A chunk it holds
already (sent again after a restart) is dropped. The assembled partial is then merged like
any other, so the aggregator's own check of its source offsets (or sequence number) keeps it
merged once however often it was sent. The chunks waiting are part of the partials
partition's snapshot (:meth:`to_bytes`): after a restart the chunks already read are skipped
(their offsets are covered) and still there.

Examples
--------
>>> whole = bytes(range(256)) * 3
>>> about = {"monitor": "m", "partition": 0, "window_start": 0.0, "window_end": 60.0,
...          "labelled": False}
>>> raw = [orjson.dumps(c) for c in chunk_documents(whole, about, size=500)]
>>> len(raw)
2
>>> chunks = PartialChunks()
>>> chunks.add(chunk_of(orjson.loads(raw[1])))
>>> chunks.add(chunk_of(orjson.loads(raw[1]))), len(chunks.pending)
(None, 1)
>>> chunks.add(chunk_of(orjson.loads(raw[0]))) == whole, chunks.pending
(True, {})
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from stream.kafka.topics import WORKER_MESSAGE_BYTES
from stream.worker.windows import WindowPartial

# raw bytes a chunk carries: base64 makes them 4/3 as many, and the rest of the message is small
CHUNK_BYTES = WORKER_MESSAGE_BYTES // 2
CHUNK_FIELD = "partial_chunk"  # the key that tells a chunk message from a partial


@dataclass(frozen=True, slots=True)
class Chunk:
    """One chunk message, decoded: ``index`` of ``count`` of the partial with ``digest``."""

    digest: str
    index: int
    count: int
    about: dict[str, Any]  # monitor, partition, window_start, window_end, labelled
    data: bytes


@dataclass(slots=True)
class _Pending:
    count: int
    about: dict[str, Any]
    parts: dict[int, bytes] = field(default_factory=dict)


def chunk_documents(whole: bytes, about: Mapping[str, Any], size: int = CHUNK_BYTES) -> list[dict]:
    """The chunk messages (as JSON-ready documents) that carry ``whole``."""
    digest = hashlib.blake2b(whole, digest_size=16).hexdigest()
    pieces = [whole[i : i + size] for i in range(0, len(whole), size)]
    return [
        {CHUNK_FIELD: {"digest": digest, "index": i, "count": len(pieces)}, **about,
         "data": base64.b64encode(piece).decode()}
        for i, piece in enumerate(pieces)
    ]  # fmt: skip


def partial_messages(partial: WindowPartial, fits: Callable[[bytes], bool]) -> list[bytes]:
    """The partial's bytes when they ``fits`` in a message, else its chunk messages."""
    whole = partial.to_bytes()
    if fits(whole):
        return [whole]
    about = {"monitor": partial.monitor, "partition": partial.partition,
             "window_start": partial.window_start, "window_end": partial.window_end,
             "labelled": partial.is_labelled}  # fmt: skip
    return [orjson.dumps(doc) for doc in chunk_documents(whole, about)]


def chunk_of(document: Mapping[str, Any]) -> Chunk:
    """A decoded chunk message; ValueError when the document is not a valid chunk."""
    try:
        head = document[CHUNK_FIELD]
        digest, index, count = str(head["digest"]), int(head["index"]), int(head["count"])
        data = base64.b64decode(document["data"], validate=True)
    except (KeyError, TypeError, ValueError) as error:
        msg = f"not a partial chunk: {error!r}"
        raise ValueError(msg) from None
    if not 0 <= index < count:
        msg = f"partial chunk {index} of {count}"
        raise ValueError(msg)
    try:
        about = {"monitor": str(document["monitor"]), "partition": int(document["partition"]),
                 "window_start": float(document["window_start"]),
                 "window_end": float(document["window_end"]),
                 "labelled": bool(document["labelled"])}  # fmt: skip
    except (KeyError, TypeError, ValueError) as error:
        msg = f"partial chunk without its partial's monitor, partition and window: {error!r}"
        raise ValueError(msg) from None
    return Chunk(digest, index, count, about, data)


class PartialChunks:
    """A partials partition's chunks of partials not complete yet, by the partial's digest."""

    def __init__(self) -> None:
        self.pending: dict[str, _Pending] = {}

    def add(self, chunk: Chunk) -> bytes | None:
        """Keep a chunk; the partial's bytes once it has all of them, else None.

        A chunk of a partial whose chunks disagree on their count is refused (ValueError).
        """
        pending = self.pending.setdefault(chunk.digest, _Pending(chunk.count, chunk.about))
        if pending.count != chunk.count:
            msg = f"partial {chunk.digest}: chunk of {chunk.count}, earlier ones of {pending.count}"
            raise ValueError(msg)
        pending.parts.setdefault(chunk.index, chunk.data)
        if len(pending.parts) < pending.count:
            return None
        del self.pending[chunk.digest]
        whole = b"".join(pending.parts[i] for i in range(pending.count))
        if hashlib.blake2b(whole, digest_size=16).hexdigest() != chunk.digest:
            msg = f"partial {chunk.digest}: its chunks do not match its digest"
            raise ValueError(msg)
        return whole

    def forget(self, unwanted: Callable[[Mapping[str, Any]], bool]) -> list[dict[str, Any]]:
        """Drop the partials whose ``about`` is ``unwanted``; return their ``about``."""
        gone = [d for d, p in self.pending.items() if unwanted(p.about)]
        return [self.pending.pop(digest).about for digest in gone]

    def to_bytes(self) -> bytes:
        """The chunks waiting, for the partition's snapshot."""
        return orjson.dumps({
            d: {"count": p.count, "about": p.about,
                "parts": {str(i): base64.b64encode(b).decode() for i, b in p.parts.items()}}
            for d, p in self.pending.items()
        })  # fmt: skip

    @classmethod
    def from_bytes(cls, raw: bytes) -> PartialChunks:
        """Rebuild from :meth:`to_bytes` output."""
        chunks = cls()
        for digest, p in orjson.loads(raw).items():
            parts = {int(i): base64.b64decode(b) for i, b in p["parts"].items()}
            chunks.pending[digest] = _Pending(int(p["count"]), dict(p["about"]), parts)
        return chunks
