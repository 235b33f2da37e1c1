"""FT against sklearn's KNeighborsClassifier (independent reference) and the bounded sample."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.neighbors import KNeighborsClassifier

from detectors.bias.flip_test import RowSample, flip_test


def reference_ft(xa: np.ndarray, ya: np.ndarray, xd: np.ndarray, yd: np.ndarray) -> float:
    k = 5 if len(xa) > 9 else 1
    knn = KNeighborsClassifier(n_neighbors=k).fit(xa, ya).predict(xd)
    return float((np.sum(yd & ~knn) - np.sum(~yd & knn)) / len(xd))


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("n_a", [6, 40])
def test_flip_test_matches_sklearn_on_continuous_features(seed: int, n_a: int) -> None:
    rng = np.random.default_rng(seed)
    xa, xd = rng.normal(size=(n_a, 3)), rng.normal(size=(25, 3))
    ya = (xa[:, 0] + rng.normal(0, 0.5, n_a)) > 0
    yd = rng.random(25) < 0.5
    assert flip_test(xa, ya, xd, yd) == pytest.approx(reference_ft(xa, ya, xd, yd), abs=1e-15)


def test_hand_computed_small_example() -> None:
    # a: two clusters; d rows sit on them. k = 1 (4 a-rows)
    xa = [[0.0, 0.0], [0.1, 0.0], [5.0, 5.0], [5.1, 5.0]]
    ya = [False, False, True, True]
    xd = [[0.0, 0.1], [5.0, 5.1], [4.9, 5.0]]
    yd = [True, True, False]  # first flips down (knn 0), third flips up (knn 1)
    assert flip_test(xa, ya, xd, yd) == pytest.approx((1 - 1) / 3)
    assert flip_test(xa, ya, xd, [True, True, True]) == pytest.approx(1 / 3)


def test_sample_keeps_every_row_until_full_then_stays_bounded() -> None:
    sample = RowSample(capacity=50, seed=1, per_key=True)
    for i in range(40):
        sample.add(i % 2 == 0, i, (float(i),), i % 3 == 0)
    assert len(sample.rows([True, False])) == 40 and not sample.overflowed
    for i in range(40, 10_000):
        sample.add(i % 2 == 0, i, (float(i),), i % 3 == 0)
    assert sample.overflowed
    assert len(sample.rows([True])) == 50 and len(sample.rows([False])) == 50
    seqs = [r.seq for r in sample.rows([True])]
    assert seqs == sorted(seqs) and max(seqs) > 5000  # a sample of the whole stream
    restored = RowSample.from_rows(
        sample.to_rows(), capacity=50, seed=1, per_key=True, overflowed=True
    )
    assert restored.rows([True, False]) == sample.rows([True, False])
