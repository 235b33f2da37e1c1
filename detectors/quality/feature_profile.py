"""Mergeable data-quality statistics of one feature.

A profile counts present, missing and absent values, the type each value looks like, exact
moments of the numeric values, their distribution in a KLL sketch, and the categorical
values with bounded memory. ``kind`` says what to keep: ``"numeric"`` skips categorical
counts of numbers, ``"string"`` skips the numeric sketch, ``"auto"`` (baseline suggestion,
type not yet known) keeps both.

Examples
--------
>>> p = FeatureProfile(name="age")
>>> p.update_many(["41", "19", "", "33.5", "n/a"])
>>> p.present, p.missing, p.types
(4, 1, TypeCounts(integral=2, fractional=1, boolean=0, string=1))
>>> p.moments.count, p.moments.sum
(3, 93.5)
>>> q = FeatureProfile.from_state(p.to_state())
>>> q.merge(p)
>>> q.present, q.moments.count
(8, 6)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from detectors.base import check_same_params, make_state, open_state
from detectors.quality import value_types as vt
from detectors.quality.column_chunk import COUNT_ALL, COUNT_NONE, COUNT_UNTIL_OVERFLOW, ColumnChunk
from detectors.quality.statistics import FeatureStatistics, NumericStatistics, StringStatistics
from detectors.sketches import CategoricalCounts, Moments, NumericSketch
from detectors.sketches.categorical_counts import head_overflows
from detectors.sketches.numeric_sketch import in_sorted_runs

KINDS = ("auto", "numeric", "string")


class FeatureProfile:
    """Statistics of one feature's values; an empty profile has every count at 0."""

    _KIND = "feature_profile"
    _VERSION = 1

    def __init__(
        self, *, name: str, kind: str = "auto", k: int = 400, max_exact: int = 1000
    ) -> None:
        if kind not in KINDS:
            msg = f"kind must be one of {KINDS}, got {kind!r}"
            raise ValueError(msg)
        self.name = name
        self.kind = kind
        self.k = k
        self.max_exact = max_exact
        self.rows = 0  # merge: sum — values offered, missing included
        self.missing = 0  # merge: sum — null, empty or NaN (absent included)
        self.absent = 0  # merge: sum — the column was not in the row at all
        self.types = vt.TypeCounts()  # merge: sum per type
        self.moments = Moments()  # merge: Chan's pairwise moments
        self.sketch = NumericSketch(k=k)  # merge: KLL sketch merge
        self.categories = CategoricalCounts(max_exact=max_exact)  # merge: counts / sketch merge
        self.numbers_as_categories = kind == "auto"  # merge: and

    def __repr__(self) -> str:
        return f"FeatureProfile(name={self.name!r}, kind={self.kind!r}, rows={self.rows})"

    @property
    def present(self) -> int:
        """Values that were not missing."""
        return self.rows - self.missing

    @property
    def inferred_type(self) -> str:
        """Integral, Fractional, String or Unknown, from the value types seen."""
        return vt.infer_column_type(self.types)

    def update(self, value: Any) -> None:
        """Add one value (``None`` for missing)."""
        self.update_many((value,))

    def update_many(self, values: Sequence[Any], *, absent: int = 0) -> None:
        """Add a batch of values; ``absent`` of the ``None`` entries were absent columns."""
        n = len(values)
        if n == 0:
            return
        self.rows += n
        self.absent += absent
        if self.kind != "string" and self._update_numbers_fast(values):
            return
        if self.kind != "numeric" and self._update_strings_fast(values):
            return
        self._update_slow(values)

    @property
    def number_counting(self) -> str:
        """Which number texts the next batch counts as categories (see :mod:`column_chunk`)."""
        if self.kind == "string":
            return COUNT_ALL
        if not self.numbers_as_categories:
            return COUNT_NONE
        return COUNT_ALL if self.types.string or self.types.boolean else COUNT_UNTIL_OVERFLOW

    def update_chunk(self, chunk: ColumnChunk, *, absent: int = 0) -> None:
        """Add a classified column batch; equals :meth:`update_many` over its values."""
        if chunk.rows == 0:
            return
        counting = self.number_counting
        if chunk.number_counts is None and (counting == COUNT_ALL or chunk.has_text):
            msg = f"{self.name}: number texts must be counted when counting is {counting!r}"
            raise ValueError(msg)
        self.rows += chunk.rows
        self.absent += absent
        self.missing += chunk.missing
        self.types.add(chunk.types)
        if self.kind != "string" and chunk.numbers.size:
            self.moments.merge(chunk.moments)
            self.sketch.update_many(chunk.numbers)
        if counting != COUNT_NONE:
            if chunk.number_counts is None:
                self.categories.update_counts([], [])
                self._stop_counting_numbers()
            else:
                self.categories.update_counts(*chunk.number_counts)
        self.categories.update_counts(*chunk.text_counts)
        self._check_number_overflow()

    def _update_numbers_fast(self, values: Sequence[Any]) -> bool:
        """Whole-column numeric path; False when the column needs per-value handling."""
        joined = vt.join_texts(values)
        if joined is not None:
            if not vt.NUMERIC_COLUMN.fullmatch(joined):
                return False
            arr = np.array(values, dtype=np.float64)
            fractional = joined.count(".")
            exponents = joined.count("e") + joined.count("E")
            if exponents:  # "1.5e3" has both marks but is one fractional value
                fractional += exponents - len(vt.FRACTIONAL_WITH_EXPONENT.findall(joined))
            self.types.fractional += fractional
            self.types.integral += len(values) - fractional
            self._count_numbers_as_categories(values)
        elif (types := set(map(type, values))) <= {int, float}:
            try:
                arr = np.array(values, dtype=np.float64)
            except OverflowError:  # an int beyond float64 (10**400): value by value
                return False
            present = ~np.isnan(arr)
            n_present = int(present.sum())
            self.missing += arr.size - n_present
            if n_present != arr.size:
                arr = arr[present]
            ints = len(values) if types == {int} else 0
            if types == {int, float}:
                ints = list(map(type, values)).count(int)
            self.types.integral += ints
            self.types.fractional += n_present - ints
            if self.numbers_as_categories:
                self._count_numbers_as_categories([v for v in values if v == v], texts=False)
        else:
            return False
        self._update_distribution(arr)
        return True

    def _update_distribution(self, arr: np.ndarray) -> None:
        """Feed moments and sketch; a number that overflows a float ("1e400") is left out.

        Such a value still counts as present and of its type, but one infinity would turn the
        mean, sum and buckets of the whole feature into NaN.
        """
        finite = np.isfinite(arr)
        if not finite.all():
            arr = arr[finite]
        self.moments.update_many(arr)
        self.sketch.update_many(in_sorted_runs(arr))

    def _count_numbers_as_categories(self, numbers: Sequence[Any], *, texts: bool = True) -> None:
        """In auto mode, count numbers as categories too, until that stops being useful.

        ``numbers`` are number texts, or (``texts=False``) ints and floats without NaN, whose
        categorical form is ``str`` of them. A column whose values have all been numbers and
        whose categorical counts overflow (more than ``max_exact`` distinct numbers) is a
        numeric column: its numbers stop being counted as categories, which would cost a
        sketch update per value for nothing; a batch whose head alone overflows stops it
        uncounted. If the column later turns out to be String, its categorical counts hold
        only what was counted before that point and its non-numeric values.
        """
        if not self.numbers_as_categories:
            return
        if not (self.types.string or self.types.boolean) and head_overflows(
            numbers, self.max_exact
        ):
            self._stop_counting_numbers()  # what counting them would end in, without the cost
            return
        if not texts:
            try:
                numbers = list(map(str, numbers))
            except ValueError:  # an int of more digits than str() writes
                numbers = list(map(vt.to_text, numbers))
        self.categories.update_many(numbers)
        self._check_number_overflow()

    def _check_number_overflow(self) -> None:
        """Stop counting numbers as categories once they overflow in a column without text."""
        if self.numbers_as_categories and not self.categories.is_exact:
            if not (self.types.string or self.types.boolean):
                self._stop_counting_numbers()

    def _stop_counting_numbers(self) -> None:
        self.numbers_as_categories = False
        self.categories = CategoricalCounts(max_exact=self.max_exact)

    def _update_strings_fast(self, values: Sequence[Any]) -> bool:
        """Whole-column path for text that cannot look like a number, boolean or null."""
        joined = vt.join_texts(values)
        if joined is None or vt.MAYBE_NOT_STRING.search(joined):
            return False
        self.types.string += len(values)
        self.categories.update_many(values)
        return True

    def _update_slow(self, values: Sequence[Any]) -> None:
        numbers: list[float] = []
        texts: list[str] = []
        types = self.types
        keep_number_text = self.kind == "string" or self.numbers_as_categories
        for value in values:
            kind = vt.classify(value)
            if kind == vt.MISSING:
                self.missing += 1
                continue
            if kind == vt.INTEGRAL or kind == vt.FRACTIONAL:
                if kind == vt.INTEGRAL:
                    types.integral += 1
                else:
                    types.fractional += 1
                if self.kind != "string":
                    numbers.append(vt.to_number(value))  # type: ignore[arg-type]
                if keep_number_text:
                    texts.append(vt.to_text(value))
                continue
            if kind == vt.BOOLEAN:
                types.boolean += 1
            else:
                types.string += 1
            texts.append(vt.to_text(value))
        if numbers:
            self._update_distribution(np.asarray(numbers, dtype=np.float64))
        if texts:
            self.categories.update_many(texts)
            self._check_number_overflow()

    def statistics(self) -> FeatureStatistics:
        """The feature's statistics: numeric and categorical blocks where values were seen."""
        numeric = None
        if not self.moments.is_empty:
            cdf = self.sketch.weighted_cdf()
            numeric = NumericStatistics.from_moments(self.moments, cdf, self.k)
        string = None
        if self.categories.total:
            string = StringStatistics(
                distinct_count=self.categories.distinct_count,
                buckets=tuple(self.categories.counts()),
            )
        t = self.types
        return FeatureStatistics(
            name=self.name,
            inferred_type=self.inferred_type,
            num_present=self.present,
            num_missing=self.missing,
            numeric=numeric,
            string=string,
            type_counts=vt.TypeCounts(t.integral, t.fractional, t.boolean, t.string),
            num_absent=self.absent,
        )

    def merge(self, other: FeatureProfile) -> None:
        """Absorb another partition's profile of the same feature."""
        check_same_params(self, other, "name", "kind", "k", "max_exact")
        self.rows += other.rows
        self.missing += other.missing
        self.absent += other.absent
        self.types.add(other.types)
        self.moments.merge(other.moments)
        self.sketch.merge(other.sketch)
        self.categories.merge(other.categories)
        self.numbers_as_categories = self.numbers_as_categories and other.numbers_as_categories

    def to_state(self) -> dict[str, Any]:
        """Return JSON-safe state."""
        t = self.types
        return make_state(
            self._KIND,
            self._VERSION,
            {"name": self.name, "kind": self.kind, "k": self.k, "max_exact": self.max_exact},
            {
                "rows": self.rows,
                "missing": self.missing,
                "absent": self.absent,
                "types": [t.integral, t.fractional, t.boolean, t.string],
                "moments": self.moments.to_state(),
                "sketch": self.sketch.to_state(),
                "categories": self.categories.to_state(),
                "numbers_as_categories": self.numbers_as_categories,
            },
        )

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> FeatureProfile:
        """Rebuild from :meth:`to_state` output."""
        params, s = open_state(state, kind=cls._KIND, version=cls._VERSION)
        p = cls(**params)
        p.rows, p.missing, p.absent = int(s["rows"]), int(s["missing"]), int(s["absent"])
        p.types = vt.TypeCounts(*(int(x) for x in s["types"]))
        p.moments = Moments.from_state(s["moments"])
        p.sketch = NumericSketch.from_state(s["sketch"])
        p.categories = CategoricalCounts.from_state(s["categories"])
        p.numbers_as_categories = bool(s["numbers_as_categories"])
        return p
