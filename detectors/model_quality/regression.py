"""SageMaker's regression metrics (mae, mse, rmse, r2) over a labeled prediction stream.

R² has two formulas here. Both are ``1 − SSE / SS_tot`` with SSE = Σ (ŷ − y)²; they differ in
what SS_tot sums over:

- ``"sagemaker"`` (the default): SS_tot = Σ (ŷ − mean ŷ)², over the **predictions**. This is
  what SageMaker's model-quality analyzer reports: on the SDK's own regression baseline file
  it gives SageMaker's r2 of −3.2088 to every printed digit, where the textbook formula gives
  −0.3351 (see the README's compatibility notes). It equals scikit-learn's
  ``r2_score(y_pred, y_true)`` — the arguments swapped.
- ``"standard"``: SS_tot = Σ (y − ȳ)², over the labels: the coefficient of determination,
  scikit-learn's ``r2_score(y_true, y_pred)``.

Constraints made by SageMaker hold thresholds computed with SageMaker's formula, so a run
compared against them must use the same one; that is why it is the default.

Examples
--------
>>> y, y_hat = [1.0, 2.0, 3.0, 4.0], [1.5, 2.0, 2.5, 3.0]
>>> for formula in R2_FORMULAS:
...     detector = RegressionMetrics(name="r", r2_formula=formula, min_samples=1)
...     detector.update_many(LabeledPrediction(a, p) for a, p in zip(y, y_hat))
...     print(formula, detector.metrics()["r2"])
sagemaker -0.2
standard 0.7
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Self

import numpy as np

from detectors.model_quality.labeled import LabeledPrediction, finite_or_none
from detectors.model_quality.model_quality_metrics import ModelQualityMetrics
from detectors.model_quality.statistics import REGRESSION

__all__ = ["R2_FORMULAS", "REGRESSION_METRICS", "RegressionMetrics"]

REGRESSION_METRICS = ("mae", "mse", "rmse", "r2")
R2_FORMULAS = ("sagemaker", "standard")
_TERMS = 5  # v = (1, t, t², |e|, e²) with t the R² reference; products: upper triangle of Σ v vᵀ
_PAIRS = tuple((i, j) for i in range(_TERMS) for j in range(i, _TERMS))


def _figures(count: float, sse: float, sae: float, sst: float) -> dict[str, float]:
    if count <= 0:
        return {name: 0.0 for name in REGRESSION_METRICS}
    mse = sse / count
    if sst > 0:
        r2 = 1.0 - sse / sst
    else:  # constant reference: scikit-learn's force_finite rule
        r2 = 1.0 if sse == 0 else 0.0
    return {"mae": sae / count, "mse": mse, "rmse": math.sqrt(mse), "r2": r2}


def _upgrade_v1(envelope: Mapping[str, Any]) -> dict[str, Any]:
    """Version 1 had no ``r2_formula`` and always used the standard one: say so."""
    params = {**envelope["params"], "r2_formula": "standard"}
    state = dict(envelope["state"])
    state["mean_reference"] = state.pop("mean_y")
    state["m2_reference"] = state.pop("m2_y")
    return {**envelope, "version": 2, "params": params, "state": state}


class RegressionMetrics(ModelQualityMetrics):
    """Mean absolute error, mean squared error, its root, and R² of a regressor.

    Each update takes a :class:`LabeledPrediction` with numeric ``actual`` and ``predicted``;
    rows with a missing or non-finite number are counted in ``invalid_count``. The state is a
    set of moments: count, mean and centred sum of squares of the R² reference ``t`` (the
    prediction with ``r2_formula="sagemaker"``, the label with ``"standard"``; merged with
    Chan et al.'s pairwise formula, so R² stays accurate far from 0), and sums of
    ``|error|`` and ``error²``. mae, mse and rmse equal scikit-learn's; r2 equals
    ``r2_score(y_pred, y_true)`` (sagemaker) or ``r2_score(y_true, y_pred)`` (standard),
    with its rule for a constant reference, to floating-point rounding; merging is exact up
    to the same rounding.

    For the standard deviations of :meth:`statistics`, the state also keeps the raw power
    sums Σ v vᵀ of v = (1, t, t², |e|, e²).

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
    _VERSION = 2
    _PARAMS = (
        "name",
        "metric",
        "threshold",
        "comparison_operator",
        "r2_formula",
        "min_samples",
        "seed",
    )
    _PROBLEM_TYPE = REGRESSION
    _METRIC_NAMES = REGRESSION_METRICS

    def __init__(
        self,
        *,
        name: str,
        metric: str = "rmse",
        threshold: float | None = None,
        comparison_operator: str | None = None,
        r2_formula: str = "sagemaker",
        min_samples: int = 30,
        seed: int = 0,
    ) -> None:
        if r2_formula not in R2_FORMULAS:
            msg = f"r2_formula must be one of {R2_FORMULAS}, got {r2_formula!r}"
            raise ValueError(msg)
        self.r2_formula = r2_formula
        super().__init__(
            name=name,
            metric=metric,
            threshold=threshold,
            comparison_operator=comparison_operator,
            min_samples=min_samples,
            seed=seed,
        )

    def _reset_state(self) -> None:
        self._item_count = 0  # merge: sum
        self._mean_t = 0.0  # mean of the R² reference; merge: count-weighted (Chan)
        self._m2_t = 0.0  # centred Σ (t - t̄)²; merge: Chan's pairwise formula
        self._sae = 0.0  # Σ |error|; merge: sum
        self._sse = 0.0  # Σ error²; merge: sum
        self._products = [0.0] * len(_PAIRS)  # Σ v_i v_j; merge: sum

    @property
    def item_count(self) -> int:
        """Valid rows counted in the metrics."""
        return self._item_count

    def _reference(self, y: float, y_hat: float) -> float:
        return y_hat if self.r2_formula == "sagemaker" else y

    def _combine(self, count: int, mean_t: float, m2_t: float, sae: float, sse: float) -> None:
        total = self._item_count + count
        delta = mean_t - self._mean_t
        self._m2_t += m2_t + delta * delta * self._item_count * count / total
        self._mean_t += delta * count / total
        self._item_count = total
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
        t = self._reference(y, y_hat)
        self._combine(1, t, 0.0, abs(error), error * error)
        v = (1.0, t, t * t, abs(error), error * error)
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
        t = y_hat if self.r2_formula == "sagemaker" else y
        mean_t = float(t.mean())
        self._combine(
            len(valid),
            mean_t,
            float(np.square(t - mean_t).sum()),
            float(np.abs(error).sum()),
            float(np.square(error).sum()),
        )
        v = (np.ones_like(t), t, t * t, np.abs(error), error * error)
        for k, (i, j) in enumerate(_PAIRS):
            self._products[k] += float(np.dot(v[i], v[j]))

    def _merge_state(self, other: Self) -> None:
        if other._item_count:
            self._combine(other._item_count, other._mean_t, other._m2_t, other._sae, other._sse)
            self._products = [a + b for a, b in zip(self._products, other._products, strict=True)]

    def metrics(self) -> dict[str, float]:
        """mae, mse, rmse and r2, keyed by SageMaker's names (all 0.0 when empty)."""
        return _figures(self._item_count, self._sse, self._sae, self._m2_t)

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
        count, sum_t, sum_t2, sae, sse = (float(s) for s in sums)
        sst = sum_t2 - sum_t * sum_t / count if count > 0 else 0.0
        return _figures(count, sse, sae, sst)

    def _state_fields(self) -> dict[str, Any]:
        return {
            "item_count": self._item_count,
            "mean_reference": self._mean_t,
            "m2_reference": self._m2_t,
            "sum_abs_error": self._sae,
            "sum_squared_error": self._sse,
            "products": list(self._products),
        }

    def _load_state(self, fields: Mapping[str, Any]) -> None:
        self._item_count = int(fields["item_count"])
        self._mean_t = float(fields["mean_reference"])
        self._m2_t = float(fields["m2_reference"])
        self._sae = float(fields["sum_abs_error"])
        self._sse = float(fields["sum_squared_error"])
        self._products = [float(p) for p in fields["products"]]

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> Self:
        """Rebuild a detector from :meth:`to_state` output (version 1 states are upgraded)."""
        if state.get("kind") == cls._KIND and state.get("version") == 1:
            state = _upgrade_v1(state)
        return super().from_state(state)

    @classmethod
    def _test_params(cls) -> Iterator[dict[str, Any]]:
        yield {"name": "regression"}
        yield {
            "name": "regression_r2",
            "metric": "r2",
            "threshold": 0.9,
            "r2_formula": "standard",
            "min_samples": 100,
        }

    @classmethod
    def _test_stream(cls, rng: random.Random, n: int) -> list[LabeledPrediction]:
        out = []
        for i in range(n):
            y = rng.gauss(100.0, 15.0)
            noise = 2.0 if i < n // 2 else 8.0
            out.append(LabeledPrediction(actual=y, predicted=y + rng.gauss(0.0, noise)))
        return out
