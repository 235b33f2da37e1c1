r"""A text column of Deequ numbers read at numpy speed: its floats and its Fractional count.

pyarrow's float cast reads a whole column in one pass, but it accepts more than Deequ's
number patterns (:mod:`detectors.quality.value_types`): ``nan``, ``inf``, ``Infinity``,
``.5``, ``5.``, ``-.5`` and ``1.e3`` are floats to it and Strings to Deequ. Its grammar is
otherwise Deequ's without the space (``[-+]?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?`` and those
forms: no space, no second dot or exponent), so once the cast has succeeded a column is all
Deequ numbers exactly when no byte is a letter other than ``e``/``E`` and every dot has a
digit on both sides within its value. Those checks, and the Fractional count (values
holding a dot or an exponent), run on the column's byte buffer with numpy instead of a
regular expression per value; the text must hold no empty value (missing is null).

:func:`plain_numbers_of_columns` answers the same for several columns with one cast and one
pass over all of their bytes, each answer counted back to its column by position: a wide
table's columns cost a handful of calls per batch instead of a handful per column.

Examples
--------
>>> import pyarrow as pa
>>> numbers, fractional = plain_numbers(pa.array(["41", "-3.5", "1e3", "+7", "1.5E-2"]))
>>> numbers.tolist(), fractional
([41.0, -3.5, 1000.0, 7.0, 0.015], 3)
>>> [plain_numbers(pa.array(["1", text])) for text in ("nan", ".5", "5.", "1.e3", "+ 7")]
[None, None, None, None, None]
>>> [None if got is None else (got[0].tolist(), got[1]) for got in plain_numbers_of_columns(
...     [pa.array(["1.5", "2"]), pa.array(["7", "5."]), pa.array(["1e3", "-4.25E1"])])]
[([1.5, 2.0], 1), None, ([1000.0, -42.5], 2)]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

PROBE_VALUES = 256  # values a cast is tried on before the whole column
# Chunks this short on average are joined first: the per-chunk numpy calls would dominate
# (a 300-column file's 1 MB blocks hold ~440 rows), while joining long ones costs memory.
SMALL_CHUNK = 2_048
_DOT, _NINE, _ZERO = 46, 57, 48
_LOWER_E = 101  # "e"; "E" | 32 is "e" too
_NO_NUMBERS = np.empty(0, dtype=np.float64)

Floats = npt.NDArray[np.float64]


def plain_numbers(present: pa.Array | pa.ChunkedArray) -> tuple[Floats, int] | None:
    """Floats and the Fractional count when every (non-null) text is a Deequ number, else None.

    ``present`` holds no nulls. The floats are in column order; a value beyond float64's
    range (``1e400``) is infinite.
    """
    if len(present) == 0:
        return _NO_NUMBERS, 0
    if isinstance(present, pa.ChunkedArray) and len(present) < SMALL_CHUNK * present.num_chunks:
        present = present.combine_chunks()  # a wide file's small blocks: one pass, not one each
    floats = cast_or_none(present, pa.float64())
    if floats is None:
        return None
    fractional = 0
    for chunk in _chunks_of(present):
        counted = _fractional_if_deequ(chunk)
        if counted is None:
            return None
        fractional += counted
    return np.asarray(floats.to_numpy(), dtype=np.float64), fractional


def cast_or_none(
    values: pa.Array | pa.ChunkedArray, target: pa.DataType
) -> pa.Array | pa.ChunkedArray | None:
    """``values`` cast to ``target``, or None; the head is tried first.

    A failed cast of a whole column costs as much as a hundred successful ones.
    """
    try:
        pc.cast(values.slice(0, PROBE_VALUES), target)
        return pc.cast(values, target)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None


def _fractional_if_deequ(chunk: pa.Array) -> int | None:
    """Values holding a dot or an exponent, or None when a value is not a Deequ number.

    ``chunk`` is a string array without nulls that pyarrow's float cast accepted.
    """
    if len(chunk) == 0:
        return 0
    offsets = np.frombuffer(chunk.buffers()[1], dtype=np.int32)[
        chunk.offset : chunk.offset + len(chunk) + 1
    ]
    data = np.frombuffer(chunk.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
    starts = offsets - offsets[0]
    above_digits = np.count_nonzero(data > _NINE)
    exponents = np.flatnonzero((data | 32) == _LOWER_E) if above_digits else _NO_POSITIONS
    if above_digits != exponents.size:
        return None  # a letter other than e/E: nan, inf, infinity
    dot = data == _DOT
    dots = int(np.count_nonzero(dot))
    if dots:
        # take, not data[starts]: indexing by int32 positions is ~4x slower
        if (data.take(starts[:-1]) == _DOT).any() or (data.take(starts[1:] - 1) == _DOT).any():
            return None  # a dot first or last in its value: ".5", "5."
        digit = (data - _ZERO) < 10
        if (dot[1:-1] & ~(digit[:-2] & digit[2:])).any():
            return None  # a dot beside a sign or an exponent: "-.5", "5.e3"
    if not (dots and exponents.size):
        return dots + exponents.size
    with_dot = _with_a_dot(starts, np.flatnonzero(dot), exponents)
    return dots + exponents.size - int(np.count_nonzero(with_dot))


_NO_POSITIONS = np.empty(0, dtype=np.intp)


def _with_a_dot(
    starts: npt.NDArray[np.int32], dots: npt.NDArray[np.intp], exponents: npt.NDArray[np.intp]
) -> npt.NDArray[np.bool_]:
    """Which exponents stand in a value that holds a dot (``1.5e3``): the dot comes first."""
    value_start = starts[np.searchsorted(starts, exponents, side="right") - 1]
    before = np.searchsorted(dots, exponents) - 1  # the last dot before each exponent
    dot = dots[np.maximum(before, 0)]
    return (before >= 0) & (dot >= value_start)


def plain_numbers_of_columns(
    columns: Sequence[pa.Array | pa.ChunkedArray],
) -> list[tuple[Floats, int] | None]:
    """:func:`plain_numbers` of each column (none holding nulls), checked all at once.

    The columns' values are joined into one string array, cast once, and Deequ's checks run
    over its bytes; each flag found is counted to the column holding it. When the joined
    cast fails (a column holds text) or the columns are not plain strings, each column is
    answered on its own. A column's floats are a view of the joined result.
    """
    if len(columns) < 2 or any(c.type != pa.string() for c in columns):
        return [plain_numbers(c) for c in columns]
    chunks = [chunk for c in columns for chunk in _chunks_of(c) if len(chunk)]
    try:
        joined = pa.chunked_array(chunks, pa.string()).combine_chunks()
    except (pa.ArrowInvalid, pa.ArrowCapacityError):  # beyond a string array's 2 GiB
        joined = None
    if joined is None or not chunks:
        return [plain_numbers(c) for c in columns]
    floats = cast_or_none(joined, pa.float64())
    if floats is None:
        return [plain_numbers(c) for c in columns]
    bounds = np.cumsum([0, *map(len, columns)])
    fractional = _fractional_per_column(joined, bounds)
    values = np.asarray(floats.to_numpy(), dtype=np.float64)
    return [
        None if count is None else (values[start:end], count)
        for count, start, end in zip(fractional, bounds[:-1], bounds[1:], strict=True)
    ]


def _chunks_of(column: pa.Array | pa.ChunkedArray) -> list[pa.Array]:
    return column.chunks if isinstance(column, pa.ChunkedArray) else [column]


def _fractional_per_column(joined: pa.Array, bounds: npt.NDArray[np.int64]) -> list[int | None]:
    """:func:`_fractional_if_deequ` for each column of ``joined`` (values ``bounds[k]`` on).

    ``joined`` has no nulls and its float cast succeeded. The byte passes are those of the
    one-column check, over every column at once; a flag found (a letter, a dot out of place, a
    value beginning or ending with a dot, an exponent) is counted to its column by where it
    stands among the columns' first bytes or first values, and each column's dots by a count
    over its own bytes.
    """
    offsets = np.frombuffer(joined.buffers()[1], dtype=np.int32)[
        joined.offset : joined.offset + len(joined) + 1
    ]
    data = np.frombuffer(joined.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
    starts = offsets - offsets[0]
    column_bytes = starts[bounds]  # each column's first byte, and the end
    columns = len(bounds) - 1

    def per_column(positions: npt.NDArray[np.intp], edges: npt.NDArray[Any]) -> npt.NDArray[Any]:
        return np.diff(np.searchsorted(positions, edges))

    above_digits = np.flatnonzero(data > _NINE)
    exponents = above_digits[(data.take(above_digits) | 32) == _LOWER_E]
    letters = per_column(above_digits, column_bytes) - per_column(exponents, column_bytes)
    dot = data == _DOT
    dots = np.array(
        [
            np.count_nonzero(dot[a:b])
            for a, b in zip(column_bytes[:-1], column_bytes[1:], strict=True)
        ],
        dtype=np.intp,
    )
    misplaced = np.zeros(columns, dtype=np.intp)
    if dots.any():
        edge = (data.take(starts[:-1]) == _DOT) | (data.take(starts[1:] - 1) == _DOT)
        misplaced += per_column(np.flatnonzero(edge), bounds)  # ".5", "5.": by value index
        digit = (data - _ZERO) < 10
        beside = np.flatnonzero(dot[1:-1] & ~(digit[:-2] & digit[2:])) + 1
        misplaced += per_column(beside, column_bytes)  # "-.5", "5.e3"
    fractional = dots + per_column(exponents, column_bytes)
    if dots.any() and exponents.size:
        both = exponents[_with_a_dot(starts, np.flatnonzero(dot), exponents)]
        fractional -= per_column(both, column_bytes)
    return [
        None if bad_letters or bad_dots else int(count)
        for bad_letters, bad_dots, count in zip(letters, misplaced, fractional, strict=True)
    ]
