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

from collections.abc import Callable

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
from stream.capture.number_texts import plain_numbers

_FRACTIONAL = f"^(?:{vt.FRACTIONAL_PATTERN})$"
_INTEGRAL = f"^(?:{vt.INTEGRAL_PATTERN})$"
_BOOLEANS = pa.array(["true", "false"])
# A value that might be a number or a boolean; a column with none is all String.
_MAYBE_NOT_STRING = r"^(?:[-+ 0-9]|true$|false$)"
_NOTHING: ValueCounts = ((), ())


def column_chunk(
    values: pa.Array | pa.ChunkedArray, counting: str, max_exact: int = 1000
) -> ColumnChunk:
    """Classify a text column (missing as null) for a profile whose counting is ``counting``.

    With :data:`COUNT_UNTIL_OVERFLOW`, number texts are not counted (``number_counts`` is
    None) when they hold more than ``max_exact`` distinct values and the column has no text:
    the profile would stop counting them on this chunk anyway.
    """
    present = values.drop_null() if values.null_count else values
    missing = len(values) - len(present)
    plain = plain_numbers(present)
    if plain is not None:
        numbers, fractional = plain
        return ColumnChunk.classified(
            rows=len(values),
            missing=missing,
            types=vt.TypeCounts(integral=len(present) - fractional, fractional=fractional),
            numbers=numbers,
            text_counts=_NOTHING,
            number_counts=_plain_number_counts(present, counting, max_exact),
        )
    return _classified_chunk(present, len(values), missing, counting, max_exact)


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
    number_texts = distinct.filter(pa.array(is_number))
    compact = pc.replace_substring(number_texts, " ", "")  # "+ 7" is 7
    values = np.asarray(pc.cast(compact, pa.float64()).to_numpy(zero_copy_only=False), np.float64)
    numbers = np.repeat(values, counts[is_number])
    text = pa.array(~is_number)
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


def any_true(mask: pa.Array | pa.ChunkedArray) -> bool:
    """Whether any entry of a boolean column is true (nulls are not)."""
    return bool(pc.any(mask).as_py())
