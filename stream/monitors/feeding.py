"""Feeding one monitor's labelled windows: predictions count, then join what waits for them.

One rule for the worker and for ``driftline analyze``: a prediction counts in its window
(and its SHAP values read from the capture with it), then joins what waits for its key, or
waits itself; each pair the join makes goes to the accumulators of its prediction's window.
:func:`take_predictions` does this for a message's predictions at once and hands each
window its label pairs in one call, which gives the same accumulators as
:func:`take_prediction` one by one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Protocol

from ground_truth.records import GroundTruth
from stream.monitors.label_join import (
    JoinOutcome,
    LabelJoin,
    LocalShap,
    PendingEntries,
    PendingPrediction,
)


class WindowAccumulators(Protocol):
    """What one window's labelled accumulators take (``LabelledAccumulators``)."""

    def add_prediction(self, pending: PendingPrediction) -> None:
        """Count a prediction of the window."""

    def add_joined(self, pending: PendingPrediction, label: GroundTruth) -> None:
        """A prediction of the window met its label."""

    def add_joined_many(self, pairs: Sequence[tuple[PendingPrediction, GroundTruth]]) -> None:
        """Predictions of the window that met their labels, in order."""

    def add_shap(self, values: LocalShap) -> None:
        """A prediction of the window with its local SHAP values."""


Windows = Callable[[float], WindowAccumulators]  # window start -> its accumulators


def feed(outcome: JoinOutcome, accumulators: Windows) -> None:
    """Give what a join step paired to the accumulators of each prediction's window."""
    for pending, label in outcome.joined:
        accumulators(pending.window).add_joined(pending, label)
    for pending, values in outcome.explained:
        accumulators(pending.window).add_shap(values)


def take_prediction(
    join: LabelJoin,
    entries: PendingEntries,
    pending: PendingPrediction,
    accumulators: Windows,
    *,
    now: float,
) -> None:
    """A prediction counts in its window, then joins what waits for its key (or waits)."""
    accumulators(pending.window).add_prediction(pending)
    feed(join.prediction(entries, pending, now=now), accumulators)


def take_predictions(
    join: LabelJoin,
    entries: PendingEntries,
    pendings: Iterable[PendingPrediction],
    accumulators: Windows,
    *,
    now: float,
) -> None:
    """:func:`take_prediction` for each, the label pairs given to each window at the end."""
    joined: defaultdict[float, list[tuple[PendingPrediction, GroundTruth]]] = defaultdict(list)
    for pending in pendings:
        accumulators(pending.window).add_prediction(pending)
        outcome = join.prediction(entries, pending, now=now)
        for paired, label in outcome.joined:
            joined[paired.window].append((paired, label))
        for paired, values in outcome.explained:
            accumulators(paired.window).add_shap(values)
    for window, pairs in joined.items():
        accumulators(window).add_joined_many(pairs)
