from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import ndcg_score

from detectors.attribution import dcg, ndcg


def test_v8_reference_vectors() -> None:
    # clarify spec V8: the documentation's example, identical vectors, all live values tied
    assert ndcg([0.70, 0.50, 0.05], [0.10, 0.20, 0.70]) == pytest.approx(0.6876396, abs=5e-8)
    assert ndcg([0.70, 0.50, 0.05], [0.70, 0.50, 0.05]) == 1.0
    assert ndcg([0.3, 0.2, 0.1], [0.1, 0.1, 0.1]) == pytest.approx(0.894999, abs=5e-7)


def test_doc_example_dcg_by_hand() -> None:
    # DCG = 0.05/1 + 0.50/log2(3) + 0.70/2 and iDCG = 0.70 + 0.50/log2(3) + 0.05/2
    assert dcg([0.70, 0.50, 0.05], [0.10, 0.20, 0.70]) == pytest.approx(0.71546, abs=5e-6)
    assert dcg([0.70, 0.50, 0.05], [0.70, 0.50, 0.05]) == pytest.approx(1.04046, abs=5e-6)


@pytest.mark.parametrize("seed", range(20))
def test_equals_sklearn_on_random_vectors(seed: int) -> None:
    rng = np.random.default_rng(seed)
    for m in (2, 3, 5, 10, 40):
        baseline, live = rng.random(m), rng.random(m)
        assert ndcg(baseline, live) == pytest.approx(ndcg_score([baseline], [live]), abs=1e-12)


@pytest.mark.parametrize("seed", range(20))
def test_equals_sklearn_with_ties(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    for m in (2, 4, 7, 15):
        baseline = np.round(rng.random(m), 1)  # ties in the gains too
        live = rng.integers(0, 3, size=m).astype(float)  # many tied live scores
        expected = ndcg_score([baseline], [live])
        assert ndcg(baseline, live) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("m", [2, 3, 8])
def test_all_tied_live_scores_equal_sklearn(m: int) -> None:
    baseline = np.linspace(1.0, 0.1, m)
    live = np.full(m, 0.25)
    assert ndcg(baseline, live) == pytest.approx(ndcg_score([baseline], [live]), abs=1e-12)


def test_zero_ideal_dcg_gives_zero_like_sklearn() -> None:
    assert ndcg([0.0, 0.0, 0.0], [0.3, 0.2, 0.1]) == 0.0
    assert ndcg_score([[0.0, 0.0, 0.0]], [[0.3, 0.2, 0.1]]) == 0.0
    assert ndcg([], []) == 0.0


def test_minus_infinity_ranks_last() -> None:
    assert ndcg([0.1, 0.5, 0.4], [-np.inf, 2.0, 1.0]) == pytest.approx(
        ndcg_score([[0.1, 0.5, 0.4]], [[-1.0, 2.0, 1.0]]), abs=1e-12
    )


@pytest.mark.parametrize(
    ("gains", "scores"),
    [([0.1, 0.2], [0.1]), ([0.1, np.nan], [0.1, 0.2]), ([0.1, 0.2], [np.nan, 0.2])],
)
def test_bad_input_raises(gains: list[float], scores: list[float]) -> None:
    with pytest.raises(ValueError, match="must be"):
        ndcg(gains, scores)
