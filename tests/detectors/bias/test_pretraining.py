"""Pre-training metrics against smclarify's vectors V2, V3, V4 (spec §9) and scipy."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import entropy

from detectors.bias.bias_row import BiasRow
from detectors.bias.counts import BiasCounts
from detectors.bias.pretraining import (
    NO_COMMON_FACET,
    aligned_nonzero,
    conditional_demographic_disparity,
    jensen_shannon,
    kl_divergence,
    kolmogorov_smirnov,
    lp_norm,
)
from tests.detectors.bias.conftest import entries, fed


def binary(label: list[bool], d: list[bool]) -> tuple[list[int], list[int]]:
    """(negative, positive) counts of facet a and facet d."""
    a_counts = [
        sum(1 for y, s in zip(label, d, strict=True) if not s and y == v) for v in (False, True)
    ]
    d_counts = [
        sum(1 for y, s in zip(label, d, strict=True) if s and y == v) for v in (False, True)
    ]
    return a_counts, d_counts


T, F = True, False


def test_v2_negative_kl_js_lp() -> None:
    a, d = binary([T, T, T, F, F, F], [T, F, F, F, F, F])
    assert kl_divergence(a, d).value == pytest.approx(-0.366516, abs=1e-6)
    assert jensen_shannon(a, d).value == pytest.approx(0.06641431438228168, abs=1e-15)
    assert lp_norm(a, d).value == pytest.approx(0.6, abs=1e-12)


def test_v2_identical_distributions_are_zero() -> None:
    a, d = binary([T, T, T, F, F, F], [T, F, F, F, T, F])
    for metric in (kl_divergence, jensen_shannon, lp_norm):
        assert metric(a, d).value == pytest.approx(0.0, abs=1e-15)


def test_v2_no_common_facet_is_an_error() -> None:
    a, d = binary([T, T, T, F, F, F], [F] * 6)
    for metric in (kl_divergence, jensen_shannon, lp_norm, kolmogorov_smirnov):
        m = metric(a, d)
        assert (m.value, m.error) == (None, NO_COMMON_FACET)


def test_v2_dataset_pdf_collapsed_label() -> None:
    x = list("abbcaabcbcbb")
    label = [0, 0, 1, 1, 2, 1, 0, 1, 2, 2, 0, 2]
    a, d = binary([v in (1, 2) for v in label], [v in ("a", "c") for v in x])
    assert kl_divergence(a, d).value == pytest.approx(0.2938933, abs=1e-7)
    assert jensen_shannon(a, d).value == pytest.approx(0.06465997, abs=1e-8)
    assert lp_norm(a, d).value == pytest.approx(0.471404520, abs=1e-9)


def test_v2_ks() -> None:
    a, d = binary([v == "1" for v in ["1", "0", "0", "1", "1"]], [v == "b" for v in "aabbb"])
    assert kolmogorov_smirnov(a, d).value == pytest.approx(1 / 6, abs=1e-8)
    # over the raw three categories of DATASET_PDF.label, d = x != "b"
    x = list("abbcaabcbcbb")
    label = [0, 0, 1, 1, 2, 1, 0, 1, 2, 2, 0, 2]
    a3 = [sum(1 for v, s in zip(label, x, strict=True) if s == "b" and v == c) for c in (0, 1, 2)]
    d3 = [sum(1 for v, s in zip(label, x, strict=True) if s != "b" and v == c) for c in (0, 1, 2)]
    assert kolmogorov_smirnov(a3, d3).value == pytest.approx(1 / 3, abs=1e-12)


def test_aligned_nonzero_v2_and_scipy_kl() -> None:
    # pdfs_aligned_nonzero([1,2,3],[1,1,4,5,5]) = ([1/3],[2/5]): only key 1 is shared
    pa, pd = aligned_nonzero([1, 1, 1, 0, 0], [2, 0, 0, 1, 2])
    assert pa == pytest.approx([1 / 3]) and pd == pytest.approx([2 / 5])
    assert aligned_nonzero([1, 0], [0, 1]) == ([], [])
    # with full support and no dropped categories, KL equals scipy's relative entropy
    rng = np.random.default_rng(3)
    ca, cd = rng.integers(1, 50, 4).tolist(), rng.integers(1, 50, 4).tolist()
    want = entropy(np.array(ca) / sum(ca), np.array(cd) / sum(cd))
    assert kl_divergence(ca, cd).value == pytest.approx(want, rel=1e-12)


V3_X = "M,M,M,F,F,F,F,M,M,M,M,F,M,M,F,M,F,F,M,M,F,M,M,F".split(",")
V3_Y = [0, 1, 1, 0, 1, 0, 1, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 0, 1, 0, 0, 1, 1, 0]
V3_G = [1, 0, 2, 2, 1, 1, 2, 1, 1, 2, 0, 1, 2, 0, 1, 1, 1, 2, 0, 1, 0, 0, 1, 1]


@pytest.mark.parametrize(("d", "want"), [("F", 0.3982142857), ("M", -0.3982142857)])
def test_v3_cddl(d: str, want: float) -> None:
    counts = BiasCounts(max_facet_values=10, max_subgroups=10)
    for x, y, g in zip(V3_X, V3_Y, V3_G, strict=True):
        counts.add(x == d, g, observed=bool(y), predicted=True)
    cddl = conditional_demographic_disparity(counts.facet_split(True), predicted=False)
    assert cddl.value == pytest.approx(want, abs=1e-10)


@pytest.mark.parametrize("predicted", [False, True])
def test_rows_without_a_group_value_are_in_no_subgroup(predicted: bool) -> None:
    """smclarify's CDD weighs each np.unique group by its rows; a NaN group holds none
    (NaN == NaN is false), so rows without a group value leave V3's 0.398 as it is. They
    were a subgroup of their own: 0.243 here."""
    counts = BiasCounts(max_facet_values=10, max_subgroups=10)
    rows = [*zip(V3_X, V3_Y, V3_G, strict=True), ("F", 1, None), ("F", 1, None), ("M", 0, None)]
    for x, y, g in rows:
        counts.add(x == "F", g, observed=bool(y), predicted=bool(y))
    cdd = conditional_demographic_disparity(counts.facet_split(True), predicted=predicted)
    assert cdd.value == pytest.approx(0.3982142857, abs=1e-10)


def test_cdd_errors() -> None:
    counts = BiasCounts(max_facet_values=10, max_subgroups=10)
    counts.add(True, "g", observed=True, predicted=True)
    counts.add(False, "g", observed=True, predicted=False)
    split = counts.facet_split(True)
    assert conditional_demographic_disparity(split, predicted=False).error == (
        "No negative labels in set"
    )
    counts2 = BiasCounts(max_facet_values=10, max_subgroups=10)
    counts2.add(True, "g", observed=False, predicted=False)
    split2 = counts2.facet_split(True)
    assert conditional_demographic_disparity(split2, predicted=True).error == (
        "No positive labels in set"
    )


V4_PRE = {
    "a": {"CDDL": -0.375, "CI": 0.5, "DPL": -0.6667, "JS": 0.087208, "KL": -0.366204,
          "KS": 0.6667, "LP": 0.6667, "TVD": 0.3333},
    "b": {"CDDL": 0.625, "CI": -0.5, "DPL": 0.6667, "JS": 0.087208, "KL": 1.098612,
          "KS": 0.6667, "LP": 0.6667, "TVD": 0.3333},
}  # fmt: skip
V4_POST = {
    "a": {"AD": -0.6667, "DI": 3.0, "DPPL": -0.6667, "RD": -1.0},
    "b": {"AD": 0.6667, "DI": 0.3333, "DPPL": 0.6667, "RD": 1.0},
}


def test_v4_category_report_with_the_continuous_label_quirk() -> None:
    # y is int and 50% unique, so Clarify makes it CONTINUOUS: [0] is a threshold, y > 0
    x, y, z, yhat = list("abbb"), [1, 1, 0, 0], [1, 1, 1, 0], [1, 0, 0, 1]
    rows = [
        BiasRow(facet=f, label=lab, predicted_label=p, group=g)
        for f, lab, g, p in zip(x, y, z, yhat, strict=True)
    ]
    detector = fed(rows, label_values=(0,), label_data_type="continuous")
    analysis = detector.analysis()
    assert analysis.pre_training is not None and analysis.post_training is not None
    assert analysis.post_training.label_value_or_threshold == "(0, 1]"
    pre, post = entries(detector)
    assert [e.value_or_threshold for e in pre] == ["a", "b"]
    for entry in pre:
        for code, want in V4_PRE[entry.value_or_threshold].items():
            assert entry.value(code) == pytest.approx(want, abs=1e-4), code
    for entry in post:
        for code, want in V4_POST[entry.value_or_threshold].items():
            assert entry.value(code) == pytest.approx(want, abs=1e-4), code
