r"""``analyze``'s fast path: plain CSV capture records, a block at a time, into text columns.

Most capture files hold one CSV row per record with nothing unusual in it. A block of lines
is decoded by orjson — the general path's own decoder, so a line (``NaN``, a byte-order
mark, invalid UTF-8, ``null``, deep nesting) is valid or not for both alike — and the plain
records' payloads are joined and parsed by pyarrow's CSV reader into one text column per
feature, without a Python object per value. A record is *plain* when the general path
(:func:`~stream.capture.records.decode_capture`, :class:`~stream.capture.rows.RowBuilder`)
would make exactly one row of ``width`` fields from it: a non-empty ``eventId``, every chosen
capture part present with ``encoding`` ``CSV`` and non-blank data without quotes or line
breaks, every other part absent or well-formed, and ``width`` fields in all. Every other
line is handed back to the general path, which gives it the same row or its error reason.
As the worker's :mod:`stream.capture.plain_csv`, this is an optimisation, never a second
meaning. (It lives here, not in ``stream.capture``, until the worker's and this decoder are
one.)

Examples
--------
>>> line = (b'{"captureData":{"endpointInput":{"data":"41,basic","encoding":"CSV"}},'
...         b'"eventMetadata":{"eventId":"e1"}}')
>>> block = PlainCaptureReader(parts=("endpointInput",), width=2).read(line + b"\n{bad\n")
>>> [column.to_pylist() for column in block.columns], block.rest, block.records
([['41'], ['basic']], [b'{bad\n'], 2)
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NamedTuple

import orjson
import pyarrow as pa
import pyarrow.csv as pa_csv

from stream.capture.records import (
    BATCH_TRANSFORM_OUTPUT,
    CAPTURE_PARTS,
    ENCODINGS,
    MAX_RECORD_BYTES,
)


class PlainBlock(NamedTuple):
    """The plain records' feature columns (missing as null), the other lines, the records.

    ``records`` counts the block's non-blank lines, as the general path does; ``rest``
    holds the other lines as the general path reads them (with their newline).
    """

    columns: list[pa.ChunkedArray]
    n_rows: int
    rest: list[bytes]
    records: int


@contextmanager
def _collection_paused() -> Iterator[None]:
    """Decoded JSON holds no reference cycles: the cyclic collector has nothing to find.

    Left on, it walks the block's dicts again and again while they are created (it is
    triggered by allocations), which costs more than decoding them.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _decoded(lines: list[bytes]) -> list[Any]:
    """Each line decoded; its bytes where it is oversized or orjson refuses it (not plain).

    A line is oversized when it is longer than the general path takes with its newline.
    """
    try:
        return [orjson.loads(line) if len(line) < MAX_RECORD_BYTES else line for line in lines]
    except orjson.JSONDecodeError:
        pass
    decoded: list[Any] = []
    for line in lines:
        try:
            decoded.append(orjson.loads(line) if len(line) < MAX_RECORD_BYTES else line)
        except orjson.JSONDecodeError:
            decoded.append(line)
    return decoded


def _well_formed(part: Any) -> bool:
    """A capture part the general path accepts (it is not read: it is not a column)."""
    return isinstance(part, dict) and (
        isinstance(part.get("data"), str) and str(part.get("encoding", "")).upper() in ENCODINGS
    )


class PlainCaptureReader:
    """Split blocks of capture lines into plain rows of ``width`` fields and the rest.

    ``parts`` are the capture parts that become columns, in column order (output first).
    """

    def __init__(self, *, parts: tuple[str, ...], width: int) -> None:
        self.parts = parts
        self.width = width
        self._others = tuple(p for p in (*CAPTURE_PARTS, BATCH_TRANSFORM_OUTPUT) if p not in parts)
        self._csv = (
            pa_csv.ReadOptions(autogenerate_column_names=True),
            pa_csv.ParseOptions(quote_char=False),
            pa_csv.ConvertOptions(
                check_utf8=False,  # orjson's strings are valid UTF-8
                null_values=[""],
                strings_can_be_null=True,
                column_types={f"f{i}": pa.string() for i in range(width)},
            ),
        )

    def read(self, body: bytes) -> PlainBlock:
        """The plain rows of ``body`` (whole capture lines) as columns, and the other lines."""
        pieces = body.split(b"\n")
        ends = len(pieces) - 1  # pieces before this one ended with a newline
        lines = [i for i in range(len(pieces)) if pieces[i].strip()]
        with _collection_paused():  # until the decoded records are freed again
            texts = [self._plain_text(record) for record in _decoded([pieces[i] for i in lines])]
        rest = [
            pieces[i] + b"\n" if i < ends else pieces[i]
            for i, text in zip(lines, texts, strict=True)
            if text is None
        ]
        plain = [text for text in texts if text is not None]
        if not plain:
            return PlainBlock([], 0, rest, len(lines))
        text = "\n".join(plain) + "\n"  # pyarrow finds no row in one line without its newline
        table = pa_csv.read_csv(pa.BufferReader(text.encode()), *self._csv)
        return PlainBlock(table.columns, len(plain), rest, len(lines))

    def _plain_text(self, record: Any) -> str | None:
        """The record's one CSV row (its parts' data joined by commas), or None."""
        try:
            if not record["eventMetadata"]["eventId"]:
                return None
            capture = record["captureData"]
            texts = []
            for name in self.parts:
                part = capture[name]
                text = part["data"]
                if part["encoding"] != "CSV" or type(text) is not str or not text.strip():
                    return None
                texts.append(text)
            for name in self._others:
                part = capture.get(name)
                if part is not None and not _well_formed(part):
                    return None
        except (KeyError, TypeError, AttributeError):
            return None  # not a mapping where one is needed, or a field missing
        row = texts[0] if len(texts) == 1 else ",".join(texts)
        if row.count(",") != self.width - 1 or '"' in row or "\n" in row or "\r" in row:
            return None
        return row
