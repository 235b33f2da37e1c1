"""Per-feature SHAP aggregates: values against numpy, merge, state, bad state."""

from __future__ import annotations

import random

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
