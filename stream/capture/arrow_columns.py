"""Deequ's value types for a whole pyarrow text column at once: a :class:`ColumnChunk`.

A column whose every value is a Deequ number costs one float cast and a few numpy passes
over its bytes (:mod:`stream.capture.number_texts`). Any other column is counted first with a
hash table (``value_counts``), and only its *distinct* values are classified — with Deequ's
own patterns (:mod:`detectors.quality.value_types`) run by RE2 — so a categorical column of
a million values and a few distinct ones costs one hash pass. Number texts are counted only
as far as the profile still counts them (``number_counting``).

Examples
--------
>>> import pyarrow as pa
>>> chunk = column_chunk(pa.array(["41", "+ 7", None, "1e3", "true", "n/a", "nan"]), "all")
>>> chunk.missing, chunk.types
(1, TypeCounts(integral=2, fractional=1, boolean=1, string=2))
>>> sorted(chunk.numbers.tolist()), sorted(zip(*chunk.text_counts))
([7.0, 41.0, 1000.0], [('n/a', 1), ('nan', 1), ('true', 1)])
>>> column_chunk(pa.chunked_array([["1.5", "2"], ["3"]]), "none").types
TypeCounts(integral=2, fractional=1, boolean=0, string=0)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from detectors.quality import value_types as vt
from detectors.quality.column_chunk import (
    COUNT_NONE,
    COUNT_UNTIL_OVERFLOW,
    ColumnChunk,
    ValueCounts,
)
from detectors.sketches.categorical_counts import HEAD_FACTOR
from stream.capture.number_texts import Floats, plain_numbers, plain_numbers_of_columns

_FRACTIONAL = f"^(?:{vt.FRACTIONAL_PATTERN})$"
_INTEGRAL = f"^(?:{vt.INTEGRAL_PATTERN})$"
_BOOLEANS = pa.array(["true", "false"])
# A value that might be a number or a boolean; a column with none is all String.
_MAYBE_NOT_STRING = r"^(?:[-+ 0-9]|true$|false$)"
_NOTHING: ValueCounts = ((), ())
# Numeric columns shorter than SHORT_COLUMN (a wide table's batches) are checked together,
# JOIN_VALUES values at a time; joining longer ones measured slower (the peer table's
# 65,536-value columns +13 %, analyze's 21 k +4 %).
SHORT_COLUMN = 8_192
JOIN_VALUES = 65_536


# Classifies one column for a profile's counting (``COUNT_*``), given the feature's max_exact.
Classifier = Callable[[Any, str, int], ColumnChunk]
# Classifies a batch's columns, each with its own counting and max_exact, in column order.
ChunksClassifier = Callable[[Sequence[Any], Sequence[str], Sequence[int]], list[ColumnChunk]]


def column_chunk(
    values: pa.Array | pa.ChunkedArray, counting: str, max_exact: int = 1000
) -> ColumnChunk:
    """Classify a text column (missing as null) for a profile whose counting is ``counting``.

    With :data:`COUNT_UNTIL_OVERFLOW`, number texts are not counted (``number_counts`` is
    None) when they hold more than ``max_exact`` distinct values and the column has no text:
    the profile would stop counting them on this chunk anyway.
    """
    present = present_values(values)
    plain = plain_numbers(present)
    if plain is not None:
        counts = _plain_number_counts(present, counting, max_exact)
        return _numbers_chunk(len(values), len(present), plain, counts)
    return _classified_chunk(present, len(values), len(values) - len(present), counting, max_exact)


def column_chunks(
    columns: Sequence[pa.Array | pa.ChunkedArray],
    countings: Sequence[str],
    max_exacts: Sequence[int],
) -> list[ColumnChunk]:
    """:func:`column_chunk` of each column; those counting no number texts checked together.

    A column whose counting is :data:`COUNT_NONE` (a numeric feature's, or one whose numbers
    overflowed) needs only its floats and type counts: :func:`plain_numbers_of_columns` gives
    them for all such columns with one cast. A column that is not all numbers, and any other,
    is classified on its own.

    >>> chunks = column_chunks(
    ...     [pa.array(["1.5", None]), pa.array(["2", "n/a"]), pa.array(["3", "4"])],
    ...     [COUNT_NONE, COUNT_NONE, "all"], [1000, 1000, 1000])
    >>> [(c.missing, c.types.fractional, c.types.integral, c.types.string) for c in chunks]
    [(1, 1, 0, 0), (0, 0, 1, 1), (0, 0, 2, 0)]
    """
    chunks: list[ColumnChunk | None] = [None] * len(columns)
    numeric = [i for i, counting in enumerate(countings) if counting == COUNT_NONE]
    for run in _short_runs(numeric, [len(columns[i]) for i in numeric]):
        presents = [present_values(columns[i]) for i in run]
        for i, present, plain in zip(
            run, presents, plain_numbers_of_columns(presents), strict=True
        ):
            if plain is not None:
                chunks[i] = _numbers_chunk(len(columns[i]), len(present), plain, _NOTHING)
    return [
        chunk if chunk is not None else column_chunk(column, counting, max_exact)
        for chunk, column, counting, max_exact in zip(
            chunks, columns, countings, max_exacts, strict=True
        )
    ]


def _short_runs(indexes: list[int], lengths: list[int]) -> list[list[int]]:
    """The short columns of ``indexes``, in runs of two or more of at most :data:`JOIN_VALUES`.

    A column of :data:`SHORT_COLUMN` values or more is left out (checked on its own): its own
    passes are long enough, and joining it costs a copy and moves each pass's arrays out of
    the processor's caches.
    """
    runs: list[list[int]] = [[]]
    total = 0
    for index, length in zip(indexes, lengths, strict=True):
        if length >= SHORT_COLUMN:
            continue
        if total + length > JOIN_VALUES and runs[-1]:
            runs.append([])
            total = 0
        runs[-1].append(index)
        total += length
    return [run for run in runs if len(run) > 1]


def each_column(classify: Classifier) -> ChunksClassifier:
    """A batch classifier that classifies each column on its own with ``classify``."""

    def classify_each(
        columns: Sequence[Any], countings: Sequence[str], max_exacts: Sequence[int]
    ) -> list[ColumnChunk]:
        return list(map(classify, columns, countings, max_exacts))

    return classify_each


def present_values(values: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """The column without its nulls (itself when it has none)."""
    return values.drop_null() if values.null_count else values


def _numbers_chunk(
    rows: int, present: int, plain: tuple[Floats, int], number_counts: ValueCounts | None
) -> ColumnChunk:
    """A column whose present values are all Deequ numbers (``plain``: floats, Fractional)."""
    numbers, fractional = plain
    return ColumnChunk.classified(
        rows=rows,
        missing=rows - present,
        types=vt.TypeCounts(integral=present - fractional, fractional=fractional),
        numbers=numbers,
        text_counts=_NOTHING,
        number_counts=number_counts,
    )


def _plain_number_counts(
    texts: pa.Array | pa.ChunkedArray, counting: str, max_exact: int
) -> ValueCounts | None:
    """The number texts' counts, unless they overflow ``max_exact`` (COUNT_UNTIL_OVERFLOW)."""
    return number_counts(texts, counting, max_exact, lambda values: values.to_pylist())


def number_counts(
    keys: pa.Array | pa.ChunkedArray,
    counting: str,
    max_exact: int,
    texts: Callable[[pa.Array], list[str]],
) -> ValueCounts | None:
    """How often each distinct key comes, its text by ``texts``, as far as the profile counts.

    Nothing under :data:`COUNT_NONE`; None under :data:`COUNT_UNTIL_OVERFLOW` when the keys
    hold more than ``max_exact`` distinct values (the head is probed first, as
    ``head_overflows`` does): the profile would stop counting numbers on this chunk anyway.
    """
    if counting == COUNT_NONE or len(keys) == 0:
        return _NOTHING
    if counting == COUNT_UNTIL_OVERFLOW and len(keys) > max_exact:
        probe = keys.slice(0, HEAD_FACTOR * max_exact)  # head_overflows' head, in Arrow
        if pc.count_distinct(probe).as_py() > max_exact:
            return None
    counted = pc.value_counts(keys)
    if counting == COUNT_UNTIL_OVERFLOW and len(counted) > max_exact:
        return None
    return texts(counted.field("values")), counted.field("counts").to_pylist()


def _classified_chunk(
    present: pa.Array | pa.ChunkedArray, rows: int, missing: int, counting: str, max_exact: int
) -> ColumnChunk:
    """Count the distinct texts, then type each distinct text once (weighted by its count)."""
    counted = pc.value_counts(present) if len(present) else None
    if counted is None or not any_true(
        pc.match_substring_regex(counted.field("values"), _MAYBE_NOT_STRING)
    ):
        text_counts = _NOTHING if counted is None else _pylists(counted)
        return ColumnChunk.classified(
            rows=rows,
            missing=missing,
            types=vt.TypeCounts(string=len(present)),
            numbers=_NO_NUMBERS,
            text_counts=text_counts,
            number_counts=_NOTHING,
        )
    distinct, counts = counted.field("values"), counted.field("counts").to_numpy()
    fractional = _mask(pc.match_substring_regex(distinct, _FRACTIONAL))
    integral = _mask(pc.match_substring_regex(distinct, _INTEGRAL)) & ~fractional
    boolean = _mask(pc.is_in(distinct, value_set=_BOOLEANS))
    is_number = fractional | integral
    n_fractional, n_integral, n_boolean = (
        int(counts[m].sum()) for m in (fractional, integral, boolean)
    )
    types = vt.TypeCounts(
        integral=n_integral,
        fractional=n_fractional,
        boolean=n_boolean,
        string=len(present) - n_fractional - n_integral - n_boolean,
    )
    number_texts = distinct.filter(boolean_array(is_number))
    compact = pc.replace_substring(number_texts, " ", "")  # "+ 7" is 7
    values = np.asarray(pc.cast(compact, pa.float64()).to_numpy(zero_copy_only=False), np.float64)
    numbers = np.repeat(values, counts[is_number])
    text = boolean_array(~is_number)
    text_counts = distinct.filter(text).to_pylist(), counts[~is_number].tolist()
    number_counts: ValueCounts | None = _NOTHING
    if counting != COUNT_NONE and len(number_texts):
        number_counts = number_texts.to_pylist(), counts[is_number].tolist()
        has_text = bool(types.boolean or types.string)
        if counting == COUNT_UNTIL_OVERFLOW and not has_text and len(number_texts) > max_exact:
            number_counts = None
    return ColumnChunk.classified(
        rows=rows,
        missing=missing,
        types=types,
        numbers=numbers,
        text_counts=text_counts,
        number_counts=number_counts,
    )


_NO_NUMBERS = np.empty(0, dtype=np.float64)


def _pylists(counted: pa.StructArray) -> ValueCounts:
    return counted.field("values").to_pylist(), counted.field("counts").to_pylist()


def _mask(matches: pa.Array) -> npt.NDArray[np.bool_]:
    return np.asarray(matches.to_numpy(zero_copy_only=False), dtype=bool)


def boolean_array(mask: npt.NDArray[np.bool_]) -> pa.BooleanArray:
    """A numpy mask as an Arrow boolean array, its bits packed by numpy.

    ``pa.array`` of a numpy array first rules out a masked array, which imports
    ``numpy.ma`` (17 ms) into a process that has no other use for it.

    >>> boolean_array(np.array([True, False, True])).to_pylist()
    [True, False, True]
    """
    bits = np.packbits(mask, bitorder="little")
    return pa.Array.from_buffers(pa.bool_(), len(mask), [None, pa.py_buffer(bits)])


def any_true(mask: pa.Array | pa.ChunkedArray) -> bool:
    """Whether any entry of a boolean column is true (nulls are not)."""
    return bool(pc.any(mask).as_py())
