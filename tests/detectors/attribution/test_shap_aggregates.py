"""Per-feature SHAP aggregates: values against numpy, merge, state, bad state."""

from __future__ import annotations

import random
from fractions import Fraction

import numpy as np
import orjson
import pytest

from detectors.attribution.shap_aggregates import ShapAggregates

FEATURES = ("a", "b", "c")


def records(seed: int, n: int) -> list[dict[str, float]]:
    rng = random.Random(seed)
    return [{f: rng.gauss(0.0, 1.0 + j) for j, f in enumerate(FEATURES)} for _ in range(n)]


REFERENCES = {
    "mean_abs": lambda m: np.mean(np.abs(m), axis=0),
    "mean_sq": lambda m: np.mean(m * m, axis=0),
    "median": lambda m: np.median(m, axis=0),  # exact: fewer values than k
}


@pytest.mark.parametrize("agg_method", sorted(REFERENCES))
def test_merged_halves_restored_from_state_equal_numpy(agg_method: str) -> None:
    rows = records(1, 151)
    first, second = (
        ShapAggregates(FEATURES, agg_method, 200),
        ShapAggregates(FEATURES, agg_method, 200),
    )
    for row in rows[:70]:
        first.add(row)
    for row in rows[70:]:
        second.add(row)
    first.merge(second)
    state = orjson.loads(orjson.dumps(first.to_state()))
    restored = ShapAggregates.from_state(state, FEATURES, agg_method, 200)
    matrix = np.array([[r[f] for f in FEATURES] for r in rows])
    np.testing.assert_allclose(restored.values(), REFERENCES[agg_method](matrix), rtol=1e-12)
    assert restored.count == [151, 151, 151]


def test_state_with_a_list_of_the_wrong_length_is_refused() -> None:
    state = ShapAggregates(FEATURES, "mean_abs", 200).to_state()
    state["missing"] = [0, 0]
    with pytest.raises(ValueError, match="'missing' holds 2 values, expected 3"):
        ShapAggregates.from_state(state, FEATURES, "mean_abs", 200)


@pytest.mark.parametrize("agg_method", ["mean_abs", "mean_sq"])
def test_huge_finite_values_keep_a_finite_mean_through_json_state_and_merge(agg_method) -> None:
    """Sums past the largest double: before, they were inf, written as null, unreadable."""
    big = 1e308 if agg_method == "mean_abs" else 1e154
    parts = [[big, -big, 0.5], [big, 2.0], [3.0]]
    merged = ShapAggregates(("age",), agg_method, k=200)
    for values in parts:
        part = ShapAggregates(("age",), agg_method, k=200)
        for v in values:
            part.add({"age": v})
        state = orjson.loads(orjson.dumps(part.to_state()))  # the worker's JSON round trip
        merged.merge(ShapAggregates.from_state(state, ("age",), agg_method, 200))
    flat = [v for values in parts for v in values]
    terms = [Fraction(abs(v)) if agg_method == "mean_abs" else Fraction(v) ** 2 for v in flat]
    assert merged.values() == [pytest.approx(float(sum(terms) / len(terms)), rel=1e-15)]
    assert merged.count == [6] and merged.non_finite == [0]


def test_a_value_whose_square_is_past_the_largest_double_is_not_finite_for_mean_sq() -> None:
    shap = ShapAggregates(("age",), "mean_sq", k=200)
    shap.add({"age": 1e200})
    shap.add({"age": 2.0})
    assert shap.values() == [4.0] and shap.non_finite == [1]


@pytest.mark.parametrize("n", [2, 4, 50, 150])
def test_median_of_an_even_count_is_the_mean_of_the_middle_pair(n: int) -> None:
    """Clarify's ``median`` is the median: the sketch's upper middle value was taken (3 for
    1, 2, 3, 4), so a window of 50 records read 0.12 off on a feature of scale 2."""
    rows = records(7, n)
    shap = ShapAggregates(FEATURES, "median", 200)
    for row in rows:
        shap.add(row)
    matrix = np.array([[r[f] for f in FEATURES] for r in rows])
    np.testing.assert_array_equal(shap.values(), np.median(matrix, axis=0))
