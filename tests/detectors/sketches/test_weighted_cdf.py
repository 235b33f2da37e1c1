"""WeightedCdf against the spec's worked examples (sagemaker-formats.md §4.3-§4.5)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import ks_2samp

from detectors.sketches import WeightedCdf, ks_distance
from detectors.sketches.weighted_cdf import _union, bucket_edges

# §4.4: 40 ages through Deequ's KLL with k = 8.
LEVELS_44 = [
    [
        26.0,
        24.0,
        34.0,
        60.0,
        27.0,
        48.0,
        51.0,
        37.0,
        46.0,
        21.0,
        21.0,
        29.0,
        53.0,
        40.0,
        34.0,
        48.0,
    ],
    [],
    [20.0, 22.0, 33.0, 40.0, 46.0, 63.0],
]
# §4.5: the 12 present ages of the 13-row dataset.
AGES_45 = [34.0, 51.0, 27.0, 45.0, 62.0, 38.0, 29.0, 41.0, 55.0, 33.0, 47.0, 39.0]
COUNTS_45 = [2.0, 1.0, 1.0, 2.0, 1.0, 2.0, 1.0, 0.0, 1.0, 1.0]


def test_worked_kll_example_weights_and_rank() -> None:
    cdf = WeightedCdf.from_levels(LEVELS_44)
    assert cdf.total_weight == 16 * 1 + 0 * 2 + 6 * 4 == 40
    assert float(cdf.rank(33.0)) == 6 * 1 + 3 * 4 == 18
    assert float(cdf.rank(33.0, inclusive=False)) == 6 * 1 + 2 * 4  # 33 itself (level 2) left out
    assert float(cdf.cdf(33.0)) == 18 / 40
    assert float(cdf.rank(19.0)) == 0.0 and float(cdf.rank(69.0)) == 40.0


def test_worked_kll_example_levels_written_back_as_powers_of_two() -> None:
    levels = WeightedCdf.from_levels(LEVELS_44).to_levels()
    assert len(levels) == 3
    assert sorted(levels[0]) == sorted(LEVELS_44[0])
    assert levels[1] == []
    assert sorted(levels[2]) == LEVELS_44[2]


def test_to_levels_rejects_weights_that_are_not_powers_of_two() -> None:
    with pytest.raises(ValueError, match="powers of two"):
        WeightedCdf.from_items([1.0, 2.0], [1.0, 3.0]).to_levels()


def test_complete_example_buckets() -> None:
    cdf = WeightedCdf.from_levels([AGES_45])
    edges = bucket_edges(27.0, 62.0)
    assert edges == [27.0, 30.5, 34.0, 37.5, 41.0, 44.5, 48.0, 51.5, 55.0, 58.5, 62.0]
    counts = cdf.bucket_counts(27.0, 62.0)
    assert counts == COUNTS_45
    assert sum(counts) == 12


def test_first_bucket_edge_of_the_observed_example() -> None:
    # §4.3 observed: min 1, max 243 -> first bucket 1.0-25.2.
    assert bucket_edges(1.0, 243.0)[:2] == [1.0, 25.2]


def test_degenerate_min_equals_max_puts_all_weight_in_last_bucket() -> None:
    cdf = WeightedCdf.from_items([7.0] * 5)
    counts = cdf.bucket_counts(7.0, 7.0)
    assert counts == [0.0] * 9 + [5.0]


def test_buckets_are_lower_inclusive_upper_exclusive_except_the_last() -> None:
    cdf = WeightedCdf.from_items([0.0, 1.0, 2.0, 9.0, 10.0])
    # 1.0 opens bucket 1 and 2.0 opens bucket 2; 9.0 and the max 10.0 share the closed last one.
    assert cdf.bucket_counts(0.0, 10.0) == [1.0, 1.0, 1.0, 0, 0, 0, 0, 0, 0, 2.0]


def test_ks_distance_with_unit_weights_equals_scipy() -> None:
    rng = np.random.default_rng(4)
    for _ in range(20):
        a = rng.integers(0, 8, rng.integers(5, 60)).astype(float)  # ties on purpose
        b = rng.integers(0, 10, rng.integers(5, 60)).astype(float)
        got = ks_distance(WeightedCdf.from_items(a), WeightedCdf.from_items(b))
        assert got == pytest.approx(ks_2samp(a, b).statistic, abs=1e-12)


def test_ks_distance_of_weighted_items_equals_expanded_items() -> None:
    weighted = WeightedCdf.from_levels([[1.0, 5.0], [2.0], [3.0]])  # 1, 5, 2x2, 4x3
    expanded = np.array([1.0, 5.0, 2.0, 2.0, 3.0, 3.0, 3.0, 3.0])
    other = np.array([2.5, 3.5, 4.5, 5.5])
    got = ks_distance(weighted, WeightedCdf.from_items(other))
    assert got == pytest.approx(ks_2samp(expanded, other).statistic)


def test_empty() -> None:
    empty = WeightedCdf.from_items([])
    assert empty.is_empty and empty.total_weight == 0.0
    assert float(empty.cdf(3.0)) == 0.0
    assert ks_distance(empty, WeightedCdf.from_items([1.0])) == 0.0
    assert empty.to_levels() == [[]]


@pytest.mark.parametrize("seed", range(20))
def test_the_union_of_two_samples_is_numpys_union1d(seed: int) -> None:
    """Sorted, distinct, every value of both (repeats, shared values, signed zeros)."""
    rng = np.random.default_rng(seed)
    a = rng.integers(-5, 5, rng.integers(0, 30)).astype(np.float64)
    b = np.concatenate((rng.normal(size=rng.integers(0, 30)), a[:3], [0.0, -0.0]))
    np.testing.assert_array_equal(_union(a, b), np.union1d(a, b))
