r"""``analyze``'s fast path: plain CSV capture records decoded a block at a time by pyarrow.

Most capture files hold one CSV row per record with nothing unusual in it. A block of such
lines is parsed by pyarrow's JSON reader, checked column-wise, and its payloads split into
feature columns without a Python object per value. A record is *plain* when the general
path (:func:`~stream.capture.records.decode_capture`, :class:`~stream.capture.rows.RowBuilder`)
would make exactly one row of ``width`` fields from it: a non-empty ``eventId``, every chosen
capture part present with ``encoding`` ``CSV``, data without quotes or line breaks (trailing
ones aside), the other part absent or well-formed, and ``width`` fields in all. Every other
line — and every line of a block pyarrow cannot read, or one holding what pyarrow's JSON
parser accepts and orjson does not (``NaN``, ``Infinity``, a byte-order mark, invalid UTF-8
inside a string), and every line that is not a JSON object (a ``null`` line crashes pyarrow's
reader) — is handed back to the general path, which gives it the same row or its error
reason. As the worker's :mod:`stream.capture.plain_csv`, this is an optimisation, never a
second meaning.

Examples
--------
>>> line = (b'{"captureData":{"endpointInput":{"data":"41,basic","encoding":"CSV"}},'
...         b'"eventMetadata":{"eventId":"e1"}}')
>>> block = PlainCaptureReader(parts=("endpointInput",), width=2).read(line + b"\n{bad\n")
>>> [column.to_pylist() for column in block.columns], block.rest, block.records
([['41'], ['basic']], [b'{bad\n'], 2)
"""

from __future__ import annotations

import io
import re
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pa_json

from stream.capture.records import CAPTURE_PARTS, ENCODINGS, MAX_RECORD_BYTES

# Bytes after which pyarrow's JSON parser and orjson disagree: the line takes the general path.
_LENIENT_JSON = (b"NaN", b"Inf", b"\xef\xbb\xbf")
# A line holding only ``null``: pyarrow's JSON reader (26.0) crashes the process on it.
_NULL_LINE = re.compile(rb"(?m)^[^\S\n]*null[^\S\n]*$")
# A quote or any line break str.splitlines() knows: the payload is not one plain CSV row.
_NOT_PLAIN = '["\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]'
_PART = pa.struct([("data", pa.string()), ("encoding", pa.string())])
_SCHEMA = pa.schema(
    [
        ("captureData", pa.struct([(name, _PART) for name in CAPTURE_PARTS])),
        ("eventMetadata", pa.struct([("eventId", pa.string())])),
    ]
)
_PARSE = pa_json.ParseOptions(explicit_schema=_SCHEMA, unexpected_field_behavior="ignore")


def _parsed(body: bytes, rows: int) -> pa.Table | None:
    """The fields the fast path reads, one row per line, or None when pyarrow disagrees."""
    try:
        table = pa_json.read_json(io.BytesIO(body), parse_options=_PARSE)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    return table.combine_chunks() if table.num_rows == rows else None


def _segment_lengths(body: bytes) -> npt.NDArray[np.int64]:
    """Byte length of every line of ``body`` (newline included), blank lines as 0 or 1."""
    ends = np.flatnonzero(np.frombuffer(body, dtype=np.uint8) == 10)
    bounds = np.concatenate(([-1], ends, [len(body) - 1]))
    lengths = np.diff(bounds)
    lengths[:-1] -= 1  # a newline alone is an empty line
    return lengths


def _lines(body: bytes) -> list[bytes]:
    """The lines of ``body`` exactly as iterating a file of it yields them."""
    return io.BytesIO(body).readlines()


def _lenient(text: bytes) -> bool:
    return any(mark in text for mark in _LENIENT_JSON) or _NULL_LINE.search(text) is not None


def _is_object(line: bytes) -> bool:
    try:
        return isinstance(orjson.loads(line), dict)
    except orjson.JSONDecodeError:
        return False


class PlainBlock(NamedTuple):
    """The plain records' feature columns (missing as null), the other lines, the records.

    ``records`` counts the block's non-blank lines, as the general path does.
    """

    columns: list[pa.Array]
    n_rows: int
    rest: list[bytes]
    records: int


class PlainCaptureReader:
    """Split blocks of capture lines into plain rows of ``width`` fields and the rest.

    ``parts`` are the capture parts that become columns, in column order (output first).
    """

    def __init__(self, *, parts: tuple[str, ...], width: int) -> None:
        self.parts = parts
        self.width = width

    def read(self, body: bytes) -> PlainBlock:
        """The plain rows of ``body`` (whole capture lines) as columns, and the other lines.

        ``records`` is the number of non-blank lines, as the general path counts them.
        """
        table = None
        if not _lenient(body):
            lengths = _segment_lengths(body)
            if lengths.size and lengths.max() < MAX_RECORD_BYTES:
                table = _parsed(body, int(np.count_nonzero(lengths)))
        if table is not None:
            try:
                texts, plain = self._plain_texts(table)
            except pa.ArrowInvalid:  # invalid UTF-8 pyarrow's JSON reader let through
                table = None
        if table is None:
            return self._read_lines([line for line in _lines(body) if line.strip()])
        rest = []
        if len(texts) < table.num_rows:
            lines = [line for line in _lines(body) if line not in (b"\n", b"")]
            rest = [line for line, keep in zip(lines, plain, strict=True) if not keep]
        return PlainBlock(self._columns(texts), len(texts), rest, table.num_rows)

    def _read_lines(self, lines: list[bytes]) -> PlainBlock:
        """As :meth:`read`, line by line: lines pyarrow cannot read take the general path."""
        records = len(lines)
        candidates = [
            line
            for line in lines
            if len(line) <= MAX_RECORD_BYTES and not _lenient(line) and _is_object(line)
        ]
        body = b"\n".join(line.rstrip(b"\r\n") for line in candidates)
        table = _parsed(body, len(candidates)) if candidates else None
        if table is None:
            return PlainBlock([], 0, lines, records)
        texts, plain = self._plain_texts(table)
        kept = {id(line) for line, keep in zip(candidates, plain, strict=True) if keep}
        rest = [line for line in lines if id(line) not in kept]
        return PlainBlock(self._columns(texts), len(texts), rest, records)

    def _plain_texts(self, table: pa.Table) -> tuple[pa.Array, list[bool]]:
        """One CSV row of text per plain record, and which records were plain."""
        capture = table.column("captureData").chunk(0)
        event_id = pc.struct_field(table.column("eventMetadata").chunk(0), "eventId")
        plain = pc.and_(pc.is_valid(capture), pc.invert(pc.equal(event_id, "")))
        texts: dict[str, pa.Array] = {}
        for name in CAPTURE_PARTS:
            part = pc.struct_field(capture, name)
            data, encoding = pc.struct_field(part, "data"), pc.struct_field(part, "encoding")
            if name in self.parts:
                text = pc.utf8_rtrim(data, characters="\r\n")
                ok = pc.and_(pc.equal(encoding, "CSV"), pc.match_substring_regex(text, "[!-~]"))
                ok = pc.and_not(ok, pc.match_substring_regex(text, _NOT_PLAIN))
                texts[name] = text
            else:
                well_formed = pc.and_(
                    pc.is_valid(data), pc.is_in(pc.utf8_upper(encoding), pa.array(ENCODINGS))
                )
                ok = pc.or_(pc.is_null(part), well_formed)
            plain = pc.and_(plain, ok)
        pieces = [texts[name] for name in self.parts]
        joined = pieces[0] if len(pieces) == 1 else pc.binary_join_element_wise(*pieces, ",")
        commas = pc.count_substring(joined, ",")
        plain = pc.fill_null(pc.and_(plain, pc.equal(commas, self.width - 1)), False)
        return joined.filter(plain), plain.to_pylist()

    def _columns(self, texts: pa.Array) -> list[pa.Array]:
        fields = pc.split_pattern(texts, ",")
        flat = fields.flatten()
        flat = pc.if_else(pc.equal(flat, ""), pa.scalar(None, pa.string()), flat)
        rows = pa.ListArray.from_arrays(fields.offsets, flat)
        return [pc.list_element(rows, i) for i in range(self.width)]
