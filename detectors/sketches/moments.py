"""Exact, mergeable count / sum / mean / variance / min / max of a numeric stream.

Merging uses Chan et al.'s pairwise update of the second central moment, so a merge of two
halves equals one pass over both to floating-point rounding.

Any finite float64 is safe, up to ±1.8e308: a batch whose largest magnitude is above 2**480
(or below 2**-480, whose squares would vanish) is summed at a power-of-two scale (an exact
division), and the running sum and second moment stay at that scale. The mean,
``std_dev``, ``min`` and ``max`` of finite values are then always finite; ``sum`` and
``variance`` are infinite only when their true value lies beyond float64's range
(``[1e308, 1e308]`` sums to 2e308), and never raise or warn.

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
>>> huge = Moments()
>>> huge.update_many([1.5e308, -1.5e308, 1.5e308])
>>> huge.mean, huge.sum, f"{huge.std_dev:.4g}", huge.variance
(5e+307, 1.5e+308, '1.414e+308', inf)
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from detectors.base import make_state, open_state

# Between these magnitudes a sum of squared deviations of up to 2**60 values neither
# overflows nor vanishes.
SAFE_MAGNITUDE = 2.0**480
TINY_MAGNITUDE = 2.0**-480


def power_of_two_scale(magnitude: float) -> float:
    """1.0 for a largest magnitude in the safe range (or 0), else a power of two near it.

    Dividing by the scale is exact and puts the largest magnitude of the batch in [1, 2).

    >>> power_of_two_scale(1e100), power_of_two_scale(1.5e308) == 2.0**1023
    (1.0, True)
    >>> 1.0 <= 3e-200 / power_of_two_scale(3e-200) < 2.0
    True
    """
    if TINY_MAGNITUDE <= magnitude <= SAFE_MAGNITUDE or magnitude == 0.0:
        return 1.0
    return math.ldexp(1.0, math.frexp(magnitude)[1] - 1)


class Moments:
    """Running moments of the numbers seen; empty until the first update (mean is NaN)."""

    _KIND = "moments"
    _VERSION = 2

    __slots__ = ("_m2", "_scale", "_sum", "count", "max", "mean", "min")

    def __init__(self) -> None:
        self.count = 0  # merge: sum
        self.mean = math.nan  # merge: count-weighted
        self.min = math.inf  # merge: min
        self.max = -math.inf  # merge: max
        self._scale = 1.0  # merge: the larger — a power of two; _sum and _m2 are at this scale
        self._sum = 0.0  # merge: sum, at _scale
        self._m2 = 0.0  # merge: Chan's pairwise formula, at _scale squared

    def __repr__(self) -> str:
        return f"Moments(count={self.count}, mean={self.mean}, std_dev={self.std_dev})"

    @property
    def is_empty(self) -> bool:
        """Whether no value has been seen."""
        return self.count == 0

    @property
    def sum(self) -> float:
        """Sum of the values; ±inf only when the true sum is beyond float64's range."""
        return self._sum * self._scale

    @property
    def variance(self) -> float:
        """Population variance (divides by n); 0.0 when empty, inf beyond float64's range."""
        return self._m2 / self.count * self._scale * self._scale if self.count else 0.0

    @property
    def std_dev(self) -> float:
        """Population standard deviation; 0.0 when empty, finite for finite values."""
        return math.sqrt(self._m2 / self.count) * self._scale if self.count else 0.0

    def update(self, x: float) -> None:
        """Add one finite number."""
        x = float(x)
        scale = power_of_two_scale(abs(x))
        self._combine(1, x, 0.0, x / scale, x, x, scale)

    def update_many(self, xs: Iterable[float] | np.ndarray) -> None:
        """Add a batch of finite numbers; equals ``update`` in a loop up to rounding."""
        arr = np.asarray(xs, dtype=np.float64)
        if arr.size == 0:
            return
        lo, hi = float(arr.min()), float(arr.max())
        scale = power_of_two_scale(max(-lo, hi))
        if scale != 1.0:
            arr = arr / scale
        total = float(arr.sum())
        mean = total / arr.size
        deviations = arr - mean
        # squared in place: a second temporary of the batch's size costs more than the
        # arithmetic (fresh pages from the allocator); the sum is numpy's pairwise sum as before
        m2 = float(np.multiply(deviations, deviations, out=deviations).sum())
        self._combine(int(arr.size), mean * scale, m2, total, lo, hi, scale)

    def merge(self, other: Moments) -> None:
        """Absorb another stream's moments."""
        if other.count:
            self._combine(
                other.count, other.mean, other._m2, other._sum, other.min, other.max, other._scale
            )

    def _combine(
        self, n: int, mean: float, m2: float, total: float, lo: float, hi: float, scale: float
    ) -> None:
        """Add ``n`` values: their mean, and their second moment and sum at ``scale``."""
        if self.count == 0:
            self.count, self.mean, self._m2, self._sum, self._scale = n, mean, m2, total, scale
        else:
            # zeros are 0 at any scale: a side holding only zeros takes the other's, or
            # tiny values merged with them would square to nothing at scale 1.0
            if lo == hi == 0.0:
                scale = self._scale
            elif self.min == self.max == 0.0:
                self._scale = scale
            if scale < self._scale:
                m2, total = m2 * (scale / self._scale) ** 2, total * (scale / self._scale)
            elif scale > self._scale:
                ratio = self._scale / scale
                self._m2, self._sum, self._scale = self._m2 * ratio**2, self._sum * ratio, scale
            count = self.count + n
            delta = mean / self._scale - self.mean / self._scale
            self._m2 += m2 + delta * delta * self.count * n / count
            if self._scale == 1.0:
                self.mean += delta * n / count
            else:  # a weighted average of the two means cannot overflow
                self.mean = self.mean * (self.count / count) + mean * (n / count)
            self.count = count
            self._sum += total
        self.min = min(self.min, lo)
        self.max = max(self.max, hi)

    def to_state(self) -> dict[str, Any]:
        """Return JSON-safe state (infinities of an empty instance are written as null).

        ``sum`` and ``m2`` are kept at the power-of-two ``scale`` (1.0 unless the largest
        magnitude was beyond 2**480, or all were below 2**-480).
        """
        empty = self.count == 0
        return make_state(
            self._KIND,
            self._VERSION,
            {},
            {
                "count": self.count,
                "sum": self._sum,
                "mean": None if empty else self.mean,
                "m2": self._m2,
                "scale": self._scale,
                "min": None if empty else self.min,
                "max": None if empty else self.max,
            },
        )

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> Moments:
        """Rebuild from :meth:`to_state` output (version 1 states are upgraded)."""
        if state.get("kind") == cls._KIND and state.get("version") == 1:
            state = _upgrade_v1(state)
        _, s = open_state(state, kind=cls._KIND, version=cls._VERSION)
        m = cls()
        if s["count"]:
            m.count, m._sum, m.mean, m._m2 = int(s["count"]), s["sum"], s["mean"], s["m2"]
            m._scale = float(s["scale"])
            m.min, m.max = s["min"], s["max"]
        return m


def _upgrade_v1(envelope: Mapping[str, Any]) -> dict[str, Any]:
    """Version 1 kept ``sum`` and ``m2`` unscaled: its scale is 1.0."""
    return {**envelope, "version": 2, "state": {**envelope["state"], "scale": 1.0}}
