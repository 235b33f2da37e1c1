r"""Blocks of capture lines read by pyarrow's JSON reader — only where it reads as orjson does.

``analyze``'s plain capture records (:mod:`stream.batch.capture_columns`) are decided by
orjson, the general path's decoder, one line at a time. On a block of ordinary lines the
same decision can be made by pyarrow's JSON reader (C++, several threads, the GIL released)
and a few column kernels, with no Python object per record. This module does that for a
block it can vouch for, and declines (returns None) for any other, which then takes the
orjson path. It vouches for a block when:

- the block is ASCII without ``\u`` escapes, so every decoded string is ASCII as well and
  Python's ``str.strip`` and pyarrow's ASCII kernels agree on it;
- it holds no ``NaN`` or ``Inf`` outside a string (pyarrow reads ``NaN``, ``Inf``,
  ``-Infinity`` as numbers; orjson does not), no line of
  :data:`~stream.capture.records.MAX_RECORD_BYTES` or more and none nested deeper than
  orjson reads. Inside a string they are text to both ("Info", "1,NaN,3"); a block with a
  backslash, whose strings cannot be told by counting quotes, holds them nowhere;
- every line begins with ``{`` and ends with ``}`` (a ``\r`` before the newline aside) and
  pyarrow reads exactly one record per line: in JSON, ``{`` cannot follow ``}`` inside a
  value, so no record spans two lines, and none shares one
  (:func:`~stream.batch.line_blocks.object_lines`);
- pyarrow reads the block at all with the capture parts' schema (a part that is not an
  object, a ``data`` or content type that is not a string, a duplicated field: it raises,
  the block declines).

A ``BASE64`` payload under a content type naming CSV (what SageMaker captures when no
content types are configured) is decoded record by record with the general path's own
decoder (:func:`~stream.capture.event_data.base64_text`). One that does not decode, or whose
text is blank, is handed back: blank as Python's ``strip`` tells, which also strips
characters pyarrow's ASCII kernels keep (``\x1c``, U+3000). Decoded text, like an escaped
string, may hold quotes and line breaks: those records are handed back too.

A payload may end in one line break (LF or CRLF), which is dropped, as the general path
drops the blank line after it.

``tests/stream/batch/test_arrow_capture_lines.py`` holds it to the orjson path on thousands
of mutated lines.

Examples
--------
>>> good = (b'{"captureData":{"endpointInput":{"data":"41,basic","encoding":"CSV"}},'
...         b'"eventMetadata":{"eventId":"e1"}}')
>>> lines = ArrowCaptureLines(parts=("endpointInput",), width=2)
>>> no_id = good.replace(b'"e1"', b'""')
>>> rows = lines.rows(good + b"\n" + no_id + b"\n")
>>> bytes(rows.csv), rows.n_rows, rows.rest == [no_id + b"\n"], rows.records
(b'41,basic\n', 1, True, 2)
>>> lines.rows(good.replace(b'"e1"', b"NaN")) is None
True
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pa_json

from stream.batch.line_blocks import object_lines
from stream.capture.arrow_columns import any_true, boolean_array
from stream.capture.event_data import CaptureError, base64_text
from stream.capture.records import ENCODINGS, other_parts

# pyarrow reads these bare numbers and orjson does not
_BARE_NUMBERS = (b"NaN", b"Inf")
# ``\u`` escapes can decode to characters (non-ASCII whitespace, ``\x1c``) that Python strips
# and pyarrow's ASCII kernels keep
_ESCAPE = b"\\u"
_COMMA = 44
_QUOTE = 34
_BLOCK_SIZE = 1 << 20  # pyarrow's own chunks; a longer line makes it raise: the block declines
_PART = pa.struct([("data", pa.string()), ("encoding", pa.string())])
_CHOSEN_PART = pa.struct([*_PART, ("observedContentType", pa.string())])


class PlainRows(NamedTuple):
    """A block's plain rows as CSV text (one line each), its other lines, its records.

    ``records`` counts the block's non-blank lines, as the general path does; ``rest``
    holds the other lines as the general path reads them (with their newline).
    """

    csv: bytes | pa.Buffer
    n_rows: int
    rest: list[bytes]
    records: int


class ArrowCaptureLines:
    """Plain rows of ``width`` fields from a block of capture lines, or None (declined).

    ``parts`` are the capture parts that become columns, in column order.
    """

    def __init__(self, *, parts: tuple[str, ...], width: int) -> None:
        self.parts = parts
        self.width = width
        self.others = other_parts(parts)
        chosen = [(name, _CHOSEN_PART) for name in parts]
        capture = pa.struct([*chosen, *((name, _PART) for name in self.others)])
        schema = pa.schema(
            [("captureData", capture), ("eventMetadata", pa.struct([("eventId", pa.string())]))]
        )
        self._read = pa_json.ReadOptions(block_size=_BLOCK_SIZE)
        self._parse = pa_json.ParseOptions(
            explicit_schema=schema, unexpected_field_behavior="ignore"
        )

    def rows(self, body: bytes) -> PlainRows | None:
        """The block's plain rows and other lines, as the orjson path gives them; or None."""
        if not body or not body.isascii():
            return None
        octets = np.frombuffer(body, dtype=np.uint8)
        escapes = b"\\" in body
        if escapes and _found(octets, _ESCAPE).size:
            return None
        if _bare_numbers(octets, escapes=escapes):
            return None
        bounds = object_lines(octets)
        if bounds is None:
            return None
        starts, ends = bounds
        try:
            table = pa_json.read_json(pa.BufferReader(body), self._read, self._parse)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            return None
        if table.num_rows != len(starts):
            return None
        capture = table.column("captureData")
        parts = [pc.struct_field(capture, name) for name in self.parts]
        payloads = [_csv_payload(part) for part in parts]
        marks = escapes or any(decoded for _, _, decoded in payloads)  # quotes, line breaks
        texts = [_one_line(text, marks=marks) for text, _, _ in payloads]
        joined = _joined_payloads(texts)
        is_csv = [flags for _, flags, _ in payloads]
        plain = self._plain(table, parts, texts, is_csv, joined, marks=marks)
        n_rows = pc.sum(plain).as_py() or 0
        csv = _csv(joined.filter(plain)) if n_rows else b""
        others = np.flatnonzero(~plain.to_numpy(zero_copy_only=False))
        bounds = zip(starts[others].tolist(), ends[others].tolist(), strict=True)
        rest = [body[start : end + 1] for start, end in bounds]  # with the newline
        return PlainRows(csv, n_rows, rest, len(starts))

    def _plain(
        self,
        table: pa.Table,
        parts: list[pa.ChunkedArray],
        texts: list[pa.ChunkedArray],
        is_csv: list[pa.ChunkedArray],
        joined: pa.ChunkedArray,
        *,
        marks: bool,
    ) -> pa.Array:
        """Whether each record is plain: the rule of ``PlainCaptureReader._plain_text``.

        ``texts`` are the parts' payloads, CSV text where ``is_csv`` says so. Without ``marks``
        (no backslash in the block, no decoded payload) no text can hold a quote or a line
        break: raw ones cannot stand inside a JSON string.
        """
        capture = table.column("captureData")
        event_id = pc.struct_field(table.column("eventMetadata"), "eventId")
        plain = pc.greater(pc.binary_length(event_id), 0)
        present = None
        for part, data, csv in zip(parts, texts, is_csv, strict=True):
            blank = pc.or_(pc.equal(pc.binary_length(data), 0), pc.ascii_is_space(data))
            usable = pc.and_(csv, pc.invert(blank))  # null for an absent part or data
            plain = pc.and_(plain, pc.or_kleene(pc.is_null(part), usable))
            there = pc.is_valid(part)
            present = there if present is None else pc.or_(present, there)
        plain = pc.and_(plain, present)
        for name in self.others:
            part = pc.struct_field(capture, name)
            encoding = pc.ascii_upper(pc.struct_field(part, "encoding"))
            formed = pc.and_(
                pc.is_valid(pc.struct_field(part, "data")), pc.is_in(encoding, pa.array(ENCODINGS))
            )
            plain = pc.and_(plain, pc.or_(pc.is_null(part), formed))
        plain = pc.and_(plain, boolean_array(_commas(joined) == self.width - 1))
        if marks:
            plain = pc.and_(plain, pc.invert(pc.match_substring_regex(joined, '["\n\r]')))
        return pc.fill_null(plain, False)


def _csv_payload(part: pa.ChunkedArray) -> tuple[pa.ChunkedArray, pa.ChunkedArray, bool]:
    """A chosen part's payloads as CSV text, where they are CSV text, and if any was decoded.

    ``BASE64`` payloads under a content type naming CSV are decoded, as the general path
    decodes them (null where they do not).
    """
    data, encoding = pc.struct_field(part, "data"), pc.struct_field(part, "encoding")
    csv = pc.equal(encoding, "CSV")
    base64 = pc.equal(encoding, "BASE64")
    if not any_true(base64):
        return data, csv, False
    content_type = pc.struct_field(part, "observedContentType")
    decode = pc.fill_null(
        pc.and_(base64, pc.match_substring(content_type, "csv", ignore_case=True)), False
    )
    if not any_true(decode):
        return data, csv, False
    flags, start, texts = decode.combine_chunks(), 0, []
    for chunk in data.chunks:  # a chunk at a time: few Python strings alive at once
        texts.append(_decoded(chunk, flags.slice(start, len(chunk))))
        start += len(chunk)
    return pa.chunked_array(texts, pa.string()), pc.or_(csv, decode), True


def _decoded(data: pa.Array, decode: pa.BooleanArray) -> pa.Array:
    """``data`` with the rows ``decode`` flags decoded from BASE64 (null where they fail)."""
    if not decode.true_count:
        return data
    texts = pa.array(map(_base64_row, data.filter(decode).to_pylist()), pa.string())
    if len(texts) == len(data):
        return texts
    return pc.replace_with_mask(data, decode, texts)


def _base64_row(data: str | None) -> str | None:
    r"""A BASE64 payload's text as the general path decodes it, or None (handed back).

    None when it does not decode or is blank as Python's ``strip`` tells (pyarrow's ASCII
    kernels keep ``\x1c``, say, and U+3000).
    """
    try:
        text = base64_text(data) if data is not None else None
    except CaptureError:
        return None
    return text if text is not None and text.strip() else None


def _one_line(data: pa.ChunkedArray, *, marks: bool) -> pa.ChunkedArray:
    """Payloads without the one line break (LF or CRLF) that may end them.

    The general path drops the blank line after it; only an escaped string or a decoded
    payload can hold one.
    """
    if not marks or not any_true(pc.ends_with(data, "\n")):
        return data  # the replace allocates (~35 MiB of peak over a file) even when it finds none
    return pc.replace_substring_regex(data, "\r?\n$", "", max_replacements=1)


def _joined_payloads(texts: list[pa.ChunkedArray]) -> pa.ChunkedArray:
    """The present chosen parts' data joined by commas in column order.

    An absent part is left out, as the general path leaves it out; null when none is
    present. (pyarrow 26's ``null_handling="skip"`` drops a row whose inputs are all
    null, so the join is folded with ``coalesce`` instead.)
    """
    joined = texts[0]
    for text in texts[1:]:
        joined = pc.coalesce(pc.binary_join_element_wise(joined, text, ","), joined, text)
    return joined


def _found(octets: npt.NDArray[np.uint8], mark: bytes) -> npt.NDArray[np.intp]:
    """Where ``mark`` starts in ``octets`` (where its first byte is, do the others follow?)."""
    found = np.flatnonzero(octets[: len(octets) - len(mark) + 1] == mark[0])
    for shift, octet in enumerate(mark[1:], start=1):
        found = found[octets[found + shift] == octet]
    return found


def _bare_numbers(octets: npt.NDArray[np.uint8], *, escapes: bool) -> bool:
    """Whether ``NaN`` or ``Inf`` may stand outside a string (anywhere, with ``escapes``).

    Without a backslash every quote opens or closes a string, so a mark after an odd number
    of quotes is inside one. A line whose quotes do not pair is not JSON: pyarrow then
    refuses the block, whatever this says of the lines after it.
    """
    found = np.concatenate([_found(octets, mark) for mark in _BARE_NUMBERS])
    if not found.size or escapes:
        return bool(found.size)
    quotes = np.flatnonzero(octets == _QUOTE)
    return bool((np.searchsorted(quotes, found) % 2 == 0).any())


def _commas(texts: pa.ChunkedArray) -> npt.NDArray[np.int64]:
    """The commas in each string (0 for null), counted on the strings' bytes."""
    counts = [np.zeros(0, dtype=np.int64)]
    for chunk in texts.chunks:
        offsets = np.frombuffer(chunk.buffers()[1], dtype=np.int32)
        offsets = offsets[chunk.offset : chunk.offset + len(chunk) + 1]
        octets = np.frombuffer(chunk.buffers()[2] or b"", dtype=np.uint8)
        commas = octets[offsets[0] : offsets[-1]] == _COMMA
        if not commas.size:
            counts.append(np.zeros(len(chunk), dtype=np.int64))
            continue
        starts = offsets[:-1] - offsets[0]
        per_string = np.add.reduceat(commas, np.minimum(starts, commas.size - 1), dtype=np.int64)
        per_string[offsets[1:] == offsets[:-1]] = 0  # reduceat gives an empty string's next byte
        counts.append(per_string)
    return np.concatenate(counts)


def _csv(rows: pa.ChunkedArray) -> pa.Buffer:
    """The rows as CSV text, each ending its line (read in place: no copy to bytes)."""
    lines = pc.binary_join_element_wise(rows.combine_chunks(), "", "\n")
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int32)
    first, last = offsets[lines.offset], offsets[lines.offset + len(lines)]
    return lines.buffers()[2][first:last]
