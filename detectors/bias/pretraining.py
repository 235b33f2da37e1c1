"""Clarify's pre-training bias metrics and CDD from counts (spec §3).

The distribution metrics (KL, JS, LP, TVD, KS) compare the label distributions of facet a
and facet d after Clarify's ``pdfs_aligned_nonzero``: only categories that are non-zero in
**both** facets are kept, in sorted order, and the probabilities are not renormalised —
so KL can be negative. In the report the label is the collapsed positive/negative label,
so the categories are ``(negative, positive)`` counts.

Examples
--------
>>> from detectors.bias.counts import Confusion
>>> d, a = Confusion(tp=1), Confusion(fp=1, fn=1, tn=1)   # V4, facet "a"
>>> class_imbalance(d, a).value
0.5
>>> round(kl_divergence(label_counts(a), label_counts(d)).value, 6)
-0.366204
>>> aligned_nonzero([1, 1, 1, 0], [0, 2, 3, 0])      # probabilities of shared categories
([0.333..., 0.333...], [0.4, 0.6])
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence

from detectors.bias.counts import Cells, Confusion, Count, FacetSplit
from detectors.bias.metrics import (
    FACET_EMPTY,
    NEGATED_FACET_EMPTY,
    Formula,
    MetricValue,
    Ratio,
    divide,
)

__all__ = [
    "NO_COMMON_FACET",
    "PRE_TRAINING_FORMULAS",
    "aligned_nonzero",
    "class_imbalance",
    "conditional_demographic_disparity",
    "demographic_disparity",
    "jensen_shannon",
    "kl_divergence",
    "kolmogorov_smirnov",
    "label_counts",
    "lp_norm",
    "positive_proportion_difference",
    "pre_training_from_counts",
    "total_variation_distance",
]

NO_COMMON_FACET = "No instance of common facet found, dataset may be too small"


def label_counts(c: Confusion) -> tuple[int, int]:
    """Observed label counts of a facet as ``(negative, positive)`` — sorted ``False, True``."""
    return c.observed_negative, c.observed_positive


def aligned_nonzero(
    counts_a: Sequence[int], counts_d: Sequence[int]
) -> tuple[list[float], list[float]]:
    """Probabilities of the categories non-zero in both facets (``pdfs_aligned_nonzero``)."""
    n_a, n_d = sum(counts_a), sum(counts_d)
    pa, pd = [], []
    for ca, cd in zip(counts_a, counts_d, strict=True):
        if ca > 0 and cd > 0:
            pa.append(ca / n_a)
            pd.append(cd / n_d)
    return pa, pd


def _distribution(
    code: str,
    counts_a: Sequence[int],
    counts_d: Sequence[int],
    formula: Callable[[list[float], list[float]], float],
) -> MetricValue:
    pa, pd = aligned_nonzero(counts_a, counts_d)
    if not pa:
        return MetricValue(code, None, NO_COMMON_FACET)
    return MetricValue(code, float(formula(pa, pd)))


def _kl(p: list[float], q: list[float]) -> float:
    return sum(x * math.log(x / y) for x, y in zip(p, q, strict=True))


def kl_divergence(counts_a: Sequence[int], counts_d: Sequence[int]) -> MetricValue:
    """KL = Σ P_a ln(P_a/P_d) over the shared categories."""
    return _distribution("KL", counts_a, counts_d, _kl)


def _js(pa: list[float], pd: list[float]) -> float:
    mid = [(x + y) / 2 for x, y in zip(pa, pd, strict=True)]
    return 0.5 * (_kl(pa, mid) + _kl(pd, mid))


def jensen_shannon(counts_a: Sequence[int], counts_d: Sequence[int]) -> MetricValue:
    """JS = ½[KL(P_a, P) + KL(P_d, P)], P = ½(P_a + P_d)."""
    return _distribution("JS", counts_a, counts_d, _js)


def lp_norm(counts_a: Sequence[int], counts_d: Sequence[int]) -> MetricValue:
    """LP = ‖P_a − P_d‖₂."""
    return _distribution(
        "LP",
        counts_a,
        counts_d,
        lambda pa, pd: math.sqrt(sum((x - y) ** 2 for x, y in zip(pa, pd, strict=True))),
    )


def total_variation_distance(counts_a: Sequence[int], counts_d: Sequence[int]) -> MetricValue:
    """TVD = ½‖P_a − P_d‖₁."""
    return _distribution(
        "TVD",
        counts_a,
        counts_d,
        lambda pa, pd: 0.5 * sum(abs(x - y) for x, y in zip(pa, pd, strict=True)),
    )


def kolmogorov_smirnov(counts_a: Sequence[int], counts_d: Sequence[int]) -> MetricValue:
    """KS = max |P_a − P_d| over the shared categories."""
    return _distribution(
        "KS",
        counts_a,
        counts_d,
        lambda pa, pd: max(abs(x - y) for x, y in zip(pa, pd, strict=True)),
    )


def size_imbalance(d: Cells, a: Cells) -> Ratio:
    """CI's arithmetic: (n_a − n_d)/(n_a + n_d)."""
    return divide(a.n - d.n, a.n + d.n)


def label_proportions_gap(d: Cells, a: Cells) -> Ratio:
    """DPL's arithmetic: q_a − q_d with q = n(1)/n."""
    return divide(a.observed_positive, a.n) - divide(d.observed_positive, d.n)


PRE_TRAINING_FORMULAS: Mapping[str, Formula] = {
    "CI": size_imbalance,
    "DPL": label_proportions_gap,
}
"""The arithmetic of the pre-training metrics of facet d against facet a, by code (the one
definition, for one table or arrays of resamples); each has a value when both facets are
non-empty."""


def _two_facets(code: str, d: Confusion, a: Confusion) -> MetricValue:
    if d.n == 0:
        return MetricValue(code, None, FACET_EMPTY)
    if a.n == 0:
        return MetricValue(code, None, NEGATED_FACET_EMPTY)
    return MetricValue(code, float(PRE_TRAINING_FORMULAS[code](d, a)))


def class_imbalance(d: Confusion, a: Confusion) -> MetricValue:
    """CI = (n_a − n_d)/(n_a + n_d)."""
    return _two_facets("CI", d, a)


def positive_proportion_difference(d: Confusion, a: Confusion) -> MetricValue:
    """DPL = q_a − q_d with q = n(1)/n."""
    return _two_facets("DPL", d, a)


def _positives(c: Cells, predicted: bool) -> Count:
    return c.predicted_positive if predicted else c.observed_positive


def _negatives(c: Cells, predicted: bool) -> Count:
    return c.predicted_negative if predicted else c.observed_negative


def demographic_disparity(
    d_by_subgroup: Sequence[Cells], all_by_subgroup: Sequence[Cells], *, predicted: bool
) -> Ratio:
    """CDD's arithmetic: Σ n_i·(D_i − A_i) / Σ n_i.

    Defined when the subgroups hold some positive and some negative label (predicted labels
    for CDDPL).
    """
    weighted: Ratio = 0.0
    n: Count = 0
    for d_i, all_i in zip(d_by_subgroup, all_by_subgroup, strict=True):
        accepted = divide(_positives(d_i, predicted), _positives(all_i, predicted))
        rejected = divide(_negatives(d_i, predicted), _negatives(all_i, predicted))
        weighted = weighted + all_i.n * (rejected - accepted)
        n = n + all_i.n
    return divide(weighted, n)  # 0 when no row has a group value (smclarify's divide)


def conditional_demographic_disparity(split: FacetSplit, *, predicted: bool) -> MetricValue:
    """CDDL (observed labels) or CDDPL (``predicted=True``): Σ n_i·(D_i − A_i) / Σ n_i.

    ``A_i`` is facet d's share of subgroup i's positives, ``D_i`` its share of the negatives;
    a share with a zero denominator is 0 (subgroup counts, as smclarify's code — spec §3).
    A row without a group value is in no subgroup (smclarify's NaN subgroup holds no row:
    NaN equals nothing) but counts in the checks for positive and negative labels.
    """
    code = "CDDPL" if predicted else "CDDL"
    if not split.has_subgroups:
        return MetricValue(code, None, "Group variable is empty or not provided")
    total = split.d.plus(split.a)
    if _positives(total, predicted) == 0:
        return MetricValue(code, None, "No positive labels in set")
    if _negatives(total, predicted) == 0:
        return MetricValue(code, None, "No negative labels in set")
    value = demographic_disparity(split.d_by_subgroup, split.all_by_subgroup, predicted=predicted)
    return MetricValue(code, float(value))


def pre_training_from_counts(split: FacetSplit) -> tuple[MetricValue, ...]:
    """CDDL, CI, DPL, JS, KL, KS, LP and TVD of one facet split, sorted by code."""
    counts_a, counts_d = label_counts(split.a), label_counts(split.d)
    return (
        conditional_demographic_disparity(split, predicted=False),
        class_imbalance(split.d, split.a),
        positive_proportion_difference(split.d, split.a),
        jensen_shannon(counts_a, counts_d),
        kl_divergence(counts_a, counts_d),
        kolmogorov_smirnov(counts_a, counts_d),
        lp_norm(counts_a, counts_d),
        total_variation_distance(counts_a, counts_d),
    )
