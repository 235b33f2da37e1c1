"""JSON Lines read by pyarrow a block of lines at a time, every line counted as orjson counts it.

``baseline suggest`` reads a JSON Lines file in blocks of :data:`BLOCK_BYTES` and the rest of
the line the block ends in. pyarrow's JSON reader parses a block on every core and types
each key's column; the columns go to the profile as arrays
(:mod:`stream.batch.json_columns`). The row path — orjson, a line at a time
(:func:`stream.batch.json_lines_rows.line_batches`) — is the reference, and a block that pyarrow
would read otherwise goes that path instead, so that each of its lines is counted, refused
or typed as there:

- a line pyarrow cannot read: not JSON, not an object, a key twice, a key whose values
  change type within the block (``1``, then ``"x"``), a line longer than pyarrow's own block;
- rows that are not one to a line (two objects on a line, one over two lines, a blank
  line; :func:`~stream.batch.line_blocks.object_lines`, as the capture reader asks);
- ``NaN`` or ``Infinity``, which pyarrow reads and JSON does not have;
- an integer beyond int64, which pyarrow reads as a float and orjson as an int;
- a nested value (an array or an object), which the row path refuses, naming its row;
- bytes that are not UTF-8, which pyarrow keeps in its strings;
- a byte-order mark starting a line other than the file's first, which pyarrow skips at the
  start of a block.

pyarrow types a column per block, not per value: a column of integers is ``int64``, but one
that mixes integers (``10``) with fractions (``2.5``) is ``double``, every value a float.
orjson keeps each value's own type, and so does the profile (Integral or Fractional; the
category text ``10`` or ``10.0``). So a ``double`` column holding a whole number, which may
have been written either way, is looked up in the block's text: each value's number as
written follows its key, and one written without a point or exponent becomes an int. A
column written all in fractions stays pyarrow's; one whose texts cannot be matched to its
values one for one (a key written with escapes) is taken from orjson's reading of the lines.

Examples
--------
>>> NL = bytes([10])  # a line break
>>> block = arrow_block(b'{"age": 41, "plan": "gold"}' + NL + b'{"age": 19}' + NL)
>>> block.n_rows, {name: column.to_pylist() for name, column in block.columns.items()}
(2, {'age': [41, 19], 'plan': ['gold', None]})
>>> arrow_block(b'{"age": 41}' + NL + b'{"age": "n/a"}' + NL) is None  # a type change
True
>>> arrow_block(b'{"score": NaN}' + NL) is None
True
>>> arrow_block(b'{"score": 10}' + NL + b'{"score": 2.5}' + NL).columns["score"]
[10, 2.5]
"""

from __future__ import annotations

import functools
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pa_json

from stream.batch.data_files import ColumnBatch, ReadCounts, each_part, text_parts
from stream.batch.json_lines_rows import line_batches, with_some_key
from stream.batch.line_blocks import object_lines, whole_lines
from stream.capture.arrow_columns import any_true
from stream.capture.files import BOM

BLOCK_BYTES = 4 << 20
_INT64_MAGNITUDE = 2.0**63  # a JSON integer this large is a float to pyarrow, an int to orjson


@dataclass(frozen=True)
class ArrowBlock:
    """``n_rows`` rows read by pyarrow: a column per key, in order of first appearance.

    A column is pyarrow's, or a list of orjson's values where pyarrow's floats would hide an
    integer (see the module doc). A key missing from a row is null (None) there.
    """

    columns: dict[str, pa.ChunkedArray | list[Any]]
    n_rows: int


JsonBlock = ArrowBlock | ColumnBatch


def json_lines_blocks(
    path: Path, counts: ReadCounts, progress: Callable[[int], None] | None = None
) -> Iterator[JsonBlock]:
    """A JSON Lines dataset as pyarrow's blocks, or the row path's batches where pyarrow differs.

    ``path`` is a file, or a folder whose part files are read in turn (data rows are
    numbered within a part). ``counts`` counts rows and the lines the row path skipped;
    ``progress`` is called with the byte position after each block. After the last block,
    a dataset in which no object line held a key raises :class:`DataFileError`.
    """
    parts = text_parts(path, "jsonl")
    blocks = each_part(path, parts, lambda part, shown: _part_blocks(part, counts, shown), progress)
    yield from with_some_key(path, blocks)


def _part_blocks(
    path: Path, counts: ReadCounts, progress: Callable[[int], None] | None
) -> Iterator[JsonBlock]:
    """One file's blocks (see :func:`json_lines_blocks`)."""
    rows = 0
    with path.open("rb") as handle:
        for block in _line_blocks(handle):
            arrow = arrow_block(block)
            if arrow is not None:
                counts.rows += arrow.n_rows
                rows += arrow.n_rows
                yield arrow
            else:  # a block's first line is not the file's: its BOM, if any, is gone
                for batch in line_batches(
                    io.BytesIO(block), counts, rows_before=rows, at_start=False
                ):
                    rows += batch.n_rows
                    yield batch
            if progress is not None:
                progress(handle.tell())


def arrow_block(block: bytes) -> ArrowBlock | None:
    """The columns pyarrow reads from whole JSON lines, or None where orjson reads otherwise."""
    if block.startswith(BOM):  # pyarrow skips it; orjson refuses the line (not the file's first)
        return None
    try:
        table = pa_json.read_json(pa.BufferReader(block))
        table.validate(full=True)  # UTF-8 in every string and key
    except (pa.ArrowException, UnicodeDecodeError):
        return None
    bounds = object_lines(np.frombuffer(block, dtype=np.uint8))
    if bounds is None or len(bounds[0]) != table.num_rows:
        return None
    if not all(map(_read_as_orjson_reads, table.columns)):
        return None
    columns: dict[str, pa.ChunkedArray | list[Any]] = dict(
        zip(table.column_names, table.columns, strict=True)
    )
    unread: list[str] = []
    escaped_quotes = None
    for name, column in columns.items():
        if _may_hide_integers(column):
            if escaped_quotes is None:
                escaped_quotes = b'\\"' in block
            values = _as_written(block, name, column, escaped_quotes=escaped_quotes)
            if values is None:
                unread.append(name)
            elif values:
                columns[name] = values
    if unread:
        objects = list(map(orjson.loads, _lines(block)))
        for name in unread:
            columns[name] = [obj.get(name) for obj in objects]
    return ArrowBlock(columns, table.num_rows)


def _as_written(
    block: bytes, name: str, column: pa.ChunkedArray, *, escaped_quotes: bool
) -> list[Any] | None:
    """A float column's values as orjson reads them, from each value's text in the block.

    An empty list when every value was written as a fraction (pyarrow's column is then
    exact); None when the key's text cannot be matched to the values one for one (written
    with escapes, or a key that ends in ``"`` and this name), which leaves it to orjson.
    ``escaped_quotes`` says whether the block holds an escaped quote at all.
    """
    key = orjson.dumps(name)  # as JSON writes the key, quotes included
    if escaped_quotes and b"\\" + key in block:  # the name ending another key, after a \"
        return None
    texts = _key_number(key).findall(block)
    if len(texts) != len(column) - column.null_count:
        return None
    integers = [text.lstrip(b"-").isdigit() for text in texts]
    if not any(integers):
        return []
    written = iter(zip(integers, texts, strict=True))
    values: list[Any] = []
    for value in column.to_pylist():
        if value is not None:
            integer, text = next(written)
            if integer:
                value = int(text)
        values.append(value)
    return values


@functools.cache
def _key_number(key: bytes) -> re.Pattern[bytes]:
    """The number after ``key`` (a JSON string) and its colon: the value's text as written."""
    return re.compile(re.escape(key) + rb"[ \t\r\n]*:[ \t\r\n]*(-?[0-9][-+.0-9eE]*)")


def _lines(block: bytes) -> list[bytes]:
    """The block's lines (each ends in ``}``, a CR aside: none is blank)."""
    lines = block.split(b"\n")
    if not lines[-1]:
        lines.pop()
    return lines


def _line_blocks(handle: BinaryIO) -> Iterator[bytes]:
    """The file's bytes in whole lines, about :data:`BLOCK_BYTES` at a time, BOM left out."""
    first = True
    for block in whole_lines(handle, BLOCK_BYTES):
        if first:
            block, first = block.removeprefix(BOM), False
            if not block:
                continue
        yield block


def _may_hide_integers(column: pa.ChunkedArray) -> bool:
    """Whether a float column holds a whole number, which JSON may have written as ``10``."""
    if not pa.types.is_floating(column.type):
        return False
    return any_true(pc.equal(pc.floor(column), column))


def _read_as_orjson_reads(column: pa.ChunkedArray) -> bool:
    """Whether pyarrow typed the column's values as orjson types them (see the module doc)."""
    kind = column.type
    if pa.types.is_floating(kind):  # finite, and no integer beyond int64
        return pc.all(pc.less(pc.abs(column), _INT64_MAGNITUDE)).as_py() is not False
    return (
        pa.types.is_integer(kind)
        or pa.types.is_string(kind)
        or pa.types.is_boolean(kind)
        or pa.types.is_null(kind)
    )
