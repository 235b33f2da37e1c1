"""Counts of categorical values: exact up to a cap, then a frequent-items sketch.

While at most ``max_exact`` distinct values have been seen, counts and the distinct count
are exact. Past that the counts move into a DataSketches frequent-items sketch (heavy
hitters with error bounds) and the distinct count into an HLL sketch, so memory stays
bounded whatever the cardinality. Deequ, which SageMaker is built on, caps its histogram at
1000 values too.

Examples
--------
>>> c = CategoricalCounts(max_exact=3)
>>> c.update_many(["basic", "premium", "basic"])
>>> c.counts(), c.distinct_count, c.is_exact
([('basic', 2), ('premium', 1)], 2.0, True)
>>> c.update_many(["a", "b", "basic"])      # a fourth distinct value: now a sketch
>>> c.is_exact, c.total, c.counts()[0]
(False, 6, ('basic', 3))
>>> round(c.distinct_count)
4
>>> CategoricalCounts.from_state(c.to_state()).counts() == c.counts()
True
>>> d = CategoricalCounts()
>>> d.update_counts(["basic", "premium"], [2, 1])
>>> d.counts()
[('basic', 2), ('premium', 1)]
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from datasketches import (
    frequent_items_error_type,
    frequent_strings_sketch,
    hll_sketch,
    hll_union,
    tgt_hll_type,
)

from detectors.base import bytes_from_text, bytes_to_text, make_state, open_state

_HLL_TYPE = tgt_hll_type.HLL_8
# DataSketches' HLL ignores the empty string; it is counted under this stand-in instead.
_EMPTY_HLL_KEY = "\x00"


def _hll_key(value: str) -> str:
    return value or _EMPTY_HLL_KEY


class CategoricalCounts:
    """Value → count with bounded memory; ``counts()`` is sorted by count, then value."""

    _KIND = "categorical_counts"
    _VERSION = 1

    __slots__ = ("_exact", "_frequent", "_hll", "lg_hll_k", "lg_max_map_size", "max_exact", "total")

    def __init__(
        self, *, max_exact: int = 1000, lg_max_map_size: int = 11, lg_hll_k: int = 12
    ) -> None:
        if max_exact < 1:
            msg = f"max_exact must be >= 1, got {max_exact}"
            raise ValueError(msg)
        if not 3 <= lg_max_map_size <= 26 or not 4 <= lg_hll_k <= 21:
            msg = "lg_max_map_size must be in 3..26 and lg_hll_k in 4..21"
            raise ValueError(msg)
        self.max_exact = max_exact
        self.lg_max_map_size = lg_max_map_size
        self.lg_hll_k = lg_hll_k
        self.total = 0  # merge: sum
        self._exact: Counter[str] | None = Counter()  # merge: add counts, overflow to sketch
        self._frequent: Any = None  # merge: frequent-items sketch merge
        self._hll: Any = None  # merge: HLL union

    def __repr__(self) -> str:
        return f"CategoricalCounts(total={self.total}, distinct≈{self.distinct_count:.0f})"

    @property
    def is_exact(self) -> bool:
        """Whether counts and distinct count are still exact."""
        return self._exact is not None

    @property
    def distinct_count(self) -> float:
        """Distinct values seen: exact while exact, else the HLL estimate."""
        if self._exact is not None:
            return float(len(self._exact))
        return float(self._hll.get_estimate())

    def update(self, value: str) -> None:
        """Count one value."""
        self.update_many((value,))

    def update_many(self, values: Iterable[str]) -> None:
        """Count a batch of values."""
        if self._exact is not None:
            before = self.total
            self._exact.update(values)
            self.total = before + (self._exact.total() - before)
            if len(self._exact) > self.max_exact:
                self._overflow()
            return
        self.total += self._sketch_counts(values, None)

    def update_counts(self, values: Sequence[str], counts: Sequence[int]) -> None:
        """Count each ``values[i]`` ``counts[i]`` times: a column's value counts at once.

        Equals :meth:`update_many` over the repeated values (exactly while exact).
        """
        if self._exact is not None:
            self._exact.update(dict(zip(values, map(int, counts), strict=True)))
            self.total += int(sum(counts))
            if len(self._exact) > self.max_exact:
                self._overflow()
            return
        self.total += self._sketch_counts(values, counts)

    def _sketch_counts(self, values: Iterable[str], counts: Iterable[int] | None) -> int:
        """Add values (each once, or ``counts`` times) to the two sketches; the weight added.

        A column of distinct values (ids, e-mails, timestamps) comes here one value at a time,
        so the two sketch updates are looked up once, not per value: about a tenth less time
        per value (the two updates themselves take most of it).
        """
        update_frequent, update_hll = self._frequent.update, self._hll.update
        added = 0
        if counts is None:
            for value in values:
                update_frequent(value)
                update_hll(value or _EMPTY_HLL_KEY)
                added += 1
            return added
        weights = [int(count) for count in counts]
        for value, weight in zip(values, weights, strict=True):
            update_frequent(value, weight)
            update_hll(value or _EMPTY_HLL_KEY)
        return sum(weights)

    def _overflow(self) -> None:
        assert self._exact is not None
        self._frequent = frequent_strings_sketch(self.lg_max_map_size)
        self._hll = hll_sketch(self.lg_hll_k, _HLL_TYPE)
        for value, count in self._exact.items():
            self._frequent.update(value, count)
            self._hll.update(_hll_key(value))
        self._exact = None

    def counts(self) -> list[tuple[str, int]]:
        """Value counts, largest first (estimates once the sketch has taken over)."""
        if self._exact is not None:
            items = list(self._exact.items())
        else:
            rows = self._frequent.get_frequent_items(frequent_items_error_type.NO_FALSE_NEGATIVES)
            items = [(value, int(estimate)) for value, estimate, _lo, _hi in rows]
        return sorted(items, key=lambda kv: (-kv[1], kv[0]))

    def count_of(self, value: str) -> int:
        """Count (or estimate) of one value; 0 when unseen."""
        if self._exact is not None:
            return self._exact.get(value, 0)
        return int(self._frequent.get_estimate(value))

    def merge(self, other: CategoricalCounts) -> None:
        """Absorb another stream's counts."""
        if self._exact is not None and other._exact is not None:
            self._exact.update(other._exact)
            self.total += other.total
            if len(self._exact) > self.max_exact:
                self._overflow()
            return
        if self._exact is not None:
            self._overflow()
        if other._exact is not None:
            for value, count in other._exact.items():
                self._frequent.update(value, count)
                self._hll.update(_hll_key(value))
        else:
            self._frequent.merge(other._frequent)
            union = hll_union(self.lg_hll_k)
            union.update(self._hll)
            union.update(other._hll)
            self._hll = union.get_result(_HLL_TYPE)
        self.total += other.total

    def to_state(self) -> dict[str, Any]:
        """Return JSON-safe state: exact counts, or sketch bytes as base64 text."""
        params = {
            "max_exact": self.max_exact,
            "lg_max_map_size": self.lg_max_map_size,
            "lg_hll_k": self.lg_hll_k,
        }
        if self._exact is not None:
            body: dict[str, Any] = {"total": self.total, "exact": dict(sorted(self._exact.items()))}
        else:
            body = {
                "total": self.total,
                "frequent": bytes_to_text(self._frequent.serialize()),
                "hll": bytes_to_text(self._hll.serialize_compact()),
            }
        return make_state(self._KIND, self._VERSION, params, body)

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> CategoricalCounts:
        """Rebuild from :meth:`to_state` output."""
        params, s = open_state(state, kind=cls._KIND, version=cls._VERSION)
        counts = cls(**{k: int(v) for k, v in params.items()})
        counts.total = int(s["total"])
        if "exact" in s:
            counts._exact = Counter({str(k): int(v) for k, v in s["exact"].items()})
        else:
            counts._exact = None
            counts._frequent = frequent_strings_sketch.deserialize(bytes_from_text(s["frequent"]))
            counts._hll = hll_sketch.deserialize(bytes_from_text(s["hll"]))
        return counts


HEAD_FACTOR = 4  # values head_overflows looks at: this many times max_exact


def head_overflows(values: Sequence[Any], max_exact: int) -> bool:
    """Whether counting ``values`` would end exact counts: their head holds too many distinct.

    The head is ``HEAD_FACTOR * max_exact`` values; False decides nothing (the values past
    the head are not looked at). NaN must not be among them: each NaN is distinct.

    >>> head_overflows([str(i) for i in range(5)], 3), head_overflows(["1"] * 50, 3)
    (True, False)
    """
    return len(values) > max_exact and len(set(values[: HEAD_FACTOR * max_exact])) > max_exact
