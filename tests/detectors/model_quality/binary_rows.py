"""Hand-made binary rows whose predicted label disagrees with ``probability > 0.5``.

The prediction column is the model's own decision (as AWS's example cuts its at 0.8), so it
and the 0.5 threshold give different confusion matrices; the expected figures are
scikit-learn's on the prediction column, and its AUC on the probabilities.
"""

from __future__ import annotations

from collections.abc import Sequence

from sklearn import metrics as skm

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


def prediction_column_figures(
    labels: Sequence[int] = LABELS,
    predictions: Sequence[int] = PREDICTIONS,
    probabilities: Sequence[float] = PROBABILITIES,
) -> dict[str, float]:
    """scikit-learn's figures: threshold metrics of the predictions, AUC of the scores."""
    tn, fp, fn, tp = skm.confusion_matrix(labels, predictions, labels=[0, 1]).ravel()
    return {
        "accuracy": skm.accuracy_score(labels, predictions),
        "precision": skm.precision_score(labels, predictions, zero_division=0),
        "recall": skm.recall_score(labels, predictions, zero_division=0),
        "f1": skm.f1_score(labels, predictions, zero_division=0),
        "f2": skm.fbeta_score(labels, predictions, beta=2.0, zero_division=0),
        "false_positive_rate": float(fp / (fp + tn)),
        "auc": skm.roc_auc_score(labels, probabilities),
    }


def prediction_column_confusion(
    labels: Sequence[int] = LABELS, predictions: Sequence[int] = PREDICTIONS
) -> dict[str, dict[str, int]]:
    """scikit-learn's confusion matrix in SageMaker's ``{actual: {predicted: count}}`` form."""
    (tn, fp), (fn, tp) = skm.confusion_matrix(labels, predictions, labels=[0, 1]).tolist()
    return {"0": {"0": tn, "1": fp}, "1": {"0": fn, "1": tp}}


def disagrees_with_the_threshold() -> bool:
    """Whether ``probability > 0.5`` would give other figures (the rows test something)."""
    by_threshold = tuple(int(p > 0.5) for p in PROBABILITIES)
    return (
        prediction_column_figures(predictions=by_threshold)["precision"]
        != prediction_column_figures()["precision"]
    )
