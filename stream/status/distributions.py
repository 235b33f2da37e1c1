"""Chart-sized shapes of feature distributions, derived once from ``statistics.json``.

A window's statistics message carries a KLL sketch per numeric feature (tens of KB per
window); the page needs only enough to draw a CDF. :func:`quantiles` reads the sketch's
weighted items at ``QUANTILE_LEVELS`` (41 probabilities, 0 and 1 being the exact minimum and
maximum): a CDF on a fixed probability grid that baseline and live windows share, whatever
their ranges. A categorical feature keeps its ``TOP_CATEGORIES`` most frequent values and
the total, so the rest is shown as one "other" share.

Examples
--------
>>> from detectors.sketches import WeightedCdf
>>> cdf = WeightedCdf.from_items([float(x) for x in range(1, 101)])
>>> [float(q) for q in quantiles(cdf, levels=(0.0, 0.25, 0.5, 1.0))]
[1.0, 25.0, 50.0, 100.0]
>>> top_categories((("a", 5), ("b", 3), ("c", 2)), k=2)
CategoricalShape(categories=(('a', 5), ('b', 3)), total=10)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from detectors.quality.distance import categorical_linf
from detectors.quality.statistics import DatasetStatistics
from detectors.sketches import WeightedCdf, ks_distance

QUANTILE_LEVELS: tuple[float, ...] = tuple(float(p) for p in np.linspace(0.0, 1.0, 41))
TOP_CATEGORIES = 12
_ROUNDING_SLACK = 1e-9  # p * total may land a hair above an exact cumulative weight


def quantiles(cdf: WeightedCdf, levels: Sequence[float] = QUANTILE_LEVELS) -> np.ndarray:
    """The smallest item whose cumulative weight reaches ``p * total``, for each ``p``.

    This is the inverted CDF (numpy's ``method="inverted_cdf"`` for unit weights); an
    empty distribution gives NaN everywhere.
    """
    if cdf.is_empty:
        return np.full(len(levels), np.nan)
    cumulative = np.cumsum(cdf.weights)
    targets = np.asarray(levels, dtype=np.float64) * cdf.total_weight * (1 - _ROUNDING_SLACK)
    index = np.searchsorted(cumulative, targets, side="left")
    return np.asarray(cdf.values[np.minimum(index, cdf.values.size - 1)], dtype=np.float64)


@dataclass(frozen=True, slots=True)
class CategoricalShape:
    """The most frequent values of a categorical feature and the count of all values."""

    categories: tuple[tuple[str, int], ...]
    total: int

    def to_json(self) -> dict[str, Any]:
        """``{"kind": "categorical", "categories": [[value, count], …], "total": n}``."""
        return {
            "kind": "categorical",
            "categories": [list(c) for c in self.categories],
            "total": self.total,
        }


def top_categories(buckets: Iterable[tuple[str, int]], k: int = TOP_CATEGORIES) -> CategoricalShape:
    """The ``k`` most frequent values (ties by value) and the total of every bucket."""
    counts = list(buckets)
    ranked = sorted(counts, key=lambda vc: (-vc[1], vc[0]))[:k]
    return CategoricalShape(tuple(ranked), sum(c for _, c in counts))


@dataclass(frozen=True, slots=True, eq=False)
class FeatureShapes:
    """One dataset's (or window's) chart shapes, numeric features in one float32 array.

    ``numeric_quantiles[i]`` are the quantiles of ``numeric_names[i]`` at
    ``QUANTILE_LEVELS`` and ``numeric_counts[i]`` how many values the sketch summarises.
    """

    numeric_names: tuple[str, ...]
    numeric_quantiles: np.ndarray
    numeric_counts: tuple[int, ...]
    categorical: dict[str, CategoricalShape]

    @classmethod
    def from_statistics(cls, statistics: DatasetStatistics) -> FeatureShapes:
        """Shapes of every feature that has values; features without any are left out."""
        names: list[str] = []
        rows: list[np.ndarray] = []
        counts: list[int] = []
        categorical: dict[str, CategoricalShape] = {}
        for feature in statistics.features:
            numeric, string = feature.numeric, feature.string
            if numeric is not None and not numeric.distribution.is_empty:
                q = quantiles(numeric.distribution)
                q[0], q[-1] = numeric.min, numeric.max  # the statistics hold the exact ends
                names.append(feature.name)
                rows.append(q)
                counts.append(int(round(numeric.distribution.total_weight)))
            elif string is not None and string.buckets:
                categorical[feature.name] = top_categories(string.buckets)
        array = np.asarray(rows, dtype=np.float32).reshape(len(rows), len(QUANTILE_LEVELS))
        return cls(tuple(names), array, tuple(counts), categorical)

    def shape_json(self, name: str) -> dict[str, Any] | None:
        """The named feature's shape for the page, or None when it has none."""
        if name in self.categorical:
            return self.categorical[name].to_json()
        if name in self.numeric_names:
            i = self.numeric_names.index(name)
            return {
                "kind": "numeric",
                "quantiles": [_finite(float(q)) for q in self.numeric_quantiles[i]],
                "count": self.numeric_counts[i],
            }
        return None

    @property
    def names(self) -> tuple[str, ...]:
        """Every feature with a shape: numeric ones first."""
        return self.numeric_names + tuple(self.categorical)


def window_distances(
    baseline: DatasetStatistics | None, live: DatasetStatistics, shapes: FeatureShapes
) -> np.ndarray | None:
    """L-infinity distance of each feature of ``shapes`` between baseline and this window alone.

    Numeric: the largest CDF gap of the two sketches; categorical: the largest gap of category
    shares. This is the distance *before* the Robust method subtracts the KS critical value,
    so it moves with the data even while the judged distance stays at 0. NaN where the
    baseline has no such feature.
    """
    if baseline is None:
        return None
    out = np.full(len(shapes.names), np.nan, dtype=np.float32)
    for i, name in enumerate(shapes.names):
        base, now = baseline.feature(name), live.feature(name)
        if base is None or now is None:
            continue
        if base.numeric is not None and now.numeric is not None:
            out[i] = ks_distance(base.numeric.distribution, now.numeric.distribution)
        elif base.string is not None and now.string is not None:
            out[i] = categorical_linf(dict(base.string.buckets), dict(now.string.buckets))
    return out


def _finite(x: float) -> float | None:
    """Six significant digits (float32 holds about seven); None for NaN or infinity."""
    return float(f"{x:.6g}") if np.isfinite(x) else None
