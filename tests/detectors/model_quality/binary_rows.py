"""Hand-made binary rows whose predicted label disagrees with ``probability > 0.5``.

The prediction column is the model's own decision (as AWS's example cuts its at 0.8), so it
and the 0.5 threshold give different confusion matrices. The references are scikit-learn's
figures on the prediction column and its AUC on the probabilities.
"""

from __future__ import annotations

from collections.abc import Sequence

from sklearn import metrics as skm

from detectors.model_quality.binary import BinaryClassificationMetrics
from detectors.model_quality.labeled import LabeledPrediction

# (label, prediction, probability)
ROWS = (
    (1, 1, 0.91),
    (1, 0, 0.62),  # above 0.5, predicted 0
    (1, 0, 0.55),  # above 0.5, predicted 0
    (1, 1, 0.83),
    (1, 0, 0.35),
    (0, 0, 0.12),
    (0, 0, 0.58),  # above 0.5, predicted 0
    (0, 1, 0.45),  # below 0.5, predicted 1
    (0, 0, 0.05),
    (0, 0, 0.66),  # above 0.5, predicted 0
    (0, 0, 0.21),
    (0, 1, 0.74),
)
LABELS = tuple(r[0] for r in ROWS)
PREDICTIONS = tuple(r[1] for r in ROWS)
PROBABILITIES = tuple(r[2] for r in ROWS)
FIGURES = ("accuracy", "precision", "recall", "f1", "f2", "false_positive_rate")


def prediction_figures(
    labels: Sequence[int] = LABELS, predictions: Sequence[int] = PREDICTIONS
) -> dict[str, float]:
    """scikit-learn's threshold metrics of the predicted labels."""
    tn, fp, _, _ = skm.confusion_matrix(labels, predictions, labels=[0, 1]).ravel()
    return {
        "accuracy": float(skm.accuracy_score(labels, predictions)),
        "precision": float(skm.precision_score(labels, predictions, zero_division=0)),
        "recall": float(skm.recall_score(labels, predictions, zero_division=0)),
        "f1": float(skm.f1_score(labels, predictions, zero_division=0)),
        "f2": float(skm.fbeta_score(labels, predictions, beta=2.0, zero_division=0)),
        "false_positive_rate": float(fp / (fp + tn)),
    }


def prediction_confusion(
    labels: Sequence[int] = LABELS, predictions: Sequence[int] = PREDICTIONS
) -> dict[str, dict[str, int]]:
    """scikit-learn's confusion matrix in SageMaker's ``{actual: {predicted: count}}`` form."""
    (tn, fp), (fn, tp) = skm.confusion_matrix(labels, predictions, labels=[0, 1]).tolist()
    return {"0": {"0": tn, "1": fp}, "1": {"0": fn, "1": tp}}


def probability_auc(
    labels: Sequence[int] = LABELS, probabilities: Sequence[float] = PROBABILITIES
) -> float:
    """scikit-learn's AUC of the probabilities."""
    return float(skm.roc_auc_score(labels, probabilities))


def stated_auc_bound(
    labels: Sequence[int] = LABELS, probabilities: Sequence[float] = PROBABILITIES
) -> float:
    """The AUC error bound a default binary detector states for these scores."""
    detector = BinaryClassificationMetrics(name="bound")
    for label, probability in zip(labels, probabilities, strict=True):
        detector.update(LabeledPrediction(actual=label, score=probability))
    return detector.auc_error_bound()


def disagrees_with_the_threshold() -> bool:
    """Whether ``probability > 0.5`` would give other figures (the rows test something)."""
    by_threshold = tuple(int(p > 0.5) for p in PROBABILITIES)
    return prediction_figures(predictions=by_threshold) != prediction_figures()
