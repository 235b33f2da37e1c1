"""NumericSketch: the KS distance between two sketches against exact ``scipy.stats.ks_2samp``.

The bound promised in the module docstring: with the default k, |sketch - exact| <= 0.01 at
the 99th percentile over seeded trials with n >= 10,000 per sample.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import orjson
import pytest
from scipy.stats import ks_2samp

from detectors.base import bytes_from_text
from detectors.sketches import NumericSketch, ks_distance
from detectors.sketches.numeric_sketch import SORTED_RUN, in_sorted_runs

Sampler = Callable[[np.random.Generator, int], np.ndarray]

# Pairs (baseline, current): shifted/scaled normals, exponentials, a discrete integer law.
PAIRS: list[tuple[str, Sampler, Sampler]] = [
    ("normal vs same", lambda g, n: g.normal(0, 1, n), lambda g, n: g.normal(0, 1, n)),
    ("normal vs shifted", lambda g, n: g.normal(0, 1, n), lambda g, n: g.normal(0.1, 1, n)),
    ("normal vs scaled", lambda g, n: g.normal(5, 2, n), lambda g, n: g.normal(5, 2.6, n)),
    ("exponential", lambda g, n: g.exponential(1.0, n), lambda g, n: g.exponential(1.2, n)),
    ("poisson integers", lambda g, n: g.poisson(4.0, n), lambda g, n: g.poisson(4.3, n)),
]
TRIALS = 50


def _sketch(xs: np.ndarray) -> NumericSketch:
    s = NumericSketch()
    s.update_many(xs)
    return s


def test_ks_distance_within_001_of_scipy_at_p99() -> None:
    rng = np.random.default_rng(20240305)
    errors = []
    for trial in range(TRIALS):
        _, base, cur = PAIRS[trial % len(PAIRS)]
        n = 10_000 if trial % 2 else 20_000
        a, b = base(rng, n).astype(np.float64), cur(rng, n).astype(np.float64)
        exact = ks_2samp(a, b).statistic
        approx = ks_distance(_sketch(a).weighted_cdf(), _sketch(b).weighted_cdf())
        errors.append(abs(approx - exact))
    p99 = float(np.percentile(errors, 99))
    assert p99 <= 0.01, f"99th percentile error {p99:.4f}"


def test_exact_below_k_equals_scipy() -> None:
    # Fewer values than k: the sketch keeps them all, so the distance is exactly KS.
    rng = np.random.default_rng(3)
    a, b = rng.normal(0, 1, 300), rng.normal(0.3, 1, 250)
    got = ks_distance(_sketch(a).weighted_cdf(), _sketch(b).weighted_cdf())
    assert got == pytest.approx(ks_2samp(a, b).statistic, abs=1e-12)


def test_bytes_per_feature_at_100k() -> None:
    s = _sketch(np.random.default_rng(5).normal(0, 1, 100_000))
    raw = bytes_from_text(s.to_state()["state"]["sketch"])
    assert len(raw) < 12_000


def test_quantiles_and_n() -> None:
    xs = np.random.default_rng(11).uniform(0, 100, 50_000)
    s = _sketch(xs)
    assert s.n == 50_000
    for q in (0.1, 0.5, 0.9):
        assert s.quantile(q) == pytest.approx(np.quantile(xs, q), abs=1.0)  # 1 % of the range
    assert np.isnan(NumericSketch().quantile(0.5))
    assert NumericSketch().is_empty


def test_weights_sum_to_n() -> None:
    s = _sketch(np.arange(30_000, dtype=np.float64))
    cdf = s.weighted_cdf()
    assert cdf.total_weight == 30_000
    # KLL weights are powers of two, so the levels can be written back.
    assert sum(len(level) * 2**i for i, level in enumerate(cdf.to_levels())) == 30_000


def test_merge_is_within_sketch_error_of_one_stream() -> None:
    rng = np.random.default_rng(9)
    xs = rng.normal(0, 1, 40_000)
    a, b = _sketch(xs[:15_000]), _sketch(xs[15_000:])
    a.merge(b)
    assert a.n == 40_000
    exact = np.sort(xs)
    points = np.linspace(-2.5, 2.5, 21)
    true_cdf = np.searchsorted(exact, points, side="right") / xs.size
    assert np.max(np.abs(a.weighted_cdf().cdf(points) - true_cdf)) < 0.01


@pytest.mark.parametrize(
    "values",
    [
        np.random.default_rng(1).normal(0, 1, 6_000),
        np.random.default_rng(2).poisson(20.0, 6_000).astype(np.float64),  # many equal values
    ],
    ids=["distinct", "repeated"],
)
def test_merge_that_leaves_level_zero_empty_keeps_every_value(values: np.ndarray) -> None:
    """Two sketches of 3,000 values merge into one whose lowest level is empty (as four
    partitions of a 20,000-record window did); its items still weigh all 6,000 values.

    The reference is the exact empirical CDF (numpy): the sketch's stays within its rank
    error, and the levels written to statistics.json hold the 6,000 values.
    """
    a, b = _sketch(values[:3_000]), _sketch(values[3_000:])
    a.merge(b)
    cdf = a.weighted_cdf()
    assert cdf.total_weight == 6_000
    assert sum(len(level) * 2**i for i, level in enumerate(cdf.to_levels())) == 6_000
    exact = np.sort(values)
    points = np.quantile(values, np.linspace(0.02, 0.98, 49))
    true_cdf = np.searchsorted(exact, points, side="right") / values.size
    assert np.max(np.abs(cdf.cdf(points) - true_cdf)) < 0.01


def test_state_round_trip_through_json() -> None:
    s = _sketch(np.random.default_rng(1).exponential(1.0, 25_000))
    back = NumericSketch.from_state(orjson.loads(orjson.dumps(s.to_state())))
    assert back.k == s.k and back.n == s.n
    assert [back.quantile(q) for q in (0.1, 0.5, 0.99)] == [s.quantile(q) for q in (0.1, 0.5, 0.99)]
    with pytest.raises(ValueError, match="numeric_sketch"):
        NumericSketch.from_state({**s.to_state(), "kind": "moments"})


def test_bad_k() -> None:
    with pytest.raises(ValueError, match="k must be"):
        NumericSketch(k=4)


@pytest.mark.parametrize("size", [0, 1, 5, 1_000, SORTED_RUN, SORTED_RUN + 1, 3 * SORTED_RUN + 7])
def test_sorted_runs_keep_the_multiset_and_sort_each_run(size: int) -> None:
    values = np.random.default_rng(size).normal(size=size)
    runs = in_sorted_runs(values)
    assert np.array_equal(np.sort(runs), np.sort(values))  # the same values, none lost
    whole = size - size % SORTED_RUN
    for start in range(0, whole, SORTED_RUN):
        run = runs[start : start + SORTED_RUN]
        assert np.all(run[:-1] <= run[1:])
        assert np.array_equal(run, np.sort(values[start : start + SORTED_RUN]))  # its own values
    assert np.array_equal(runs[whole:], np.sort(values[whole:]))  # the rest: one sorted run


@pytest.mark.parametrize("size", [17, 300, SORTED_RUN + 300])
def test_sorted_runs_keep_each_zero_s_sign(size: int) -> None:
    """numpy's vectorised sort can turn -0.0 into 0.0 and back; the runs keep every sign."""
    values = np.random.default_rng(size).choice([0.0, -0.0, 1.0, -1.0], size=size)
    runs = in_sorted_runs(values)
    zeros, given_zeros = runs[runs == 0.0], values[values == 0.0]
    assert np.signbit(zeros).sum() == np.signbit(given_zeros).sum()
