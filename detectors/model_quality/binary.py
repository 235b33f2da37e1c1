"""SageMaker's binary-classification metrics over a labeled prediction stream."""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping
from typing import Any, Self

import numpy as np

from detectors.model_quality.formulas import binary_figures
from detectors.model_quality.labeled import (
    LabeledPrediction,
    binary_label,
    finite_or_none,
    is_missing,
)
from detectors.model_quality.left_out import binary_reason
from detectors.model_quality.model_quality_metrics import ModelQualityMetrics
from detectors.model_quality.score_histogram import DEFAULT_PRECISION_BITS, ScoreHistogram
from detectors.model_quality.statistics import (
    BINARY,
    ConfusionCell,
    PrecisionRecallCurve,
    RocCurve,
)

__all__ = ["BINARY_METRICS", "BinaryClassificationMetrics"]

_BCC = ("accuracy", "precision", "recall", "f0_5", "f1", "f2")
BINARY_METRICS = (
    *binary_figures(tp=0, fp=0, fn=0, tn=0),
    "auc",
    *(f"{m}_best_constant_classifier" for m in _BCC),
)
CONSTANT_CLASSIFIERS = ("majority", "positive")


class BinaryClassificationMetrics(ModelQualityMetrics):
    """Confusion matrix, threshold metrics, AUC and curves of a binary classifier.

    Each update takes a :class:`LabeledPrediction`. Its ``predicted`` label, when given, is
    the predicted label (SageMaker's ``inference_attribute``); only a row without one (``None``
    or NaN) takes ``score > probability_threshold`` (``probability_threshold_attribute``). A
    finite ``score`` (``probability_attribute``) feeds a :class:`ScoreHistogram` per class,
    its buckets ``score_precision_bits`` bits of the score wide (relative to it, at any
    scale), for AUC and the ROC / precision-recall curves (AUC within
    :meth:`auc_error_bound` of the exact value); rows without one have no part in them. Rows
    whose labels are not binary (a given predicted label included) are counted in
    ``invalid_count``, by reason in ``invalid_reasons`` (:func:`binary_reason`); scores
    outside [0, 1] are counted in ``clipped_score_count`` (the name of the days they were
    clipped; the AUC now orders them as they are). Undefined 0/0 metrics are 0.0, as in
    SageMaker.

    ``*_best_constant_classifier`` figures predict the most frequent actual class
    (``constant_classifier="majority"``, observed SageMaker output; a tie predicts positive)
    or always the positive class (``"positive"``, as in AWS's documentation examples).

    Empty behaviour: the reading is ``None`` until ``min_samples`` valid rows, and ``auc``
    appears only once a score has been seen. Merging sums every count, so it is exact.

    Examples
    --------
    >>> import random
    >>> rng = random.Random(42)
    >>> detector = BinaryClassificationMetrics(name="churn", metric="f1", threshold=0.75)
    >>> detector.reading()
    Reading(detector='churn', value=None, alarm=False, n=0)
    >>> def row(i):
    ...     actual = rng.random() < 0.4
    ...     if i >= 500:                                  # the model turns to noise at row 500
    ...         return LabeledPrediction(actual=actual, score=rng.random())
    ...     score = min(max(rng.gauss(0.75 if actual else 0.25, 0.15), 0.0), 1.0)
    ...     return LabeledPrediction(actual=actual, score=score)
    >>> for i in range(2000):
    ...     detector.update(row(i))
    ...     if detector.reading().alarm:
    ...         print(f"alarm at row {i}")
    ...         break
    alarm at row 747
    >>> detector.reading()
    Reading(detector='churn', value=0.7487..., alarm=True, n=748)
    >>> round(detector.metrics()["auc"], 3), detector.auc_error_bound() < 1e-4
    (0.816, True)
    >>> BinaryClassificationMetrics.from_state(detector.to_state()).reading() == detector.reading()
    True
    """

    _KIND = "binary_classification_metrics"
    _VERSION = 1
    _PARAMS = (
        "name",
        "metric",
        "threshold",
        "comparison_operator",
        "probability_threshold",
        "constant_classifier",
        "score_precision_bits",
        "min_samples",
        "seed",
    )
    _PROBLEM_TYPE = BINARY
    _METRIC_NAMES = BINARY_METRICS

    def __init__(
        self,
        *,
        name: str,
        metric: str = "accuracy",
        threshold: float | None = None,
        comparison_operator: str | None = None,
        probability_threshold: float = 0.5,
        constant_classifier: str = "majority",
        score_precision_bits: int = DEFAULT_PRECISION_BITS,
        min_samples: int = 30,
        seed: int = 0,
    ) -> None:
        if constant_classifier not in CONSTANT_CLASSIFIERS:
            msg = (
                f"constant_classifier must be one of {CONSTANT_CLASSIFIERS}, "
                f"got {constant_classifier!r}"
            )
            raise ValueError(msg)
        if not 0.0 <= probability_threshold <= 1.0:
            msg = f"probability_threshold must be in [0, 1], got {probability_threshold}"
            raise ValueError(msg)
        self.probability_threshold = probability_threshold
        self.constant_classifier = constant_classifier
        self.score_precision_bits = score_precision_bits
        super().__init__(
            name=name,
            metric=metric,
            threshold=threshold,
            comparison_operator=comparison_operator,
            min_samples=min_samples,
            seed=seed,
        )

    @classmethod
    def _current_params(cls, params: dict[str, Any]) -> dict[str, Any]:
        # States of earlier versions name the fixed bins of [0, 1] they counted scores in
        # (``score_bins``); their histograms load into buckets of the default precision.
        params.pop("score_bins", None)
        return params

    def _reset_state(self) -> None:
        self.clipped_score_count = 0  # merge: sum
        self._cells = [0, 0, 0, 0]  # tn, fp, fn, tp; merge: sum
        self._histogram = ScoreHistogram(precision_bits=self.score_precision_bits)  # merge: sum

    @property
    def item_count(self) -> int:
        """Valid rows counted in the confusion matrix."""
        return sum(self._cells)

    def update(self, x: LabeledPrediction) -> None:
        """Count one labeled prediction; invalid labels are counted, never raised."""
        self.n += 1
        counted = self.counted(x)
        if counted is None:
            self._refuse(binary_reason(x))
            return
        actual, predicted, score = counted
        self._cells[2 * actual + predicted] += 1
        if score is not None:
            if not 0.0 <= score <= 1.0:
                self.clipped_score_count += 1
            self._histogram.update(actual, score)

    def counted(self, x: LabeledPrediction) -> tuple[int, int, float | None] | None:
        """``(actual, predicted, score)`` as :meth:`update` counts the row; None when invalid.

        A given predicted label is the prediction; only a row without one takes
        ``score > probability_threshold``. ``score`` is None for a row with no part in the
        AUC and curves (no finite score).
        """
        actual = binary_label(x.actual)
        score = finite_or_none(x.score)
        if not is_missing(x.predicted):
            predicted = binary_label(x.predicted)
        else:
            predicted = None if score is None else int(score > self.probability_threshold)
        if actual is None or predicted is None:
            return None
        return actual, predicted, score

    def _merge_state(self, other: Self) -> None:
        self.clipped_score_count += other.clipped_score_count
        self._cells = [a + b for a, b in zip(self._cells, other._cells, strict=True)]
        self._histogram.merge(other._histogram)

    def auc_error_bound(self) -> float:
        """Bound on the AUC's distance to the exact (unbinned) AUC of the rows seen."""
        return self._histogram.auc_error_bound()

    def metrics(self) -> dict[str, float]:
        """Every scalar metric, keyed by SageMaker's names."""
        return self._figures(self._cells, self._histogram)

    def _headline_metrics(self) -> dict[str, float]:
        # AUC needs a pass over the score bins: only when it is the headline.
        if self.item_count < self.min_samples:
            return {}
        return self._figures(self._cells, self._histogram if self.metric == "auc" else None)

    def _figures(self, cells: list[int], histogram: ScoreHistogram | None) -> dict[str, float]:
        tn, fp, fn, tp = cells
        out = binary_figures(tp=tp, fp=fp, fn=fn, tn=tn)
        if histogram is not None and histogram.count:
            out["auc"] = histogram.auc()
        positives, negatives = tp + fn, tn + fp
        if self.constant_classifier == "positive" or positives >= negatives:
            constant = binary_figures(tp=positives, fp=negatives, fn=0, tn=0)
        else:
            constant = binary_figures(tp=0, fp=0, fn=positives, tn=negatives)
        out.update({f"{m}_best_constant_classifier": constant[m] for m in _BCC})
        return out

    def _subsample(self, rng: np.random.Generator, fraction: float) -> dict[str, float]:
        # Every confusion cell and score bin keeps each of its rows with probability
        # ``fraction`` (a seeded binomial draw): the count vector of a Bernoulli row sample.
        cells = [int(c) for c in rng.binomial(self._cells, fraction)]
        return self._figures(cells, self._histogram.thinned(rng, fraction))

    def _statistics_parts(self) -> dict[str, Any]:
        tn, fp, fn, tp = self._cells
        cells = (
            ConfusionCell(actual="0", predicted="0", count=tn),
            ConfusionCell(actual="0", predicted="1", count=fp),
            ConfusionCell(actual="1", predicted="0", count=fn),
            ConfusionCell(actual="1", predicted="1", count=tp),
        )
        roc = pr = None
        if self._histogram.count:
            curve = self._histogram.roc_curve()
            roc = RocCurve(curve.false_positive_rates, curve.true_positive_rates)
            pr = PrecisionRecallCurve(curve.precisions, curve.true_positive_rates)
        return {"confusion_matrix": cells, "roc_curve": roc, "precision_recall_curve": pr}

    def _state_fields(self) -> dict[str, Any]:
        return {
            "clipped_score_count": self.clipped_score_count,
            "cells": list(self._cells),
            "histogram": self._histogram.to_state(),
        }

    def _load_state(self, fields: Mapping[str, Any]) -> None:
        self.clipped_score_count = int(fields["clipped_score_count"])
        self._cells = [int(c) for c in fields["cells"]]
        self._histogram = ScoreHistogram.from_state(fields["histogram"])

    @classmethod
    def _test_params(cls) -> Iterator[dict[str, Any]]:
        yield {"name": "binary"}
        yield {
            "name": "binary_auc",
            "metric": "auc",
            "threshold": 0.8,
            "constant_classifier": "positive",
            "score_precision_bits": 6,
        }

    @classmethod
    def _test_stream(cls, rng: random.Random, n: int) -> list[LabeledPrediction]:
        out = []
        for i in range(n):
            actual = int(rng.random() < 0.3)
            if i % 10 == 9:  # some rows carry only a predicted label
                out.append(LabeledPrediction(actual, int(rng.random() < 0.3)))
                continue
            spread = 0.2 if i < n // 2 else 0.5
            score = min(max(rng.gauss(0.7 if actual else 0.3, spread), 0.0), 1.0)
            out.append(LabeledPrediction(actual=actual, score=score))
        return out
