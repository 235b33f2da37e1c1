"""What every online drift detector shares: finite floats of one ordered stream, no merge.

A subclass sets ``n = n_non_finite = 0`` in its constructor, implements ``_take(x)`` for one
finite value, and names in ``_MERGE_REFUSAL`` why its state cannot be merged.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import ClassVar

from detectors.base import NotMergeable


class OneStreamDetector:
    """Counts and skips non-finite values, feeds the rest to ``_take``, refuses to merge."""

    _MERGE_REFUSAL: ClassVar[str]
    n: int
    n_non_finite: int

    def update(self, x: float) -> None:
        """Take one value; non-finite values are counted and skipped."""
        x = float(x)
        if not math.isfinite(x):
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
