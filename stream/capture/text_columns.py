"""A column of CSV field texts classified at once: the :class:`ColumnChunk` a profile takes.

The worker's open windows buffer the rows of plain CSV capture records
(:mod:`stream.capture.plain_csv`) and hand each window's columns to
:meth:`~detectors.quality.dataset_profile.DatasetProfile.update_chunks` when they flush; a
small flush (a window closing with a few hundred rows) is classified here, in Python, a large
one by pyarrow (:mod:`stream.capture.arrow_columns`; see :mod:`stream.worker.open_window`
for why both). :func:`text_chunk` gives exactly what
:meth:`~detectors.quality.column_chunk.ColumnChunk.from_values` gives (Deequ's types value
by value), taking a whole-column path where it can:

- *numbers*: every present field is a JSON number. JSON's number grammar is a subset of
  Deequ's Integral and Fractional patterns, so one orjson call parses the column (orjson
  reads every decimal text to the same double as ``float``); Fractional are the fields with a
  dot or an exponent. A field JSON would read as something else (a quote, ``true``,
  ``null``, a bracket, whitespace) or reads differently from ``float`` (``-0``, whose sign
  JSON's integer drops) leaves the column to the value-by-value path;
- *text*: no field can look like a number, a boolean or a missing value: all String.

Empty fields are missing in every path. Number texts are counted as categories only as far as
the profile still counts them (``counting``, see :mod:`detectors.quality.column_chunk`).

Examples
--------
>>> chunk = text_chunk(["41", "", "33.5", "1e3"], COUNT_NONE)
>>> chunk.rows, chunk.missing, chunk.types, sorted(chunk.numbers.tolist())
(4, 1, TypeCounts(integral=1, fractional=2, boolean=0, string=0), [33.5, 41.0, 1000.0])
>>> dict(zip(*text_chunk(["basic", "gold", "basic"], COUNT_ALL).text_counts))
{'basic': 2, 'gold': 1}
>>> text_chunk(["+ 7", "true", "n/a"], COUNT_ALL).types  # value by value, as Deequ does
TypeCounts(integral=1, fractional=0, boolean=1, string=1)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import orjson

from detectors.quality import value_types as vt
from detectors.quality.column_chunk import (
    COUNT_ALL,
    COUNT_NONE,
    COUNT_UNTIL_OVERFLOW,
    ColumnChunk,
    ValueCounts,
)
from detectors.sketches.categorical_counts import head_overflows

__all__ = ["COUNT_ALL", "COUNT_NONE", "COUNT_UNTIL_OVERFLOW", "text_chunk"]

# Characters of JSON values that are not numbers (strings, literals, containers, whitespace).
_NOT_A_JSON_NUMBER = ('"', "t", "f", "n", "[", "{", " ", "\t", "\n", "\r")
_NOTHING: ValueCounts = ((), ())
_NO_NUMBERS = np.empty(0, dtype=np.float64)


def text_chunk(values: Sequence[str], counting: str, max_exact: int = 1000) -> ColumnChunk:
    """Classify a column of field texts (``""`` is missing) for a profile counting ``counting``.

    With :data:`COUNT_UNTIL_OVERFLOW`, number texts are not counted (``number_counts`` None)
    when the first ``4 * max_exact`` of them already hold more than ``max_exact`` distinct
    values and the column has no text, as the columnar reader of ``analyze`` does.
    """
    joined = ",".join(values)
    present = values
    if ",," in joined or joined[:1] == "," or joined[-1:] == "," or not joined:
        present = [value for value in values if value]
        joined = ",".join(present)
    parsed = _json_numbers(joined, len(present))
    if parsed is not None:
        numbers, fractional = parsed
        types = vt.TypeCounts(integral=len(present) - fractional, fractional=fractional)
        return ColumnChunk.classified(
            rows=len(values),
            missing=len(values) - len(present),
            types=types,
            numbers=numbers,
            text_counts=_NOTHING,
            number_counts=_number_counts(present, counting, max_exact),
        )
    if present and not vt.MAYBE_NOT_STRING.search("\x00".join(present)):
        return ColumnChunk.classified(
            rows=len(values),
            missing=len(values) - len(present),
            types=vt.TypeCounts(string=len(present)),
            numbers=_NO_NUMBERS,
            text_counts=_counts(present),
            number_counts=_NOTHING,
        )
    return ColumnChunk.from_values(values)


def _json_numbers(joined: str, count: int) -> tuple[npt.NDArray[np.float64], int] | None:
    """The comma-joined fields as floats and how many are Fractional, or None."""
    if count == 0:
        return _NO_NUMBERS, 0
    if any(mark in joined for mark in _NOT_A_JSON_NUMBER):
        return None
    if "-0," in joined or joined.endswith("-0"):  # maybe a negative integer zero
        return None
    try:
        parsed = orjson.loads(f"[{joined}]")
    except orjson.JSONDecodeError:  # not JSON numbers (or one overflows a double)
        return None
    if len(parsed) != count:
        return None
    fractional = joined.count(".")
    exponents = joined.count("e") + joined.count("E")
    if exponents:  # "1.5e3" has both marks but is one Fractional value
        fractional += exponents - len(vt.FRACTIONAL_WITH_EXPONENT.findall(joined))
    return np.fromiter(parsed, dtype=np.float64, count=count), fractional


def _number_counts(texts: Sequence[str], counting: str, max_exact: int) -> ValueCounts | None:
    if counting == COUNT_NONE or not texts:
        return _NOTHING
    if counting == COUNT_UNTIL_OVERFLOW and head_overflows(texts, max_exact):
        return None
    return _counts(texts)


def _counts(texts: Sequence[str]) -> ValueCounts:
    counted = Counter(texts)
    return list(counted), list(counted.values())
