"""RegressionMetrics against scikit-learn on the same seeded data."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn import metrics as skm

from detectors.model_quality.labeled import LabeledPrediction
from detectors.model_quality.regression import RegressionMetrics
from detectors.model_quality.statistics import ModelQualityStatistics


def data(n: int, seed: int, offset: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = offset + rng.normal(20.0, 5.0, n)
    return y, y + rng.standard_t(3, n)


def rows(y: np.ndarray, pred: np.ndarray) -> list[LabeledPrediction]:
    pairs = zip(y.tolist(), pred.tolist(), strict=True)
    return [LabeledPrediction(actual=a, predicted=p) for a, p in pairs]


def fed(y: np.ndarray, pred: np.ndarray, **params: object) -> RegressionMetrics:
    detector = RegressionMetrics(name="r", **params)  # type: ignore[arg-type]
    for row in rows(y, pred):
        detector.update(row)
    return detector


def sklearn_r2(y: np.ndarray, pred: np.ndarray, formula: str) -> float:
    """The standard R² is r2_score(y, pred); SageMaker's sums SS_tot over the predictions."""
    return float(skm.r2_score(y, pred) if formula == "standard" else skm.r2_score(pred, y))


def assert_sklearn(
    got: dict[str, float], y: np.ndarray, pred: np.ndarray, formula: str = "sagemaker"
) -> None:
    assert got["mae"] == pytest.approx(skm.mean_absolute_error(y, pred), rel=1e-9, abs=1e-9)
    assert got["mse"] == pytest.approx(skm.mean_squared_error(y, pred), rel=1e-9, abs=1e-9)
    assert got["rmse"] == pytest.approx(skm.root_mean_squared_error(y, pred), rel=1e-9, abs=1e-9)
    assert got["r2"] == pytest.approx(sklearn_r2(y, pred, formula), rel=1e-9, abs=1e-9)


FORMULAS = ("sagemaker", "standard")


@pytest.mark.parametrize("formula", FORMULAS)
@pytest.mark.parametrize(("seed", "offset"), [(1, 0.0), (2, 1e6), (3, -5e7)])
def test_metrics_equal_sklearn(seed: int, offset: float, formula: str) -> None:
    # the offsets put the target far from 0, where a naive Σy² - n·ȳ² would lose R²
    y, pred = data(5000, seed, offset)
    assert_sklearn(fed(y, pred, r2_formula=formula).metrics(), y, pred, formula)


@pytest.mark.parametrize("formula", FORMULAS)
def test_merge_of_uneven_parts_equals_sklearn_on_all_rows(formula: str) -> None:
    y, pred = data(6000, 4, offset=1e5)
    cuts = [0, 7, 2500, 6000]
    parts = [
        fed(y[a:b], pred[a:b], r2_formula=formula) for a, b in zip(cuts, cuts[1:], strict=False)
    ]
    for part in parts[1:]:
        parts[0].merge(part)
    assert_sklearn(parts[0].metrics(), y, pred, formula)


@pytest.mark.parametrize("formula", FORMULAS)
def test_update_many_equals_sklearn_and_the_loop(formula: str) -> None:
    y, pred = data(3000, 5)
    batched = RegressionMetrics(name="r", r2_formula=formula)
    batched.update_many(rows(y[:1000], pred[:1000]))
    batched.update_many(rows(y[1000:], pred[1000:]))
    assert_sklearn(batched.metrics(), y, pred, formula)
    looped = fed(y, pred, r2_formula=formula)
    for a, b in zip(batched._products, looped._products, strict=True):
        assert a == pytest.approx(b, rel=1e-9)


def test_constant_reference_follows_sklearn_r2_rule() -> None:
    y = np.full(50, 3.0)
    for formula in FORMULAS:
        assert fed(y, y, r2_formula=formula).metrics()["r2"] == skm.r2_score(y, y) == 1.0
    # a constant target under the standard formula, a constant prediction under SageMaker's
    assert fed(y, y + 1.0, r2_formula="standard").metrics()["r2"] == 0.0
    assert skm.r2_score(y, y + 1.0) == 0.0
    ramp = np.arange(50.0)
    assert fed(ramp, y, r2_formula="sagemaker").metrics()["r2"] == skm.r2_score(y, ramp) == 0.0


def test_invalid_rows_are_counted() -> None:
    detector = RegressionMetrics(name="r", min_samples=1)
    for actual, predicted in [(1.0, 2.0), (math.nan, 1.0), (1.0, None), ("3", 1.0), (2, 2)]:
        detector.update(LabeledPrediction(actual=actual, predicted=predicted))
    assert (detector.invalid_count, detector.item_count, detector.reading().n) == (3, 2, 5)
    assert detector.metrics()["mae"] == 0.5


def test_standard_deviation_rule_and_json_layout() -> None:
    y, pred = data(150, 6)
    stats = fed(y, pred).statistics()
    assert all(math.isnan(m.standard_deviation) for m in stats.metrics.values())
    block = stats.to_statistics_json()["regression_metrics"]
    assert block["rmse"]["standard_deviation"] == "NaN"
    assert set(block) == {"mae", "mse", "rmse", "r2"}
    y, pred = data(1000, 6)
    stats = fed(y, pred).statistics(evaluation_time="2024-03-05T15:00:42.318Z")
    doc = stats.to_statistics_json()
    assert set(doc) == {"version", "dataset", "regression_metrics"}
    assert doc["dataset"] == {"item_count": 1000, "evaluation_time": "2024-03-05T15:00:42.318Z"}
    assert ModelQualityStatistics.from_statistics_json(doc) == stats


def test_subsample_spread_matches_row_level_subsampling() -> None:
    y, pred = data(2000, 7)
    rng = np.random.default_rng(0)
    row_level: dict[str, list[float]] = {"mae": [], "rmse": [], "r2": []}
    for _ in range(400):
        keep = rng.random(y.size) < 0.8
        row_level["mae"].append(skm.mean_absolute_error(y[keep], pred[keep]))
        row_level["rmse"].append(skm.root_mean_squared_error(y[keep], pred[keep]))
        row_level["r2"].append(skm.r2_score(pred[keep], y[keep]))
    detector = fed(y, pred)
    ours: dict[str, list[float]] = {name: [] for name in row_level}
    for seed in range(100):
        detector.seed = seed
        stats = detector.statistics()
        for name in ours:
            ours[name].append(stats.metrics[name].standard_deviation ** 2)
    for name, values in row_level.items():
        expected = 0.8 * float(np.var(values, ddof=1))  # 5-draw population variance
        assert float(np.mean(ours[name])) == pytest.approx(expected, rel=0.3), name


def test_r2_formulas_on_hand_computed_vectors() -> None:
    # y = (1, 2, 3, 4), ŷ = (1.5, 2, 2.5, 3): SSE = 0.25 + 0 + 0.25 + 1 = 1.5
    # standard:  SS_tot = Σ(y - 2.5)²  = 2.25 + 0.25 + 0.25 + 2.25 = 5     → 1 - 1.5/5    = 0.7
    # SageMaker: SS_tot = Σ(ŷ - 2.25)² = 0.5625 + 0.0625 · 2 + 0.5625 = 1.25 → 1 - 1.5/1.25 = -0.2
    y, pred = np.array([1.0, 2.0, 3.0, 4.0]), np.array([1.5, 2.0, 2.5, 3.0])
    standard = fed(y, pred, r2_formula="standard", min_samples=1).metrics()
    sagemaker = fed(y, pred, min_samples=1).metrics()
    assert standard["r2"] == pytest.approx(0.7, abs=1e-12)
    assert sagemaker["r2"] == pytest.approx(-0.2, abs=1e-12)
    assert standard["mae"] == sagemaker["mae"] == pytest.approx((0.5 + 0 + 0.5 + 1) / 4)
    assert standard["mse"] == sagemaker["mse"] == pytest.approx(1.5 / 4)


def test_sagemaker_formula_on_a_file_shaped_like_the_sdks_baseline() -> None:
    # The SDK's quality_check_step baseline holds 0/1 labels and probability-like predictions
    # (columns F1..F7, Label, Prediction); SageMaker's r2 there is far below the standard one
    # because the predictions vary less than the labels. Our own rows of the same shape:
    labels = np.array([0, 1, 0, 0, 1, 1, 0, 1, 0, 0, 1, 0], dtype=float)
    preds = np.array([0.65, 0.75, 0.62, 0.79, 0.74, 0.46, 0.38, 0.85, 0.20, 0.88, 0.24, 0.47])
    sse = float(np.sum((preds - labels) ** 2))
    expected_sagemaker = 1.0 - sse / float(np.sum((preds - preds.mean()) ** 2))
    expected_standard = 1.0 - sse / float(np.sum((labels - labels.mean()) ** 2))
    got = fed(labels, preds, min_samples=1).metrics()["r2"]
    assert got == pytest.approx(expected_sagemaker, rel=1e-12)
    assert got == pytest.approx(skm.r2_score(preds, labels), rel=1e-12)
    assert got < expected_standard < 0.0


def test_version_1_state_is_upgraded_to_the_standard_formula() -> None:
    y, pred = data(300, 8)
    detector = fed(y, pred, r2_formula="standard")
    state = detector.to_state()
    old = {
        **state,
        "version": 1,
        "params": {k: v for k, v in state["params"].items() if k != "r2_formula"},
        "state": {
            **{k: v for k, v in state["state"].items() if not k.endswith("_reference")},
            "mean_y": state["state"]["mean_reference"],
            "m2_y": state["state"]["m2_reference"],
        },
    }
    restored = RegressionMetrics.from_state(old)
    assert restored.r2_formula == "standard"
    assert restored.to_state() == state
    assert restored.metrics()["r2"] == pytest.approx(skm.r2_score(y, pred), rel=1e-9)


def test_unknown_r2_formula_is_refused() -> None:
    with pytest.raises(ValueError, match=r"r2_formula must be one of \('sagemaker', 'standard'\)"):
        RegressionMetrics(name="r", r2_formula="textbook")
