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

Examples
--------
>>> import pyarrow as pa
>>> numbers, fractional = plain_numbers(pa.array(["41", "-3.5", "1e3", "+7", "1.5E-2"]))
>>> numbers.tolist(), fractional
([41.0, -3.5, 1000.0, 7.0, 0.015], 3)
>>> [plain_numbers(pa.array(["1", text])) for text in ("nan", ".5", "5.", "1.e3", "+ 7")]
[None, None, None, None, None]
"""

from __future__ import annotations

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
    for chunk in present.chunks if isinstance(present, pa.ChunkedArray) else [present]:
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
    return dots + exponents.size - _with_both(starts, np.flatnonzero(dot), exponents)


_NO_POSITIONS = np.empty(0, dtype=np.intp)


def _with_both(
    starts: npt.NDArray[np.int32], dots: npt.NDArray[np.intp], exponents: npt.NDArray[np.intp]
) -> int:
    """Values holding both a dot and an exponent (``1.5e3``): the dot comes first in them."""
    value_start = starts[np.searchsorted(starts, exponents, side="right") - 1]
    before = np.searchsorted(dots, exponents) - 1  # the last dot before each exponent
    dot = dots[np.maximum(before, 0)]
    return int(np.count_nonzero((before >= 0) & (dot >= value_start)))
