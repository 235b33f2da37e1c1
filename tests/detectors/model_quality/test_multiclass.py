"""MulticlassClassificationMetrics against scikit-learn on the same seeded data."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn import metrics as skm

from detectors.model_quality.labeled import LabeledPrediction
from detectors.model_quality.multiclass import MulticlassClassificationMetrics
from detectors.model_quality.statistics import ModelQualityStatistics

LABELS = np.array(["a", "b", "c", "d", "e"])


def data(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.choice(LABELS, size=n, p=[0.4, 0.25, 0.2, 0.1, 0.05])
    wrong = rng.random(n) < 0.35
    # predictions skewed towards "a" and never "e", so some classes get precision 0/0
    pred = np.where(wrong, rng.choice(LABELS[:4], size=n, p=[0.5, 0.2, 0.2, 0.1]), y)
    pred = np.where(pred == "e", "a", pred)
    return y, pred


def fed(y: np.ndarray, pred: np.ndarray, **params: object) -> MulticlassClassificationMetrics:
    detector = MulticlassClassificationMetrics(name="m", **params)  # type: ignore[arg-type]
    for actual, predicted in zip(y.tolist(), pred.tolist(), strict=True):
        detector.update(LabeledPrediction(actual=actual, predicted=predicted))
    return detector


def sklearn_weighted(y: np.ndarray, pred: np.ndarray) -> dict[str, float]:
    kw = {"average": "weighted", "zero_division": 0}
    return {
        "accuracy": skm.accuracy_score(y, pred),
        "weighted_recall": skm.recall_score(y, pred, **kw),
        "weighted_precision": skm.precision_score(y, pred, **kw),
        "weighted_f0_5": skm.fbeta_score(y, pred, beta=0.5, **kw),
        "weighted_f1": skm.f1_score(y, pred, **kw),
        "weighted_f2": skm.fbeta_score(y, pred, beta=2.0, **kw),
    }


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_weighted_metrics_equal_sklearn(seed: int) -> None:
    y, pred = data(4000, seed)
    got = fed(y, pred).metrics()
    for name, value in sklearn_weighted(y, pred).items():
        assert got[name] == pytest.approx(value, abs=1e-9), name
    assert got["weighted_recall"] == pytest.approx(got["accuracy"], abs=1e-12)


@pytest.mark.parametrize("constant_class", [None, "c", "zzz"])
def test_best_constant_classifier_equals_sklearn(constant_class: str | None) -> None:
    y, pred = data(3000, 4)
    got = fed(y, pred, constant_class=constant_class).metrics()
    constant = np.full_like(y, constant_class or "a")  # "a" is the most frequent class
    for name, value in sklearn_weighted(y, constant).items():
        assert got[f"{name}_best_constant_classifier"] == pytest.approx(value, abs=1e-9), name


def test_best_constant_classifier_reproduces_aws_doc_example() -> None:
    # 2096 rows, 406 in class "1", always predicting "1"
    detector = MulticlassClassificationMetrics(name="m", constant_class="1")
    for i in range(2096):
        detector.update(LabeledPrediction(actual=1 if i < 406 else (i % 2) * 2, predicted=1))
    got = detector.metrics()
    share = 406 / 2096
    assert got["accuracy_best_constant_classifier"] == pytest.approx(0.1937, abs=1e-4)
    assert got["weighted_precision_best_constant_classifier"] == pytest.approx(share**2)
    assert got["weighted_f1_best_constant_classifier"] == pytest.approx(0.06286, abs=1e-5)


def test_confusion_matrix_orientation_and_float_labels() -> None:
    detector = MulticlassClassificationMetrics(name="m", min_samples=1)
    for actual, predicted in [(0, 0.0), (0, 1), (0, 1.0), (1, 1), (2.0, 1)]:
        detector.update(LabeledPrediction(actual=actual, predicted=predicted))
    block = detector.statistics().to_statistics_json()["multiclass_classification_metrics"]
    assert block["confusion_matrix"] == {
        "0": {"0": 1, "1": 2, "2": 0},
        "1": {"0": 0, "1": 1, "2": 0},
        "2": {"0": 0, "1": 1, "2": 0},
    }
    y, pred = ["0", "0", "0", "1", "2"], ["0", "1", "1", "1", "1"]
    assert block["weighted_precision"]["value"] == pytest.approx(
        skm.precision_score(y, pred, average="weighted", zero_division=0)
    )


def test_confusion_matrix_is_square_with_zero_cells_in_one_order() -> None:
    """Every row names every class in the same order, zeros included, as AWS's files do.

    AWS's binary example writes the zero cell (``"1": {"0": 0, "1": 1}``), and the SageMaker
    SDK's model-card parser takes the column names of one row for every row; a row with other
    columns, or in another order, is mislabelled there.
    """
    y = ["10", "2", "dog", "2", "10", "cat", "2", "10"]  # "cat" is never predicted
    pred = ["2", "2", "dog", "10", "10", "dog", "bird", "10"]  # "bird" is never actual
    detector = MulticlassClassificationMetrics(name="m", min_samples=1)
    for actual, predicted in zip(y, pred, strict=True):
        detector.update(LabeledPrediction(actual=actual, predicted=predicted))
    matrix = detector.statistics().to_statistics_json()["multiclass_classification_metrics"][
        "confusion_matrix"
    ]
    order = list(matrix)
    assert sorted(order) == sorted(set(y) | set(pred))
    assert all(list(row) == order for row in matrix.values())
    rows = [[matrix[actual][predicted] for predicted in order] for actual in order]
    assert rows == skm.confusion_matrix(y, pred, labels=order).tolist()


def test_class_cap_counts_overflow_rows() -> None:
    detector = MulticlassClassificationMetrics(name="m", max_classes=3, min_samples=1)
    rows = [("a", "a"), ("b", "c"), ("d", "a"), ("a", "d"), ("c", "b"), (None, "a")]
    for actual, predicted in rows:
        detector.update(LabeledPrediction(actual=actual, predicted=predicted))
    assert detector.overflow_count == 2
    assert detector.invalid_count == 1
    assert detector.item_count == 3
    kept_y, kept_p = ["a", "b", "c"], ["a", "c", "b"]
    assert detector.metrics()["accuracy"] == skm.accuracy_score(kept_y, kept_p)
    assert len(detector.to_state()["state"]["classes"]) == 3


def test_merge_matches_one_stream_including_class_order() -> None:
    y, pred = data(3000, 5)
    a, b, both = fed(y[:1000], pred[:1000]), fed(y[1000:], pred[1000:]), fed(y, pred)
    a.merge(b)
    assert a.to_state() == both.to_state()
    assert a.statistics().to_statistics_json() == both.statistics().to_statistics_json()


def test_standard_deviation_rule_and_json_round_trip() -> None:
    y, pred = data(199, 6)
    stats = fed(y, pred).statistics()
    assert all(math.isnan(m.standard_deviation) for m in stats.metrics.values())
    y, pred = data(1500, 6)
    stats = fed(y, pred).statistics(evaluation_time="2024-03-05T15:00:42.318Z")
    assert stats.metrics["accuracy"].standard_deviation > 0
    doc = stats.to_statistics_json()
    assert set(doc) == {"version", "dataset", "multiclass_classification_metrics"}
    assert ModelQualityStatistics.from_statistics_json(doc) == stats


def test_subsample_spread_matches_row_level_subsampling() -> None:
    y, pred = data(2000, 7)
    rng = np.random.default_rng(0)
    row_level = []
    for _ in range(300):
        keep = rng.random(y.size) < 0.8
        row_level.append(skm.f1_score(y[keep], pred[keep], average="weighted", zero_division=0))
    ours = [
        fed(y, pred, seed=s).statistics().metrics["weighted_f1"].standard_deviation ** 2
        for s in range(60)
    ]
    assert float(np.mean(ours)) == pytest.approx(0.8 * float(np.var(row_level, ddof=1)), rel=0.3)
