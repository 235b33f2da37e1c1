"""suggest_baseline from plain arrays, against scikit-learn."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics as skm

from detectors.model_quality.baseline import suggest_baseline
from tests.detectors.model_quality.binary_rows import (
    LABELS,
    PREDICTIONS,
    PROBABILITIES,
    prediction_figures,
    probability_auc,
    stated_auc_bound,
)


def test_binary_baseline_from_numpy_scores() -> None:
    rng = np.random.default_rng(1)
    y = (rng.random(3000) < 0.35).astype(np.int64)  # numpy integers, not Python ints
    scores = np.clip(rng.normal(0.35 + 0.3 * y, 0.2), 0, 1)
    baseline = suggest_baseline(
        "BinaryClassification", y_true=y, y_score=scores, probability_threshold=0.6
    )
    stats = baseline.statistics
    assert stats.item_count == 3000
    assert stats.metrics["f1"].value == pytest.approx(skm.f1_score(y, scores > 0.6), abs=1e-9)
    assert abs(stats.metrics["auc"].value - skm.roc_auc_score(y, scores)) <= 0.005
    assert stats.metrics["f1"].standard_deviation > 0
    constraints = baseline.constraints.to_constraints_json()["binary_classification_constraints"]
    assert constraints["f1"] == {
        "threshold": stats.metrics["f1"].value,
        "comparison_operator": "LessThanThreshold",
    }
    assert "f1_best_constant_classifier" not in constraints
    doc = stats.to_statistics_json()["binary_classification_metrics"]
    assert len(doc["receiver_operating_characteristic_curve"]["true_positive_rates"]) > 100


def test_binary_baseline_takes_y_pred_as_the_prediction_and_y_score_for_auc() -> None:
    stats = suggest_baseline(
        "BinaryClassification", y_true=LABELS, y_pred=PREDICTIONS, y_score=PROBABILITIES
    ).statistics
    for name, value in prediction_figures().items():
        assert stats.metrics[name].value == pytest.approx(value, abs=1e-12), name
    assert abs(stats.metrics["auc"].value - probability_auc()) <= stated_auc_bound() + 1e-12


def test_multiclass_and_regression_baselines() -> None:
    rng = np.random.default_rng(2)
    y = rng.integers(0, 4, 500)
    pred = np.where(rng.random(500) < 0.7, y, rng.integers(0, 4, 500))
    stats = suggest_baseline("MulticlassClassification", y_true=y, y_pred=pred).statistics
    assert stats.metrics["weighted_f2"].value == pytest.approx(
        skm.fbeta_score(y, pred, beta=2, average="weighted", zero_division=0), abs=1e-9
    )
    assert {c.actual for c in stats.confusion_matrix} == {"0", "1", "2", "3"}
    target = rng.normal(0, 1, 500)
    fitted = target + rng.normal(0, 0.3, 500)
    baseline = suggest_baseline("Regression", y_true=target, y_pred=fitted)
    assert baseline.statistics.metrics["r2"].value == pytest.approx(
        skm.r2_score(target, fitted), abs=1e-9
    )
    assert baseline.constraints.constraints["rmse"].comparison_operator == "GreaterThanThreshold"


def test_bad_inputs_raise() -> None:
    with pytest.raises(ValueError, match="problem_type"):
        suggest_baseline("Ranking", y_true=[1], y_pred=[1])
    with pytest.raises(ValueError, match="y_pred is required"):
        suggest_baseline("Regression", y_true=[1.0])
    with pytest.raises(ValueError, match="y_score applies"):
        suggest_baseline("Regression", y_true=[1.0], y_pred=[1.0], y_score=[0.5])
    with pytest.raises(ValueError, match="y_pred has 2 rows"):
        suggest_baseline("MulticlassClassification", y_true=["a"], y_pred=["a", "b"])


def test_a_baseline_auc_is_exact() -> None:
    """The binned AUC is within its bound; a baseline, having every score, takes the exact one."""
    rng = np.random.default_rng(21)
    labels = (rng.random(3000) < 0.3).astype(int).tolist()
    scores = np.clip(rng.normal(0.45 + 0.2 * np.array(labels), 0.2), 0, 1)
    scores[:1000] = np.round(scores[:1000], 3)  # ties within and across classes
    scores = scores.tolist()  # the rest share histogram bins unordered: binned AUC is off
    predicted: list[object] = [int(s > 0.5) for s in scores]
    scores[:5] = [None] * 5  # a given label without a score: in the matrix, not in the AUC
    labels[5:8] = ["maybe"] * 3  # not binary: invalid, in neither
    baseline = suggest_baseline(
        "BinaryClassification", y_true=labels, y_pred=predicted, y_score=scores
    )
    kept = [i for i in range(3000) if i >= 8]
    expected = skm.roc_auc_score([labels[i] for i in kept], [scores[i] for i in kept])
    assert baseline.statistics.metrics["auc"].value == pytest.approx(expected, rel=1e-12)
    assert (
        baseline.constraints.constraints["auc"].threshold
        == baseline.statistics.metrics["auc"].value
    )


def test_a_continuous_label_is_refused_as_multiclass_with_a_hint() -> None:
    """1,001 classes: a square confusion matrix of a million cells; more is likely a mistake."""
    labels = [str(v) for v in range(1001)]
    with pytest.raises(ValueError, match=r"1001 distinct labels .* continuous \(Regression\)"):
        suggest_baseline("MulticlassClassification", y_true=labels, y_pred=labels)
    labels = labels[:1000]
    assert suggest_baseline("MulticlassClassification", y_true=labels, y_pred=labels).statistics


def test_a_multiclass_baseline_counts_every_class() -> None:
    """A baseline has every row at hand: 150 classes are all counted, none capped away."""
    rng = np.random.default_rng(23)
    y = rng.integers(0, 150, 3000)
    pred = np.where(rng.random(3000) < 0.7, y, rng.integers(0, 150, 3000))
    labels, predicted = [f"c{v}" for v in y], [f"c{v}" for v in pred]
    baseline = suggest_baseline("MulticlassClassification", y_true=labels, y_pred=predicted)
    stats = baseline.statistics
    assert stats.item_count == 3000 and baseline.invalid_count == 0
    assert stats.metrics["accuracy"].value == pytest.approx(skm.accuracy_score(y, pred), abs=1e-12)
    assert stats.metrics["weighted_f1"].value == pytest.approx(
        skm.f1_score(labels, predicted, average="weighted", zero_division=0), abs=1e-12
    )
