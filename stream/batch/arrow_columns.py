"""Deequ's value types for a whole pyarrow text column at once: a :class:`ColumnChunk`.

A column of integers costs one cast; a column whose every value parses as a float is also
matched against Deequ's number grammar (a float parser takes ``nan``, ``inf``, ``.5``,
``5.`` or ``1.e3``, Deequ calls them String) and counted Fractional where it has a dot or an
exponent; a column where no value can be a number or a boolean is all String. Any other
column is classified with Deequ's own patterns (:mod:`detectors.quality.value_types`) run by
RE2. Texts are counted with a hash table; number texts only as far as the profile still
counts them (``number_counting``).

Examples
--------
>>> import pyarrow as pa
>>> chunk = column_chunk(pa.array(["41", "+ 7", None, "1e3", "true", "n/a", "nan"]), "all")
>>> chunk.missing, chunk.types
(1, TypeCounts(integral=2, fractional=1, boolean=1, string=2))
>>> chunk.numbers.tolist(), sorted(zip(*chunk.text_counts))
([41.0, 7.0, 1000.0], [('n/a', 1), ('nan', 1), ('true', 1)])
"""

from __future__ import annotations

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

_FRACTIONAL = f"^(?:{vt.FRACTIONAL_PATTERN})$"
_INTEGRAL = f"^(?:{vt.INTEGRAL_PATTERN})$"
_BOOLEANS = pa.array(["true", "false"])
_NUMBER = f"^(?:{vt.FRACTIONAL_PATTERN}|{vt.INTEGRAL_PATTERN})$"
# A value that might be a number or a boolean; a column with none is all String.
_MAYBE_NOT_STRING = r"^(?:[-+ 0-9]|true$|false$)"
DISTINCT_PROBE_FACTOR = 4  # values probed for distinct numbers: this many times max_exact
PROBE_VALUES = 256  # values a cast is tried on before the whole column
_NO_NUMBERS = np.empty(0, dtype=np.float64)


def column_chunk(values: pa.Array, counting: str, max_exact: int = 1000) -> ColumnChunk:
    """Classify a text column (missing as null) for a profile whose counting is ``counting``.

    With :data:`COUNT_UNTIL_OVERFLOW`, number texts are not counted (``number_counts`` is
    None) when the first ``4 * max_exact`` of them already hold more than ``max_exact``
    distinct values and the column has no text.
    """
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    present = values.drop_null() if values.null_count else values
    numbers, fractional = _plain_numbers(present)
    if numbers is None and not _any(pc.match_substring_regex(present, _MAYBE_NOT_STRING)):
        types = vt.TypeCounts(string=len(present))
        numbers, number_texts, texts = _NO_NUMBERS, present.slice(0, 0), present
    elif numbers is not None:
        types = vt.TypeCounts(integral=len(present) - fractional, fractional=fractional)
        number_texts, texts = present, present.slice(0, 0)
    else:
        types, numbers, number_texts, texts = _classified(present)
    has_text = bool(types.boolean or types.string)
    return ColumnChunk(
        rows=len(values),
        missing=len(values) - len(present),
        types=types,
        numbers=numbers,
        text_counts=_value_counts(texts),
        number_counts=_number_counts(number_texts, counting, max_exact, has_text),
    )


def _plain_numbers(present: pa.Array) -> tuple[npt.NDArray[np.float64] | None, int]:
    """Floats and the Fractional count when every value is a Deequ number, else (None, 0)."""
    if len(present) == 0:
        return _NO_NUMBERS, 0
    integers = _cast(present, pa.int64())
    if integers is not None:
        if _any(pc.match_substring(present, "x")) or _any(pc.match_substring(present, "X")):
            return None, 0  # int64 also reads hexadecimal ("0x1F")
        return integers.to_numpy(zero_copy_only=False).astype(np.float64), 0
    floats = _cast(present, pa.float64())
    if floats is None or not _all(pc.match_substring_regex(present, _NUMBER)):
        return None, 0  # a float parser also reads nan, inf, ".5", "5." or "1.e3": Strings
    numbers = np.asarray(floats.to_numpy(zero_copy_only=False), dtype=np.float64)
    marked = pc.or_(pc.match_substring(present, "."), pc.match_substring(present, "e"))
    return numbers, _count(pc.or_(marked, pc.match_substring(present, "E")))


def _cast(present: pa.Array, target: pa.DataType) -> pa.Array | None:
    """The column cast to ``target``, or None; its head is tried first.

    A failed cast of a whole column costs as much as a hundred successful ones.
    """
    try:
        pc.cast(present.slice(0, PROBE_VALUES), target)
        return pc.cast(present, target)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None


def _classified(
    present: pa.Array,
) -> tuple[vt.TypeCounts, npt.NDArray[np.float64], pa.Array, pa.Array]:
    """Types by Deequ's patterns; the numbers (spaces dropped: ``+ 7``), number texts, texts."""
    fractional = pc.match_substring_regex(present, _FRACTIONAL)
    integral = pc.and_not(pc.match_substring_regex(present, _INTEGRAL), fractional)
    is_number = pc.or_(fractional, integral)
    boolean = pc.is_in(present, value_set=_BOOLEANS)
    number_texts = present.filter(is_number)
    n_fractional, n_integral, n_boolean = (_count(m) for m in (fractional, integral, boolean))
    types = vt.TypeCounts(
        integral=n_integral,
        fractional=n_fractional,
        boolean=n_boolean,
        string=len(present) - n_fractional - n_integral - n_boolean,
    )
    compact = pc.replace_substring(number_texts, " ", "")
    numbers = np.asarray(
        pc.cast(compact, pa.float64()).to_numpy(zero_copy_only=False), dtype=np.float64
    )
    return types, numbers, number_texts, present.filter(pc.invert(is_number))


def _number_counts(
    texts: pa.Array, counting: str, max_exact: int, has_text: bool
) -> ValueCounts | None:
    if counting == COUNT_NONE or len(texts) == 0:
        return ((), ())
    if counting == COUNT_UNTIL_OVERFLOW and not has_text and len(texts) > max_exact:
        probe = texts.slice(0, DISTINCT_PROBE_FACTOR * max_exact)
        if pc.count_distinct(probe).as_py() > max_exact:
            return None
    return _value_counts(texts)


def _value_counts(texts: pa.Array) -> ValueCounts:
    if len(texts) == 0:
        return ((), ())
    counted = pc.value_counts(texts)
    return counted.field("values").to_pylist(), counted.field("counts").to_pylist()


def _all(mask: pa.Array) -> bool:
    return bool(pc.all(mask).as_py())


def _any(mask: pa.Array) -> bool:
    return bool(pc.any(mask).as_py())


def _count(mask: pa.Array) -> int:
    return int(pc.sum(mask).as_py() or 0)
