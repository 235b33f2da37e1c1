"""SageMaker's multiclass-classification metrics over a labeled prediction stream."""

from __future__ import annotations

import math
import random
from collections.abc import Iterator, Mapping
from typing import Any, Self

import numpy as np

from detectors.model_quality.formulas import weighted_figures
from detectors.model_quality.labeled import LabeledPrediction, class_label
from detectors.model_quality.left_out import TOO_MANY_CLASSES, class_reason
from detectors.model_quality.model_quality_metrics import ModelQualityMetrics
from detectors.model_quality.statistics import MULTICLASS, ConfusionCell

__all__ = ["MULTICLASS_METRICS", "MulticlassClassificationMetrics"]

_WEIGHTED = tuple(weighted_figures({}))
MULTICLASS_METRICS = (*_WEIGHTED, *(f"{m}_best_constant_classifier" for m in _WEIGHTED))

Matrix = dict[str, dict[str, int]]


def _label_order(label: str) -> tuple[int, float, str]:
    """Numeric class labels by value (``"2"`` before ``"10"``), then the others as text."""
    try:
        value = float(label)
    except ValueError:
        return (1, 0.0, label)
    return (0, value, label) if math.isfinite(value) else (1, 0.0, label)


class MulticlassClassificationMetrics(ModelQualityMetrics):
    """Confusion matrix, accuracy and support-weighted precision/recall/Fβ of a classifier.

    Labels are compared as SageMaker's string keys (``1`` and ``1.0`` are both ``"1"``).
    Weighted figures weight each class by its actual-class support, which equals
    scikit-learn's ``average="weighted"`` with ``zero_division=0``. The
    ``*_best_constant_classifier`` figures predict ``constant_class`` for every row, or the
    most frequent actual class when it is ``None`` (observed SageMaker behaviour; a tie picks
    the smallest label).

    ``statistics()`` writes the confusion matrix square over the labels seen (actual or
    predicted), zero cells included, numeric labels in order of value and then the others
    in text order. It is bounded by ``max_classes`` distinct labels (actual or predicted),
    admitted in order of first appearance. A row that would bring in a label beyond the cap
    is left out of every metric and counted in ``overflow_count``; rows with a missing label
    are counted in ``invalid_count`` (by reason in ``invalid_reasons``). Merging sums the
    cells, admitting the other side's labels while there is room, so a merge equals one
    stream as long as the union of labels fits under the cap (past it, which labels are
    admitted depends on the order of merges).

    Empty behaviour: the reading is ``None`` until ``min_samples`` valid rows.

    Examples
    --------
    >>> import random
    >>> rng = random.Random(42)
    >>> detector = MulticlassClassificationMetrics(
    ...     name="species", metric="weighted_f1", threshold=0.8, min_samples=50)
    >>> detector.reading()
    Reading(detector='species', value=None, alarm=False, n=0)
    >>> labels = ["setosa", "versicolor", "virginica"]
    >>> for i in range(1000):
    ...     actual = rng.choice(labels)
    ...     error_rate = 0.05 if i < 400 else 0.6     # the model degrades at row 400
    ...     predicted = rng.choice(labels) if rng.random() < error_rate else actual
    ...     detector.update(LabeledPrediction(actual=actual, predicted=predicted))
    ...     if detector.reading().alarm:
    ...         print(f"alarm at row {i}")
    ...         break
    alarm at row 745
    >>> detector.reading()
    Reading(detector='species', value=0.7989..., alarm=True, n=746)
    >>> round(detector.metrics()["accuracy_best_constant_classifier"], 3)
    0.359
    >>> state = detector.to_state()
    >>> MulticlassClassificationMetrics.from_state(state).reading() == detector.reading()
    True
    """

    _KIND = "multiclass_classification_metrics"
    _VERSION = 1
    _PARAMS = (
        "name",
        "metric",
        "threshold",
        "comparison_operator",
        "constant_class",
        "max_classes",
        "min_samples",
        "seed",
    )
    _PROBLEM_TYPE = MULTICLASS
    _METRIC_NAMES = MULTICLASS_METRICS

    def __init__(
        self,
        *,
        name: str,
        metric: str = "accuracy",
        threshold: float | None = None,
        comparison_operator: str | None = None,
        constant_class: str | None = None,
        max_classes: int = 100,
        min_samples: int = 30,
        seed: int = 0,
    ) -> None:
        if max_classes < 2:
            msg = f"max_classes must be >= 2, got {max_classes}"
            raise ValueError(msg)
        self.constant_class = constant_class
        self.max_classes = max_classes
        super().__init__(
            name=name,
            metric=metric,
            threshold=threshold,
            comparison_operator=comparison_operator,
            min_samples=min_samples,
            seed=seed,
        )

    def _reset_state(self) -> None:
        self.overflow_count = 0  # merge: sum, plus the other side's cells that do not fit
        self._item_count = 0  # merge: sum
        self._classes: dict[str, None] = {}  # merge: union in order, up to max_classes
        self._matrix: Matrix = {}  # {actual: {predicted: count}}; merge: sum per cell

    def _left_out_beyond_invalid(self) -> dict[str, int]:
        return {TOO_MANY_CLASSES: self.overflow_count}

    def _repr_extra(self) -> str:
        return f", classes={len(self._classes)}"

    @property
    def item_count(self) -> int:
        """Valid rows counted in the confusion matrix."""
        return self._item_count

    def _admit(self, *labels: str) -> bool:
        new = [label for label in dict.fromkeys(labels) if label not in self._classes]
        if len(self._classes) + len(new) > self.max_classes:
            return False
        for label in new:
            self._classes[label] = None
        return True

    def _add(self, actual: str, predicted: str, count: int) -> None:
        if not self._admit(actual, predicted):
            self.overflow_count += count
            return
        row = self._matrix.setdefault(actual, {})
        row[predicted] = row.get(predicted, 0) + count
        self._item_count += count

    def update(self, x: LabeledPrediction) -> None:
        """Count one labeled prediction; missing labels are counted, never raised."""
        self.n += 1
        actual, predicted = class_label(x.actual), class_label(x.predicted)
        if actual is None or predicted is None:
            self._refuse(class_reason(x))
            return
        self._add(actual, predicted, 1)

    def _merge_state(self, other: Self) -> None:
        self.overflow_count += other.overflow_count
        for label in other._classes:  # keep first-appearance order, as one stream would
            if len(self._classes) < self.max_classes:
                self._classes.setdefault(label, None)
        for actual, row in other._matrix.items():
            for predicted, count in row.items():
                self._add(actual, predicted, count)

    def confusion_matrix(self) -> Matrix:
        """``{actual: {predicted: count}}`` over the admitted labels (a copy)."""
        return {actual: dict(row) for actual, row in self._matrix.items()}

    def metrics(self) -> dict[str, float]:
        """Every scalar metric, keyed by SageMaker's names."""
        return self._figures(self._matrix)

    def _figures(self, matrix: Mapping[str, Mapping[str, int]]) -> dict[str, float]:
        out = weighted_figures(matrix)
        supports = {actual: sum(row.values()) for actual, row in matrix.items()}
        constant = self.constant_class
        if constant is None and supports:
            constant = min(supports, key=lambda label: (-supports[label], label))
        constant_matrix = {actual: {constant or "": s} for actual, s in supports.items()}
        baseline = weighted_figures(constant_matrix)
        out.update({f"{k}_best_constant_classifier": v for k, v in baseline.items()})
        return out

    def _subsample(self, rng: np.random.Generator, fraction: float) -> dict[str, float]:
        # Each confusion cell keeps each of its rows with probability ``fraction`` (a seeded
        # binomial draw): the counts of a Bernoulli row sample.
        thinned = {
            actual: {p: int(rng.binomial(c, fraction)) for p, c in row.items()}
            for actual, row in self._matrix.items()
        }
        return self._figures(thinned)

    def _statistics_parts(self) -> dict[str, Any]:
        # Square, zeros included, every row in one order, as AWS writes the binary matrix
        # ("1": {"0": 0, "1": 1}); readers such as the SageMaker SDK's model-card parser take
        # one row's column names for all rows.
        seen = {label for row in self._matrix.values() for label in row} | set(self._matrix)
        labels = sorted(seen, key=_label_order)
        cells = tuple(
            ConfusionCell(actual, predicted, self._matrix.get(actual, {}).get(predicted, 0))
            for actual in labels
            for predicted in labels
        )
        return {"confusion_matrix": cells}

    def _state_fields(self) -> dict[str, Any]:
        # cells as [actual, predicted, count]
        return {
            "overflow_count": self.overflow_count,
            "classes": list(self._classes),
            "cells": [[a, p, c] for a, row in self._matrix.items() for p, c in row.items()],
        }

    def _load_state(self, fields: Mapping[str, Any]) -> None:
        self._classes = dict.fromkeys(str(c) for c in fields["classes"])
        for actual, predicted, count in fields["cells"]:
            self._add(str(actual), str(predicted), int(count))
        self.overflow_count = int(fields["overflow_count"])

    @classmethod
    def _test_params(cls) -> Iterator[dict[str, Any]]:
        yield {"name": "multiclass"}
        yield {
            "name": "multiclass_f1",
            "metric": "weighted_f1",
            "threshold": 0.7,
            "constant_class": "b",
            "max_classes": 5,
        }

    @classmethod
    def _test_stream(cls, rng: random.Random, n: int) -> list[LabeledPrediction]:
        labels = ("a", "b", "c", "d")
        out = []
        for i in range(n):
            actual = rng.choices(labels, weights=(5, 3, 1, 1))[0]
            error_rate = 0.1 if i < n // 2 else 0.5
            predicted = rng.choice(labels) if rng.random() < error_rate else actual
            out.append(LabeledPrediction(actual=actual, predicted=predicted))
        return out
