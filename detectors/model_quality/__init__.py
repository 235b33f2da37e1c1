"""Model quality: SageMaker's binary, multiclass and regression metrics, streaming and mergeable.

Each problem type has one detector (:class:`BinaryClassificationMetrics`,
:class:`MulticlassClassificationMetrics`, :class:`RegressionMetrics`) fed with
:class:`LabeledPrediction` values; ``statistics()`` gives SageMaker's ``statistics.json``
content, :func:`suggest_constraints` and :func:`evaluate_constraints` its constraints and
violations, and :func:`suggest_baseline` builds both from plain arrays.
"""

from detectors.model_quality.baseline import ModelQualityBaseline, suggest_baseline
from detectors.model_quality.binary import BinaryClassificationMetrics
from detectors.model_quality.constraints import (
    MetricConstraint,
    ModelQualityConstraints,
    evaluate_constraints,
    suggest_constraints,
)
from detectors.model_quality.labeled import LabeledPrediction
from detectors.model_quality.multiclass import MulticlassClassificationMetrics
from detectors.model_quality.regression import RegressionMetrics
from detectors.model_quality.statistics import (
    ConfusionCell,
    MetricValue,
    ModelQualityStatistics,
    PrecisionRecallCurve,
    RocCurve,
)

__all__ = [
    "BinaryClassificationMetrics",
    "ConfusionCell",
    "LabeledPrediction",
    "MetricConstraint",
    "MetricValue",
    "ModelQualityBaseline",
    "MulticlassClassificationMetrics",
    "ModelQualityConstraints",
    "ModelQualityStatistics",
    "PrecisionRecallCurve",
    "RegressionMetrics",
    "RocCurve",
    "evaluate_constraints",
    "suggest_baseline",
    "suggest_constraints",
]
