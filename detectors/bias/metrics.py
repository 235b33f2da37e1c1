"""Clarify's post-training bias metrics from confusion counts (spec §2, §4).

Every metric returns a :class:`MetricValue`; a metric that cannot be computed carries
``value=None`` and Clarify's error message instead of raising (smclarify ``MetricError``).
Ratios use :func:`divide` (``0/0 → 0``, ``a/0 → ±inf``); a difference of two ratios that
are both ``+inf`` is 0.

Examples
--------
>>> from detectors.bias.counts import Confusion
>>> d, a = Confusion(tp=2, fp=2, fn=1, tn=2), Confusion(tp=0, fp=2, fn=2, tn=1)
>>> disparate_impact(d, a).value            # 10/7
1.428571...
>>> treatment_equality(d, a).value
-0.5
>>> divide(0, 0), divide(3, 0)
(0.0, inf)
>>> difference_in_positive_proportions(Confusion(), a)
MetricValue(code='DPPL', value=None, error='Facet set is empty')
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple

from detectors.bias.counts import Confusion

__all__ = [
    "FACET_EMPTY",
    "NEGATED_FACET_EMPTY",
    "NO_PREDICTED_POSITIVES",
    "MetricValue",
    "accuracy_difference",
    "conditional_acceptance_difference",
    "conditional_rejection_difference",
    "difference",
    "difference_in_acceptance_rates",
    "difference_in_positive_proportions",
    "difference_in_rejection_rates",
    "disparate_impact",
    "divide",
    "generalized_entropy",
    "post_training_from_counts",
    "recall_difference",
    "specificity_difference",
    "treatment_equality",
]

FACET_EMPTY = "Facet set is empty"
NEGATED_FACET_EMPTY = "Negated Facet set is empty"
NO_PREDICTED_POSITIVES = (
    "No Label values are present in the predicted Label Column,"
    "Positive Predicted Index Series contains all False values"
)


class MetricValue(NamedTuple):
    """One metric of one facet group: a value, or ``None`` with Clarify's error message."""

    code: str
    value: float | None
    error: str | None = None


def divide(a: float, b: float) -> float:
    """Clarify's ``divide``: ``0/0 → 0.0``, ``a/0 → ±inf`` by the sign of ``a``, else ``a/b``."""
    if b == 0:
        if a == 0:
            return 0.0
        return math.inf if a > 0 else -math.inf
    return a / b


def difference(x: float, y: float) -> float:
    """``x − y``, except that two ``+inf`` ratios give 0 (spec §2)."""
    if x == math.inf and y == math.inf:
        return 0.0
    return x - y


def _two_facets(
    code: str, d: Confusion, a: Confusion, formula: Callable[[Confusion, Confusion], float]
) -> MetricValue:
    if d.n == 0:
        return MetricValue(code, None, FACET_EMPTY)
    if a.n == 0:
        return MetricValue(code, None, NEGATED_FACET_EMPTY)
    return MetricValue(code, float(formula(d, a)))


def difference_in_positive_proportions(d: Confusion, a: Confusion) -> MetricValue:
    """DPPL = n̂_a(1)/n_a − n̂_d(1)/n_d."""
    return _two_facets(
        "DPPL",
        d,
        a,
        lambda d, a: divide(a.predicted_positive, a.n) - divide(d.predicted_positive, d.n),
    )


def disparate_impact(d: Confusion, a: Confusion) -> MetricValue:
    """DI = q̂_d / q̂_a with :func:`divide` (both 0 → 0, only q̂_a = 0 → +inf)."""
    return _two_facets(
        "DI",
        d,
        a,
        lambda d, a: divide(divide(d.predicted_positive, d.n), divide(a.predicted_positive, a.n)),
    )


def conditional_acceptance_difference(d: Confusion, a: Confusion) -> MetricValue:
    """DCA = c_a − c_d with c = n(1)/n̂(1)."""
    return _two_facets(
        "DCA",
        d,
        a,
        lambda d, a: difference(
            divide(a.observed_positive, a.predicted_positive),
            divide(d.observed_positive, d.predicted_positive),
        ),
    )


def conditional_rejection_difference(d: Confusion, a: Confusion) -> MetricValue:
    """DCR = r_d − r_a with r = n(0)/n̂(0)."""
    return _two_facets(
        "DCR",
        d,
        a,
        lambda d, a: difference(
            divide(d.observed_negative, d.predicted_negative),
            divide(a.observed_negative, a.predicted_negative),
        ),
    )


def recall_difference(d: Confusion, a: Confusion) -> MetricValue:
    """RD = TP_a/(TP_a+FN_a) − TP_d/(TP_d+FN_d)."""
    return _two_facets(
        "RD",
        d,
        a,
        lambda d, a: difference(divide(a.tp, a.tp + a.fn), divide(d.tp, d.tp + d.fn)),
    )


def specificity_difference(d: Confusion, a: Confusion) -> MetricValue:
    """SD = TN_d/(TN_d+FP_d) − TN_a/(TN_a+FP_a)."""
    return _two_facets(
        "SD",
        d,
        a,
        lambda d, a: difference(divide(d.tn, d.tn + d.fp), divide(a.tn, a.tn + a.fp)),
    )


def difference_in_acceptance_rates(d: Confusion, a: Confusion) -> MetricValue:
    """DAR = TP_a/(TP_a+FP_a) − TP_d/(TP_d+FP_d) (precision, a − d)."""
    return _two_facets(
        "DAR",
        d,
        a,
        lambda d, a: difference(divide(a.tp, a.tp + a.fp), divide(d.tp, d.tp + d.fp)),
    )


def difference_in_rejection_rates(d: Confusion, a: Confusion) -> MetricValue:
    """DRR = TN_d/(TN_d+FN_d) − TN_a/(TN_a+FN_a)."""
    return _two_facets(
        "DRR",
        d,
        a,
        lambda d, a: difference(divide(d.tn, d.tn + d.fn), divide(a.tn, a.tn + a.fn)),
    )


def accuracy_difference(d: Confusion, a: Confusion) -> MetricValue:
    """AD = (TP_a+TN_a)/n_a − (TP_d+TN_d)/n_d."""
    return _two_facets(
        "AD",
        d,
        a,
        lambda d, a: difference(divide(a.tp + a.tn, a.n), divide(d.tp + d.tn, d.n)),
    )


def treatment_equality(d: Confusion, a: Confusion) -> MetricValue:
    """TE = FN_d/FP_d − FN_a/FP_a."""
    return _two_facets(
        "TE",
        d,
        a,
        lambda d, a: difference(divide(d.fn, d.fp), divide(a.fn, a.fp)),
    )


def generalized_entropy(total: Confusion) -> MetricValue:
    """GE (α = 2) over all rows, in closed form from the counts (spec §4.2).

    ``b = ŷ − y + 1`` scores FN 0, TP/TN 1, FP 2; GE = ½·(N·Σb²/(Σb)² − 1).
    """
    n = total.n
    if n == 0:
        return MetricValue("GE", None, "Generalized Entropy needs at least one row")
    b_sum = 2 * total.fp + total.tp + total.tn
    if b_sum == 0:
        return MetricValue("GE", None, "Generalized Entropy is undefined: mean benefit is 0")
    b_sq = 4 * total.fp + total.tp + total.tn
    return MetricValue("GE", 0.5 * (n * b_sq / (b_sum * b_sum) - 1.0))


_COUNT_METRICS: tuple[Callable[[Confusion, Confusion], MetricValue], ...] = (
    accuracy_difference,
    difference_in_acceptance_rates,
    conditional_acceptance_difference,
    conditional_rejection_difference,
    disparate_impact,
    difference_in_positive_proportions,
    difference_in_rejection_rates,
    recall_difference,
    specificity_difference,
    treatment_equality,
)


def post_training_from_counts(d: Confusion, a: Confusion) -> tuple[MetricValue, ...]:
    """DPPL, DI, DCA, DCR, RD, SD, DAR, DRR, AD, TE and GE of one facet split.

    A window without any predicted positive gives Clarify's report-level error on every
    metric instead of failing the report (spec §1.3).
    """
    total = d.plus(a)
    if total.n > 0 and total.predicted_positive == 0:
        codes = [f(d, a).code for f in _COUNT_METRICS] + ["GE"]
        return tuple(MetricValue(code, None, NO_PREDICTED_POSITIVES) for code in codes)
    return (*(f(d, a) for f in _COUNT_METRICS), generalized_entropy(total))
