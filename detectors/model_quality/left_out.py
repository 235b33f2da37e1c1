"""Why a model-quality detector leaves a labelled prediction out of its metrics.

Every row a detector counts in ``n`` but not in ``item_count`` has exactly one reason, so
the reasons of :meth:`ModelQualityMetrics.left_out_reasons
<detectors.model_quality.model_quality_metrics.ModelQualityMetrics.left_out_reasons>` sum
to ``n - item_count``. The label is judged first; a row whose label is usable is left out
for its prediction (the ``prediction_*`` reasons). :data:`LEFT_OUT_REASONS` lists the
reasons each problem type can give.

Examples
--------
>>> from detectors.model_quality.labeled import LabeledPrediction
>>> binary_reason(LabeledPrediction(actual="abc", predicted=1))
'not_binary'
>>> binary_reason(LabeledPrediction(actual=1, predicted=None, score=None))
'prediction_missing'
>>> regression_reason(LabeledPrediction(actual="NaN", predicted=2.0))
'not_a_number'
>>> class_reason(LabeledPrediction(actual="cat", predicted=None))
'prediction_missing'
>>> LEFT_OUT_REASONS["MulticlassClassification"]
('missing', 'prediction_missing', 'too_many_classes')
"""

from __future__ import annotations

from detectors.left_out_counts import UNRECORDED  # a saved state's rows of no known reason
from detectors.model_quality.labeled import (
    LabeledPrediction,
    binary_label,
    class_label,
    is_missing,
    regression_number,
)
from detectors.model_quality.statistics import BINARY, MULTICLASS, REGRESSION

__all__ = [
    "LEFT_OUT_REASONS",
    "MISSING",
    "NOT_A_NUMBER",
    "NOT_BINARY",
    "PREDICTION_MISSING",
    "PREDICTION_NOT_A_NUMBER",
    "PREDICTION_NOT_BINARY",
    "TOO_MANY_CLASSES",
    "UNRECORDED",
    "binary_reason",
    "class_reason",
    "regression_reason",
]

MISSING = "missing"  # no label: None or NaN
NOT_BINARY = "not_binary"  # a binary label other than 0/1/true/false ("2", "abc", 0.5)
NOT_A_NUMBER = "not_a_number"  # a regression label not a finite number ("abc", "1e200")
TOO_MANY_CLASSES = "too_many_classes"  # a class beyond the multiclass detector's max_classes
PREDICTION_MISSING = "prediction_missing"  # no predicted label and no finite score
PREDICTION_NOT_BINARY = "prediction_not_binary"  # a predicted label other than 0/1
PREDICTION_NOT_A_NUMBER = "prediction_not_a_number"  # a regression prediction, not a number

LEFT_OUT_REASONS: dict[str, tuple[str, ...]] = {
    BINARY: (MISSING, NOT_BINARY, PREDICTION_MISSING, PREDICTION_NOT_BINARY),
    MULTICLASS: (MISSING, PREDICTION_MISSING, TOO_MANY_CLASSES),
    REGRESSION: (MISSING, NOT_A_NUMBER, PREDICTION_MISSING, PREDICTION_NOT_A_NUMBER),
}


def binary_reason(x: LabeledPrediction) -> str:
    """Why a binary detector refuses ``x`` (call it for a refused row only)."""
    if binary_label(x.actual) is None:
        return MISSING if is_missing(x.actual) else NOT_BINARY
    if is_missing(x.predicted):
        return PREDICTION_MISSING
    return PREDICTION_NOT_BINARY


def class_reason(x: LabeledPrediction) -> str:
    """Why a multiclass detector refuses ``x`` (call it for a refused row only)."""
    return MISSING if class_label(x.actual) is None else PREDICTION_MISSING


def regression_reason(x: LabeledPrediction) -> str:
    """Why a regression detector refuses ``x`` (call it for a refused row only)."""
    if regression_number(x.actual) is None:
        return MISSING if is_missing(x.actual) else NOT_A_NUMBER
    return PREDICTION_MISSING if is_missing(x.predicted) else PREDICTION_NOT_A_NUMBER
