"""Clarify's flip test (FT) with a brute-force kNN, and the bounded row sample it runs on.

FT (spec §4.1): fit kNN (k = 5 if facet a has more than 9 rows, else 1; Euclidean) on
facet-a feature vectors with the model's predicted labels as targets, predict every facet-d
row, and return ``(#{ŷ_d=1, ŷ_knn=0} − #{ŷ_d=0, ŷ_knn=1}) / n_d`` — the sign of smclarify's
code. Neighbours at equal distance are taken in row order (a stable sort), which reproduces
smclarify's vectors; with an even k a tied vote goes to 0, as sklearn's does.

:class:`RowSample` keeps at most ``capacity`` rows per facet key (``per_key=True``: facet d
and facet a each get their own sample) or ``capacity`` rows in all (``per_key=False``, for
one-versus-all facets with many values), by bottom-k sampling on a seeded hash of the row's
sequence number. Until it overflows it holds every row, and FT is exact; afterwards FT runs
on uniform samples and is approximate.

Examples
--------
>>> a_x = [[1.0], [1.0], [1.0], [1.0]]
>>> flip_test(a_x, [True, False, False, False], [[0.0]], [False])  # nearest a-row: first
-1.0
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Sequence
from typing import Any, NamedTuple

import numpy as np

__all__ = ["FT_MIN_NEIGHBORS", "FT_NEIGHBORS", "FT_SAMPLES_THRESHOLD", "RowSample", "flip_test"]

FT_NEIGHBORS = 5
FT_MIN_NEIGHBORS = 1
FT_SAMPLES_THRESHOLD = 9
_CHUNK_ROWS = 64
_MASK64 = (1 << 64) - 1


def flip_test(
    a_features: Sequence[Sequence[float]] | np.ndarray,
    a_predicted: Sequence[bool] | np.ndarray,
    d_features: Sequence[Sequence[float]] | np.ndarray,
    d_predicted: Sequence[bool] | np.ndarray,
) -> float:
    """FT of facet d against facet a; both facets must be non-empty, features numeric."""
    xa = np.asarray(a_features, dtype=np.float64)
    xd = np.asarray(d_features, dtype=np.float64)
    ya = np.asarray(a_predicted, dtype=bool)
    yd = np.asarray(d_predicted, dtype=bool)
    if xa.shape[0] == 0 or xd.shape[0] == 0:
        msg = "flip_test needs at least one row in each facet"
        raise ValueError(msg)
    k = FT_NEIGHBORS if xa.shape[0] > FT_SAMPLES_THRESHOLD else FT_MIN_NEIGHBORS
    k = min(k, xa.shape[0])
    knn = np.empty(xd.shape[0], dtype=bool)
    for start in range(0, xd.shape[0], _CHUNK_ROWS):
        chunk = xd[start : start + _CHUNK_ROWS]
        dist = np.square(chunk[:, None, :] - xa[None, :, :]).sum(axis=2)
        nearest = np.argsort(dist, axis=1, kind="stable")[:, :k]
        knn[start : start + chunk.shape[0]] = 2 * ya[nearest].sum(axis=1) > k
    flipped_down = int(np.count_nonzero(yd & ~knn))
    flipped_up = int(np.count_nonzero(~yd & knn))
    return (flipped_down - flipped_up) / int(xd.shape[0])


def _priority(seed: int, seq: int) -> int:
    """splitmix64 of ``seed`` and ``seq``: a fixed pseudo-random priority per row."""
    z = (seed * 0x9E3779B97F4A7C15 + seq + 1) & _MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
    return z ^ (z >> 31)


class SampledRow(NamedTuple):
    """One kept row: facet key, arrival sequence, sampling priority, features, prediction."""

    facet_key: Hashable
    seq: int
    priority: int
    features: tuple[float, ...]
    predicted: bool


class RowSample:
    """Bounded per-facet-key sample of ``(features, predicted)`` rows for the flip test.

    Parameters
    ----------
    capacity
        Most rows kept per facet key.
    seed
        Seed of the sampling hash.
    per_key
        One sample per facet key (``True``) or one shared sample (``False``).
    """

    __slots__ = ("_rows", "_worst", "capacity", "overflowed", "per_key", "seed")

    def __init__(self, *, capacity: int, seed: int, per_key: bool) -> None:
        self.capacity = capacity
        self.seed = seed
        self.per_key = per_key
        self._rows: dict[Hashable, list[SampledRow]] = {}  # merge: union, keep lowest priorities
        self.overflowed = False  # merge: or; True once any key dropped a row
        self._worst: dict[Hashable, int] = {}  # cache of each full key's highest priority

    def add(
        self, facet_key: Hashable, seq: int, features: tuple[float, ...], predicted: bool
    ) -> None:
        """Offer one row; ``seq`` is its position in the stream (orders neighbour ties)."""
        self._insert(SampledRow(facet_key, seq, _priority(self.seed, seq), features, predicted))

    def _insert(self, row: SampledRow) -> None:
        pool = row.facet_key if self.per_key else None
        rows = self._rows.setdefault(pool, [])
        if len(rows) < self.capacity:
            rows.append(row)
            return
        self.overflowed = True
        worst = self._worst.get(pool)
        if worst is None:
            worst = max(r.priority for r in rows)
        if row.priority < worst:
            rows.remove(next(r for r in rows if r.priority == worst))
            rows.append(row)
            worst = max(r.priority for r in rows)
        self._worst[pool] = worst

    def merge(self, other: RowSample, seq_offset: int) -> None:
        """Absorb ``other``, whose sequence numbers continue after ``seq_offset`` rows."""
        self.overflowed = self.overflowed or other.overflowed
        for row in other._all():
            self._insert(row._replace(seq=row.seq + seq_offset))

    def _all(self) -> Iterator[SampledRow]:
        for rows in self._rows.values():
            yield from rows

    def rows(self, keys: Sequence[Hashable]) -> list[SampledRow]:
        """Rows of the given facet keys, in stream order."""
        wanted = set(keys)
        return sorted((r for r in self._all() if r.facet_key in wanted), key=lambda r: r.seq)

    @property
    def keys(self) -> tuple[Hashable, ...]:
        """Facet keys with at least one kept row, in first-kept order."""
        return tuple(dict.fromkeys(r.facet_key for r in self._all()))

    def to_rows(self) -> list[list[Any]]:
        """JSON-safe rows ``[facet_key, seq, priority_hex, features, predicted]``."""
        return [
            [r.facet_key, r.seq, format(r.priority, "x"), list(r.features), r.predicted]
            for r in self._all()
        ]

    @classmethod
    def from_rows(
        cls,
        rows: Sequence[Sequence[Any]],
        *,
        capacity: int,
        seed: int,
        per_key: bool,
        overflowed: bool,
    ) -> RowSample:
        """Rebuild from :meth:`to_rows` output."""
        sample = cls(capacity=capacity, seed=seed, per_key=per_key)
        for key, seq, priority, features, predicted in rows:
            row = SampledRow(key, int(seq), int(priority, 16), tuple(features), bool(predicted))
            sample._rows.setdefault(key if per_key else None, []).append(row)
        sample.overflowed = overflowed
        return sample
