"""One joined inference as the bias detector reads it: facet, labels, group and features.

Examples
--------
>>> BiasRow(facet="F", label=1, score=0.7).predicted(0.5)
1
>>> BiasRow(facet="F", label=1, score=0.5).predicted(0.5)  # not above the threshold
0
>>> BiasRow(facet="F", label=1, predicted_label=0, score=0.7).predicted(0.5)  # the label wins
0
"""

from __future__ import annotations

from typing import Any, NamedTuple

from detectors.bias.selection import is_missing

__all__ = ["BiasRow"]


class BiasRow(NamedTuple):
    """One joined inference: facet value, observed label, predicted label or score.

    ``predicted_label`` wins over ``score``; a score becomes 1 when > probability_threshold.
    ``group`` is the ``group_variable`` value (CDDL/CDDPL), ``features`` the numeric feature
    vector without facet and labels (FT).
    """

    facet: Any
    label: Any
    predicted_label: Any = None
    score: float | None = None
    group: Any = None
    features: tuple[float, ...] | None = None

    def predicted(self, probability_threshold: float) -> Any:
        """The predicted label, from the score when there is none (missing without either)."""
        predicted = self.predicted_label
        if is_missing(predicted) and self.score is not None and not is_missing(self.score):
            predicted = 1 if self.score > probability_threshold else 0
        return predicted
