"""A distribution given as weighted items: what a KLL sketch holds, in a comparable form.

Both driftline's live sketches (datasketches KLL) and SageMaker's baseline sketches (Deequ's
KLL, written as ``sketch.data`` levels where an item at level ``i`` weighs ``2**i``) reduce
to sorted items with weights. Ranks, buckets and the Kolmogorov–Smirnov distance are then
computed the same way for both.

Examples
--------
The worked example of SageMaker's KLL format (k = 8, 40 values):

>>> levels = [
...     [26.0, 24.0, 34.0, 60.0, 27.0, 48.0, 51.0, 37.0, 46.0, 21.0, 21.0, 29.0, 53.0, 40.0,
...      34.0, 48.0],
...     [],
...     [20.0, 22.0, 33.0, 40.0, 46.0, 63.0],
... ]
>>> cdf = WeightedCdf.from_levels(levels)
>>> cdf.total_weight
40.0
>>> float(cdf.rank(33.0))
18.0
>>> cdf.to_levels()[2]
[20.0, 22.0, 33.0, 40.0, 46.0, 63.0]
>>> a = WeightedCdf.from_items([1.0, 2.0, 3.0, 4.0])
>>> b = WeightedCdf.from_items([3.0, 4.0, 5.0, 6.0])
>>> ks_distance(a, b)
0.5
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

__all__ = ["WeightedCdf", "ks_distance"]


class WeightedCdf:
    """Sorted items with weights; ``rank(x)`` is the total weight of items ``<= x``.

    An empty distribution has no items and total weight 0.
    """

    __slots__ = ("_cumulative", "values", "weights")

    def __init__(self, values: FloatArray, weights: FloatArray) -> None:
        order = np.argsort(values, kind="stable")
        self.values: FloatArray = np.asarray(values, dtype=np.float64)[order]
        self.weights: FloatArray = np.asarray(weights, dtype=np.float64)[order]
        self._cumulative: FloatArray = np.concatenate(([0.0], np.cumsum(self.weights)))

    def __repr__(self) -> str:
        return f"WeightedCdf(items={self.values.size}, total_weight={self.total_weight})"

    @classmethod
    def from_items(
        cls,
        values: Sequence[float] | FloatArray,
        weights: Sequence[float] | FloatArray | None = None,
    ) -> WeightedCdf:
        """Build from values and (default unit) weights."""
        v = np.asarray(values, dtype=np.float64)
        w = np.ones_like(v) if weights is None else np.asarray(weights, dtype=np.float64)
        return cls(v, w)

    @classmethod
    def from_levels(cls, levels: Sequence[Sequence[float]]) -> WeightedCdf:
        """Build from Deequ/SageMaker ``sketch.data``: items of level ``i`` weigh ``2**i``."""
        values = [float(x) for level in levels for x in level]
        weights = [float(2**i) for i, level in enumerate(levels) for _ in level]
        return cls.from_items(values, weights)

    def to_levels(self) -> list[list[float]]:
        """Return ``sketch.data`` levels; every weight must be a power of two."""
        if self.values.size == 0:
            return [[]]
        exponents = np.log2(self.weights)
        rounded = np.rint(exponents).astype(np.int64)
        if not np.allclose(exponents, rounded):
            msg = "weights are not powers of two; cannot write KLL levels"
            raise ValueError(msg)
        levels: list[list[float]] = [[] for _ in range(int(rounded.max()) + 1)]
        for value, level in zip(self.values.tolist(), rounded.tolist(), strict=True):
            levels[level].append(value)
        return levels

    @property
    def is_kll_levels(self) -> bool:
        """Whether every weight is a power of two, so :meth:`to_levels` can write it."""
        if self.values.size == 0:
            return True
        exponents = np.log2(
            self.weights, where=self.weights > 0, out=np.full_like(self.weights, 0.5)
        )
        return bool(np.allclose(exponents, np.rint(exponents)))

    @property
    def total_weight(self) -> float:
        """Sum of all weights (the number of values the sketch summarises)."""
        return float(self._cumulative[-1])

    @property
    def is_empty(self) -> bool:
        """Whether there are no items."""
        return self.values.size == 0

    def rank(self, x: float | FloatArray, *, inclusive: bool = True) -> FloatArray:
        """Weight of items ``<= x`` (``< x`` when ``inclusive`` is False), vectorised."""
        idx = np.searchsorted(self.values, np.asarray(x), side="right" if inclusive else "left")
        return np.asarray(self._cumulative[idx], dtype=np.float64)

    def cdf(self, x: float | FloatArray) -> FloatArray:
        """Normalised inclusive rank; 0 everywhere for an empty distribution."""
        total = self.total_weight
        r = self.rank(x)
        return r / total if total > 0 else np.zeros_like(r)

    def bucket_counts(self, lower: float, upper: float, buckets: int = 10) -> list[float]:
        """Counts in equal-width buckets ``[lower, upper)``, the last one closed, as SageMaker.

        Each bucket counts ``rankExclusive(upper_i) - rankExclusive(lower_i)``; the last uses
        the inclusive rank at its upper edge.
        """
        edges = bucket_edges(lower, upper, buckets)
        ranks = self.rank(np.asarray(edges), inclusive=False)
        ranks[-1] = self.rank(edges[-1], inclusive=True)
        return [float(c) for c in np.diff(ranks)]


def bucket_edges(lower: float, upper: float, buckets: int = 10) -> list[float]:
    """Equal-width bucket edges ``lower + (upper - lower) * i / buckets``, i = 0..buckets.

    When ``upper - lower``, or ``buckets`` times it, is beyond float64's range (ends near
    ±1.8e308, or a range of 1e308 split in ten) the edges are the weighted averages of the
    two ends instead, which stay finite.

    >>> bucket_edges(0.0, 1.0, 4)
    [0.0, 0.25, 0.5, 0.75, 1.0]
    >>> bucket_edges(-1.5e308, 1.5e308, 2)
    [-1.5e+308, 0.0, 1.5e+308]
    >>> bucket_edges(3.0, 1e308, 4)
    [3.0, 2.5e+307, 5e+307, 7.5e+307, 1e+308]
    """
    width = upper - lower
    if math.isinf(width * buckets) and math.isfinite(lower) and math.isfinite(upper):
        return [lower * (1 - i / buckets) + upper * (i / buckets) for i in range(buckets + 1)]
    return [lower + width * i / buckets for i in range(buckets + 1)]


def ks_distance(a: WeightedCdf, b: WeightedCdf) -> float:
    """L-infinity distance between two CDFs over the union of their items (Deequ's linf_simple).

    Returns 0.0 when either side is empty: no distance can be measured.
    """
    if a.is_empty or b.is_empty:
        return 0.0
    points = _union(a.values, b.values)
    return float(np.max(np.abs(a.cdf(points) - b.cdf(points))))


def _union(a: npt.NDArray[np.float64], b: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """The sorted distinct values of both: ``np.union1d``'s result, without its ``numpy.ma``.

    ``np.union1d`` imports ``numpy.ma`` (17 ms) to rule out a masked array, in a worker at its
    first evaluation.
    """
    values = np.sort(np.concatenate((a, b)))
    if values.size < 2:
        return values
    return values[np.concatenate(([True], values[1:] != values[:-1]))]
