"""BinaryClassificationMetrics against scikit-learn on the same seeded data."""

from __future__ import annotations

import base64
import math
import struct

import numpy as np
import pytest
from sklearn import metrics as skm

from detectors.model_quality.binary import BinaryClassificationMetrics
from detectors.model_quality.labeled import LabeledPrediction
from detectors.model_quality.statistics import ModelQualityStatistics
from tests.detectors.model_quality.binary_rows import (
    ROWS,
    disagrees_with_the_threshold,
    prediction_confusion,
    prediction_figures,
    probability_auc,
)


def scored_data(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.3).astype(int)
    scores = np.clip(rng.normal(np.where(y == 1, 0.62, 0.4), 0.2), 0.0, 1.0)
    return y, scores


def fed(y: np.ndarray, scores: np.ndarray, **params: object) -> BinaryClassificationMetrics:
    detector = BinaryClassificationMetrics(name="b", **params)  # type: ignore[arg-type]
    for actual, score in zip(y.tolist(), scores.tolist(), strict=True):
        detector.update(LabeledPrediction(actual=actual, score=score))
    return detector


def sklearn_figures(y: np.ndarray, pred: np.ndarray) -> dict[str, float]:
    tn, fp, fn, tp = skm.confusion_matrix(y, pred, labels=[0, 1]).ravel()
    kw = {"zero_division": 0}
    return {
        "accuracy": skm.accuracy_score(y, pred),
        "precision": skm.precision_score(y, pred, **kw),
        "recall": skm.recall_score(y, pred, **kw),
        "f0_5": skm.fbeta_score(y, pred, beta=0.5, **kw),
        "f1": skm.f1_score(y, pred, **kw),
        "f2": skm.fbeta_score(y, pred, beta=2.0, **kw),
        "true_positive_rate": skm.recall_score(y, pred, **kw),
        "true_negative_rate": skm.recall_score(y, pred, pos_label=0, **kw),
        "false_positive_rate": fp / (fp + tn),
        "false_negative_rate": fn / (fn + tp),
    }


@pytest.mark.parametrize(("seed", "probability_threshold"), [(1, 0.5), (2, 0.3), (3, 0.7)])
def test_threshold_metrics_equal_sklearn(seed: int, probability_threshold: float) -> None:
    y, scores = scored_data(5000, seed)
    detector = fed(y, scores, probability_threshold=probability_threshold)
    expected = sklearn_figures(y, (scores > probability_threshold).astype(int))
    got = detector.metrics()
    for name, value in expected.items():
        assert got[name] == pytest.approx(value, abs=1e-9), name


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_auc_within_stated_bound_of_sklearn(seed: int) -> None:
    y, scores = scored_data(20_000, seed)
    detector = fed(y, scores)
    exact = skm.roc_auc_score(y, scores)
    error = abs(detector.metrics()["auc"] - exact)
    assert error <= detector.auc_error_bound() + 1e-12
    assert error <= 0.005
    assert detector.auc_error_bound() < 1.5e-4  # measured: about 1e-4, as 10,000 fixed bins


@pytest.mark.parametrize("bits", [0, 2, 4])
def test_auc_bound_holds_with_coarse_buckets(bits: int) -> None:
    y, scores = scored_data(3000, 5)
    detector = fed(y, scores, score_precision_bits=bits)
    error = abs(detector.metrics()["auc"] - skm.roc_auc_score(y, scores))
    assert 0 < error <= detector.auc_error_bound()


def test_auc_exact_for_scores_on_the_grid_with_ties() -> None:
    rng = np.random.default_rng(9)
    y = (rng.random(4000) < 0.4).astype(int)
    scores = np.round(np.clip(rng.normal(0.4 + 0.2 * y, 0.2), 0, 1), 1)  # 11 distinct values
    detector = fed(y, scores)
    assert detector.metrics()["auc"] == pytest.approx(skm.roc_auc_score(y, scores), abs=1e-12)


def _logit_scores(n: int, seed: int, mean: float) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.05).astype(int)
    return y, rng.normal(mean + 1.5 * y, 1.0)


@pytest.mark.parametrize(
    "case",
    ["rare event", "tiny probabilities", "raw margins", "percentages", "near one"],
)
def test_auc_of_scores_at_any_scale_is_within_its_bound_of_sklearn(case: str) -> None:
    """Fixed bins of [0, 1] read these 0.84, 0.68, 0.76 and 0.52 against 0.85, 0.86, 0.81
    and 0.86: scores bunched near 0, or outside [0, 1], shared a bin or were clipped."""
    y, logits = _logit_scores(5000, 31, {"tiny probabilities": -11.0}.get(case, -3.0))
    probability = 1 / (1 + np.exp(-logits))
    scores = {
        "rare event": probability * 0.0052 / probability.max(),
        "tiny probabilities": probability,
        "raw margins": logits,
        "percentages": 100 * probability,
        "near one": 1 - probability * 1e-3,  # a confident model's scores, 1e-6 apart
    }[case]
    if case == "near one":
        y = 1 - y
    detector = fed(y, scores, min_samples=1)
    exact = skm.roc_auc_score(y, scores)
    error = abs(detector.metrics()["auc"] - exact)
    assert error <= detector.auc_error_bound() + 1e-12
    assert error < 1e-3, (detector.metrics()["auc"], exact)


def test_curves_at_full_precision_are_sklearns() -> None:
    """51 bits: one bucket per distinct score here, so every point is one of scikit-learn's."""
    y, scores = scored_data(3000, 8)
    curve = fed(y, scores, score_precision_bits=51)._histogram.roc_curve()
    fpr, tpr, thresholds = skm.roc_curve(y, scores, drop_intermediate=False)
    assert curve.thresholds[1:] == pytest.approx(tuple(thresholds[1:]), rel=3e-16)  # an ulp
    assert curve.false_positive_rates == pytest.approx(tuple(fpr), abs=1e-15)
    assert curve.true_positive_rates == pytest.approx(tuple(tpr), abs=1e-15)


def test_roc_and_pr_curves_match_sklearn_at_the_same_thresholds() -> None:
    y, scores = scored_data(5000, 6)
    detector = fed(y, scores, score_precision_bits=6)
    stats = detector.statistics()
    curve = detector._histogram.roc_curve()
    fpr, tpr, thresholds = skm.roc_curve(y, scores, drop_intermediate=False)
    precision, recall, pr_thresholds = skm.precision_recall_curve(y, scores)
    assert stats.roc_curve is not None and stats.precision_recall_curve is not None
    assert stats.roc_curve.false_positive_rates == curve.false_positive_rates
    checked = 0
    for t, f, r, p in zip(
        curve.thresholds,
        curve.false_positive_rates,
        curve.true_positive_rates,
        curve.precisions,
        strict=True,
    ):
        if t <= 0.0 or t >= 1.0:
            continue
        # "score >= t" is "score >= the smallest distinct score from t" in sklearn's terms
        i = np.flatnonzero(thresholds >= t)[-1]
        assert (f, r) == pytest.approx((fpr[i], tpr[i]), abs=1e-12)
        j = np.flatnonzero(pr_thresholds >= t)[0]
        assert (p, r) == pytest.approx((precision[j], recall[j]), abs=1e-12)
        checked += 1
    assert checked > 50
    assert curve.true_positive_rates[-1] == curve.false_positive_rates[-1] == 1.0
    assert np.all(np.diff(curve.true_positive_rates) >= 0)


@pytest.mark.parametrize("positive_share", [0.14, 0.7])
@pytest.mark.parametrize("constant_classifier", ["majority", "positive"])
def test_best_constant_classifier_equals_sklearn(
    positive_share: float, constant_classifier: str
) -> None:
    rng = np.random.default_rng(3)
    y = (rng.random(3000) < positive_share).astype(int)
    scores = rng.random(3000)
    detector = fed(y, scores, constant_classifier=constant_classifier)
    majority = int(y.mean() >= 0.5)
    constant = np.full_like(y, 1 if constant_classifier == "positive" else majority)
    expected = sklearn_figures(y, constant)
    got = detector.metrics()
    for name in ("accuracy", "precision", "recall", "f0_5", "f1", "f2"):
        assert got[f"{name}_best_constant_classifier"] == pytest.approx(expected[name], abs=1e-9)


def test_best_constant_classifier_matches_sagemaker_examples() -> None:
    # real 2021 job output: 201 rows, 28 positives → majority (negative) predicted
    observed = BinaryClassificationMetrics(name="b")
    for i in range(201):
        observed.update(LabeledPrediction(actual=int(i < 28), predicted=int(i % 2)))
    got = observed.metrics()
    assert got["accuracy_best_constant_classifier"] == pytest.approx(0.860697, abs=1e-6)
    assert got["recall_best_constant_classifier"] == got["f1_best_constant_classifier"] == 0.0
    # AWS doc example: 4 rows, 1 positive, always predicting "1"
    doc = BinaryClassificationMetrics(name="b", constant_classifier="positive")
    for actual in (1, 0, 0, 0):
        doc.update(LabeledPrediction(actual=actual, predicted=1))
    got = doc.metrics()
    assert got["precision_best_constant_classifier"] == 0.25
    assert got["recall_best_constant_classifier"] == 1.0
    assert got["f2_best_constant_classifier"] == pytest.approx(0.625)


def test_confusion_matrix_orientation_of_spec_example() -> None:
    fixture = {"0": {"0": 1, "1": 2}, "1": {"0": 0, "1": 1}}
    detector = BinaryClassificationMetrics(name="b", min_samples=1)
    for actual, row in fixture.items():
        for predicted, count in row.items():
            for _ in range(count):
                detector.update(LabeledPrediction(actual=actual, predicted=predicted))
    block = detector.statistics().to_statistics_json()["binary_classification_metrics"]
    assert block["confusion_matrix"] == fixture
    assert block["precision"]["value"] == pytest.approx(1 / 3)
    assert block["recall"]["value"] == 1.0
    assert block["precision"]["standard_deviation"] == "NaN"
    assert "auc" not in block and "receiver_operating_characteristic_curve" not in block


def test_score_decides_prediction_strictly_above_threshold() -> None:
    detector = BinaryClassificationMetrics(name="b", min_samples=1)
    detector.update(LabeledPrediction(actual=0, score=0.5))  # 0.5 is not > 0.5
    detector.update(LabeledPrediction(actual=1, score=0.51))
    assert detector.metrics()["accuracy"] == 1.0


def test_a_given_predicted_label_wins_over_the_threshold_and_the_score_gives_auc() -> None:
    # SageMaker: inference_attribute is the predicted label, probability_attribute feeds AUC
    assert disagrees_with_the_threshold()
    detector = BinaryClassificationMetrics(name="b", min_samples=1)
    for label, prediction, probability in ROWS:
        detector.update(LabeledPrediction(actual=label, predicted=prediction, score=probability))
    got = detector.metrics()
    for name, value in prediction_figures().items():
        assert got[name] == pytest.approx(value, abs=1e-12), name
    assert abs(got["auc"] - probability_auc()) <= detector.auc_error_bound() + 1e-12
    block = detector.statistics().to_statistics_json()["binary_classification_metrics"]
    assert block["confusion_matrix"] == prediction_confusion()


def test_the_threshold_stands_in_only_for_a_missing_predicted_label() -> None:
    detector = BinaryClassificationMetrics(name="b", min_samples=1)
    detector.update(LabeledPrediction(actual=1, predicted=None, score=0.7))  # 1 by the score
    detector.update(LabeledPrediction(actual=0, predicted=math.nan, score=0.2))  # a blank cell
    detector.update(LabeledPrediction(actual=1, predicted=1, score=None))  # no part in the AUC
    detector.update(LabeledPrediction(actual=0, predicted=0, score=math.nan))
    detector.update(LabeledPrediction(actual=1, predicted="cat", score=0.9))  # given, not binary
    assert (detector.item_count, detector.invalid_count) == (4, 1)
    assert detector.metrics()["accuracy"] == 1.0
    tn, fp, fn, tp = skm.confusion_matrix([1, 0, 1, 0], [1, 0, 1, 0]).ravel()
    assert detector.statistics().to_statistics_json()["binary_classification_metrics"][
        "confusion_matrix"
    ] == {"0": {"0": int(tn), "1": int(fp)}, "1": {"0": int(fn), "1": int(tp)}}
    assert detector.metrics()["auc"] == skm.roc_auc_score([1, 0], [0.7, 0.2])  # scored rows only


def test_invalid_rows_are_counted_not_raised() -> None:
    detector = BinaryClassificationMetrics(name="b", min_samples=1)
    detector.update(LabeledPrediction(actual="cat", predicted=1))
    detector.update(LabeledPrediction(actual=1, predicted=None))
    detector.update(LabeledPrediction(actual=1, predicted=None, score=math.nan))
    detector.update(LabeledPrediction(actual=True, predicted="1", score=math.nan))  # label used
    detector.update(LabeledPrediction(actual=0, score=1.7))  # clipped into the last bin
    assert detector.invalid_count == 3
    assert detector.clipped_score_count == 1
    assert detector.item_count == 2
    assert detector.reading().n == 5


def test_statistics_standard_deviation_rule() -> None:
    y, scores = scored_data(199, 7)
    assert all(
        math.isnan(m.standard_deviation) for m in fed(y, scores).statistics().metrics.values()
    )
    y, scores = scored_data(2000, 7)
    stats = fed(y, scores).statistics(evaluation_time="2024-03-05T15:00:42.318Z")
    assert stats.item_count == 2000
    spread = {name: m.standard_deviation for name, m in stats.metrics.items()}
    assert spread["recall_best_constant_classifier"] == 0.0  # always 0 when predicting negative
    assert all(spread[name] > 0 for name in ("accuracy", "f1", "auc", "false_positive_rate"))
    assert fed(y, scores).statistics().metrics == stats.metrics  # seeded: reproducible
    assert stats.to_statistics_json()["dataset"]["evaluation_time"] == "2024-03-05T15:00:42.318Z"


def test_subsample_spread_matches_row_level_subsampling() -> None:
    # independent reference: subsample rows with Bernoulli(0.8) and recompute with sklearn
    y, scores = scored_data(2000, 8)
    pred = (scores > 0.5).astype(int)
    rng = np.random.default_rng(0)
    row_level = {"accuracy": [], "f1": [], "auc": []}
    for _ in range(300):
        keep = rng.random(y.size) < 0.8
        row_level["accuracy"].append(skm.accuracy_score(y[keep], pred[keep]))
        row_level["f1"].append(skm.f1_score(y[keep], pred[keep]))
        row_level["auc"].append(skm.roc_auc_score(y[keep], scores[keep]))
    ours: dict[str, list[float]] = {name: [] for name in row_level}
    for seed in range(60):
        stats = fed(y, scores, seed=seed).statistics()
        for name in ours:
            ours[name].append(stats.metrics[name].standard_deviation ** 2)
    for name, values in row_level.items():
        # a 5-draw population variance has expectation 4/5 of the true variance
        expected = 0.8 * float(np.var(values, ddof=1))
        assert float(np.mean(ours[name])) == pytest.approx(expected, rel=0.3), name


def test_statistics_json_reads_back() -> None:
    y, scores = scored_data(1000, 10)
    stats = fed(y, scores, score_precision_bits=4).statistics(
        evaluation_time="2024-03-05T15:00:42.318Z"
    )
    doc = stats.to_statistics_json()
    assert doc["version"] == 0.0
    assert set(doc) == {"version", "dataset", "binary_classification_metrics"}
    assert ModelQualityStatistics.from_statistics_json(doc) == stats


def test_merge_of_three_parts_equals_sklearn_on_all_rows() -> None:
    y, scores = scored_data(6000, 11)
    parts = [fed(y[i::3], scores[i::3]) for i in range(3)]
    parts[0].merge(parts[1])
    parts[0].merge(parts[2])
    assert parts[0].metrics()["f1"] == pytest.approx(skm.f1_score(y, scores > 0.5), abs=1e-12)
    assert abs(parts[0].metrics()["auc"] - skm.roc_auc_score(y, scores)) <= 0.005


def test_bad_parameters_raise() -> None:
    with pytest.raises(ValueError, match="metric must be one of"):
        BinaryClassificationMetrics(name="b", metric="rmse")
    with pytest.raises(ValueError, match="comparison_operator"):
        BinaryClassificationMetrics(name="b", comparison_operator="Below")
    with pytest.raises(ValueError, match="constant_classifier"):
        BinaryClassificationMetrics(name="b", constant_classifier="minority")
    with pytest.raises(ValueError, match="different score_precision_bits"):
        BinaryClassificationMetrics(name="b").merge(
            BinaryClassificationMetrics(name="b", score_precision_bits=10)
        )


def test_a_state_saved_with_fixed_bins_of_an_earlier_version_loads() -> None:
    """A running deployment's snapshots and partials name ``score_bins`` and hold bins."""
    y, scores = np.array([0, 0, 1, 1]), np.array([0.05, 0.35, 0.3, 0.95])
    state = fed(y, scores).to_state()
    params = {k: v for k, v in state["params"].items() if k != "score_precision_bits"}
    fields = dict(state["state"])
    fields["histogram"] = {  # bins 0, 3 and 9 of 10, as version 1 wrote them
        "bins": 10,
        "at": base64.b64encode(struct.pack("<3i", 0, 3, 9)).decode(),
        "positives_at": base64.b64encode(struct.pack("<3q", 0, 1, 1)).decode(),
        "negatives_at": base64.b64encode(struct.pack("<3q", 1, 1, 0)).decode(),
    }
    old = {**state, "params": {**params, "score_bins": 10}, "state": fields}
    loaded = BinaryClassificationMetrics.from_state(old)
    # the bins' order: 0.05 | 0.3, 0.35 (a tie) | 0.95
    assert loaded.metrics()["auc"] == skm.roc_auc_score(y, [0.1, 0.4, 0.4, 1.0])
    loaded.merge(fed(y, scores))  # merges with a state of this version
    assert loaded.item_count == 8
