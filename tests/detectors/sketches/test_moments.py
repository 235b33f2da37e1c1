"""Moments against numpy: mean, population std, sum, min, max, and the merge law."""

from __future__ import annotations

import math
import sys
from decimal import Decimal, localcontext
from fractions import Fraction

import numpy as np
import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detectors.sketches import Moments

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)


def _assert_matches_numpy(m: Moments, xs: list[float]) -> None:
    arr = np.asarray(xs, dtype=np.float64)
    assert m.count == arr.size
    scale = max(1.0, float(np.abs(arr).max()))
    assert m.sum == pytest.approx(float(arr.sum()), rel=1e-9, abs=1e-9 * scale * arr.size)
    assert m.mean == pytest.approx(float(arr.mean()), rel=1e-9, abs=1e-9 * scale)
    assert m.std_dev == pytest.approx(float(arr.std(ddof=0)), rel=1e-6, abs=1e-6 * scale)
    assert m.min == float(arr.min())
    assert m.max == float(arr.max())


def test_against_numpy_on_a_seeded_sample() -> None:
    rng = np.random.default_rng(7)
    xs = rng.normal(50.0, 12.0, 10_000).tolist()
    m = Moments()
    m.update_many(xs)
    _assert_matches_numpy(m, xs)


def test_std_dev_is_population_as_in_sagemaker() -> None:
    # Spec §4.1: the Churn feature, n = 2333 with 325 ones, has std_dev 0.346265 (not 0.346339).
    m = Moments()
    m.update_many([1.0] * 325 + [0.0] * (2333 - 325))
    assert round(m.std_dev, 6) == 0.346265


def test_empty() -> None:
    m = Moments()
    assert m.is_empty and m.count == 0
    assert math.isnan(m.mean)
    assert m.variance == 0.0 and m.std_dev == 0.0
    m.update_many([])
    assert m.is_empty


@given(xs=st.lists(finite, min_size=1, max_size=200))
@settings(max_examples=100, deadline=None)
def test_update_and_update_many_match_numpy(xs: list[float]) -> None:
    one_by_one, batch = Moments(), Moments()
    for x in xs:
        one_by_one.update(x)
    batch.update_many(xs)
    _assert_matches_numpy(one_by_one, xs)
    _assert_matches_numpy(batch, xs)


@given(xs=st.lists(finite, min_size=1, max_size=200), data=st.data())
@settings(max_examples=100, deadline=None)
def test_merge_of_any_split_equals_single_stream(xs: list[float], data: st.DataObject) -> None:
    cut = data.draw(st.integers(min_value=0, max_value=len(xs)))
    left, right = Moments(), Moments()
    left.update_many(xs[:cut])
    for x in xs[cut:]:
        right.update(x)
    left.merge(right)
    _assert_matches_numpy(left, xs)


def test_state_round_trip_through_json() -> None:
    m = Moments()
    m.update_many([3.0, 1.5, -2.0])
    back = Moments.from_state(orjson.loads(orjson.dumps(m.to_state())))
    assert (back.count, back.sum, back.mean, back.min, back.max, back.variance) == (
        m.count,
        m.sum,
        m.mean,
        m.min,
        m.max,
        m.variance,
    )
    empty = Moments.from_state(orjson.loads(orjson.dumps(Moments().to_state())))
    assert empty.is_empty
    with pytest.raises(ValueError, match="version"):
        Moments.from_state({**m.to_state(), "version": 99})


def _exact(xs: list[float]) -> tuple[float, float, float]:
    """Sum, mean and population std of ``xs`` in exact rational arithmetic (the reference)."""
    values = [Fraction(x) for x in xs]
    total = sum(values, Fraction(0))
    mean = total / len(values)
    variance = sum(((v - mean) ** 2 for v in values), Fraction(0)) / len(values)
    with localcontext() as context:
        context.prec = 40
        std = (Decimal(variance.numerator) / Decimal(variance.denominator)).sqrt()
        exact_sum = Decimal(total.numerator) / Decimal(total.denominator)
        exact_mean = Decimal(mean.numerator) / Decimal(mean.denominator)
    in_range = abs(exact_sum) <= Decimal(sys.float_info.max)
    exact_total = float(exact_sum) if in_range else math.copysign(math.inf, exact_sum)
    return exact_total, float(exact_mean), float(std)


huge = st.floats(min_value=-1.79e308, max_value=1.79e308, allow_nan=False, allow_infinity=False)


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize(
    "xs",
    [
        [1.7e308, 1.7e308],  # the sum is beyond float64: inf; mean and std are finite
        [1.7e308, -1.7e308, 1.0e308],
        [1.79e308, -1.79e308] * 500,
        [1e308, 1e-308, -5.0, 3.0],
        [-1.6e308, -1.7e308, -1.5e308],
    ],
)
def test_values_near_the_float_limit_give_finite_moments_without_warnings(xs: list[float]) -> None:
    total, mean, std = _exact(xs)
    batch, one_by_one = Moments(), Moments()
    batch.update_many(xs)
    for x in xs:
        one_by_one.update(x)
    for m in (batch, one_by_one):
        assert m.sum == pytest.approx(total, rel=1e-12)
        assert m.mean == pytest.approx(mean, rel=1e-12, abs=1e-12 * max(map(abs, xs)))
        assert math.isfinite(m.std_dev) and m.std_dev == pytest.approx(std, rel=1e-9)
        assert (m.min, m.max) == (min(xs), max(xs))
        back = Moments.from_state(orjson.loads(orjson.dumps(m.to_state())))
        assert (back.sum, back.mean, back.std_dev) == (m.sum, m.mean, m.std_dev)


@pytest.mark.filterwarnings("error")
@given(xs=st.lists(huge, min_size=1, max_size=60), data=st.data())
@settings(max_examples=150, deadline=None)
def test_any_finite_values_merge_to_the_exact_moments(xs: list[float], data: st.DataObject) -> None:
    cut = data.draw(st.integers(min_value=0, max_value=len(xs)))
    left, right = Moments(), Moments()
    left.update_many(xs[:cut])
    right.update_many(xs[cut:])
    left.merge(right)
    total, mean, std = _exact(xs)
    spread = max(abs(x) for x in xs)
    if math.isfinite(total):
        assert left.sum == pytest.approx(total, rel=1e-9, abs=1e-12 * spread * len(xs))
    assert left.mean == pytest.approx(mean, rel=1e-9, abs=1e-12 * spread)
    assert left.std_dev == pytest.approx(std, rel=1e-6, abs=1e-9 * spread)


@pytest.mark.parametrize("cut", [0, 1, 2, 3])
def test_zeros_merged_with_tiny_values_keep_their_spread(cut: int) -> None:
    # found by hypothesis: a part holding only 0.0 kept scale 1.0, and the tiny part's
    # deviations squared to nothing there (std 0.0 instead of 6.4e-237)
    xs = [0.0, 1.2762044001998313e-236, 0.0]
    left, right = Moments(), Moments()
    left.update_many(xs[:cut])
    right.update_many(xs[cut:])
    left.merge(right)
    mean = xs[1] / 3  # hand-computed: population std of (0, a, 0) is a·√2 / 3
    assert left.mean == pytest.approx(mean, rel=1e-12, abs=0.0)
    assert left.std_dev == pytest.approx(xs[1] * math.sqrt(2) / 3, rel=1e-12, abs=0.0)


def test_a_version_1_state_is_upgraded() -> None:
    v1 = {
        "kind": "moments",
        "version": 1,
        "params": {},
        "state": {"count": 2, "sum": 3.0, "mean": 1.5, "m2": 0.5, "min": 1.0, "max": 2.0},
    }
    m = Moments.from_state(v1)
    assert (m.count, m.sum, m.mean, m.variance, m.min, m.max) == (2, 3.0, 1.5, 0.25, 1.0, 2.0)


@pytest.mark.parametrize("scale", [1.0, 1e300])
def test_update_many_leaves_the_callers_array_as_it_was(scale: float) -> None:
    """The squares are taken in place, on the deviations: never on the caller's values."""
    unscaled = np.array([3.0, -1.5, 8.25, 0.0])
    xs = unscaled * scale
    given_values = xs.copy()
    m = Moments()
    m.update_many(xs)
    assert np.array_equal(xs, given_values)
    assert m.std_dev == pytest.approx(float(unscaled.std()) * scale, rel=1e-12)
