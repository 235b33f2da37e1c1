"""Per-class counts of scores in fixed bins of [0, 1]: AUC, ROC and precision-recall curves.

Bin ``k`` of ``B`` holds scores in ``(k/B, (k+1)/B]`` (bin 0 also holds 0). The state is two
arrays of ``B`` counts, so it is bounded, and merging is an exact element-wise sum.

AUC error bound
---------------
The exact AUC is the Mann-Whitney statistic: over all (positive, negative) pairs, 1 when the
positive scores higher, ½ on a tie, 0 otherwise. The binned AUC scores every pair in the same
way except pairs that share a bin, which it counts as ½ whatever their order. A bin index is a
non-decreasing function of the score, so pairs in different bins are ordered exactly as their
scores are. Each same-bin pair is therefore off by at most ½, and

    |AUC_binned − AUC_exact| ≤ ½ · Σ_k pos_k · neg_k / (P · N),

which :meth:`ScoreHistogram.auc_error_bound` reports from the state itself. For scores with
bounded densities f₊, f₋ the right side is about ½ · ∫ f₊ f₋ / B, e.g. ≤ 0.5 · max f₋ / B;
with the default 10 000 bins it is below 1e-4 for any density under 2. Exact ties (identical
scores) are ½ in both, so a model emitting few distinct scores loses nothing.

Examples
--------
>>> h = ScoreHistogram(bins=10)
>>> for actual, score in [(1, 0.9), (0, 0.8), (1, 0.7), (0, 0.1)]:
...     h.update(actual, score)
>>> h.auc(), h.auc_error_bound()
(0.75, 0.0)
>>> h.roc_curve().true_positive_rates
(0.0, 0.5, 0.5, 1.0, 1.0)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from detectors.base import bytes_from_text, bytes_to_text
from detectors.model_quality.formulas import ratio

__all__ = ["Curve", "ScoreHistogram"]

Counts = npt.NDArray[np.int64]


class Curve(NamedTuple):
    """ROC and precision-recall points at descending thresholds ``k / bins``."""

    thresholds: tuple[float, ...]
    false_positive_rates: tuple[float, ...]
    true_positive_rates: tuple[float, ...]
    precisions: tuple[float, ...]


class ScoreHistogram:
    """Counts of positive and negative scores per bin; empty AUC is 0.0 (0/0 rule)."""

    def __init__(self, *, bins: int) -> None:
        if bins < 1:
            msg = f"bins must be >= 1, got {bins}"
            raise ValueError(msg)
        self.bins = bins
        self.positives: Counts = np.zeros(bins, dtype=np.int64)  # merge: sum
        self.negatives: Counts = np.zeros(bins, dtype=np.int64)  # merge: sum

    def bin_of(self, score: float) -> int:
        """Return the bin of a score (clipped to [0, 1])."""
        return max(min(math.ceil(score * self.bins), self.bins) - 1, 0)

    def update(self, actual: int, score: float) -> None:
        """Count one score of a row whose actual label is ``actual`` (0 or 1)."""
        counts = self.positives if actual else self.negatives
        counts[self.bin_of(score)] += 1

    def update_many(self, actuals: npt.NDArray[np.int64], scores: npt.NDArray[np.float64]) -> None:
        """Count a batch; equals ``update`` in a loop."""
        index = np.clip(np.ceil(scores * self.bins), 1, self.bins).astype(np.int64) - 1
        self.positives += np.bincount(index[actuals == 1], minlength=self.bins)
        self.negatives += np.bincount(index[actuals == 0], minlength=self.bins)

    def merge(self, other: ScoreHistogram) -> None:
        """Add another histogram with the same number of bins."""
        if other.bins != self.bins:
            msg = f"cannot merge histograms of {other.bins} and {self.bins} bins"
            raise ValueError(msg)
        self.positives += other.positives
        self.negatives += other.negatives

    @property
    def count(self) -> int:
        """Rows counted."""
        return int(self.positives.sum() + self.negatives.sum())

    def auc(self) -> float:
        """Area under the ROC curve (trapezoids between bins = Mann-Whitney with bin ties)."""
        pos, neg = self.positives[::-1].astype(np.float64), self.negatives[::-1].astype(np.float64)
        above = np.cumsum(pos) - pos
        return ratio(float(np.dot(neg, above + 0.5 * pos)), float(pos.sum() * neg.sum()))

    def auc_error_bound(self) -> float:
        """Upper bound on ``|auc() − exact AUC|`` for the rows counted (see module docstring)."""
        pos, neg = self.positives.astype(np.float64), self.negatives.astype(np.float64)
        return ratio(0.5 * float(np.dot(pos, neg)), float(pos.sum() * neg.sum()))

    def roc_curve(self) -> Curve:
        """Points at the thresholds ``k / bins`` of non-empty bins, from (0, 0) to (1, 1).

        The point at threshold ``k / bins`` counts scores ``> k / bins`` as positive (the last
        point counts every row). Precision is 1.0 at the first point, where nothing is
        predicted positive, as in scikit-learn's ``precision_recall_curve``.
        """
        keep = np.flatnonzero((self.positives + self.negatives)[::-1])
        tps: list[float] = np.cumsum(self.positives[::-1])[keep].astype(np.float64).tolist()
        fps: list[float] = np.cumsum(self.negatives[::-1])[keep].astype(np.float64).tolist()
        n_pos, n_neg = float(self.positives.sum()), float(self.negatives.sum())
        thresholds = [1.0] + [(self.bins - 1 - int(k)) / self.bins for k in keep]
        return Curve(
            thresholds=tuple(thresholds),
            false_positive_rates=(0.0, *(ratio(f, n_neg) for f in fps)),
            true_positive_rates=(0.0, *(ratio(t, n_pos) for t in tps)),
            precisions=(1.0, *(ratio(t, t + f) for t, f in zip(tps, fps, strict=True))),
        )

    def thinned(self, rng: np.random.Generator, fraction: float) -> ScoreHistogram:
        """Counts of a Bernoulli(``fraction``) subsample of the rows (binomial per bin)."""
        out = ScoreHistogram(bins=self.bins)
        out.positives = rng.binomial(self.positives, fraction).astype(np.int64)
        out.negatives = rng.binomial(self.negatives, fraction).astype(np.int64)
        return out

    def to_state(self) -> dict[str, Any]:
        """Return JSON-safe counts of the non-empty bins only: their indices and both counts.

        Little-endian arrays as base64 text: int32 bin indices (ascending) under ``at``,
        int64 counts under ``positives_at`` and ``negatives_at``. A window of ``n`` rows fills
        at most ``n`` of the 10,000 bins, so its state is that size, not 160 KB of zeros.

        >>> h = ScoreHistogram(bins=10_000)
        >>> h.update(1, 0.25); h.update(0, 0.25); h.update(0, 0.9)
        >>> state = h.to_state()
        >>> sorted(state), len(state["at"])  # two bins: 8 bytes of indices, as base64
        (['at', 'bins', 'negatives_at', 'positives_at'], 12)
        >>> restored = ScoreHistogram.from_state(state)
        >>> bool((restored.positives == h.positives).all() and restored.count == 3)
        True
        """
        at = np.flatnonzero(self.positives + self.negatives)
        return {
            "bins": self.bins,
            "at": bytes_to_text(at.astype("<i4").tobytes()),
            "positives_at": bytes_to_text(self.positives[at].astype("<i8").tobytes()),
            "negatives_at": bytes_to_text(self.negatives[at].astype("<i8").tobytes()),
        }

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> ScoreHistogram:
        """Rebuild from :meth:`to_state` output.

        The dense arrays earlier versions wrote (``positives`` and ``negatives``, ``bins``
        counts each) still load: snapshots and partials of a running deployment. ValueError
        for a state no histogram writes: ``bins`` not a whole number, a negative count.
        """
        bins = state["bins"]
        if not isinstance(bins, int | np.integer) or isinstance(bins, bool):
            msg = f"bins must be a whole number, got {bins!r}"[:200]
            raise ValueError(msg)
        out = cls(bins=int(bins))
        if "at" not in state:
            for name in ("positives", "negatives"):
                counts = _counts(state[name])
                if counts.size != out.bins:
                    msg = f"{name} holds {counts.size} counts, expected {out.bins}"
                    raise ValueError(msg)
                setattr(out, name, _non_negative(counts, name))
            return out
        at = np.frombuffer(bytes_from_text(state["at"]), dtype="<i4").astype(np.int64)
        if at.size and (at[0] < 0 or at[-1] >= out.bins or (np.diff(at) <= 0).any()):
            msg = f"bin indices must ascend within 0..{out.bins - 1}"
            raise ValueError(msg)
        for name in ("positives", "negatives"):
            counts = _counts(state[f"{name}_at"])
            if counts.size != at.size:
                msg = f"{name}_at holds {counts.size} counts for {at.size} bins"
                raise ValueError(msg)
            getattr(out, name)[at] = _non_negative(counts, f"{name}_at")
        return out


def _non_negative(counts: Counts, name: str) -> Counts:
    """``counts``, or ValueError naming ``name`` when one is negative (no histogram writes it)."""
    if (counts < 0).any():
        msg = f"{name} holds a negative count"
        raise ValueError(msg)
    return counts


def _counts(text: str) -> Counts:
    """Little-endian int64 counts from base64 text."""
    return np.frombuffer(bytes_from_text(text), dtype="<i8").astype(np.int64)


def exact_auc(actuals: npt.ArrayLike, scores: npt.ArrayLike) -> float | None:
    """The Mann-Whitney AUC of 0/1 ``actuals`` by ``scores`` (ties ½); None without both classes.

    What the histogram's :meth:`ScoreHistogram.auc` approximates, for a baseline that has
    every score at hand (scikit-learn's ``roc_auc_score``).

    >>> exact_auc([1, 0, 1, 0], [0.9, 0.8, 0.7, 0.1]), exact_auc([1, 0], [0.5, 0.5])
    (0.75, 0.5)
    >>> exact_auc([1, 1], [0.2, 0.3]) is None
    True
    """
    y = np.asarray(actuals, dtype=np.int8)
    s = np.asarray(scores, dtype=np.float64)
    positives = int(y.sum())
    negatives = y.size - positives
    if positives == 0 or negatives == 0:
        return None
    _, tie_group, tied = np.unique(s, return_inverse=True, return_counts=True)
    last_rank = np.cumsum(tied)  # ranks 1..n in score order; a tie group shares its mean
    mean_rank = (last_rank - (tied - 1) / 2.0)[tie_group]
    u = float(mean_rank[y == 1].sum()) - positives * (positives + 1) / 2.0
    return u / (positives * negatives)
