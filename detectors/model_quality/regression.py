"""SageMaker's regression metrics (mae, mse, rmse, r2) over a labeled prediction stream.

r2 is the coefficient of determination, ``1 − SSE / SS_tot`` with SSE = Σ (ŷ − y)² and
SS_tot = Σ (y − ȳ)² over the labels: scikit-learn's ``r2_score(y_true, y_pred)``. SageMaker
reports the same figure: on the SDK's own regression baseline file, with the columns mapped as
AWS's integration test maps them (``inference_attribute="Label"``,
``ground_truth_attribute="Prediction"``), it gives the r2 of the SageMaker-made
``statistics.json`` beside it, −3.208758170289026, to every digit.

Examples
--------
>>> y, y_hat = [1.0, 2.0, 3.0, 4.0], [1.5, 2.0, 2.5, 3.0]
>>> detector = RegressionMetrics(name="r", min_samples=1)
>>> detector.update_many(LabeledPrediction(a, p) for a, p in zip(y, y_hat))
>>> detector.metrics()["r2"]
0.7
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Self

import numpy as np

from detectors.model_quality.labeled import LabeledPrediction, regression_number
from detectors.model_quality.left_out import regression_reason
from detectors.model_quality.model_quality_metrics import ModelQualityMetrics
from detectors.model_quality.statistics import REGRESSION

__all__ = ["REGRESSION_METRICS", "RegressionMetrics"]

REGRESSION_METRICS = ("mae", "mse", "rmse", "r2")
_TERMS = 5  # v = (1, y, y², |e|, e²); products: the upper triangle of Σ v vᵀ
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


def _upgrade(envelope: Mapping[str, Any]) -> dict[str, Any]:
    """A version 1 or 2 state as version 3.

    Version 1 always took R² over the labels (its moments ``mean_y`` and ``m2_y``). Version 2
    held an ``r2_formula`` and named them ``mean_reference`` and ``m2_reference``: its
    ``"standard"`` states are the labels' moments; its ``"sagemaker"`` states kept the
    predictions', from which the labels' cannot be recovered, so they are refused with that
    reason.
    """
    params = {k: v for k, v in envelope["params"].items() if k != "r2_formula"}
    state = dict(envelope["state"])
    old_names = (
        ("mean_y", "m2_y") if envelope["version"] == 1 else ("mean_reference", "m2_reference")
    )
    state["mean_label"], state["m2_label"] = state.pop(old_names[0]), state.pop(old_names[1])
    if envelope["version"] == 2 and envelope["params"].get("r2_formula", "standard") != "standard":
        msg = (
            "this regression state took R² over the predictions (r2_formula "
            f"{envelope['params']['r2_formula']!r}, withdrawn); its labels' spread is not in it: "
            "start its window again"
        )
        raise ValueError(msg)
    return {**envelope, "version": 3, "params": params, "state": state}


class RegressionMetrics(ModelQualityMetrics):
    """Mean absolute error, mean squared error, its root, and R² of a regressor.

    Each update takes a :class:`LabeledPrediction` with numeric ``actual`` and ``predicted``;
    rows with a missing or non-finite number are counted in ``invalid_count`` (by reason in
    ``invalid_reasons``: :func:`regression_reason`). The state is a
    set of moments: count, mean and centred sum of squares of the labels (merged with Chan et
    al.'s pairwise formula, so R² stays accurate far from 0), and sums of ``|error|`` and
    ``error²``. mae, mse and rmse equal scikit-learn's; r2 equals ``r2_score(y_true,
    y_pred)``, with its rule for constant labels, to floating-point rounding; merging is
    exact up to the same rounding.

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
    _VERSION = 3
    _PARAMS = (
        "name",
        "metric",
        "threshold",
        "comparison_operator",
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
        min_samples: int = 30,
        seed: int = 0,
    ) -> None:
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
        self._mean_y = 0.0  # mean of the labels; merge: count-weighted (Chan)
        self._m2_y = 0.0  # centred Σ (y - ȳ)²; merge: Chan's pairwise formula
        self._sae = 0.0  # Σ |error|; merge: sum
        self._sse = 0.0  # Σ error²; merge: sum
        self._products = [0.0] * len(_PAIRS)  # Σ v_i v_j; merge: sum

    @property
    def item_count(self) -> int:
        """Valid rows counted in the metrics."""
        return self._item_count

    def _combine(self, count: int, mean_y: float, m2_y: float, sae: float, sse: float) -> None:
        total = self._item_count + count
        delta = mean_y - self._mean_y
        self._m2_y += m2_y + delta * delta * self._item_count * count / total
        self._mean_y += delta * count / total
        self._item_count = total
        self._sae += sae
        self._sse += sse

    def update(self, x: LabeledPrediction) -> None:
        """Count one labeled prediction; missing or non-finite numbers are counted."""
        self.n += 1
        y, y_hat = regression_number(x.actual), regression_number(x.predicted)
        if y is None or y_hat is None:
            self._refuse(regression_reason(x))
            return
        error = y_hat - y
        self._combine(1, y, 0.0, abs(error), error * error)
        v = (1.0, y, y * y, abs(error), error * error)
        for k, (i, j) in enumerate(_PAIRS):
            self._products[k] += v[i] * v[j]

    def update_many(self, xs: Iterable[LabeledPrediction]) -> None:
        """Count a batch with numpy; equals ``update`` in a loop up to rounding."""
        rows = list(xs)
        pairs = [(regression_number(x.actual), regression_number(x.predicted)) for x in rows]
        valid = [(y, p) for y, p in pairs if y is not None and p is not None]
        self.n += len(rows)
        if len(valid) < len(rows):
            for x, (y, p) in zip(rows, pairs, strict=True):
                if y is None or p is None:
                    self._refuse(regression_reason(x))
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

    def _merge_state(self, other: Self) -> None:
        if other._item_count:
            self._combine(other._item_count, other._mean_y, other._m2_y, other._sae, other._sse)
            self._products = [a + b for a, b in zip(self._products, other._products, strict=True)]

    def metrics(self) -> dict[str, float]:
        """mae, mse, rmse and r2, keyed by SageMaker's names (all 0.0 when empty)."""
        return _figures(self._item_count, self._sse, self._sae, self._m2_y)

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

    def _state_fields(self) -> dict[str, Any]:
        return {
            "item_count": self._item_count,
            "mean_label": self._mean_y,
            "m2_label": self._m2_y,
            "sum_abs_error": self._sae,
            "sum_squared_error": self._sse,
            "products": list(self._products),
        }

    def _load_state(self, fields: Mapping[str, Any]) -> None:
        self._item_count = int(fields["item_count"])
        self._mean_y = float(fields["mean_label"])
        self._m2_y = float(fields["m2_label"])
        self._sae = float(fields["sum_abs_error"])
        self._sse = float(fields["sum_squared_error"])
        self._products = [float(p) for p in fields["products"]]

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> Self:
        """Rebuild a detector from :meth:`to_state` output (versions 1 and 2 are upgraded)."""
        if state.get("kind") == cls._KIND and state.get("version") in (1, 2):
            state = _upgrade(state)
        return super().from_state(state)

    @classmethod
    def _test_params(cls) -> Iterator[dict[str, Any]]:
        yield {"name": "regression"}
        yield {
            "name": "regression_r2",
            "metric": "r2",
            "threshold": 0.9,
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
