"""Feeding one monitor's labelled windows: predictions count, then join what waits for them.

One rule for the worker and for ``driftline analyze``: a prediction counts in its window
(and its SHAP values read from the capture with it), then joins what waits for its key, or
waits itself; each pair the join makes goes to the accumulators of its prediction's window.
:func:`take_predictions` does this for a message's predictions at once and hands each
window its label pairs in one call (a :class:`WindowFeed`), which gives the same
accumulators as :func:`take_prediction` one by one; a labels message's pairs go the same way.

A capture one labelled monitor cannot read is refused for that monitor only
(:class:`PartlyRefused`): :func:`take_refusal` counts each refusal by reason and hands on
what the others still read — SHAP values whose prediction was refused go straight to the
window's attribution run (they join nothing), a prediction whose explanation was refused is
taken as any other.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Protocol

from ground_truth.records import GroundTruth
from stream.capture.records import CaptureError
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


class WindowFeed:
    """The join outcomes of one message: SHAP values given at once, label pairs gathered.

    :meth:`give` hands each window its pairs in one ``add_joined_many`` call, which gives
    the same accumulators as :func:`feed` outcome by outcome, at one vectorised update per
    window instead of one per label.
    """

    def __init__(self, accumulators: Windows) -> None:
        self.accumulators = accumulators
        self._pairs: defaultdict[float, list[tuple[PendingPrediction, GroundTruth]]] = defaultdict(
            list
        )

    def take(self, outcome: JoinOutcome) -> None:
        """Keep an outcome's label pairs for :meth:`give`; give its SHAP values now."""
        for paired, label in outcome.joined:
            self._pairs[paired.window].append((paired, label))
        for paired, values in outcome.explained:
            self.accumulators(paired.window).add_shap(values)

    def give(self) -> None:
        """Hand each window the pairs kept for it, in the order they were made."""
        pairs, self._pairs = self._pairs, defaultdict(list)
        for window, joined in pairs.items():
            self.accumulators(window).add_joined_many(joined)


def take_predictions(
    join: LabelJoin,
    entries: PendingEntries,
    pendings: Iterable[PendingPrediction],
    accumulators: Windows,
    *,
    now: float,
) -> None:
    """:func:`take_prediction` for each, the label pairs given to each window at the end."""
    fed = WindowFeed(accumulators)
    try:
        for pending in pendings:
            accumulators(pending.window).add_prediction(pending)
            fed.take(join.prediction(entries, pending, now=now))
    finally:
        fed.give()  # what joined before an error is in the windows, as one by one


class PartlyRefused(CaptureError):
    """A capture refused for some labelled monitors whose other part the rest still read.

    Its reason and message are the first refusal's; ``refusals`` holds each one (an
    unusable prediction and an unreadable explanation count once each, under their own
    reasons). ``pending`` is the prediction without SHAP values (its explanation was
    refused); ``explained`` the SHAP values of its records, of window ``window``, when its
    prediction was refused.
    """

    def __init__(
        self,
        refusals: Sequence[CaptureError],
        *,
        window: float,
        pending: PendingPrediction | None = None,
        explained: Sequence[LocalShap] = (),
    ) -> None:
        super().__init__(refusals[0].reason, refusals[0].message)
        self.refusals = tuple(refusals)
        self.window = window
        self.pending = pending
        self.explained = tuple(explained)


def take_refusal(
    join: LabelJoin, refused: CaptureError, accumulators: Windows
) -> PendingPrediction | None:
    """Count a refused capture by reason; give on what the other monitors still read.

    SHAP values of a capture whose prediction was refused count in their window's
    attribution run at once (not as predictions: nothing joins them). The prediction of a
    capture whose explanation was refused is returned, to be taken as any other.
    """
    refusals = refused.refusals if isinstance(refused, PartlyRefused) else (refused,)
    for error in refusals:
        join.unusable(error.reason, error.message)
    if not isinstance(refused, PartlyRefused):
        return None
    for values in refused.explained:
        accumulators(refused.window).add_shap(values)
    return refused.pending
