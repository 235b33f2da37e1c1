"""The facet value groups of a bias detector's counts, and the metrics reported for each.

A facet configured with values (categorical) or a threshold (continuous) has one group:
facet d, counted under the key ``True``, whose ``value_or_threshold`` is the configured
values, or the interval ``"(t, max]"`` up to the column's running maximum. A
one-versus-all facet (no values configured) has one group per facet value counted, in
order of first appearance; the shared overflow bucket is not a value and gets no group.

For each group this module assembles what a detector reports from its counts (and, for
FT, its sampled rows): the value of one metric (the reading), the entries of both stages
(analysis.json), and bootstrap intervals of the count-based metrics (the bias drift
check's bootstrap mode). The formulas themselves live in :mod:`detectors.bias.report`.

Examples
--------
>>> from detectors.bias.counts import BiasCounts
>>> counts = BiasCounts(max_facet_values=4, max_subgroups=4)
>>> for sex, y, yhat in [("F", 1, 1), ("F", 0, 1), ("M", 1, 0), ("M", 0, 0)]:
...     counts.add(sex, None, observed=bool(y), predicted=bool(yhat))
>>> [g.value_or_threshold for g in facet_groups(counts, None, None)]
['F', 'M']
>>> metric_value(counts, None, "F", "DPPL")  # q̂a − q̂d = 0/2 − 2/2
-1.0
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Sequence
from typing import NamedTuple

from detectors.bias.analysis import POST_TRAINING_CODES, PRE_TRAINING_CODES, FacetEntry
from detectors.bias.counts import OTHER, BiasCounts
from detectors.bias.drift_check import IntervalKey, bootstrap_intervals
from detectors.bias.flip_test import RowSample
from detectors.bias.metrics import MetricValue
from detectors.bias.report import flip_test_metric, post_training_metrics, pre_training_metrics
from detectors.bias.selection import ValueSelector

__all__ = ["FacetGroup", "count_intervals", "facet_groups", "metric_value", "stage_entries"]


class FacetGroup(NamedTuple):
    """One facet value group: its key in the counts and how analysis.json names it."""

    key: Hashable  # True (facet d of the configured values), or the facet value itself
    value_or_threshold: str
    configured_value: str | None  # configured values, comma-separated; None: one-versus-all


def facet_groups(
    counts: BiasCounts, facet: ValueSelector | None, facet_max: int | float | None
) -> list[FacetGroup]:
    """The groups to report: one per ``facet`` selector, or per value counted (``None``)."""
    if facet is None:
        return [FacetGroup(k, str(k), None) for k in counts.facet_keys if k != OTHER]
    configured = ",".join(str(v) for v in facet.values)
    return [FacetGroup(True, facet.display(facet_max), configured)]


def metric_value(
    counts: BiasCounts,
    sample: RowSample | None,
    key: Hashable,
    code: str,
    n_non_numeric: int = 0,
) -> float | None:
    """Metric ``code`` of group ``key`` (FT from ``sample``); None when the metric errors."""
    split = counts.facet_split(key)
    if code in PRE_TRAINING_CODES:
        metrics: tuple[MetricValue, ...] = pre_training_metrics(split)
    else:
        flip = flip_test_metric(sample, key, n_non_numeric) if code == "FT" else None
        metrics = post_training_metrics(split, flip)
    return next(m.value for m in metrics if m.code == code)


def stage_entries(
    groups: Sequence[FacetGroup],
    counts: BiasCounts,
    sample: RowSample | None,
    n_non_numeric: int = 0,
) -> tuple[tuple[FacetEntry, ...], tuple[FacetEntry, ...]]:
    """The pre-training and the post-training entries of the groups, in group order."""
    pre, post = [], []
    for group in groups:
        split = counts.facet_split(group.key)
        shown, configured = group.value_or_threshold, group.configured_value
        pre.append(FacetEntry(shown, pre_training_metrics(split), configured))
        flip = flip_test_metric(sample, group.key, n_non_numeric)
        post.append(FacetEntry(shown, post_training_metrics(split, flip), configured))
    return tuple(pre), tuple(post)


def count_intervals(
    groups: Sequence[FacetGroup],
    counts: BiasCounts,
    facet_name: str,
    *,
    n_resamples: int,
    confidence: float,
    seed: int,
    codes: Collection[str] | None = None,
) -> dict[IntervalKey, tuple[float, float]]:
    """Bootstrap intervals of the count-based metrics (all but FT, or only ``codes``).

    A metric without an interval (no finite value) is left out.
    """
    wanted = [
        code
        for code in PRE_TRAINING_CODES + POST_TRAINING_CODES
        if code != "FT" and (codes is None or code in codes)
    ]
    out = {}
    for group in groups:
        intervals = bootstrap_intervals(
            counts, group.key, wanted, n_resamples=n_resamples, confidence=confidence, seed=seed
        )
        for code, ci in intervals.items():
            out[(facet_name, group.value_or_threshold, code)] = ci
    return out
