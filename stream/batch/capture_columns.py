r"""``analyze``'s fast path: plain CSV capture records, a block at a time, into text columns.

Most capture files hold one CSV row per record with nothing unusual in it. A block of lines
is decoded by orjson — the general path's own decoder, so a line (``NaN``, a byte-order
mark, invalid UTF-8, ``null``, deep nesting) is valid or not for both alike — and the plain
records' payloads are joined and parsed by pyarrow's CSV reader into one text column per
feature, without a Python object per value. A record is *plain* when the general path
(:func:`~stream.capture.records.decode_capture`, :class:`~stream.capture.rows.RowBuilder`)
would make exactly one row of ``width`` fields from it: a non-empty ``eventId``, each chosen
capture part absent (left out, as the general path leaves it out: an input-only capture
reads as its input) or one non-blank CSV row without quotes (``CSV``, or ``BASE64`` under a
CSV content type; a line break may end it: :func:`~stream.capture.plain_csv.csv_row_text`),
at least one of them present, every other part absent or well-formed, and
``width`` fields in all. Every other
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

from typing import Any, NamedTuple

import numpy as np
import orjson
import pyarrow as pa

from stream.batch.arrow_capture_lines import ArrowCaptureLines, PlainRows
from stream.capture.csv_rows import row_columns, rows_text
from stream.capture.plain_csv import csv_row_text
from stream.capture.records import ENCODINGS, MAX_RECORD_BYTES

_NEWLINE = 10
_CSV_MARKS = (b'"CSV"', b'"BASE64"', b"\\u")  # a block with none holds no plain CSV record


class PlainBlock(NamedTuple):
    """The plain records' feature columns (missing as null), the other lines, the records."""

    columns: list[pa.ChunkedArray]
    n_rows: int
    rest: list[bytes]
    records: int


def others_well_formed(capture: dict[str, Any], others: tuple[str, ...]) -> bool:
    """Whether a record's parts ``others`` (not columns) are absent or well-formed, as needed."""
    return all(part is None or _well_formed(part) for part in map(capture.get, others))


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
        self._arrow = ArrowCaptureLines(parts=parts, width=width)
        self._others = self._arrow.others
        self._columns = row_columns(width)

    def read(self, body: bytes) -> PlainBlock:
        """The plain rows of ``body`` (whole capture lines) as columns, and the other lines."""
        return self.columns(self.rows(body))

    def rows(self, body: bytes) -> PlainRows:
        """Decode ``body`` (whole capture lines): its plain rows and the other lines.

        The Python half of :meth:`read`; :meth:`columns`, the other, releases the GIL. A
        block of ordinary lines is decided by pyarrow's JSON reader instead, where
        :mod:`stream.batch.arrow_capture_lines` vouches that it decides as orjson does.
        """
        if not any(mark in body for mark in _CSV_MARKS):
            return self.other_lines(body)
        fast = self._arrow.rows(body)
        return fast if fast is not None else self.line_rows(body)

    def other_lines(self, body: bytes) -> PlainRows:
        r"""Every non-blank line handed back: :meth:`line_rows` of a block without plain rows.

        A block none of :data:`_CSV_MARKS` is in has none: no ``"CSV"`` encoding, no
        ``"BASE64"`` one, and no ``\u`` escape that could spell either. JSON payloads'
        captures are such blocks, and their lines then cost no decoding here.
        """
        lines = body.split(b"\n")
        rest = [line + b"\n" for line in lines[:-1] if line.strip()]
        if lines[-1].strip():
            rest.append(lines[-1])  # a last line without its newline
        return PlainRows(b"", 0, rest, len(rest))

    def line_rows(self, body: bytes) -> PlainRows:
        """:meth:`rows` decided line by line with orjson: every block's reference."""
        ends = np.flatnonzero(np.frombuffer(body, dtype=np.uint8) == _NEWLINE).tolist()
        starts = [0, *(end + 1 for end in ends)]
        if starts[-1] < len(body):
            ends.append(len(body))  # a last line without its newline
        else:
            starts.pop()
        view = memoryview(body)  # lines are read in place, never copied
        texts = [self._plain_text(view[a:b]) for a, b in zip(starts, ends, strict=True)]
        plain = [text for text in texts if text is not None]
        rest = []
        if len(plain) < len(texts):  # blank lines are no records; the others go back
            others = (i for i, text in enumerate(texts) if text is None)
            lines = (body[starts[i] : ends[i] + 1] for i in others)  # with the newline
            rest = [line for line in lines if line.strip()]
        csv = rows_text(plain) if plain else b""
        return PlainRows(csv, len(plain), rest, len(plain) + len(rest))

    def columns(self, rows: PlainRows) -> PlainBlock:
        """The plain rows as one text column per feature, parsed by pyarrow."""
        if not rows.n_rows:
            return PlainBlock([], 0, rows.rest, rows.records)
        columns = self._columns.columns(rows.csv)
        return PlainBlock(columns, rows.n_rows, rows.rest, rows.records)

    def _plain_text(self, line: memoryview) -> str | None:
        """The line's one CSV row (its record's parts' data joined by commas), or None.

        Each record is dropped as soon as its row is taken: decoding a block's records all
        at once, and freeing them after, costs twice as much (memory that has gone cold,
        and the cyclic collector walking them while they pile up).
        """
        if len(line) >= MAX_RECORD_BYTES:  # the general path counts the newline too
            return None
        try:
            record = orjson.loads(line)
            if not record["eventMetadata"]["eventId"]:
                return None
            capture = record["captureData"]
            row = None
            for name in self.parts:
                part = capture.get(name)
                if part is None:  # absent (or null): the general path leaves it out
                    continue
                text = csv_row_text(part)
                if text is None:
                    return None
                row = text if row is None else f"{row},{text}"
            if row is None:
                return None  # none of the chosen parts: the general path's missing_field
            if len(capture) > len(self.parts) and not others_well_formed(capture, self._others):
                return None
        except (orjson.JSONDecodeError, KeyError, TypeError, AttributeError):
            return None  # not JSON, not a mapping where one is needed, or a field missing
        if row.count(",") != self.width - 1 or '"' in row or "\n" in row or "\r" in row:
            return None
        return row
