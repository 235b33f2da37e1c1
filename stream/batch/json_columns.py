"""Columns of pyarrow's JSON reader as column chunks, typed as the row path types them.

A JSON Lines value keeps its JSON type (:mod:`detectors.quality.value_types`): a number is
Integral or Fractional as orjson reads it, ``true``/``false`` are Boolean, and only a
string is typed by Deequ's patterns, exactly as a CSV field is
(:func:`~stream.capture.arrow_columns.column_chunk`, after an empty string becomes missing).

A column may also come as a list of ints and floats, each as orjson reads it (where
pyarrow's floats would hide an integer: :mod:`stream.batch.json_lines_blocks`); those are
counted as the row path counts them, each of its own type.

Examples
--------
>>> import pyarrow as pa
>>> chunk = json_column_chunk(pa.array([3, None, 41]), "all")
>>> chunk.missing, chunk.types, sorted(zip(*chunk.number_counts))
(1, TypeCounts(integral=2, fractional=0, boolean=0, string=0), [('3', 1), ('41', 1)])
>>> json_column_chunk(pa.array([True, False, True]), "all").text_counts
(['true', 'false'], [2, 1])
>>> json_column_chunk(pa.array(["7", "", "x"]), "all").types
TypeCounts(integral=1, fractional=0, boolean=0, string=1)
>>> json_column_chunk([10, 2.5, None], "all").types
TypeCounts(integral=1, fractional=1, boolean=0, string=0)
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from detectors.quality import value_types as vt
from detectors.quality.column_chunk import (
    COUNT_NONE,
    COUNT_UNTIL_OVERFLOW,
    ColumnChunk,
    ValueCounts,
)
from detectors.sketches.categorical_counts import head_overflows
from stream.capture.arrow_columns import any_true, column_chunk, number_counts, present_values

_NOTHING: ValueCounts = ((), ())


def json_column_chunk(
    values: pa.Array | pa.ChunkedArray | list[Any], counting: str, max_exact: int = 1000
) -> ColumnChunk:
    """Classify one column of a JSON block for a profile whose counting is ``counting``.

    ``values`` is a string, integer, double, boolean or null column, or a list of flat JSON
    values; ValueError for any other column type (nested values are refused before they get
    here).
    """
    if isinstance(values, list):
        return _listed_chunk(values, counting, max_exact)
    kind = values.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return column_chunk(_empty_as_missing(values), counting, max_exact)
    if pa.types.is_null(kind):
        return ColumnChunk.all_missing(len(values))
    present = present_values(values)
    missing = len(values) - len(present)
    if pa.types.is_boolean(kind):
        counted = pc.value_counts(present) if len(present) else None
        texts = _NOTHING if counted is None else _bool_texts(counted)
        return ColumnChunk.classified(
            rows=len(values),
            missing=missing,
            types=vt.TypeCounts(boolean=len(present)),
            numbers=np.empty(0, dtype=np.float64),
            text_counts=texts,
            number_counts=_NOTHING,
        )
    if pa.types.is_integer(kind) or pa.types.is_floating(kind):
        whole = pa.types.is_integer(kind)
        return ColumnChunk.classified(
            rows=len(values),
            missing=missing,
            types=vt.TypeCounts(
                integral=len(present) if whole else 0, fractional=0 if whole else len(present)
            ),
            numbers=np.asarray(present.to_numpy(), dtype=np.float64),
            text_counts=_NOTHING,
            number_counts=_number_counts(present, counting, max_exact),
        )
    msg = f"a JSON column of type {kind} is not a flat value"
    raise ValueError(msg)


def _listed_chunk(values: list[Any], counting: str, max_exact: int) -> ColumnChunk:
    """A list of ints and floats (None missing) as the row path counts them; else value by value."""
    present = [v for v in values if v is not None]
    if not set(map(type, present)) <= {int, float}:
        return ColumnChunk.from_values(values)
    integral = list(map(type, present)).count(int)
    number_counts: ValueCounts | None = _NOTHING
    if counting != COUNT_NONE and present:
        number_counts = None
        if counting != COUNT_UNTIL_OVERFLOW or not head_overflows(present, max_exact):
            counted = Counter(map(str, present))
            if counting != COUNT_UNTIL_OVERFLOW or len(counted) <= max_exact:
                number_counts = list(counted), list(counted.values())
    return ColumnChunk.classified(
        rows=len(values),
        missing=len(values) - len(present),
        types=vt.TypeCounts(integral=integral, fractional=len(present) - integral),
        numbers=np.asarray(present, dtype=np.float64),
        text_counts=_NOTHING,
        number_counts=number_counts,
    )


def _empty_as_missing(texts: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """``""`` as null: an empty string is missing in the row path, as an empty CSV field is."""
    empty = pc.equal(texts, "")
    if not any_true(empty):
        return texts
    return pc.if_else(empty, pa.scalar(None, texts.type), texts)


def _bool_texts(counted: pa.StructArray) -> ValueCounts:
    flags = counted.field("values").to_pylist()
    return ["true" if flag else "false" for flag in flags], counted.field("counts").to_pylist()


def _number_counts(
    numbers: pa.Array | pa.ChunkedArray, counting: str, max_exact: int
) -> ValueCounts | None:
    """The numbers' categorical texts as Python writes them (``str``), counted by bit pattern.

    None when they hold more than ``max_exact`` distinct values under
    :data:`COUNT_UNTIL_OVERFLOW` (the profile stops counting numbers on this chunk anyway).
    Floats are counted by their bits, so ``0.0`` and ``-0.0`` stay two texts, as in the row
    path.
    """
    if not pa.types.is_floating(numbers.type):
        return number_counts(numbers, counting, max_exact, _int_texts)
    return number_counts(_bits(numbers.cast(pa.float64())), counting, max_exact, _float_texts)


def _int_texts(distinct: pa.Array) -> list[str]:
    return list(map(str, distinct.to_pylist()))


def _float_texts(bits: pa.Array) -> list[str]:
    """``str`` of each float given by its bits (int64)."""
    floats = bits.to_numpy(zero_copy_only=False).view(np.float64)
    return list(map(str, floats.tolist()))


def _bits(floats: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """The floats' bit patterns as int64 (no copy)."""
    if isinstance(floats, pa.ChunkedArray):
        return pa.chunked_array([chunk.view(pa.int64()) for chunk in floats.chunks], pa.int64())
    return floats.view(pa.int64())
