"""One column of a batch, already classified: what a columnar reader hands a feature profile.

A columnar reader (pyarrow in ``stream.batch``) classifies a whole column at once with
Deequ's patterns from :mod:`detectors.quality.value_types`, converts its numbers to one
float array and counts its texts with a hash table. :meth:`ColumnChunk.classified` then
keeps the finite numbers, computes their moments and orders them for the KLL sketch — the
array work, done on the reader's thread — and the chunk carries the result;
:meth:`FeatureProfile.update_chunk <detectors.quality.feature_profile.FeatureProfile.update_chunk>`
adds it exactly as :meth:`~detectors.quality.feature_profile.FeatureProfile.update_many` adds
the same values one by one.

Which number texts a profile still counts as categories is the profile's decision
(:data:`COUNT_NONE`, :data:`COUNT_ALL` or :data:`COUNT_UNTIL_OVERFLOW`); a reader asks for it
before counting, so that a numeric column with a million distinct values costs no hash table.

Examples
--------
>>> import numpy as np
>>> chunk = ColumnChunk.from_values(["41", "19", "", "33.5", "n/a"])
>>> chunk.rows, chunk.missing, chunk.types
(5, 1, TypeCounts(integral=2, fractional=1, boolean=0, string=1))
>>> sorted(chunk.numbers.tolist()), chunk.moments.sum, dict(zip(*chunk.text_counts))
([19.0, 33.5, 41.0], 93.5, {'n/a': 1})
>>> dict(zip(*chunk.number_counts))
{'41': 1, '19': 1, '33.5': 1}
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from detectors.quality import value_types as vt
from detectors.sketches import Moments
from detectors.sketches.numeric_sketch import in_sorted_runs

COUNT_NONE = "none"  # numbers are not categories (numeric kind, or they overflowed)
COUNT_ALL = "all"  # every number text is a category (string kind, or the column has text)
COUNT_UNTIL_OVERFLOW = "until_overflow"  # auto kind, numbers only so far

ValueCounts = tuple[Sequence[str], Sequence[int]]


@dataclass(frozen=True, slots=True)
class ColumnChunk:
    """``rows`` values of one column: counts by type, the numbers, and text counts.

    ``numbers`` holds the value of every finite Integral and Fractional entry, in any order
    (one that overflows a float, such as ``1e400``, counts as present and of its type but
    stays out of the distribution, as in the row path); ``moments`` are theirs.
    ``text_counts`` counts the Boolean and String entries. ``number_counts`` counts the
    number texts as written, ``None`` when the reader skipped them because the chunk alone
    holds more distinct numbers than the profile counts exactly (allowed for a chunk
    without text, unless the profile counts every number text: :data:`COUNT_ALL`).
    """

    rows: int
    missing: int
    types: vt.TypeCounts
    numbers: npt.NDArray[np.float64]
    moments: Moments
    text_counts: ValueCounts
    number_counts: ValueCounts | None

    @classmethod
    def classified(
        cls,
        *,
        rows: int,
        missing: int,
        types: vt.TypeCounts,
        numbers: npt.NDArray[np.float64],
        text_counts: ValueCounts,
        number_counts: ValueCounts | None,
    ) -> ColumnChunk:
        """A chunk from a reader's classification; ``numbers`` may hold infinities."""
        finite = np.isfinite(numbers)
        if not finite.all():
            numbers = numbers[finite]
        moments = Moments()
        moments.update_many(numbers)
        return cls(
            rows, missing, types, in_sorted_runs(numbers), moments, text_counts, number_counts
        )

    @classmethod
    def from_values(cls, values: Sequence[Any]) -> ColumnChunk:
        """Classify values one by one (the reference a columnar reader must agree with)."""
        types = vt.TypeCounts()
        numbers: list[float] = []
        texts: Counter[str] = Counter()
        number_texts: Counter[str] = Counter()
        missing = 0
        for value in values:
            kind = vt.classify(value)
            if kind == vt.MISSING:
                missing += 1
            elif kind in (vt.INTEGRAL, vt.FRACTIONAL):
                types.integral += kind == vt.INTEGRAL
                types.fractional += kind == vt.FRACTIONAL
                numbers.append(vt.to_number(value))  # type: ignore[arg-type]
                number_texts[vt.to_text(value)] += 1
            else:
                types.boolean += kind == vt.BOOLEAN
                types.string += kind == vt.STRING
                texts[vt.to_text(value)] += 1
        return cls.classified(
            rows=len(values),
            missing=missing,
            types=types,
            numbers=np.asarray(numbers, dtype=np.float64),
            text_counts=(list(texts), list(texts.values())),
            number_counts=(list(number_texts), list(number_texts.values())),
        )

    @classmethod
    def all_missing(cls, rows: int) -> ColumnChunk:
        """A column of ``rows`` missing values (a feature absent from a batch)."""
        nothing: ValueCounts = ((), ())
        empty = np.empty(0, dtype=np.float64)
        return cls(rows, rows, vt.TypeCounts(), empty, Moments(), nothing, nothing)

    @property
    def has_text(self) -> bool:
        """Whether any entry was a Boolean or a String."""
        return bool(self.types.boolean or self.types.string)
