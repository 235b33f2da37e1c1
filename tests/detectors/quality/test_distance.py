"""Drift distances by hand and against scipy (spec §5.3)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import gammaincc
from scipy.stats import chisquare

from detectors.quality.distance import (
    c_alpha_for,
    categorical_linf,
    chi_squared_p_value,
    regularized_upper_gamma,
    robust_distance,
)


def test_robust_correction_by_hand() -> None:
    # 0.3 - 1.8 * sqrt(200 / 10000) = 0.3 - 0.2545584412... = 0.0454415587...
    assert robust_distance(0.3, 100, 100) == pytest.approx(0.3 - 1.8 * math.sqrt(0.02))
    assert robust_distance(0.3, 100, 100) == pytest.approx(0.04544155877, abs=1e-10)
    # 1000 vs 250: 1.8 * sqrt(1250 / 250000) = 1.8 * 0.0707106... = 0.1272792...
    assert robust_distance(0.2, 1000, 250) == pytest.approx(0.2 - 0.12727922061, abs=1e-10)
    assert robust_distance(0.1, 100, 100) == 0.0  # never negative
    assert robust_distance(0.5, 0, 100) == 0.0
    assert c_alpha_for(0.003) == pytest.approx(math.sqrt(-math.log(0.0015) / 2))
    assert c_alpha_for(0.003) == pytest.approx(1.8, abs=0.01)  # the default's alpha


def test_categorical_linf_by_hand() -> None:
    base = {"a": 50, "b": 30, "c": 20}
    cur = {"a": 40, "b": 40, "d": 20}
    # |.5-.4| = .1, |.3-.4| = .1, |.2-0| = .2, |0-.2| = .2
    assert categorical_linf(base, cur) == pytest.approx(0.2)
    assert categorical_linf({"a": 1, "b": 3}, {"a": 3, "b": 1}) == pytest.approx(0.5)
    assert categorical_linf(base, base) == 0.0
    assert categorical_linf(base, {}) == 0.0


def _reference_p_value(base: dict[str, int], cur: dict[str, int]) -> float | None:
    """The spec's rule, written independently, with scipy doing the test."""
    keys = sorted(k for k in base if base[k] > 0)
    obs = [float(cur.get(k, 0)) for k in keys]
    total = sum(obs)
    if total == 0:
        return None
    base_total = sum(base[k] for k in keys)
    exp = [base[k] / base_total * total for k in keys]
    cells = list(zip(exp, obs, strict=True))

    def valid(es: list[float]) -> bool:
        if len(es) == 2:
            return min(es) >= 10
        return sum(e < 5 for e in es) <= 0.2 * len(es)

    while len(cells) >= 2 and not valid([e for e, _ in cells]):
        cells.sort(key=lambda c: c[0])
        (e1, o1), (e2, o2) = cells[0], cells[1]
        cells = [(e1 + e2, o1 + o2), *cells[2:]]
    if len(cells) < 2:
        return None
    e, o = zip(*cells, strict=True)
    return float(chisquare(f_obs=o, f_exp=e).pvalue)


counts = st.dictionaries(
    st.sampled_from("abcdefgh"), st.integers(min_value=0, max_value=300), min_size=1
)


@given(base=counts, cur=counts)
@settings(max_examples=300, deadline=None)
def test_chi_squared_p_value_matches_scipy_after_the_same_folding(
    base: dict[str, int], cur: dict[str, int]
) -> None:
    expected = _reference_p_value(base, cur)
    got = chi_squared_p_value(base, cur)
    if expected is None:
        assert got is None
    else:
        assert got == pytest.approx(expected, rel=1e-6, abs=1e-12)


def test_chi_squared_fixed_cases() -> None:
    # 50/50 expected, 80/20 observed: chi2 = 36 with 1 dof.
    p = chi_squared_p_value({"a": 50, "b": 50}, {"a": 80, "b": 20})
    assert p == pytest.approx(float(chisquare([80, 20], [50, 50]).pvalue))
    assert chi_squared_p_value({"a": 10}, {"a": 10}) is None  # one category: no test
    assert chi_squared_p_value({"a": 10, "b": 10}, {"z": 10}) is None  # nothing shared
    # Same proportions: p-value 1.
    assert chi_squared_p_value({"a": 20, "b": 60}, {"a": 10, "b": 30}) == pytest.approx(1.0)


@pytest.mark.parametrize("s", [0.5, 1.0, 1.5, 2.0, 3.5, 7.0, 15.0, 49.5, 200.0])
def test_regularized_upper_gamma_matches_scipy(s: float) -> None:
    for x in np.concatenate([[0.0, 1e-8, 0.01], np.geomspace(0.05, 400.0, 60)]):
        expected = float(gammaincc(s, x))
        got = regularized_upper_gamma(s, float(x))
        assert got == pytest.approx(expected, rel=1e-8, abs=1e-14), (s, x)
