"""Model-quality baseline from plain arrays: SageMaker's statistics and suggested constraints.

This is what ``driftline baseline suggest --problem-type ...`` runs once the file reader in
``stream/`` has turned a baseline CSV/JSON Lines file into columns.

Examples
--------
>>> baseline = suggest_baseline(
...     "BinaryClassification", y_true=[1, 0, 0, 0], y_pred=[1, 1, 1, 0])
>>> baseline.statistics.metrics["precision"]
MetricValue(value=0.3333333333333333, standard_deviation=nan)
>>> baseline.constraints.constraints["false_positive_rate"]
MetricConstraint(threshold=0.6666666666666666, comparison_operator='GreaterThanThreshold')
>>> suggest_baseline("Regression", y_true=[1.0, 2.0, 4.0], y_pred=[1.5, 2.0, 3.0]
...     ).statistics.metrics["mae"].value
0.5
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import NamedTuple

from detectors.model_quality.binary import BinaryClassificationMetrics
from detectors.model_quality.constraints import ModelQualityConstraints, suggest_constraints
from detectors.model_quality.labeled import Label, LabeledPrediction, class_label
from detectors.model_quality.multiclass import MulticlassClassificationMetrics
from detectors.model_quality.regression import RegressionMetrics
from detectors.model_quality.score_histogram import exact_auc
from detectors.model_quality.statistics import (
    BINARY,
    MULTICLASS,
    PROBLEM_TYPES,
    REGRESSION,
    MetricValue,
    ModelQualityStatistics,
)

__all__ = ["ModelQualityBaseline", "suggest_baseline"]


class ModelQualityBaseline(NamedTuple):
    """A baseline's ``statistics.json`` and ``constraints.json`` content.

    ``invalid_count`` counts the rows left out: a label or prediction the problem type cannot
    read (a binary label other than 0/1/true/false, a missing or non-finite number).
    """

    statistics: ModelQualityStatistics
    constraints: ModelQualityConstraints
    invalid_count: int = 0


def _with_exact_auc(
    statistics: ModelQualityStatistics,
    detector: BinaryClassificationMetrics,
    rows: Sequence[LabeledPrediction],
) -> ModelQualityStatistics:
    """``statistics`` with the exact AUC of the rows the detector's AUC counts.

    A baseline has every score at hand, so its AUC (the threshold of its ``auc`` constraint)
    is the Mann-Whitney statistic SageMaker reports, not the score histogram's, which is within
    :meth:`~BinaryClassificationMetrics.auc_error_bound` of it. The standard deviation stays
    the detector's.
    """
    scored = [
        (counted[0], counted[2])
        for counted in map(detector.counted, rows)
        if counted is not None and counted[2] is not None
    ]
    auc = exact_auc([actual for actual, _ in scored], [score for _, score in scored])
    if auc is None:
        return statistics
    spread = statistics.metrics["auc"].standard_deviation
    return replace(statistics, metrics={**statistics.metrics, "auc": MetricValue(auc, spread)})


MAX_BASELINE_CLASSES = 1000


def _class_count(*columns: Sequence[Label] | None) -> int:
    """How many distinct classes ``columns`` name (at least 2): a baseline caps none of them.

    A window's detector tracks up to ``max_classes`` labels to keep its state bounded; a
    baseline holds every row already, and leaving the rows of its later classes out would
    make its figures, and so its constraints, those of part of the file.
    """
    labels = {class_label(v) for column in columns if column is not None for v in column}
    labels.discard(None)
    if len(labels) > MAX_BASELINE_CLASSES:  # its square confusion matrix alone: 1e6+ cells
        msg = (
            f"{len(labels)} distinct labels for {MULTICLASS} (at most {MAX_BASELINE_CLASSES}):"
            f" is the label continuous ({REGRESSION})?"
        )
        raise ValueError(msg)
    return max(2, len(labels))


def suggest_baseline(
    problem_type: str,
    *,
    y_true: Sequence[Label],
    y_pred: Sequence[Label] | None = None,
    y_score: Sequence[float | None] | None = None,
    probability_threshold: float = 0.5,
    constant_classifier: str = "majority",
    evaluation_time: str | None = None,
    seed: int = 0,
) -> ModelQualityBaseline:
    """Compute baseline statistics and suggest constraints for one problem type.

    ``y_score`` (binary only) is the positive-class probability, for AUC and the curves.
    ``y_pred`` is the predicted label where it is given; only rows without one (or a
    ``y_pred`` omitted) take ``score > probability_threshold``, as SageMaker's
    ``probability_threshold_attribute``. Invalid rows are left out, as the streaming
    detectors count them; a multiclass baseline counts every class (no ``max_classes``
    cap: the rows are all at hand).

    Raises
    ------
    ValueError
        For an unknown problem type, missing predictions, columns of different lengths, or
        more than :data:`MAX_BASELINE_CLASSES` multiclass labels.
    """
    if problem_type not in PROBLEM_TYPES:
        msg = f"problem_type must be one of {PROBLEM_TYPES}, got {problem_type!r}"
        raise ValueError(msg)
    if y_pred is None and (problem_type != BINARY or y_score is None):
        msg = "y_pred is required (binary classification accepts y_score instead)"
        raise ValueError(msg)
    if y_score is not None and problem_type != BINARY:
        msg = f"y_score applies to {BINARY} only, got problem_type {problem_type!r}"
        raise ValueError(msg)
    n = len(y_true)
    for column_name, column in (("y_pred", y_pred), ("y_score", y_score)):
        if column is not None and len(column) != n:
            msg = f"{column_name} has {len(column)} rows, y_true has {n}"
            raise ValueError(msg)
    detector: BinaryClassificationMetrics | MulticlassClassificationMetrics | RegressionMetrics
    if problem_type == BINARY:
        detector = BinaryClassificationMetrics(
            name="baseline",
            probability_threshold=probability_threshold,
            constant_classifier=constant_classifier,
            seed=seed,
        )
    elif problem_type == MULTICLASS:
        detector = MulticlassClassificationMetrics(
            name="baseline", seed=seed, max_classes=_class_count(y_true, y_pred)
        )
    else:
        detector = RegressionMetrics(name="baseline", seed=seed)
    rows = [
        LabeledPrediction(
            actual=y_true[i],
            predicted=None if y_pred is None else y_pred[i],
            score=None if y_score is None else y_score[i],
        )
        for i in range(n)
    ]
    for row in rows:
        detector.update(row)
    statistics = detector.statistics(evaluation_time=evaluation_time)
    if isinstance(detector, BinaryClassificationMetrics) and "auc" in statistics.metrics:
        statistics = _with_exact_auc(statistics, detector, rows)
    return ModelQualityBaseline(
        statistics, suggest_constraints(statistics), invalid_count=detector.invalid_count
    )
