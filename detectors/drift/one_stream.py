"""What every online drift detector shares: finite floats of one ordered stream, no merge.

A subclass sets ``n = n_non_finite = 0`` in its constructor, implements ``_take(x)`` for one
finite value, and names in ``_MERGE_REFUSAL`` why its state cannot be merged; one whose sums
overflow on some finite values sets ``_LARGEST``, the largest magnitude it takes.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import ClassVar

from detectors.base import NotMergeable


class OneStreamDetector:
    """Counts and skips non-finite values, feeds the rest to ``_take``, refuses to merge."""

    _MERGE_REFUSAL: ClassVar[str]
    # The largest magnitude taken: a detector whose sums would overflow on larger finite
    # values lowers it (by default only infinities and NaN are skipped).
    _LARGEST: ClassVar[float] = sys.float_info.max
    n: int
    n_non_finite: int

    def update(self, x: float) -> None:
        """Take one value; NaN, infinities and values past ``±_LARGEST`` are skipped.

        The skipped values are counted in ``n_non_finite``.
        """
        x = float(x)
        if not abs(x) <= self._LARGEST:  # NaN compares False
            self.n_non_finite += 1
            return
        self.n += 1
        self._take(x)

    def update_many(self, xs: Iterable[float]) -> None:
        """Take values in order; the same as calling :meth:`update` for each."""
        for x in xs:
            self.update(x)

    def merge(self, other: object) -> None:
        """Raise :class:`NotMergeable`: the state belongs to one ordered stream."""
        raise NotMergeable(self._MERGE_REFUSAL)

    def _take(self, x: float) -> None:
        raise NotImplementedError
