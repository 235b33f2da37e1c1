"""Per-class counts of scores in buckets of relative width: AUC, ROC and precision-recall curves.

A score's bucket is its float64 value with the mantissa cut to ``precision_bits`` bits: the
buckets of each power of two are ``2**precision_bits`` equal parts of it, so their width is
relative to the score (2.4e-4 of it at the default 12 bits) over the whole real line; above
½ it is ``1 − score``'s bucket, mirrored, so that a confident model's scores near 1 are told
apart as well as a rare event's near 0. Scores 1e-6 apart near 0 or 1, raw margins,
percentages: none is coarser than a probability in the middle of [0, 1]. Only buckets that
hold a score are kept (their keys in order, and both counts), at most :data:`MAX_BUCKETS`:
past them the precision drops a bit at a time (neighbouring buckets merge, their order
kept), so the state stays the size it had with fixed bins while the error bound below,
read from the state, says what that cost. Merging sums the counts at the coarser precision
of the two.

AUC error bound
---------------
The exact AUC is the Mann-Whitney statistic: over all (positive, negative) pairs, 1 when the
positive scores higher, ½ on a tie, 0 otherwise. The bucketed AUC scores every pair in the
same way except pairs that share a bucket, which it counts as ½ whatever their order. A
bucket key is a non-decreasing function of the score, so pairs in different buckets are
ordered exactly as their scores are. Each same-bucket pair is therefore off by at most ½, and

    |AUC_bucketed − AUC_exact| ≤ ½ · Σ_k pos_k · neg_k / (P · N),

which :meth:`ScoreHistogram.auc_error_bound` reports from the state itself. It is below 1e-4
for the usual score distributions, at any scale; exact ties (identical scores) are ½ in
both, so a model emitting few distinct scores loses nothing.

Examples
--------
>>> h = ScoreHistogram()
>>> for actual, score in [(1, 0.9), (0, 0.8), (1, 0.7), (0, 0.1)]:
...     h.update(actual, score)
>>> h.auc(), h.auc_error_bound()
(0.75, 0.0)
>>> h.roc_curve().true_positive_rates
(0.0, 0.5, 0.5, 1.0, 1.0)
>>> tiny = ScoreHistogram()  # probabilities 1e-6 apart are told apart, as are margins
>>> tiny.update_many(np.array([1, 0, 1, 0]), np.array([3e-6, 2e-6, -40.0, -41.0]))
>>> tiny.auc()
0.75
"""

from __future__ import annotations

import math
import struct
from collections.abc import Mapping
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from detectors.base import bytes_from_text, bytes_to_text
from detectors.model_quality.formulas import ratio

__all__ = ["DEFAULT_PRECISION_BITS", "MAX_BUCKETS", "Curve", "ScoreHistogram"]

Counts = npt.NDArray[np.int64]

DEFAULT_PRECISION_BITS = 12  # buckets 2.4e-4 of the score wide: 4,096 per power of two
_MANTISSA_BITS = 52
MAX_PRECISION_BITS = 51  # keys of scores from -1e308 to 1e308 stay within an int64
_MAGNITUDE = 0x7FFF_FFFF_FFFF_FFFF  # a float64's bits without its sign
_FLOAT = struct.Struct("<d")
_INT = struct.Struct("<q")
_EMPTY = np.zeros(0, dtype=np.int64)
MAX_BUCKETS = 10_000  # at most 10,000 buckets hold scores (the fixed bins of before: 10,000)
_COMPACT_AT = 4096  # scores waiting before they are counted into the buckets (at least)
# The curves keep at most this many points (evenly spread over the buckets that hold scores,
# the ends kept): a window's statistics stay the size they had with 10,000 fixed bins.
MAX_CURVE_POINTS = 10_001


class Curve(NamedTuple):
    """ROC and precision-recall points at descending thresholds: scores >= one are positive."""

    thresholds: tuple[float, ...]
    false_positive_rates: tuple[float, ...]
    true_positive_rates: tuple[float, ...]
    precisions: tuple[float, ...]


class ScoreHistogram:
    """Counts of positive and negative scores per bucket; empty AUC is 0.0 (0/0 rule)."""

    def __init__(self, *, precision_bits: int = DEFAULT_PRECISION_BITS) -> None:
        if not 0 <= precision_bits <= MAX_PRECISION_BITS:
            msg = f"precision_bits must be in 0..{MAX_PRECISION_BITS}, got {precision_bits}"
            raise ValueError(msg)
        self._set_precision(precision_bits)
        self._keys: Counts = _EMPTY  # ascending bucket keys that hold a score
        self._positives: Counts = _EMPTY  # merge: sum per key
        self._negatives: Counts = _EMPTY  # merge: sum per key
        self._waiting: list[tuple[Counts, Counts, Counts]] = []  # keys, positives, negatives
        self._waiting_rows = 0
        self._one_scores: list[float] = []  # single updates, keyed at the next compaction
        self._one_actuals: list[int] = []

    def key_of(self, score: float) -> int:
        """The bucket key of a score; keys are ordered as the scores are.

        Up to ½ it is the score's float64 bits with the mantissa cut, less ½'s (so ½ is key
        0); above, ``1 − score``'s mirrored, so that scores near 1 (a confident model's)
        have the resolution scores near 0 have. At most 51 bits keep every key in an int64.
        """
        if score <= 0.5:
            return self._bucket(score) - self._half
        return self._half - self._bucket(1.0 - score)

    def keys_of(self, scores: npt.ArrayLike) -> Counts:
        """:meth:`key_of` of each score."""
        s = np.ascontiguousarray(scores, dtype=np.float64)
        upper = s > 0.5
        buckets = self._buckets(np.where(upper, 1.0 - s, s))
        return np.where(upper, self._half - buckets, buckets - self._half)

    def lowest_score(self, key: int) -> float:
        """The lowest score of a bucket (``score >= it`` holds for each of its scores)."""
        if key <= 0:
            return self._lowest(key + self._half)
        score = 1.0 - self._highest(self._half - key)  # rounded beyond 2: a step or two off
        while score > 0.5 and self.key_of(math.nextafter(score, -math.inf)) >= key:
            score = math.nextafter(score, -math.inf)
        while self.key_of(score) < key:
            score = math.nextafter(score, math.inf)
        return score

    def _bucket(self, value: float) -> int:
        bits: int = _INT.unpack(_FLOAT.pack(value))[0]
        bucket = (bits & _MAGNITUDE) >> self._shift
        return -bucket if bits < 0 else bucket

    def _buckets(self, values: npt.NDArray[np.float64]) -> Counts:
        bits = values.view(np.int64)
        buckets = (bits & _MAGNITUDE) >> self._shift
        return np.where(bits < 0, -buckets, buckets)

    def _lowest(self, bucket: int) -> float:
        """The lowest value whose :meth:`_bucket` is ``bucket``."""
        if bucket > 0:
            return _float(bucket << self._shift)
        return -_float(((-bucket + 1) << self._shift) - 1)

    def _highest(self, bucket: int) -> float:
        """The highest value whose :meth:`_bucket` is ``bucket``."""
        if bucket >= 0:
            return _float(((bucket + 1) << self._shift) - 1)
        return -_float(-bucket << self._shift)

    def update(self, actual: int, score: float) -> None:
        """Count one score of a row whose actual label is ``actual`` (0 or 1)."""
        self._one_scores.append(score)
        self._one_actuals.append(1 if actual else 0)
        if len(self._one_scores) >= max(_COMPACT_AT, self._keys.size):
            self._compact()

    def update_many(self, actuals: npt.NDArray[np.int64], scores: npt.NDArray[np.float64]) -> None:
        """Count a batch; equals ``update`` in a loop."""
        positive = (np.asarray(actuals) == 1).astype(np.int64)
        self._wait(self.keys_of(scores), positive, 1 - positive)

    def merge(self, other: ScoreHistogram) -> None:
        """Add another histogram; the sum has the coarser precision of the two."""
        bits = min(self.precision_bits, other.precision_bits)
        if self.precision_bits > bits:
            self._coarsen(bits)
        other._compact()
        self._wait(other._recast(other._keys, bits), other._positives, other._negatives)

    @property
    def keys(self) -> Counts:
        """The keys of the buckets that hold a score, ascending."""
        self._compact()
        return self._keys

    @property
    def positives(self) -> Counts:
        """Positive rows per bucket of :attr:`keys`."""
        self._compact()
        return self._positives

    @property
    def negatives(self) -> Counts:
        """Negative rows per bucket of :attr:`keys`."""
        self._compact()
        return self._negatives

    @property
    def count(self) -> int:
        """Rows counted."""
        return int(self.positives.sum() + self.negatives.sum())

    def auc(self) -> float:
        """Area under the ROC curve (trapezoids between buckets = Mann-Whitney, bucket ties)."""
        pos = self.positives[::-1].astype(np.float64)
        neg = self.negatives[::-1].astype(np.float64)
        above = np.cumsum(pos) - pos
        return ratio(float(np.dot(neg, above + 0.5 * pos)), float(pos.sum() * neg.sum()))

    def auc_error_bound(self) -> float:
        """Upper bound on ``|auc() − exact AUC|`` for the rows counted (see module docstring)."""
        pos, neg = self.positives.astype(np.float64), self.negatives.astype(np.float64)
        return ratio(0.5 * float(np.dot(pos, neg)), float(pos.sum() * neg.sum()))

    def roc_curve(self) -> Curve:
        """Points at the lowest score of each bucket, descending, from (0, 0) to (1, 1).

        The point at threshold ``t`` counts scores ``>= t`` as positive, as scikit-learn's
        ``roc_curve`` does (the last point counts every row); the first, at ``inf``, none.
        Precision is 1.0 there, as in scikit-learn's ``precision_recall_curve``. Beyond
        :data:`MAX_CURVE_POINTS` buckets, points evenly spread over them are kept.
        """
        keys = self.keys[::-1]
        tps = np.cumsum(self._positives[::-1]).astype(np.float64)
        fps = np.cumsum(self._negatives[::-1]).astype(np.float64)
        if keys.size >= MAX_CURVE_POINTS:
            spread = np.linspace(0, keys.size - 1, MAX_CURVE_POINTS - 1).round()
            kept = np.unique(spread.astype(np.int64))
            keys, tps, fps = keys[kept], tps[kept], fps[kept]
        n_pos, n_neg = float(self._positives.sum()), float(self._negatives.sum())
        thresholds = [math.inf] + [self.lowest_score(int(k)) for k in keys]
        t, f = tps.tolist(), fps.tolist()
        return Curve(
            thresholds=tuple(thresholds),
            false_positive_rates=(0.0, *(ratio(x, n_neg) for x in f)),
            true_positive_rates=(0.0, *(ratio(x, n_pos) for x in t)),
            precisions=(1.0, *(ratio(a, a + b) for a, b in zip(t, f, strict=True))),
        )

    def thinned(self, rng: np.random.Generator, fraction: float) -> ScoreHistogram:
        """Counts of a Bernoulli(``fraction``) subsample of the rows (binomial per bucket)."""
        out = ScoreHistogram(precision_bits=self.precision_bits)
        out._keys = self.keys
        out._positives = rng.binomial(self._positives, fraction).astype(np.int64)
        out._negatives = rng.binomial(self._negatives, fraction).astype(np.int64)
        return out

    def to_state(self) -> dict[str, Any]:
        """Return JSON-safe counts of the buckets that hold a score: their keys and both counts.

        Little-endian int64 arrays as base64 text: the keys (ascending) under ``keys``, the
        counts under ``positives_at`` and ``negatives_at``.

        >>> h = ScoreHistogram()
        >>> h.update(1, 0.25); h.update(0, 0.25); h.update(0, 0.9)
        >>> state = h.to_state()
        >>> sorted(state), len(state["keys"])  # two buckets: 16 bytes of keys, as base64
        (['keys', 'negatives_at', 'positives_at', 'precision_bits'], 24)
        >>> restored = ScoreHistogram.from_state(state)
        >>> bool((restored.positives == h.positives).all() and restored.count == 3)
        True
        """
        return {
            "precision_bits": self.precision_bits,
            "keys": bytes_to_text(self.keys.astype("<i8").tobytes()),
            "positives_at": bytes_to_text(self._positives.astype("<i8").tobytes()),
            "negatives_at": bytes_to_text(self._negatives.astype("<i8").tobytes()),
        }

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> ScoreHistogram:
        """Rebuild from :meth:`to_state` output.

        The fixed bins of [0, 1] earlier versions wrote (``bins``, and either the non-empty
        bins ``at`` or dense ``positives`` and ``negatives``: snapshots and partials of a
        running deployment) still load: each bin's rows go to the bucket of its top score,
        so their order and ties are kept. ValueError for a state no histogram writes.
        """
        if "precision_bits" not in state:
            return _from_fixed_bins(state)
        bits = state["precision_bits"]
        if not isinstance(bits, int | np.integer) or isinstance(bits, bool):
            msg = f"precision_bits must be a whole number, got {bits!r}"[:200]
            raise ValueError(msg)
        out = cls(precision_bits=int(bits))
        keys = _counts(state["keys"])
        if keys.size and (np.diff(keys) <= 0).any():
            msg = "bucket keys must ascend"
            raise ValueError(msg)
        counts = []
        for name in ("positives", "negatives"):
            values = _counts(state[f"{name}_at"])
            if values.size != keys.size:
                msg = f"{name}_at holds {values.size} counts for {keys.size} buckets"
                raise ValueError(msg)
            counts.append(_non_negative(values, f"{name}_at"))
        out._keys, (out._positives, out._negatives) = keys, counts
        return out

    def _wait(self, keys: Counts, positives: Counts, negatives: Counts) -> None:
        """Keep counted keys for the next compaction (now when enough are waiting)."""
        self._waiting.append((keys, positives, negatives))
        self._waiting_rows += keys.size
        if self._waiting_rows >= max(_COMPACT_AT, self._keys.size):
            self._compact()

    def _compact(self) -> None:
        """Count every waiting score into the buckets (keys ascending, each once)."""
        if not self._waiting and not self._one_scores:
            return
        parts = [(self._keys, self._positives, self._negatives), *self._waiting]
        if self._one_scores:
            positive = np.array(self._one_actuals, dtype=np.int64)
            parts.append((self.keys_of(self._one_scores), positive, 1 - positive))
        keys, positives, negatives = (np.concatenate([p[i] for p in parts]) for i in range(3))
        self._waiting, self._waiting_rows = [], 0
        self._one_scores, self._one_actuals = [], []
        self._keys, self._positives, self._negatives = _summed(keys, positives, negatives)
        while self._keys.size > MAX_BUCKETS and self.precision_bits > 0:
            self._coarsen(self.precision_bits - 1)

    def _coarsen(self, bits: int) -> None:
        """Count the rows in buckets of ``bits`` bits (neighbouring buckets merge)."""
        keys = self._recast(self.keys, bits)
        self._set_precision(bits)
        self._keys, self._positives, self._negatives = _summed(
            keys, self._positives, self._negatives
        )

    def _recast(self, keys: Counts, bits: int) -> Counts:
        """Keys of this precision as keys of ``bits`` bits (no more than this precision's).

        A bucket's magnitude bits lose their last ``precision_bits - bits`` bits, as a score's
        would: on either side of ½, so the order of the keys is kept.
        """
        drop = self.precision_bits - bits
        if drop == 0:
            return keys
        lower = keys <= 0
        signed = np.where(lower, keys + self._half, self._half - keys)  # the _bucket values
        coarse = np.where(signed < 0, -((-signed) >> drop), signed >> drop)
        half = self._half >> drop
        return np.where(lower, coarse - half, half - coarse)

    def _set_precision(self, bits: int) -> None:
        self.precision_bits = bits
        self._shift = _MANTISSA_BITS - bits
        self._half = self._bucket(0.5)


def _from_fixed_bins(state: Mapping[str, Any]) -> ScoreHistogram:
    """A histogram of the fixed bins of [0, 1] earlier versions wrote, in score buckets.

    Bin ``k`` of ``B`` held scores in ``(k/B, (k+1)/B]`` (bin 0 held 0 too); its rows go to
    the bucket of its top score.
    """
    bins = state["bins"]
    if not isinstance(bins, int | np.integer) or isinstance(bins, bool) or bins < 1:
        msg = f"bins must be a whole number >= 1, got {bins!r}"[:200]
        raise ValueError(msg)
    if "at" in state:
        at = np.frombuffer(bytes_from_text(state["at"]), dtype="<i4").astype(np.int64)
        if at.size and (at[0] < 0 or at[-1] >= bins or (np.diff(at) <= 0).any()):
            msg = f"bin indices must ascend within 0..{bins - 1}"
            raise ValueError(msg)
        names = ("positives_at", "negatives_at")
    else:
        at = np.arange(int(bins), dtype=np.int64)
        names = ("positives", "negatives")
    counts = []
    for name in names:
        values = _counts(state[name])
        if values.size != at.size:
            msg = f"{name} holds {values.size} counts for {at.size} bins"
            raise ValueError(msg)
        counts.append(_non_negative(values, name))
    held = (counts[0] + counts[1]) > 0  # a dense state's empty bins are no buckets
    out = ScoreHistogram()
    out._wait(out.keys_of((at[held] + 1) / int(bins)), counts[0][held], counts[1][held])
    out._compact()
    return out


def _float(bits: int) -> float:
    """The float64 of a bit pattern (capped at the largest magnitude: NaN is no score)."""
    return float(_FLOAT.unpack(_INT.pack(min(bits, _MAGNITUDE)))[0])


def _summed(keys: Counts, positives: Counts, negatives: Counts) -> tuple[Counts, Counts, Counts]:
    """Each key once, ascending, with its counts summed."""
    unique, inverse = np.unique(keys, return_inverse=True)
    return (
        unique,
        np.bincount(inverse, positives, unique.size).astype(np.int64),
        np.bincount(inverse, negatives, unique.size).astype(np.int64),
    )


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
