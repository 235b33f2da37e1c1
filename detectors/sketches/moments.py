"""Exact, mergeable count / sum / mean / variance / min / max of a numeric stream.

Merging uses Chan et al.'s pairwise update of the second central moment, so a merge of two
halves equals one pass over both to floating-point rounding.

Examples
--------
>>> m = Moments()
>>> m.update_many([1.0, 2.0, 3.0, 4.0])
>>> m.count, m.sum, m.mean, m.min, m.max
(4, 10.0, 2.5, 1.0, 4.0)
>>> round(m.std_dev, 6)   # population standard deviation, as SageMaker reports it
1.118034
>>> other = Moments()
>>> other.update(10.0)
>>> m.merge(other)
>>> m.count, m.mean
(5, 4.0)
>>> Moments.from_state(m.to_state()).variance == m.variance
True
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from detectors.base import make_state, open_state


class Moments:
    """Running moments of the numbers seen; empty until the first update (mean is NaN)."""

    _KIND = "moments"
    _VERSION = 1

    __slots__ = ("count", "max", "mean", "min", "sum", "_m2")

    def __init__(self) -> None:
        self.count = 0  # merge: sum
        self.sum = 0.0  # merge: sum
        self.mean = math.nan  # merge: count-weighted
        self._m2 = 0.0  # merge: Chan's pairwise formula
        self.min = math.inf  # merge: min
        self.max = -math.inf  # merge: max

    def __repr__(self) -> str:
        return f"Moments(count={self.count}, mean={self.mean}, std_dev={self.std_dev})"

    @property
    def is_empty(self) -> bool:
        """Whether no value has been seen."""
        return self.count == 0

    @property
    def variance(self) -> float:
        """Population variance (divides by n); 0.0 when empty."""
        return self._m2 / self.count if self.count else 0.0

    @property
    def std_dev(self) -> float:
        """Population standard deviation; 0.0 when empty."""
        return math.sqrt(self.variance)

    def update(self, x: float) -> None:
        """Add one finite number."""
        self._combine(1, float(x), 0.0, float(x), float(x), float(x))

    def update_many(self, xs: Iterable[float] | np.ndarray) -> None:
        """Add a batch; equals ``update`` in a loop up to floating-point rounding."""
        arr = np.asarray(xs, dtype=np.float64)
        if arr.size == 0:
            return
        mean = float(arr.mean())
        m2 = float(np.square(arr - mean).sum())
        self._combine(int(arr.size), mean, m2, float(arr.min()), float(arr.max()), float(arr.sum()))

    def merge(self, other: Moments) -> None:
        """Absorb another stream's moments."""
        if other.count:
            self._combine(other.count, other.mean, other._m2, other.min, other.max, other.sum)

    def _combine(self, n: int, mean: float, m2: float, lo: float, hi: float, total: float) -> None:
        if self.count == 0:
            self.count, self.mean, self._m2 = n, mean, m2
        else:
            count = self.count + n
            delta = mean - self.mean
            self._m2 += m2 + delta * delta * self.count * n / count
            self.mean += delta * n / count
            self.count = count
        self.sum += total
        self.min = min(self.min, lo)
        self.max = max(self.max, hi)

    def to_state(self) -> dict[str, Any]:
        """Return JSON-safe state (infinities of an empty instance are written as null)."""
        empty = self.count == 0
        return make_state(
            self._KIND,
            self._VERSION,
            {},
            {
                "count": self.count,
                "sum": self.sum,
                "mean": None if empty else self.mean,
                "m2": self._m2,
                "min": None if empty else self.min,
                "max": None if empty else self.max,
            },
        )

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> Moments:
        """Rebuild from :meth:`to_state` output."""
        _, s = open_state(state, kind=cls._KIND, version=cls._VERSION)
        m = cls()
        if s["count"]:
            m.count, m.sum, m.mean, m._m2 = int(s["count"]), s["sum"], s["mean"], s["m2"]
            m.min, m.max = s["min"], s["max"]
        return m
