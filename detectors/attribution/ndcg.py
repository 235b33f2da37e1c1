"""Normalized discounted cumulative gain of a live feature ranking against baseline gains.

Clarify's attribution drift check (clarify spec §7.3): the gains (relevances) are the
baseline global SHAP values, the ranking is by the live global SHAP values, and
``nDCG = DCG / iDCG`` with discount ``1 / log2(i + 1)`` at rank ``i = 1..m``. The
conventions are those of ``sklearn.metrics.ndcg_score(..., ignore_ties=False)``: features
tied in the live scores share the average of their gains over the block of ranks they
occupy, and ``iDCG = 0`` (every baseline value 0) gives 0.

Examples
--------
The documentation's example (SAT, GPA, class rank):

>>> round(ndcg([0.70, 0.50, 0.05], [0.10, 0.20, 0.70]), 7)
0.6876396
>>> ndcg([0.70, 0.50, 0.05], [0.70, 0.50, 0.05])
1.0
>>> round(ndcg([0.3, 0.2, 0.1], [0.1, 0.1, 0.1]), 6)   # all tied: gains averaged
0.894999
>>> ndcg([0.0, 0.0], [0.4, 0.1])
0.0
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

__all__ = ["dcg", "ndcg"]

FloatArray = npt.NDArray[np.float64]


def _discounts(m: int) -> FloatArray:
    """``1 / log2(i + 1)`` for ranks ``i = 1..m``."""
    return 1.0 / np.log2(np.arange(2, m + 2, dtype=np.float64))


def dcg(gains: Sequence[float] | FloatArray, scores: Sequence[float] | FloatArray) -> float:
    """Discounted cumulative gain of ``gains`` ranked by ``scores`` (descending), ties averaged.

    ``scores`` may hold ``-inf`` (ranked last); ``gains`` must be finite.
    """
    g, s = _check(gains, scores)
    if g.size == 0:
        return 0.0
    order = np.argsort(-s, kind="stable")
    ranked_scores, ranked_gains = s[order], g[order]
    discounts = _discounts(g.size)
    # blocks of equal scores: each block contributes mean(gain) * sum(discount over its ranks)
    starts = np.flatnonzero(np.r_[True, ranked_scores[1:] != ranked_scores[:-1]])
    block_gain = np.add.reduceat(ranked_gains, starts)
    block_size = np.diff(np.r_[starts, g.size])
    block_discount = np.add.reduceat(discounts, starts)
    return float(np.sum(block_gain / block_size * block_discount))


def ndcg(relevance: Sequence[float] | FloatArray, scores: Sequence[float] | FloatArray) -> float:
    """Return the nDCG of the ranking by ``scores`` with gains ``relevance`` (0 if iDCG is 0).

    Parameters
    ----------
    relevance
        Baseline global SHAP values (the gains), one per feature; finite.
    scores
        Live global SHAP values in the same feature order (the ranking); ``-inf`` ranks a
        feature last.

    Returns
    -------
    float
        In [0, 1] for non-negative relevance (1: the live ranking is the ideal one);
        negative relevances (the ``median`` aggregate) can take it outside that range.
    """
    g, _ = _check(relevance, scores)
    ideal = dcg(g, g)
    if ideal == 0.0:
        return 0.0
    return dcg(relevance, scores) / ideal


def _check(
    gains: Sequence[float] | FloatArray, scores: Sequence[float] | FloatArray
) -> tuple[FloatArray, FloatArray]:
    g = np.asarray(gains, dtype=np.float64)
    s = np.asarray(scores, dtype=np.float64)
    if g.ndim != 1 or g.shape != s.shape:
        msg = f"gains and scores must be 1-d of the same length, got shapes {g.shape} and {s.shape}"
        raise ValueError(msg)
    if not np.all(np.isfinite(g)):
        msg = "gains must be finite"
        raise ValueError(msg)
    if np.any(np.isnan(s)) or np.any(s == np.inf):
        msg = "scores must be finite or -inf"
        raise ValueError(msg)
    return g, s
