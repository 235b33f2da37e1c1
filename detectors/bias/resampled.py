"""Count-based bias metrics of many bootstrap resamples at once (spec §6.3, bootstrap mode).

A resample redraws the counts of every (facet key, subgroup) cell of a :class:`BiasCounts`;
its metric values are those of the table rebuilt from the redrawn cells. Instead of
rebuilding one table per resample, the cells of all resamples are summed into arrays (one
element per resample) and the metric formulas of :mod:`detectors.bias.metrics` and
:mod:`detectors.bias.pretraining` run once on those arrays — the same formulas, the same
rules: a resample where a metric has no value (an empty facet, no predicted positive, no
subgroup…) or a non-finite one gives no value for it. The distribution metrics (JS, KL,
KS, LP, TVD) are still computed one resample at a time.

Examples
--------
>>> counts = BiasCounts(max_facet_values=4, max_subgroups=4)
>>> counts.add_cells(True, None, [3, 1, 1, 5])
(True, None)
>>> counts.add_cells(False, None, [1, 2, 2, 5])
(False, None)
>>> draws = np.array([[[3, 1, 1, 5], [1, 2, 2, 5]], [[0, 0, 0, 0], [1, 2, 2, 5]]])
>>> {c: v.tolist() for c, v in resampled_values(counts, True, ["DPPL", "CI"], draws).items()}
{'DPPL': [-0.1], 'CI': [0.0]}
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np
from numpy.typing import NDArray

from detectors.bias.counts import BiasCounts, ConfusionArrays
from detectors.bias.metrics import TWO_FACET_FORMULAS, Ratio, generalized_entropy_of
from detectors.bias.pretraining import PRE_TRAINING_FORMULAS, demographic_disparity
from detectors.bias.report import count_metrics

__all__ = ["ARRAY_CODES", "resampled_values", "values_one_at_a_time"]

ARRAY_CODES = frozenset({*TWO_FACET_FORMULAS, *PRE_TRAINING_FORMULAS, "GE", "CDDL", "CDDPL"})
"""The metrics computed for all resamples at once."""

Mask = NDArray[np.bool_]


class _Resamples:
    """Facet d, facet a and per-subgroup counts of each resample, as arrays."""

    def __init__(self, counts: BiasCounts, d_key: Hashable, draws: NDArray[np.int64]) -> None:
        # the table a resample rebuilds: caps applied again, subgroups in its own order
        rebuilt = BiasCounts(
            max_facet_values=counts.max_facet_values, max_subgroups=counts.max_subgroups
        )
        placed = [rebuilt.add_cells(k, g, c) for k, g, c in counts.rows()]
        in_d = np.array([k == d_key for k, _ in placed], dtype=np.int64)
        self.subgroups = rebuilt.subgroups
        self.draws = draws
        self.in_d = in_d
        self.placed = placed
        total_cells = draws.sum(axis=1)
        d_cells = np.einsum("rjc,j->rc", draws, in_d)
        self.total = ConfusionArrays.from_cells(total_cells)
        self.d = ConfusionArrays.from_cells(d_cells)
        self.a = ConfusionArrays.from_cells(total_cells - d_cells)

    def by_subgroup(self) -> tuple[list[ConfusionArrays], list[ConfusionArrays]]:
        """Facet d's and all rows' counts of each subgroup, in the rebuilt table's order."""
        index = {g: i for i, g in enumerate(self.subgroups)}
        member = np.zeros((len(self.placed), len(self.subgroups)), dtype=np.int64)
        for j, (_, g) in enumerate(self.placed):
            member[j, index[g]] = 1
        all_g = np.einsum("rjc,jg->grc", self.draws, member)
        d_g = np.einsum("rjc,jg->grc", self.draws, member * self.in_d[:, None])
        return (
            [ConfusionArrays.from_cells(c) for c in d_g],
            [ConfusionArrays.from_cells(c) for c in all_g],
        )

    def both_facets(self) -> Mask:
        """Resamples where neither facet is empty."""
        return (self.d.n > 0) & (self.a.n > 0)

    def some_predicted_positive(self) -> Mask:
        """Resamples with a predicted positive (else every post-training metric errors)."""
        return self.total.predicted_positive > 0


def _value_and_mask(resamples: _Resamples, code: str) -> tuple[Ratio, Mask]:
    d, a, total = resamples.d, resamples.a, resamples.total
    if code in TWO_FACET_FORMULAS:
        mask = resamples.both_facets() & resamples.some_predicted_positive()
        return TWO_FACET_FORMULAS[code](d, a), mask
    if code in PRE_TRAINING_FORMULAS:
        return PRE_TRAINING_FORMULAS[code](d, a), resamples.both_facets()
    if code == "GE":
        mean_benefit = 2 * total.fp + total.tp + total.tn
        mask = resamples.some_predicted_positive() & (total.n > 0) & (mean_benefit > 0)
        return generalized_entropy_of(total), mask
    # CDDL, CDDPL
    predicted = code == "CDDPL"
    has_subgroups = any(g is not None for g in resamples.subgroups)
    positives = total.predicted_positive if predicted else total.observed_positive
    negatives = total.predicted_negative if predicted else total.observed_negative
    mask = (positives > 0) & (negatives > 0) & has_subgroups
    if predicted:
        mask &= resamples.some_predicted_positive()
    if not has_subgroups:
        return np.zeros(len(mask)), mask
    d_by, all_by = resamples.by_subgroup()
    groups = [i for i, g in enumerate(resamples.subgroups) if g is not None]  # None: no group
    d_by, all_by = [d_by[i] for i in groups], [all_by[i] for i in groups]
    return demographic_disparity(d_by, all_by, predicted=predicted), mask


def resampled_values(
    counts: BiasCounts, d_key: Hashable, codes: Sequence[str], draws: NDArray[np.int64]
) -> dict[str, NDArray[np.float64]]:
    """The finite values of each metric over the resamples, in resample order.

    ``draws[r, j]`` are the four counts ``TP, FP, FN, TN`` of resample ``r`` in the ``j``-th
    cell of ``counts.rows()``.
    """
    out: dict[str, NDArray[np.float64]] = {}
    array_codes = [c for c in codes if c in ARRAY_CODES]
    if array_codes:
        resamples = _Resamples(counts, d_key, draws)
        for code in array_codes:
            value, mask = _value_and_mask(resamples, code)
            values = np.broadcast_to(np.asarray(value, dtype=np.float64), mask.shape)
            out[code] = values[mask & np.isfinite(values)]
    others = [c for c in codes if c not in ARRAY_CODES]
    if others:
        out.update(values_one_at_a_time(counts, d_key, others, draws))
    return out


def values_one_at_a_time(
    counts: BiasCounts, d_key: Hashable, codes: Sequence[str], draws: NDArray[np.int64]
) -> dict[str, NDArray[np.float64]]:
    """:func:`resampled_values` by rebuilding a :class:`BiasCounts` per resample: any code."""
    values: dict[str, list[float]] = {c: [] for c in codes}
    keys = [(k, g) for k, g, _ in counts.rows()]
    for draw in draws:
        resample = BiasCounts(
            max_facet_values=counts.max_facet_values, max_subgroups=counts.max_subgroups
        )
        for (k, g), c in zip(keys, draw.tolist(), strict=True):
            resample.add_cells(k, g, c)
        for code, metric in count_metrics(resample, d_key, codes).items():
            v = metric.value
            if v is not None and np.isfinite(v):
                values[code].append(v)
    return {c: np.array(v, dtype=np.float64) for c, v in values.items()}
