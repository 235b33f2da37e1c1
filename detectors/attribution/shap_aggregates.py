"""Per-feature running aggregates of local SHAP values, for one of Clarify's ``agg_method``.

:class:`ShapAggregates` owns what is accumulated per feature and how it merges and
serialises; :class:`~detectors.attribution.global_shap.GlobalShap` owns the parameters,
the record count and the nDCG reading on top of it. Per feature it keeps the count of
finite values taken, the records that lacked the feature, the NaN or infinite values
skipped, and what the aggregation needs (clarify spec §7.2, §8.2):

- ``mean_abs``: ``Σ|φ|`` → ``mean |φ|``;
- ``mean_sq``: ``Σφ²`` → ``mean φ²`` (a ``φ`` whose square is past the largest double is
  counted as non-finite);
- ``median``: a KLL sketch (parameter ``k``) → the signed median, exact (numpy's: the mean
  of the middle pair for an even count) while the sketch holds every value, then within its
  rank error.

A sum is kept as ``sums[i] · 2**exponents[i]``: the exponent stays 0 (plain float sums)
until a sum would pass the largest double, then grows by :data:`EXPONENT_STEP`. Finite
values whose sum overflows (two SHAP values of ``1e308``) keep a finite mean, and the state
never holds an infinity (JSON has none: orjson writes it as ``null``).

Examples
--------
>>> shap = ShapAggregates(("age", "income"), "mean_abs", k=200)
>>> shap.add({"age": -0.5, "income": 0.25, "zip": 1.0})  # keys that are not features
1
>>> shap.add({"age": 0.1, "income": float("nan")})
0
>>> shap.add({"income": 0.75})
0
>>> shap.values()  # (0.5 + 0.1) / 2 and (0.25 + 0.75) / 2
[0.3, 0.5]
>>> shap.missing, shap.non_finite
([1, 0], [0, 1])
>>> huge = ShapAggregates(("age",), "mean_abs", k=200)
>>> huge.add({"age": 1e308}), huge.add({"age": -1e308})
(0, 0)
>>> huge.values()  # (1e308 + 1e308) / 2, though the sum is past the largest double
[1e+308]
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from datasketches import kll_doubles_sketch

from detectors.base import bytes_from_text, bytes_to_text

__all__ = ["AGG_METHODS", "ShapAggregates"]

AGG_METHODS = ("mean_abs", "mean_sq", "median")
EXPONENT_STEP = 64  # a sum that would overflow is scaled down by 2**64 at a time


def _median(sketch: kll_doubles_sketch) -> float:
    """The median as numpy's: the mean of the middle pair when the count is even.

    The sketch's lower (inclusive) and upper (exclusive) rank-0.5 items are the middle pair
    while it holds every value (fewer than about ``k``), and one middle value when the count
    is odd; past that, two retained values within the rank error.

    >>> sketch = kll_doubles_sketch(200)
    >>> for v in (1.0, 2.0, 3.0, 4.0):
    ...     sketch.update(v)
    >>> _median(sketch)
    2.5
    """
    low = sketch.get_quantile(0.5, inclusive=True)
    high = sketch.get_quantile(0.5, inclusive=False)
    return float(low) if low == high else float(low) / 2 + float(high) / 2  # no overflow


class ShapAggregates:
    """Counts, sums or KLL sketches of local SHAP values, one of each per feature.

    Empty behaviour: :meth:`values` is NaN for a feature without a finite value.
    Merge: counts and sums add; KLL sketches merge with the rank error of one sketch.

    Parameters
    ----------
    features
        The feature names; every list is in this order.
    agg_method
        ``"mean_abs"``, ``"mean_sq"`` or ``"median"`` (checked by the caller).
    k
        KLL parameter for ``median`` (checked by the caller).
    """

    def __init__(self, features: Sequence[str], agg_method: str, k: int) -> None:
        self.features = tuple(features)
        self.agg_method = agg_method
        self.k = k
        m = len(self.features)
        self.count = [0] * m  # merge: sum (finite values taken, per feature)
        self.missing = [0] * m  # merge: sum
        self.non_finite = [0] * m  # merge: sum
        self.sums = [0.0] * m  # merge: sum (Σ|φ| or Σφ² / 2**exponent; unused for median)
        self.exponents = [0] * m  # merge: the larger (power of two the sum is scaled by)
        self.sketches = (  # merge: KLL sketch merge
            [kll_doubles_sketch(k) for _ in self.features] if agg_method == "median" else []
        )

    def add(self, x: Mapping[str, float]) -> int:
        """Take the local SHAP values of one record; return how many keys are not features."""
        seen = 0
        for i, feature in enumerate(self.features):
            phi = x.get(feature)
            if phi is None:
                self.missing[i] += 1
                continue
            seen += 1
            phi = float(phi)
            term = abs(phi) if self.agg_method != "mean_sq" else phi * phi
            if not math.isfinite(term):
                self.non_finite[i] += 1
                continue
            self.count[i] += 1
            if self.agg_method == "median":
                self.sketches[i].update(phi)
            else:
                self._add_scaled(i, term, 0)
        return len(x) - seen

    def _add_scaled(self, i: int, sum_: float, exponent: int) -> None:
        """Add ``sum_ · 2**exponent`` to feature ``i``'s sum, scaling it down if it overflows."""
        if exponent > self.exponents[i]:
            self.sums[i] = math.ldexp(self.sums[i], self.exponents[i] - exponent)
            self.exponents[i] = exponent
        total = self.sums[i] + math.ldexp(sum_, exponent - self.exponents[i])
        while math.isinf(total):
            self.sums[i] = math.ldexp(self.sums[i], -EXPONENT_STEP)
            self.exponents[i] += EXPONENT_STEP
            total = self.sums[i] + math.ldexp(sum_, exponent - self.exponents[i])
        self.sums[i] = total

    def values(self) -> list[float]:
        """The aggregated value per feature, in ``features`` order (NaN without values)."""
        out = []
        for i in range(len(self.features)):
            if self.count[i] == 0:
                out.append(math.nan)
            elif self.agg_method == "median":
                out.append(_median(self.sketches[i]))
            else:
                out.append(math.ldexp(self.sums[i] / self.count[i], self.exponents[i]))
        return out

    def merge(self, other: ShapAggregates) -> None:
        """Absorb aggregates of the same features, method and ``k`` (checked by the caller)."""
        for i in range(len(self.features)):
            self.count[i] += other.count[i]
            self.missing[i] += other.missing[i]
            self.non_finite[i] += other.non_finite[i]
            self._add_scaled(i, other.sums[i], other.exponents[i])
        for mine, theirs in zip(self.sketches, other.sketches, strict=True):
            mine.merge(theirs)

    def to_state(self) -> dict[str, Any]:
        """JSON-safe lists per feature; KLL sketches as base64 text."""
        return {
            "count": list(self.count),
            "missing": list(self.missing),
            "non_finite": list(self.non_finite),
            "sums": list(self.sums),
            "exponents": list(self.exponents),
            "sketches": [bytes_to_text(s.serialize()) for s in self.sketches],
        }

    @classmethod
    def from_state(
        cls, state: Mapping[str, Any], features: Sequence[str], agg_method: str, k: int
    ) -> ShapAggregates:
        """Rebuild from :meth:`to_state` output; a list of the wrong length is a ValueError."""
        aggregates = cls(features, agg_method, k)
        m = len(aggregates.features)
        for key in ("count", "missing", "non_finite", "sums"):
            if len(state[key]) != m:
                msg = f"state field {key!r} holds {len(state[key])} values, expected {m}"
                raise ValueError(msg)
        aggregates.count = [int(v) for v in state["count"]]
        aggregates.missing = [int(v) for v in state["missing"]]
        aggregates.non_finite = [int(v) for v in state["non_finite"]]
        aggregates.sums = [float(v) for v in state["sums"]]
        aggregates.exponents = [int(v) for v in state.get("exponents", [0] * m)]  # older: none
        if len(aggregates.exponents) != m:
            msg = f"state field 'exponents' holds {len(aggregates.exponents)} values, expected {m}"
            raise ValueError(msg)
        aggregates.sketches = [
            kll_doubles_sketch.deserialize(bytes_from_text(t)) for t in state["sketches"]
        ]
        return aggregates
