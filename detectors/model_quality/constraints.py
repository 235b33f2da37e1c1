"""Model-quality ``constraints.json``: suggestion, reading/writing, and evaluation.

A constraint is a threshold and a comparison operator per metric. SageMaker suggests the
baseline value itself as the threshold, ``LessThanThreshold`` for metrics where higher is
better and ``GreaterThanThreshold`` for false positive/negative rates and regression errors,
so any degradation fires. Violations name the rate metrics in camelCase, as SageMaker does.

Examples
--------
>>> from detectors.model_quality.statistics import MetricValue, ModelQualityStatistics
>>> baseline = ModelQualityStatistics(
...     problem_type="BinaryClassification", item_count=500,
...     metrics={"f2": MetricValue(0.625, 0.01), "false_positive_rate": MetricValue(0.0, 0.0)},
... )
>>> constraints = suggest_constraints(baseline)
>>> constraints.to_constraints_json()["binary_classification_constraints"]["f2"]
{'threshold': 0.625, 'comparison_operator': 'LessThanThreshold'}
>>> current = ModelQualityStatistics(
...     problem_type="BinaryClassification", item_count=900,
...     metrics={"f2": MetricValue(0.5, 0.006), "false_positive_rate": MetricValue(0.12, 0.003)},
... )
>>> for v in evaluate_constraints(current, constraints):
...     print(v.metric_name, "|", v.description)
falsePositiveRate | Metric falsePositiveRate with 0.12 +/- 0.003 was GreaterThanThreshold '0.0'
f2 | Metric f2 with 0.5 +/- 0.006 was LessThanThreshold '0.625'
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from detectors.model_quality.statistics import (
    BINARY,
    MULTICLASS,
    PROBLEM_TYPES,
    REGRESSION,
    ModelQualityStatistics,
)
from detectors.violations import Violation

__all__ = [
    "COMPARISON_OPERATORS",
    "CONSTRAINTS_KEY",
    "MetricConstraint",
    "ModelQualityConstraints",
    "breaks",
    "default_operator",
    "evaluate_constraints",
    "suggest_constraints",
    "violation_metric_name",
]

LESS_THAN = "LessThanThreshold"
GREATER_THAN = "GreaterThanThreshold"
COMPARISON_OPERATORS = (
    LESS_THAN,
    GREATER_THAN,
    "LessThanOrEqualToThreshold",
    "GreaterThanOrEqualToThreshold",
)
CONSTRAINTS_KEY = {
    BINARY: "binary_classification_constraints",
    MULTICLASS: "multiclass_classification_constraints",
    REGRESSION: "regression_constraints",
}
SUGGESTED_METRICS = {
    BINARY: (
        "recall",
        "precision",
        "accuracy",
        "true_positive_rate",
        "true_negative_rate",
        "false_positive_rate",
        "false_negative_rate",
        "auc",
        "f0_5",
        "f1",
        "f2",
    ),
    MULTICLASS: (
        "accuracy",
        "weighted_recall",
        "weighted_precision",
        "weighted_f0_5",
        "weighted_f1",
        "weighted_f2",
    ),
    REGRESSION: ("mae", "mse", "rmse", "r2"),
}
_HIGHER_IS_WORSE = frozenset({"false_positive_rate", "false_negative_rate", "mae", "mse", "rmse"})
_CAMEL_CASE = {
    "true_positive_rate": "truePositiveRate",
    "true_negative_rate": "trueNegativeRate",
    "false_positive_rate": "falsePositiveRate",
    "false_negative_rate": "falseNegativeRate",
}


def default_operator(metric: str) -> str:
    """SageMaker's suggested operator: ``GreaterThanThreshold`` where higher is worse."""
    return GREATER_THAN if metric in _HIGHER_IS_WORSE else LESS_THAN


def check_operator(operator: str) -> None:
    """Raise ``ValueError`` unless ``operator`` is one of SageMaker's comparison operators."""
    if operator not in COMPARISON_OPERATORS:
        msg = f"comparison_operator must be one of {COMPARISON_OPERATORS}, got {operator!r}"
        raise ValueError(msg)


def breaks(value: float, operator: str, threshold: float) -> bool:
    """Whether ``value`` violates ``operator`` against ``threshold`` (e.g. value < threshold)."""
    if operator == LESS_THAN:
        return value < threshold
    if operator == GREATER_THAN:
        return value > threshold
    if operator == "LessThanOrEqualToThreshold":
        return value <= threshold
    if operator == "GreaterThanOrEqualToThreshold":
        return value >= threshold
    check_operator(operator)
    return False


def violation_metric_name(metric: str) -> str:
    """The name SageMaker writes in a violation: camelCase for the four rate metrics."""
    return _CAMEL_CASE.get(metric, metric)


class MetricConstraint(NamedTuple):
    """A violation fires when the metric ``comparison_operator`` the ``threshold``."""

    threshold: float
    comparison_operator: str


@dataclass(frozen=True, slots=True)
class ModelQualityConstraints:
    """One problem type's constraints, as in SageMaker's ``constraints.json``."""

    problem_type: str
    constraints: Mapping[str, MetricConstraint]

    def __post_init__(self) -> None:
        if self.problem_type not in PROBLEM_TYPES:
            msg = f"problem_type must be one of {PROBLEM_TYPES}, got {self.problem_type!r}"
            raise ValueError(msg)
        for constraint in self.constraints.values():
            check_operator(constraint.comparison_operator)

    def to_constraints_json(self) -> dict[str, Any]:
        """Return the document exactly as SageMaker lays it out."""
        block = {
            name: {"threshold": c.threshold, "comparison_operator": c.comparison_operator}
            for name, c in self.constraints.items()
        }
        return {"version": 0.0, CONSTRAINTS_KEY[self.problem_type]: block}

    @classmethod
    def from_constraints_json(cls, doc: Mapping[str, Any]) -> ModelQualityConstraints:
        """Read a SageMaker model-quality ``constraints.json`` document."""
        found = [p for p in PROBLEM_TYPES if CONSTRAINTS_KEY[p] in doc]
        if len(found) != 1:
            msg = f"expected exactly one of {sorted(CONSTRAINTS_KEY.values())}, found {found}"
            raise ValueError(msg)
        block: Mapping[str, Any] = doc[CONSTRAINTS_KEY[found[0]]]
        constraints = {
            name: MetricConstraint(float(entry["threshold"]), str(entry["comparison_operator"]))
            for name, entry in block.items()
        }
        return cls(problem_type=found[0], constraints=constraints)


def suggest_constraints(statistics: ModelQualityStatistics) -> ModelQualityConstraints:
    """Thresholds = the baseline values, with SageMaker's operators (no BCC or curve checks)."""
    constraints = {
        name: MetricConstraint(statistics.metrics[name].value, default_operator(name))
        for name in SUGGESTED_METRICS[statistics.problem_type]
        if name in statistics.metrics
    }
    return ModelQualityConstraints(problem_type=statistics.problem_type, constraints=constraints)


def evaluate_constraints(
    statistics: ModelQualityStatistics, constraints: ModelQualityConstraints
) -> list[Violation]:
    """Return one SageMaker violation per broken constraint, in the constraints' order.

    Constraints on metrics the statistics lack (e.g. ``auc`` without scores) are skipped.
    """
    if statistics.problem_type != constraints.problem_type:
        msg = (
            f"statistics are for {statistics.problem_type}, "
            f"constraints for {constraints.problem_type}"
        )
        raise ValueError(msg)
    out = []
    for name, constraint in constraints.constraints.items():
        metric = statistics.metrics.get(name)
        if metric is None:
            continue
        op, threshold = constraint.comparison_operator, constraint.threshold
        if not breaks(metric.value, op, threshold):
            continue
        shown = violation_metric_name(name)
        std = "NaN" if math.isnan(metric.standard_deviation) else repr(metric.standard_deviation)
        text = f"Metric {shown} with {metric.value!r} +/- {std} was {op} '{threshold!r}'"
        out.append(
            Violation(
                constraint_check_type=op,
                description=text,
                metric_name=shown,
                value=metric.value,
                threshold=threshold,
                sample_count=statistics.item_count,
            )
        )
    return out
