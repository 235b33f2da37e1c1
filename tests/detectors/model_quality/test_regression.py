"""RegressionMetrics against scikit-learn on the same seeded data."""

from __future__ import annotations

import math

import numpy as np
import orjson
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


def assert_sklearn(got: dict[str, float], y: np.ndarray, pred: np.ndarray) -> None:
    assert got["mae"] == pytest.approx(skm.mean_absolute_error(y, pred), rel=1e-9, abs=1e-9)
    assert got["mse"] == pytest.approx(skm.mean_squared_error(y, pred), rel=1e-9, abs=1e-9)
    assert got["rmse"] == pytest.approx(skm.root_mean_squared_error(y, pred), rel=1e-9, abs=1e-9)
    assert got["r2"] == pytest.approx(skm.r2_score(y, pred), rel=1e-9, abs=1e-9)


@pytest.mark.parametrize(("seed", "offset"), [(1, 0.0), (2, 1e6), (3, -5e7)])
def test_metrics_equal_sklearn(seed: int, offset: float) -> None:
    # the offsets put the target far from 0, where a naive Σy² - n·ȳ² would lose R²
    y, pred = data(5000, seed, offset)
    assert_sklearn(fed(y, pred).metrics(), y, pred)


def test_merge_of_uneven_parts_equals_sklearn_on_all_rows() -> None:
    y, pred = data(6000, 4, offset=1e5)
    cuts = [0, 7, 2500, 6000]
    parts = [fed(y[a:b], pred[a:b]) for a, b in zip(cuts, cuts[1:], strict=False)]
    for part in parts[1:]:
        parts[0].merge(part)
    assert_sklearn(parts[0].metrics(), y, pred)


def test_update_many_equals_sklearn_and_the_loop() -> None:
    y, pred = data(3000, 5)
    batched = RegressionMetrics(name="r")
    batched.update_many(rows(y[:1000], pred[:1000]))
    batched.update_many(rows(y[1000:], pred[1000:]))
    assert_sklearn(batched.metrics(), y, pred)
    looped = fed(y, pred)
    for a, b in zip(batched._products, looped._products, strict=True):
        assert a == pytest.approx(b, rel=1e-9)


def test_constant_labels_follow_sklearn_r2_rule() -> None:
    y = np.full(50, 3.0)
    assert fed(y, y).metrics()["r2"] == skm.r2_score(y, y) == 1.0
    assert fed(y, y + 1.0).metrics()["r2"] == skm.r2_score(y, y + 1.0) == 0.0
    # constant predictions are no special case: R² is taken over the labels
    ramp = np.arange(50.0)
    assert fed(ramp, y).metrics()["r2"] == pytest.approx(skm.r2_score(ramp, y), rel=1e-12)


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
        row_level["r2"].append(skm.r2_score(y[keep], pred[keep]))
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


def test_r2_on_hand_computed_vectors_is_over_the_labels() -> None:
    # y = (1, 2, 3, 4), ŷ = (1.5, 2, 2.5, 3): SSE = 0.25 + 0 + 0.25 + 1 = 1.5
    # SS_tot over the labels = Σ(y - 2.5)² = 2.25 + 0.25 + 0.25 + 2.25 = 5 → 1 - 1.5/5 = 0.7;
    # over the predictions it would be Σ(ŷ - 2.25)² = 1.25 → -0.2
    y, pred = np.array([1.0, 2.0, 3.0, 4.0]), np.array([1.5, 2.0, 2.5, 3.0])
    got = fed(y, pred, min_samples=1).metrics()
    assert got["r2"] == pytest.approx(0.7, abs=1e-12)
    assert got["mae"] == pytest.approx((0.5 + 0 + 0.5 + 1) / 4)
    assert got["mse"] == pytest.approx(1.5 / 4)


def _older(state: dict, version: int, formula: str | None, names: tuple[str, str]) -> dict:
    """``state`` (version 3) as an older version wrote it."""
    params = (
        dict(state["params"]) if formula is None else {**state["params"], "r2_formula": formula}
    )
    fields = {k: v for k, v in state["state"].items() if k not in ("mean_label", "m2_label")}
    fields[names[0]], fields[names[1]] = state["state"]["mean_label"], state["state"]["m2_label"]
    return {**state, "version": version, "params": params, "state": fields}


def test_version_1_and_standard_version_2_states_are_upgraded() -> None:
    y, pred = data(300, 8)
    state = fed(y, pred).to_state()
    for old in (
        _older(state, 1, None, ("mean_y", "m2_y")),
        _older(state, 2, "standard", ("mean_reference", "m2_reference")),
    ):
        restored = RegressionMetrics.from_state(old)
        assert restored.to_state() == state
        assert restored.metrics()["r2"] == pytest.approx(skm.r2_score(y, pred), rel=1e-9)


def test_version_2_state_over_the_predictions_is_refused_with_its_reason() -> None:
    y, pred = data(300, 8)
    old = _older(fed(y, pred).to_state(), 2, "sagemaker", ("mean_reference", "m2_reference"))
    with pytest.raises(ValueError, match=r"R² over the predictions .* start its window again"):
        RegressionMetrics.from_state(old)


@pytest.mark.parametrize("batched", [False, True])
def test_huge_finite_labels_are_left_out_and_the_state_survives_json(batched: bool) -> None:
    """A label or prediction of 1e200 took the sums of squares past the largest double:
    the state held inf, JSON wrote ``null``, and the worker could not read it back."""
    y, pred = data(200, 8)
    huge = [LabeledPrediction(actual=1e200, predicted=3.0),
            LabeledPrediction(actual=3.0, predicted=-1e200)]  # fmt: skip
    detector = RegressionMetrics(name="r")
    if batched:
        detector.update_many(rows(y, pred) + huge)
    else:
        for row in rows(y, pred) + huge:
            detector.update(row)
    state = orjson.loads(orjson.dumps(detector.to_state()))  # the worker's JSON round trip
    restored = RegressionMetrics.from_state(state)
    assert_sklearn(restored.metrics(), y, pred)
    assert restored.left_out_reasons() == {"not_a_number": 1, "prediction_not_a_number": 1}
