"""SageMaker's regression metrics (mae, mse, rmse, r2) over a labeled prediction stream."""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Self

import numpy as np

from detectors.base import Reading, check_same_params, make_state, open_state
from detectors.model_quality.headline import check_headline, headline_reading
from detectors.model_quality.labeled import LabeledPrediction, finite_or_none
from detectors.model_quality.statistics import (
    REGRESSION,
    MetricValue,
    ModelQualityStatistics,
    subsample_standard_deviations,
)

__all__ = ["REGRESSION_METRICS", "RegressionMetrics"]

REGRESSION_METRICS = ("mae", "mse", "rmse", "r2")
_TERMS = 5  # v = (1, y, y², |e|, e²); products holds the upper triangle of Σ v vᵀ
_PAIRS = tuple((i, j) for i in range(_TERMS) for j in range(i, _TERMS))


def _figures(count: float, sse: float, sae: float, sst: float) -> dict[str, float]:
    if count <= 0:
        return {name: 0.0 for name in REGRESSION_METRICS}
    mse = sse / count
    if sst > 0:
        r2 = 1.0 - sse / sst
    else:  # constant target: scikit-learn's force_finite rule
        r2 = 1.0 if sse == 0 else 0.0
    return {"mae": sae / count, "mse": mse, "rmse": math.sqrt(mse), "r2": r2}


class RegressionMetrics:
    """Mean absolute error, mean squared error, its root, and R² of a regressor.

    Each update takes a :class:`LabeledPrediction` with numeric ``actual`` and ``predicted``;
    rows with a missing or non-finite number are counted in ``invalid_count``. The state is a
    set of moments: count, mean and centred sum of squares of ``y`` (merged with Chan et al.'s
    pairwise formula, so R² stays accurate far from 0), and sums of ``|error|`` and
    ``error²``. The metrics equal scikit-learn's ``mean_absolute_error``,
    ``mean_squared_error`` and ``r2_score`` (with its rule for a constant target) to
    floating-point rounding; merging is exact up to the same rounding.

    For the standard deviations of :meth:`statistics`, the state also keeps the raw power
    sums Σ v vᵀ of v = (1, y, y², |e|, e²).

    Empty behaviour: the reading is ``None`` until ``min_samples`` valid rows.

    Examples
    --------
    >>> import random
    >>> rng = random.Random(42)
    >>> detector = RegressionMetrics(name="price", metric="rmse", threshold=1.2)
    >>> detector.reading()
    Reading(detector='price', value=None, alarm=False, n=0)
    >>> for i in range(2000):
    ...     y = rng.gauss(50.0, 10.0)
    ...     noise = 1.0 if i < 1000 else 3.0          # the model degrades at row 1000
    ...     detector.update(LabeledPrediction(actual=y, predicted=y + rng.gauss(0.0, noise)))
    ...     if detector.reading().alarm:
    ...         print(f"alarm at row {i}")
    ...         break
    alarm at row 1045
    >>> {k: round(v, 3) for k, v in detector.metrics().items()}
    {'mae': 0.888, 'mse': 1.452, 'rmse': 1.205, 'r2': 0.986}
    >>> RegressionMetrics.from_state(detector.to_state()).reading() == detector.reading()
    True
    """

    _KIND = "regression_metrics"
    _VERSION = 1
    _PARAMS = ("name", "metric", "threshold", "comparison_operator", "min_samples", "seed")

    def __init__(
        self,
        *,
        name: str,
        metric: str = "rmse",
        threshold: float | None = None,
        comparison_operator: str | None = None,
        min_samples: int = 30,
        seed: int = 0,
    ) -> None:
        check_headline(metric, REGRESSION_METRICS, threshold, comparison_operator, min_samples)
        self.name = name
        self.metric = metric
        self.threshold = threshold
        self.comparison_operator = comparison_operator
        self.min_samples = min_samples
        self.seed = seed
        self.reset()

    def reset(self) -> None:
        """Forget every observation."""
        self.n = 0  # merge: sum
        self.invalid_count = 0  # merge: sum
        self.item_count = 0  # merge: sum
        self._mean_y = 0.0  # merge: count-weighted (Chan)
        self._m2_y = 0.0  # centred Σ (y - ȳ)²; merge: Chan's pairwise formula
        self._sae = 0.0  # Σ |error|; merge: sum
        self._sse = 0.0  # Σ error²; merge: sum
        self._products = [0.0] * len(_PAIRS)  # Σ v_i v_j; merge: sum

    def __repr__(self) -> str:
        return (
            f"RegressionMetrics(name={self.name!r}, metric={self.metric!r}, "
            f"item_count={self.item_count})"
        )

    def _combine(self, count: int, mean_y: float, m2_y: float, sae: float, sse: float) -> None:
        total = self.item_count + count
        delta = mean_y - self._mean_y
        self._m2_y += m2_y + delta * delta * self.item_count * count / total
        self._mean_y += delta * count / total
        self.item_count = total
        self._sae += sae
        self._sse += sse

    def update(self, x: LabeledPrediction) -> None:
        """Count one labeled prediction; missing or non-finite numbers are counted."""
        self.n += 1
        y, y_hat = finite_or_none(x.actual), finite_or_none(x.predicted)
        if y is None or y_hat is None:
            self.invalid_count += 1
            return
        error = y_hat - y
        self._combine(1, y, 0.0, abs(error), error * error)
        v = (1.0, y, y * y, abs(error), error * error)
        for k, (i, j) in enumerate(_PAIRS):
            self._products[k] += v[i] * v[j]

    def update_many(self, xs: Iterable[LabeledPrediction]) -> None:
        """Count a batch with numpy; equals ``update`` in a loop up to rounding."""
        rows = list(xs)
        pairs = [(finite_or_none(x.actual), finite_or_none(x.predicted)) for x in rows]
        valid = [(y, p) for y, p in pairs if y is not None and p is not None]
        self.n += len(rows)
        self.invalid_count += len(rows) - len(valid)
        if not valid:
            return
        y, y_hat = np.asarray(valid, dtype=np.float64).T
        error = y_hat - y
        mean_y = float(y.mean())
        self._combine(
            len(valid),
            mean_y,
            float(np.square(y - mean_y).sum()),
            float(np.abs(error).sum()),
            float(np.square(error).sum()),
        )
        v = (np.ones_like(y), y, y * y, np.abs(error), error * error)
        for k, (i, j) in enumerate(_PAIRS):
            self._products[k] += float(np.dot(v[i], v[j]))

    def merge(self, other: Self) -> None:
        """Absorb a detector with the same parameters."""
        check_same_params(self, other, *self._PARAMS)
        self.n += other.n
        self.invalid_count += other.invalid_count
        if other.item_count:
            self._combine(other.item_count, other._mean_y, other._m2_y, other._sae, other._sse)
            self._products = [a + b for a, b in zip(self._products, other._products, strict=True)]

    def metrics(self) -> dict[str, float]:
        """mae, mse, rmse and r2, keyed by SageMaker's names (all 0.0 when empty)."""
        return _figures(self.item_count, self._sse, self._sae, self._m2_y)

    def _subsample(self, rng: np.random.Generator, fraction: float) -> dict[str, float]:
        # Sums over a Bernoulli(fraction) row sample have mean fraction·Σv and covariance
        # fraction·(1 − fraction)·Σ v vᵀ exactly; draw them from the normal with those moments.
        products = np.zeros((_TERMS, _TERMS))
        for k, (i, j) in enumerate(_PAIRS):
            products[i, j] = products[j, i] = self._products[k]
        sums = rng.multivariate_normal(
            fraction * products[0],
            fraction * (1.0 - fraction) * products,
            method="eigh",
            check_valid="ignore",
        )
        count, sum_y, sum_y2, sae, sse = (float(s) for s in sums)
        sst = sum_y2 - sum_y * sum_y / count if count > 0 else 0.0
        return _figures(count, sse, sae, sst)

    def statistics(self, *, evaluation_time: str | None = None) -> ModelQualityStatistics:
        """SageMaker's statistics: standard deviations from 5 simulated 80 % subsamples.

        Under 200 rows every standard deviation is NaN (written ``"NaN"``). Otherwise each
        subsample's sums (count, Σy, Σy², Σ|e|, Σe²) are drawn from the normal distribution
        with the exact mean and covariance of a Bernoulli(0.8) row sample, computed from the
        power sums in the state (seeded); the metrics of 5 draws give the spread.
        """
        values = self.metrics()
        stds = subsample_standard_deviations(self.item_count, self._subsample, seed=self.seed)
        return ModelQualityStatistics(
            problem_type=REGRESSION,
            item_count=self.item_count,
            metrics={k: MetricValue(v, stds.get(k, float("nan"))) for k, v in values.items()},
            evaluation_time=evaluation_time,
        )

    def reading(self) -> Reading:
        """The headline ``metric``; alarm when it breaks ``threshold``."""
        return headline_reading(
            name=self.name,
            n=self.n,
            item_count=self.item_count,
            min_samples=self.min_samples,
            metrics=self.metrics(),
            metric=self.metric,
            threshold=self.threshold,
            comparison_operator=self.comparison_operator,
        )

    def to_state(self) -> dict[str, Any]:
        """Return versioned, JSON-safe state."""
        params = {p: getattr(self, p) for p in self._PARAMS}
        state = {
            "n": self.n,
            "invalid_count": self.invalid_count,
            "item_count": self.item_count,
            "mean_y": self._mean_y,
            "m2_y": self._m2_y,
            "sum_abs_error": self._sae,
            "sum_squared_error": self._sse,
            "products": list(self._products),
        }
        return make_state(self._KIND, self._VERSION, params, state)

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> Self:
        """Rebuild a detector from :meth:`to_state` output."""
        params, s = open_state(state, kind=cls._KIND, version=cls._VERSION)
        detector = cls(**params)
        detector.n = int(s["n"])
        detector.invalid_count = int(s["invalid_count"])
        detector.item_count = int(s["item_count"])
        detector._mean_y = float(s["mean_y"])
        detector._m2_y = float(s["m2_y"])
        detector._sae = float(s["sum_abs_error"])
        detector._sse = float(s["sum_squared_error"])
        detector._products = [float(p) for p in s["products"]]
        return detector

    @classmethod
    def _test_params(cls) -> Iterator[dict[str, Any]]:
        yield {"name": "regression"}
        yield {"name": "regression_r2", "metric": "r2", "threshold": 0.9, "min_samples": 100}

    @classmethod
    def _test_stream(cls, rng: random.Random, n: int) -> list[LabeledPrediction]:
        out = []
        for i in range(n):
            y = rng.gauss(100.0, 15.0)
            noise = 2.0 if i < n // 2 else 8.0
            out.append(LabeledPrediction(actual=y, predicted=y + rng.gauss(0.0, noise)))
        return out
