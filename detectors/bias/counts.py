"""Mergeable confusion counts per facet group and per ``group_variable`` subgroup (spec §8.1).

:class:`BiasCounts` keeps four integers ``TP, FP, FN, TN`` for every (facet key, subgroup)
cell. The facet key is ``True``/``False`` (facet d / facet a) when the facet has a
``value_or_threshold``, or the raw facet value in the one-versus-all case, where facet a is
the total minus facet d — K values need K cells, not 2K. Every bias metric that Clarify
computes from counts (all but FT) is an exact function of these cells.

Memory is bounded: at most ``max_facet_values`` facet keys and ``max_subgroups`` subgroups;
later values share the :data:`OTHER` bucket, and metrics that use the bucket are approximate.

Examples
--------
>>> counts = BiasCounts(max_facet_values=10, max_subgroups=10)
>>> for facet, y, yhat in [(True, 1, 1), (True, 0, 1), (False, 1, 0), (False, 0, 0)]:
...     counts.add(facet, None, observed=bool(y), predicted=bool(yhat))
>>> counts.facet_split(True).d
Confusion(tp=1, fp=1, fn=0, tn=0)
>>> counts.facet_split(True).a
Confusion(tp=0, fp=0, fn=1, tn=1)
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Sequence
from typing import Any, NamedTuple, Protocol

import numpy as np
from numpy.typing import NDArray

__all__ = ["OTHER", "BiasCounts", "Cells", "Confusion", "ConfusionArrays", "FacetSplit"]

Count = int | NDArray[Any]  # one count, or the same count in each of several resamples


class Cells(Protocol):
    """Confusion counts a metric formula reads.

    One table (:class:`Confusion`), or the same table in each of several resamples
    (:class:`ConfusionArrays`).
    """

    @property
    def tp(self) -> Count:
        """True positives."""

    @property
    def fp(self) -> Count:
        """False positives."""

    @property
    def fn(self) -> Count:
        """False negatives."""

    @property
    def tn(self) -> Count:
        """True negatives."""

    @property
    def n(self) -> Count:
        """Facet size."""

    @property
    def observed_positive(self) -> Count:
        """``n(1)``."""

    @property
    def observed_negative(self) -> Count:
        """``n(0)``."""

    @property
    def predicted_positive(self) -> Count:
        """``n̂(1)``."""

    @property
    def predicted_negative(self) -> Count:
        """``n̂(0)``."""


OTHER = "__other__"  # the overflow bucket for facet values and subgroups past the cap


class Confusion(NamedTuple):
    """Binary confusion counts of one facet (positive = in ``label_values_or_threshold``)."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    @property
    def n(self) -> int:
        """Facet size."""
        return self.tp + self.fp + self.fn + self.tn

    @property
    def observed_positive(self) -> int:
        """``n(1)``: rows with a positive observed label."""
        return self.tp + self.fn

    @property
    def observed_negative(self) -> int:
        """``n(0)``: rows with a negative observed label."""
        return self.fp + self.tn

    @property
    def predicted_positive(self) -> int:
        """``n̂(1)``: rows with a positive predicted label."""
        return self.tp + self.fp

    @property
    def predicted_negative(self) -> int:
        """``n̂(0)``: rows with a negative predicted label."""
        return self.fn + self.tn

    def plus(self, other: Confusion) -> Confusion:
        """Cell-wise sum."""
        return Confusion(*(x + y for x, y in zip(self, other, strict=True)))

    def minus(self, other: Confusion) -> Confusion:
        """Cell-wise difference (the complement of a facet within a total)."""
        return Confusion(*(x - y for x, y in zip(self, other, strict=True)))


class ConfusionArrays(NamedTuple):
    """Confusion counts of one facet in each of several resamples (one array element each).

    >>> c = ConfusionArrays.from_cells(np.array([[1, 2, 3, 4], [0, 0, 1, 1]]))
    >>> c.n.tolist(), c.predicted_positive.tolist()
    ([10, 2], [3, 0])
    """

    tp: NDArray[np.int64]
    fp: NDArray[np.int64]
    fn: NDArray[np.int64]
    tn: NDArray[np.int64]

    @classmethod
    def from_cells(cls, cells: NDArray[np.int64]) -> ConfusionArrays:
        """From an array whose last axis is ``TP, FP, FN, TN``."""
        return cls(cells[..., 0], cells[..., 1], cells[..., 2], cells[..., 3])

    @property
    def n(self) -> NDArray[np.int64]:
        """Facet size."""
        return self.tp + self.fp + self.fn + self.tn

    @property
    def observed_positive(self) -> NDArray[np.int64]:
        """``n(1)``."""
        return self.tp + self.fn

    @property
    def observed_negative(self) -> NDArray[np.int64]:
        """``n(0)``."""
        return self.fp + self.tn

    @property
    def predicted_positive(self) -> NDArray[np.int64]:
        """``n̂(1)``."""
        return self.tp + self.fp

    @property
    def predicted_negative(self) -> NDArray[np.int64]:
        """``n̂(0)``."""
        return self.fn + self.tn


class FacetSplit(NamedTuple):
    """Counts of facet d against facet a, overall and per subgroup (same subgroup order).

    The subgroups are the ``group_variable`` values seen; rows without one count in ``d``
    and ``a`` only.
    """

    d: Confusion
    a: Confusion
    d_by_subgroup: tuple[Confusion, ...]
    all_by_subgroup: tuple[Confusion, ...]
    has_subgroups: bool


def _total(cs: Iterator[Confusion] | Sequence[Confusion]) -> Confusion:
    out = Confusion()
    for c in cs:
        out = out.plus(c)
    return out


def _cell_index(observed: bool, predicted: bool) -> int:
    if observed:
        return 0 if predicted else 2
    return 1 if predicted else 3


class BiasCounts:
    """Confusion cells per (facet key, subgroup), with capped key sets.

    Parameters
    ----------
    max_facet_values
        Most distinct facet keys kept; later keys go to :data:`OTHER`.
    max_subgroups
        Most distinct ``group_variable`` values kept; later values go to :data:`OTHER`.
    """

    __slots__ = ("_cells", "_subgroups", "max_facet_values", "max_subgroups")

    def __init__(self, *, max_facet_values: int, max_subgroups: int) -> None:
        self.max_facet_values = max_facet_values
        self.max_subgroups = max_subgroups
        # merge: cell-wise sum; keys kept in order of first appearance
        self._cells: dict[Hashable, dict[Hashable, list[int]]] = {}
        self._subgroups: dict[Hashable, None] = {}  # merge: union (capped), first-seen order

    def add(
        self, facet_key: Hashable, subgroup: Hashable, *, observed: bool, predicted: bool
    ) -> None:
        """Count one row."""
        self.add_cells(facet_key, subgroup, self._unit(observed, predicted))

    @staticmethod
    def _unit(observed: bool, predicted: bool) -> tuple[int, int, int, int]:
        cells = [0, 0, 0, 0]
        cells[_cell_index(observed, predicted)] = 1
        return cells[0], cells[1], cells[2], cells[3]

    def add_cells(
        self, facet_key: Hashable, subgroup: Hashable, cells: Sequence[int]
    ) -> tuple[Hashable, Hashable]:
        """Add four counts ``TP, FP, FN, TN`` to one cell, applying the caps.

        Returns the ``(facet_key, subgroup)`` cell counted (:data:`OTHER` past a cap).
        """
        if facet_key not in self._cells and len(self._cells) >= self.max_facet_values:
            facet_key = OTHER
        if subgroup not in self._subgroups:
            if len(self._subgroups) >= self.max_subgroups:
                subgroup = OTHER
            self._subgroups[subgroup] = None
        row = self._cells.setdefault(facet_key, {})
        cell = row.get(subgroup)
        if cell is None:
            row[subgroup] = list(cells)
        else:
            for i in range(4):
                cell[i] += cells[i]
        return facet_key, subgroup

    def merge(self, other: BiasCounts) -> None:
        """Add every cell of ``other`` (its new subgroups first, in its first-seen order)."""
        for subgroup in other.subgroups:
            if subgroup not in self._subgroups and len(self._subgroups) < self.max_subgroups:
                self._subgroups[subgroup] = None
        for facet_key, subgroup, cells in other.rows():
            self.add_cells(facet_key, subgroup, cells)

    def rows(self) -> Iterator[tuple[Hashable, Hashable, tuple[int, int, int, int]]]:
        """Yield ``(facet_key, subgroup, (TP, FP, FN, TN))`` for every non-empty cell."""
        for facet_key, row in self._cells.items():
            for subgroup, c in row.items():
                yield facet_key, subgroup, (c[0], c[1], c[2], c[3])

    @property
    def facet_keys(self) -> tuple[Hashable, ...]:
        """Facet keys in order of first appearance."""
        return tuple(self._cells)

    @property
    def subgroups(self) -> tuple[Hashable, ...]:
        """Subgroups in order of first appearance."""
        return tuple(self._subgroups)

    @property
    def n(self) -> int:
        """Rows counted."""
        return sum(sum(c) for _, _, c in self.rows())

    def _by_subgroup(self, keys: Sequence[Hashable]) -> dict[Hashable, Confusion]:
        out = {g: Confusion() for g in self._subgroups}
        for key in keys:
            for subgroup, c in self._cells.get(key, {}).items():
                out[subgroup] = out[subgroup].plus(Confusion(*c))
        return out

    def facet_split(self, d_key: Hashable) -> FacetSplit:
        """Facet d = the rows of ``d_key``; facet a = every other row."""
        d_by = self._by_subgroup([d_key])
        all_by = self._by_subgroup(self.facet_keys)
        d = _total(list(d_by.values()))
        total = _total(list(all_by.values()))
        groups = [g for g in self._subgroups if g is not None]  # None: the row had no group
        return FacetSplit(
            d=d,
            a=total.minus(d),
            d_by_subgroup=tuple(d_by[g] for g in groups),
            all_by_subgroup=tuple(all_by[g] for g in groups),
            has_subgroups=bool(groups),
        )

    def total(self) -> Confusion:
        """Confusion counts over all rows, both facets."""
        return _total(list(self._by_subgroup(self.facet_keys).values()))

    def to_rows(self) -> list[list[Any]]:
        """JSON-safe cells: ``[facet_key, subgroup, TP, FP, FN, TN]`` per cell."""
        return [[k, g, *c] for k, g, c in self.rows()]

    @classmethod
    def from_rows(
        cls,
        rows: Sequence[Sequence[Any]],
        subgroups: Sequence[Any],
        *,
        max_facet_values: int,
        max_subgroups: int,
    ) -> BiasCounts:
        """Rebuild from :meth:`to_rows` and :attr:`subgroups` output."""
        counts = cls(max_facet_values=max_facet_values, max_subgroups=max_subgroups)
        counts._subgroups = dict.fromkeys(subgroups)
        for k, g, *c in rows:
            counts.add_cells(k, g, [int(x) for x in c])
        return counts
