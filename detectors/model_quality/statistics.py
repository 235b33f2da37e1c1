"""Model-quality ``statistics.json``: the typed result and SageMaker's exact layout.

A :class:`ModelQualityStatistics` holds one problem type's metrics, each with a value and a
standard deviation. SageMaker writes the standard deviation as the string ``"NaN"`` when
fewer than 200 rows were evaluated, otherwise the standard deviation of the metric over 5
random 80 % subsamples; :func:`subsample_standard_deviations` reproduces that rule from a
function that draws one subsample's metrics.

Examples
--------
>>> doc = {
...     "version": 0.0,
...     "dataset": {"item_count": 4},
...     "binary_classification_metrics": {
...         "confusion_matrix": {"0": {"0": 1, "1": 2}, "1": {"0": 0, "1": 1}},
...         "precision": {"value": 0.3333333333333333, "standard_deviation": "NaN"},
...     },
... }
>>> stats = ModelQualityStatistics.from_statistics_json(doc)
>>> stats.problem_type, stats.item_count, stats.metrics["precision"].value
('BinaryClassification', 4, 0.3333333333333333)
>>> stats.confusion_matrix[1]
ConfusionCell(actual='0', predicted='1', count=2)
>>> stats.to_statistics_json() == doc
True
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

__all__ = [
    "BINARY",
    "METRICS_KEY",
    "MIN_ROWS_FOR_STANDARD_DEVIATION",
    "MULTICLASS",
    "PROBLEM_TYPES",
    "REGRESSION",
    "ConfusionCell",
    "MetricValue",
    "ModelQualityStatistics",
    "PrecisionRecallCurve",
    "RocCurve",
    "subsample_standard_deviations",
]

BINARY = "BinaryClassification"
MULTICLASS = "MulticlassClassification"
REGRESSION = "Regression"
PROBLEM_TYPES = (BINARY, MULTICLASS, REGRESSION)
METRICS_KEY = {
    BINARY: "binary_classification_metrics",
    MULTICLASS: "multiclass_classification_metrics",
    REGRESSION: "regression_metrics",
}
MIN_ROWS_FOR_STANDARD_DEVIATION = 200
SUBSAMPLES = 5
SUBSAMPLE_FRACTION = 0.8

_CONFUSION = "confusion_matrix"
_ROC = "receiver_operating_characteristic_curve"
_PR = "precision_recall_curve"


class MetricValue(NamedTuple):
    """A metric's value and standard deviation (NaN when SageMaker writes ``"NaN"``)."""

    value: float
    standard_deviation: float


@dataclass(frozen=True, slots=True)
class ConfusionCell:
    """Rows whose actual label is ``actual`` and predicted label is ``predicted``."""

    actual: str
    predicted: str
    count: int


class RocCurve(NamedTuple):
    """ROC points, in SageMaker's key order."""

    false_positive_rates: tuple[float, ...]
    true_positive_rates: tuple[float, ...]


class PrecisionRecallCurve(NamedTuple):
    """Precision-recall points, in SageMaker's key order."""

    precisions: tuple[float, ...]
    recalls: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class ModelQualityStatistics:
    """One problem type's model-quality metrics, as in SageMaker's ``statistics.json``."""

    problem_type: str
    item_count: int
    metrics: Mapping[str, MetricValue]
    confusion_matrix: tuple[ConfusionCell, ...] = ()
    roc_curve: RocCurve | None = None
    precision_recall_curve: PrecisionRecallCurve | None = None
    evaluation_time: str | None = field(default=None)

    def __post_init__(self) -> None:
        if self.problem_type not in PROBLEM_TYPES:
            msg = f"problem_type must be one of {PROBLEM_TYPES}, got {self.problem_type!r}"
            raise ValueError(msg)

    def to_statistics_json(self) -> dict[str, Any]:
        """Return the document exactly as SageMaker lays it out (plain JSON-safe data)."""
        block: dict[str, Any] = {}
        if self.confusion_matrix:
            matrix: dict[str, dict[str, int]] = {}
            for cell in self.confusion_matrix:
                matrix.setdefault(cell.actual, {})[cell.predicted] = cell.count
            block[_CONFUSION] = matrix
        for name, metric in self.metrics.items():
            std = metric.standard_deviation
            block[name] = {"value": metric.value, "standard_deviation": _number_or_nan(std)}
        if self.roc_curve is not None:
            block[_ROC] = {
                "false_positive_rates": list(self.roc_curve.false_positive_rates),
                "true_positive_rates": list(self.roc_curve.true_positive_rates),
            }
        if self.precision_recall_curve is not None:
            block[_PR] = {
                "precisions": list(self.precision_recall_curve.precisions),
                "recalls": list(self.precision_recall_curve.recalls),
            }
        dataset: dict[str, Any] = {"item_count": self.item_count}
        if self.evaluation_time is not None:
            dataset["evaluation_time"] = self.evaluation_time
        return {"version": 0.0, "dataset": dataset, METRICS_KEY[self.problem_type]: block}

    @classmethod
    def from_statistics_json(cls, doc: Mapping[str, Any]) -> ModelQualityStatistics:
        """Read a SageMaker (or driftline) model-quality ``statistics.json`` document."""
        found = [p for p in PROBLEM_TYPES if METRICS_KEY[p] in doc]
        if len(found) != 1:
            msg = f"expected exactly one of {sorted(METRICS_KEY.values())}, found {found}"
            raise ValueError(msg)
        problem_type = found[0]
        block: Mapping[str, Any] = doc[METRICS_KEY[problem_type]]
        metrics = {
            name: MetricValue(float(entry["value"]), float(entry.get("standard_deviation", "NaN")))
            for name, entry in block.items()
            if name not in (_CONFUSION, _ROC, _PR)
        }
        cells = tuple(
            ConfusionCell(actual=str(actual), predicted=str(predicted), count=int(count))
            for actual, row in block.get(_CONFUSION, {}).items()
            for predicted, count in row.items()
        )
        roc = block.get(_ROC)
        pr = block.get(_PR)
        dataset: Mapping[str, Any] = doc.get("dataset", {})
        return cls(
            problem_type=problem_type,
            item_count=int(dataset.get("item_count", 0)),
            metrics=metrics,
            confusion_matrix=cells,
            roc_curve=None
            if roc is None
            else RocCurve(
                tuple(map(float, roc["false_positive_rates"])),
                tuple(map(float, roc["true_positive_rates"])),
            ),
            precision_recall_curve=None
            if pr is None
            else PrecisionRecallCurve(
                tuple(map(float, pr["precisions"])), tuple(map(float, pr["recalls"]))
            ),
            evaluation_time=dataset.get("evaluation_time"),
        )


def _number_or_nan(x: float) -> float | str:
    return "NaN" if math.isnan(x) else x


def subsample_standard_deviations(
    item_count: int,
    draw: Callable[[np.random.Generator, float], Mapping[str, float]],
    *,
    seed: int,
) -> dict[str, float]:
    """Standard deviation of each metric over 5 subsamples of 80 %, or NaN under 200 rows.

    ``draw(rng, fraction)`` returns one subsample's metrics, computed from the detector's
    mergeable state thinned with ``rng`` (a binomial draw per count keeps each row with
    probability ``fraction``, like Spark's ``sample(False, 0.8)``). The deviation is the
    population one (ddof 0) over the 5 draws; ``seed`` makes it reproducible.
    """
    if item_count < MIN_ROWS_FOR_STANDARD_DEVIATION:
        return {}
    rng = np.random.default_rng(seed)
    draws = [draw(rng, SUBSAMPLE_FRACTION) for _ in range(SUBSAMPLES)]
    return {name: float(np.std([d[name] for d in draws])) for name in draws[0]}
