"""JSON Lines read by pyarrow a block of lines at a time, every line counted as orjson counts it.

``baseline suggest`` reads a JSON Lines file in blocks of :data:`BLOCK_BYTES` and the rest of
the line the block ends in. pyarrow's JSON reader parses a block on every core and types
each key's column; the columns go to the profile as arrays
(:mod:`stream.batch.json_columns`). The row path — orjson, a line at a time
(:func:`stream.batch.data_files.line_batches`) — is the reference, and a block that pyarrow
would read otherwise goes that path instead, so that each of its lines is counted, refused
or typed as there:

- a line pyarrow cannot read: not JSON, not an object, a key twice, a key whose values
  change type within the block (``1``, then ``"x"``), a line longer than pyarrow's own block;
- rows that are not one to a line (two objects on a line, one over two lines, a blank
  line);
- ``NaN`` or ``Infinity``, which pyarrow reads and JSON does not have;
- an integer beyond int64, which pyarrow reads as a float and orjson as an int;
- a nested value (an array or an object), which the row path refuses, naming its row;
- bytes that are not UTF-8, which pyarrow keeps in its strings;
- a byte-order mark starting a line other than the file's first, which pyarrow skips at the
  start of a block.

Examples
--------
>>> NL = bytes([10])  # a line break
>>> table = arrow_table(b'{"age": 41, "plan": "gold"}' + NL + b'{"age": 19}' + NL)
>>> table.column_names, table.column("age").to_pylist(), table.column("plan").to_pylist()
(['age', 'plan'], [41, 19], ['gold', None])
>>> arrow_table(b'{"age": 41}' + NL + b'{"age": "n/a"}' + NL) is None  # a type change: the row path
True
>>> arrow_table(b'{"score": NaN}' + NL) is None
True
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pa_json

from stream.batch.data_files import (
    BOM,
    ColumnBatch,
    DataFileError,
    ReadCounts,
    line_batches,
    no_objects,
    require_file,
)

BLOCK_BYTES = 4 << 20
_LF, _CR, _CLOSE = b"\n\r}"
_INT64_MAGNITUDE = 2.0**63  # a JSON integer this large is a float to pyarrow, an int to orjson

JsonBlock = pa.Table | ColumnBatch


def json_lines_blocks(
    path: Path, counts: ReadCounts, progress: Callable[[int], None] | None = None
) -> Iterator[JsonBlock]:
    """A JSON Lines file as pyarrow tables, or the row path's batches where pyarrow would differ.

    Columns are named by the keys, in order of first appearance in their block; a key
    missing from a row is null there. ``counts`` counts rows and the lines the row path
    skipped; ``progress`` is called with the byte position after each block. After the last
    block, a file in which no object line held a key raises :class:`DataFileError`.
    """
    require_file(path)
    any_key = False
    rows = 0
    with path.open("rb") as handle:
        for block in _line_blocks(handle):
            table = arrow_table(block)
            if table is not None:
                counts.rows += table.num_rows
                rows += table.num_rows
                any_key = any_key or table.num_columns > 0
                yield table
            else:  # a block's first line is not the file's: its BOM, if any, is gone
                for batch in line_batches(
                    io.BytesIO(block), counts, rows_before=rows, at_start=False
                ):
                    rows += batch.n_rows
                    any_key = any_key or bool(batch.columns)
                    yield batch
            if progress is not None:
                progress(handle.tell())
    if not any_key:
        raise DataFileError(no_objects(path))


def arrow_table(block: bytes) -> pa.Table | None:
    """The table pyarrow reads from whole JSON lines, or None where orjson would read otherwise."""
    if block.startswith(BOM):  # pyarrow skips it; orjson refuses the line (not the file's first)
        return None
    try:
        table = pa_json.read_json(pa.BufferReader(block))
        table.validate(full=True)  # UTF-8 in every string and key
    except (pa.ArrowException, UnicodeDecodeError):
        return None
    if not _one_object_a_line(block, table.num_rows):
        return None
    if not all(map(_read_as_orjson_reads, table.columns)):
        return None
    return table


def _one_object_a_line(block: bytes, rows: int) -> bool:
    """Whether each of the block's lines held one of pyarrow's ``rows`` objects.

    Every line must end in ``}`` (before LF or CRLF): a flat object cannot then run over two
    lines, and no line is blank. With as many objects as lines, each line holds exactly one.
    A line that ends in spaces goes the row path too; it is merely rare.
    """
    data = np.frombuffer(block, dtype=np.uint8)
    breaks = np.flatnonzero(data == _LF)
    if rows != breaks.size + (not block.endswith(b"\n")):
        return False
    if not block.endswith((b"\n", b"}")) or (breaks.size and breaks[0] == 0):
        return False
    last = data[breaks - 1]  # the byte before each line break
    crlf = last == _CR
    if crlf.any():
        before = breaks[crlf] - 2
        if before[0] < 0:
            return False
        last[crlf] = data[before]
    return bool((last == _CLOSE).all())


def _line_blocks(handle: BinaryIO) -> Iterator[bytes]:
    """The file's bytes in whole lines, about :data:`BLOCK_BYTES` at a time, BOM left out."""
    first = True
    while block := handle.read(BLOCK_BYTES):
        if not block.endswith(b"\n"):
            block += handle.readline()
        if first:
            block, first = block.removeprefix(BOM), False
            if not block:
                continue
        yield block


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
