"""Chart shapes: quantiles against numpy, top categories against Counter, distances vs scipy."""

from __future__ import annotations

import random
from collections import Counter

import numpy as np
import pytest
from scipy.stats import ks_2samp

from detectors.quality.dataset_profile import DatasetProfile
from detectors.sketches import WeightedCdf
from stream.status.distributions import (
    QUANTILE_LEVELS,
    FeatureShapes,
    quantiles,
    top_categories,
    window_distances,
)


def inverted_cdf(data, steps: int = len(QUANTILE_LEVELS) - 1) -> list[float]:
    """Exact reference in integers: at level i/steps, the k-th smallest with k/n >= i/steps.

    (numpy's ``method="inverted_cdf"`` agrees except where ``p * n`` lands a rounding error
    above an integer: 0.075 * 40 is 3.0000000000000004 in floats.)
    """
    ordered, n = sorted(data), len(data)
    return [ordered[max(1, -(-i * n // steps)) - 1] for i in range(steps + 1)]


@pytest.mark.parametrize("n", [1, 2, 7, 40, 41, 1000])
def test_quantiles_are_the_inverted_cdf(n):
    data = np.random.default_rng(n).normal(size=n)
    assert quantiles(WeightedCdf.from_items(data)).tolist() == inverted_cdf(data.tolist())
    interior = [i for i, p in enumerate(QUANTILE_LEVELS) if abs(p * n - round(p * n)) > 1e-6]
    by_numpy = np.quantile(data, QUANTILE_LEVELS, method="inverted_cdf")
    np.testing.assert_array_equal(
        quantiles(WeightedCdf.from_items(data))[interior], by_numpy[interior]
    )


def test_weighted_items_count_as_repeated_values():
    values = [3.0, 1.0, 2.0, 5.0]
    weights = [4.0, 1.0, 2.0, 8.0]  # KLL levels weigh powers of two
    repeated = np.repeat(values, np.asarray(weights, dtype=int)).tolist()
    assert quantiles(WeightedCdf.from_items(values, weights)).tolist() == inverted_cdf(repeated)


def test_empty_distribution_has_no_quantiles():
    assert np.isnan(quantiles(WeightedCdf.from_items([]))).all()


def test_top_categories_are_the_most_frequent_with_the_total():
    rng = random.Random(5)
    values = [rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(5000)]
    counts = Counter(values)
    shape = top_categories(counts.items(), k=5)
    assert [c for _, c in shape.categories] == [c for _, c in counts.most_common(5)]
    assert shape.total == 5000


def profile(columns: dict[str, list], kinds: tuple[str, ...]) -> DatasetProfile:
    p = DatasetProfile(features=tuple(columns), kinds=kinds)
    p.update_columns(columns, len(next(iter(columns.values()))))
    return p


def test_shapes_keep_exact_ends_and_category_shares():
    rng = random.Random(1)
    xs = [rng.gauss(10, 3) for _ in range(300)]  # fewer than k = 400: the sketch is exact
    plans = [rng.choice(["basic"] * 6 + ["premium"] * 3 + ["gold"]) for _ in range(300)]
    stats = profile({"x": [f"{x:.6f}" for x in xs], "plan": plans}, ("numeric", "string"))
    shapes = FeatureShapes.from_statistics(stats.statistics())
    assert shapes.names == ("x", "plan")
    x = shapes.shape_json("x")
    reference = inverted_cdf([float(f"{v:.6f}") for v in xs])
    np.testing.assert_allclose(x["quantiles"], reference, rtol=5e-6)  # 6 significant digits
    assert x["quantiles"][0] == pytest.approx(min(xs), rel=5e-6) and x["count"] == 300
    plan = shapes.shape_json("plan")
    assert plan["total"] == 300 and dict(plan["categories"]) == dict(Counter(plans))
    assert shapes.shape_json("absent") is None


def test_window_distances_are_the_ks_statistic_and_category_share_gap():
    rng = random.Random(2)
    base_x = [rng.gauss(0, 1) for _ in range(350)]
    live_x = [rng.gauss(0.5, 1) for _ in range(250)]
    base_c = ["a"] * 200 + ["b"] * 150
    live_c = ["a"] * 100 + ["b"] * 100 + ["c"] * 50
    kinds = ("numeric", "string")
    base = profile({"x": [repr(v) for v in base_x], "c": base_c}, kinds).statistics()
    live = profile({"x": [repr(v) for v in live_x], "c": live_c}, kinds).statistics()
    d = window_distances(base, live, FeatureShapes.from_statistics(live))
    assert d[0] == pytest.approx(ks_2samp(base_x, live_x).statistic, abs=1e-6)  # exact sketches
    assert d[1] == pytest.approx(max(abs(200 / 350 - 0.4), abs(150 / 350 - 0.4), 0.2), abs=1e-6)
    assert window_distances(None, live, FeatureShapes.from_statistics(live)) is None
