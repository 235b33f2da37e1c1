from __future__ import annotations

import math
import random

import numpy as np
import orjson
import pytest
from sklearn.metrics import ndcg_score

from detectors.attribution import GlobalShap

FEATURES = ("f0", "f1", "f2", "f3", "f4")
SCALES = (0.5, 0.05, 1.2, 0.3, 0.8)


def local_shap_rows(
    seed: int, n: int, scales: tuple[float, ...] = SCALES
) -> list[dict[str, float]]:
    rng = random.Random(seed)
    return [{f: rng.gauss(0.1, s) for f, s in zip(FEATURES, scales, strict=True)} for _ in range(n)]


def as_matrix(rows: list[dict[str, float]]) -> np.ndarray:
    return np.array([[r[f] for f in FEATURES] for r in rows])


@pytest.mark.parametrize(
    ("agg_method", "reference"),
    [
        ("mean_abs", lambda m: np.mean(np.abs(m), axis=0)),
        ("mean_sq", lambda m: np.mean(m * m, axis=0)),
    ],
)
def test_mean_aggregates_equal_numpy(agg_method: str, reference: object) -> None:
    rows = local_shap_rows(1, 5000)
    detector = GlobalShap(name="s", features=FEATURES, agg_method=agg_method)
    detector.update_many(rows)
    got = np.array(list(detector.global_shap_values().values()))
    np.testing.assert_allclose(got, reference(as_matrix(rows)), rtol=1e-12)  # type: ignore[operator]


def test_median_within_kll_rank_error() -> None:
    rows = local_shap_rows(2, 20_000)
    detector = GlobalShap(name="s", features=FEATURES, agg_method="median")
    detector.update_many(rows)
    eps = detector.rank_error()
    assert 0.0 < eps < 0.02
    matrix = as_matrix(rows)
    for j, value in enumerate(detector.global_shap_values().values()):
        rank = np.mean(matrix[:, j] <= value)  # the sketch's median is a retained value
        assert abs(rank - 0.5) <= eps, (FEATURES[j], rank)
    assert detector.global_shap_values()["f1"] == pytest.approx(0.1, abs=0.01)


def test_median_is_exact_below_k() -> None:
    rows = local_shap_rows(3, 101)
    detector = GlobalShap(name="s", features=FEATURES, agg_method="median")
    detector.update_many(rows)
    np.testing.assert_array_equal(
        list(detector.global_shap_values().values()), np.median(as_matrix(rows), axis=0)
    )


def test_median_merge_and_state_within_rank_error() -> None:
    rows = local_shap_rows(4, 30_000)
    a = GlobalShap(name="s", features=FEATURES, agg_method="median")
    b = GlobalShap(name="s", features=FEATURES, agg_method="median")
    a.update_many(rows[:12_000])
    b.update_many(rows[12_000:])
    a.merge(b)
    restored = GlobalShap.from_state(orjson.loads(orjson.dumps(a.to_state())))
    assert restored.global_shap_values() == a.global_shap_values()
    matrix = as_matrix(rows)
    for j, value in enumerate(a.global_shap_values().values()):
        assert abs(np.mean(matrix[:, j] <= value) - 0.5) <= a.rank_error()
    assert a.n == 30_000


def test_reading_is_ndcg_against_baseline_like_sklearn() -> None:
    baseline = (0.2, 0.9, 0.6, 0.3, 0.5)
    rows = local_shap_rows(5, 300)
    detector = GlobalShap(name="s", features=FEATURES, baseline=baseline, min_samples=300)
    detector.update_many(rows[:299])
    assert detector.reading().value is None
    detector.update(rows[299])
    live = np.mean(np.abs(as_matrix(rows)), axis=0)
    expected = ndcg_score([baseline], [live])
    reading = detector.reading()
    assert reading.value == pytest.approx(expected, abs=1e-12)
    assert reading.alarm is (expected < 0.9)
    assert reading.alarm  # live ranks f2 > f4 > f0 > f3 > f1, baseline f1 first


def test_alarm_uses_threshold() -> None:
    rows = local_shap_rows(6, 100)
    baseline = (0.5, 0.05, 1.2, 0.3, 0.8)  # the true ranking
    detector = GlobalShap(name="s", features=FEATURES, baseline=baseline, threshold=0.9)
    detector.update_many(rows)
    reading = detector.reading()
    assert reading.value is not None and reading.value > 0.99 and not reading.alarm
    strict = GlobalShap(name="s", features=FEATURES, baseline=baseline, threshold=1.01)
    strict.update_many(rows)
    assert strict.reading().alarm


def test_data_problems_are_counted() -> None:
    detector = GlobalShap(name="s", features=("a", "b"), baseline=(1.0, 0.5), min_samples=1)
    detector.update({"a": 0.5, "b": math.nan})
    detector.update({"a": -1.5, "c": 2.0})
    detector.update({"a": math.inf, "b": 0.25, "d": 1.0, "e": 1.0})
    assert detector.n == 3
    assert detector.n_missing == {"a": 0, "b": 1}
    assert detector.n_non_finite == {"a": 1, "b": 1}
    assert detector.n_unknown == 3
    assert detector.global_shap_values() == {"a": 1.0, "b": 0.25}


def test_feature_without_values_ranks_last() -> None:
    detector = GlobalShap(
        name="s", features=("a", "b", "c"), baseline=(0.1, 0.5, 0.4), min_samples=1
    )
    detector.update({"b": 2.0, "c": 1.0})
    assert math.isnan(detector.global_shap_values()["a"])
    expected = ndcg_score([[0.1, 0.5, 0.4]], [[0.0, 2.0, 1.0]])
    assert detector.reading().value == pytest.approx(expected, abs=1e-12)


def test_merge_rejects_other_features() -> None:
    a = GlobalShap(name="s", features=("a", "b"))
    with pytest.raises(ValueError, match="features"):
        a.merge(GlobalShap(name="s", features=("a", "c")))


@pytest.mark.parametrize(
    "params",
    [
        {"features": ()},
        {"features": ("a", "a")},
        {"features": ("a", "b"), "agg_method": "mean"},
        {"features": ("a", "b"), "baseline": (1.0,)},
        {"features": ("a", "b"), "baseline": (1.0, math.nan)},
        {"features": ("a", "b"), "min_samples": 0},
        {"features": ("a", "b"), "k": 4},
    ],
)
def test_bad_parameters_raise(params: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="must be"):
        GlobalShap(name="s", **params)  # type: ignore[arg-type]


def test_median_state_stays_bounded() -> None:
    detector = GlobalShap(name="s", features=FEATURES, agg_method="median")
    detector.update_many(local_shap_rows(8, 20_000))
    size_20k = len(orjson.dumps(detector.to_state()))
    detector.update_many(local_shap_rows(9, 80_000))
    size_100k = len(orjson.dumps(detector.to_state()))
    assert detector.n == 100_000
    assert size_100k <= 1.5 * size_20k + 4096, (size_20k, size_100k)
