"""Facet entries of a bias report from counts (and, for FT, sampled rows).

Examples
--------
>>> from detectors.bias.counts import BiasCounts
>>> counts = BiasCounts(max_facet_values=4, max_subgroups=4)
>>> for facet, y, yhat in [(True, 1, 1), (True, 0, 0), (False, 1, 0), (False, 0, 1)]:
...     counts.add(facet, None, observed=bool(y), predicted=bool(yhat))
>>> split = counts.facet_split(True)
>>> [m.code for m in post_training_metrics(split, None)]
['AD', 'CDDPL', 'DAR', 'DCA', 'DCR', 'DI', 'DPPL', 'DRR', 'FT', 'GE', 'RD', 'SD', 'TE']
>>> count_metric(counts, True, "AD").value      # accuracy of a (0) minus that of d (1)
-1.0
"""

from __future__ import annotations

from collections.abc import Collection, Hashable

from detectors.bias.analysis import POST_TRAINING_CODES, PRE_TRAINING_CODES
from detectors.bias.counts import BiasCounts, FacetSplit
from detectors.bias.flip_test import RowSample, flip_test
from detectors.bias.metrics import (
    FACET_EMPTY,
    NEGATED_FACET_EMPTY,
    NO_PREDICTED_POSITIVES,
    MetricValue,
    post_training_from_counts,
)
from detectors.bias.pretraining import conditional_demographic_disparity, pre_training_from_counts

__all__ = [
    "NON_NUMERIC",
    "NO_FEATURES",
    "count_metric",
    "count_metrics",
    "flip_test_metric",
    "post_training_metrics",
    "pre_training_metrics",
]

NO_FEATURES = "FlipTest needs feature vectors; no row carried features"
NON_NUMERIC = "FlipTest does not support non-numeric columns"


def flip_test_metric(
    sample: RowSample | None, d_key: Hashable, n_non_numeric: int = 0
) -> MetricValue:
    """FT of facet ``d_key`` against every other key, on the sampled rows.

    ``n_non_numeric`` rows were left out for a non-numeric feature; when they are all there
    was, FT errors with Clarify's message.
    """
    if sample is None or not sample.keys:
        return MetricValue("FT", None, NON_NUMERIC if n_non_numeric else NO_FEATURES)
    d_rows = sample.rows([d_key])
    a_rows = sample.rows([k for k in sample.keys if k != d_key])
    if not d_rows:
        return MetricValue("FT", None, FACET_EMPTY)
    if not a_rows:
        return MetricValue("FT", None, NEGATED_FACET_EMPTY)
    widths = {len(r.features) for r in (*d_rows, *a_rows)}
    if len(widths) != 1:
        return MetricValue("FT", None, "FlipTest needs feature vectors of one length")
    value = flip_test(
        [r.features for r in a_rows],
        [r.predicted for r in a_rows],
        [r.features for r in d_rows],
        [r.predicted for r in d_rows],
    )
    return MetricValue("FT", value)


def pre_training_metrics(split: FacetSplit) -> tuple[MetricValue, ...]:
    """CDDL, CI, DPL, JS, KL, KS, LP, TVD, sorted by code."""
    return pre_training_from_counts(split)


def post_training_metrics(split: FacetSplit, flip: MetricValue | None) -> tuple[MetricValue, ...]:
    """All 13 post-training metrics sorted by code; ``flip`` is FT (``None``: not computed)."""
    from_counts = post_training_from_counts(split.d, split.a)
    if from_counts[0].error == NO_PREDICTED_POSITIVES:
        extra = (
            MetricValue("CDDPL", None, NO_PREDICTED_POSITIVES),
            MetricValue("FT", None, NO_PREDICTED_POSITIVES),
        )
    else:
        extra = (
            conditional_demographic_disparity(split, predicted=True),
            flip if flip is not None else MetricValue("FT", None, NO_FEATURES),
        )
    return tuple(sorted((*from_counts, *extra), key=lambda m: m.code))


def count_metric(counts: BiasCounts, d_key: Hashable, code: str) -> MetricValue:
    """Any pre- or post-training metric except FT, from counts alone."""
    return count_metrics(counts, d_key, (code,))[code]


def count_metrics(
    counts: BiasCounts, d_key: Hashable, codes: Collection[str]
) -> dict[str, MetricValue]:
    """Several count-based metrics (not FT) by code; each stage's metrics computed once.

    A bootstrap asks for a few metrics of each of its hundreds of resamples: the stage a
    code does not belong to is not computed at all.

    >>> from detectors.bias.counts import BiasCounts
    >>> counts = BiasCounts(max_facet_values=4, max_subgroups=4)
    >>> for facet, y, yhat in [(True, 1, 1), (True, 0, 1), (False, 1, 0), (False, 0, 0)]:
    ...     counts.add(facet, None, observed=bool(y), predicted=bool(yhat))
    >>> {c: m.value for c, m in count_metrics(counts, True, ("DPPL", "CI")).items()}
    {'DPPL': -1.0, 'CI': 0.0}
    """
    unknown = [c for c in codes if c not in _COUNT_CODES]  # FT needs rows, not counts
    if unknown:
        msg = f"{unknown[0]!r} is not a count-based bias metric"
        raise ValueError(msg)
    split = counts.facet_split(d_key)
    found: dict[str, MetricValue] = {}
    if any(c in PRE_TRAINING_CODES for c in codes):
        found.update((m.code, m) for m in pre_training_from_counts(split))
    if any(c in POST_TRAINING_CODES for c in codes):
        found.update((m.code, m) for m in post_training_metrics(split, None))
    return {c: found[c] for c in codes}


_COUNT_CODES = frozenset(PRE_TRAINING_CODES + POST_TRAINING_CODES) - {"FT"}
