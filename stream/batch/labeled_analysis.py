"""``driftline analyze --ground-truth/--shap``: the worker's label join over files, one window.

The pieces are the worker's (:mod:`stream.worker.labelled_path`): a
:class:`~stream.monitors.label_join.LabelJoin` over a
:class:`~stream.monitors.label_join.MemoryEntries` store, and one
:class:`~stream.monitors.labelled.LabelledAccumulators` — the whole run is one window. Files
are finite, so nothing expires and nothing is evicted (:class:`FileJoinBounds`), and a run
takes its inputs in this order:

1. every label of the label files (:meth:`LabelledFileRun.add_label`): a label waits for its
   prediction; a later label for the same key supersedes it (the last one wins, counted);
2. the records of a keyed ``--shap`` file (:meth:`LabelledFileRun.add_shap_record`), decoded
   and joined by key as the worker joins ``<prefix>.attributions``;
3. the captures (:meth:`LabelledFileRun.add_capture`): each becomes a
   :class:`~stream.monitors.label_join.PendingPrediction`
   (:meth:`~stream.monitors.labelled.LabelledSetup.pending`), is counted in the window and
   meets what waits for its key; every pair that joins feeds the accumulators, exactly as
   the worker feeds a window's.

A ``--shap`` CSV has no keys: its rows go to the accumulators directly
(:meth:`LabelledFileRun.add_explanation`).

Examples
--------
>>> from ground_truth.records import GroundTruth
>>> from stream.capture.predictions import PredictionLocator
>>> from stream.capture.records import capture_from_dict
>>> from stream.monitors.labelled import LabelledSetup
>>> setup = LabelledSetup(labels=FileJoinBounds(), problem_type="BinaryClassification",
...                       locator=PredictionLocator(probability_attribute="0"))
>>> run = LabelledFileRun(setup)
>>> run.add_label(GroundTruth(event_id="i1", values=(1.0,)))
>>> run.add_capture(capture_from_dict({
...     "captureData": {"endpointOutput": {"observedContentType": "text/csv",
...                     "mode": "OUTPUT", "data": "0.9", "encoding": "CSV"}},
...     "eventMetadata": {"eventId": "e1", "inferenceId": "i1"}, "eventVersion": "0"}))
>>> run.accumulators.predictions, run.accumulators.labelled, run.join.counts.joined
(1, 1, 1)
"""

from __future__ import annotations

import math
import sys
from collections import Counter
from dataclasses import dataclass

import orjson

from ground_truth.records import GroundTruth
from stream.capture.records import CaptureError, CaptureRecord
from stream.labels.attributions import AttributionError, decode_attribution
from stream.monitors.feeding import feed, take_prediction, take_refusal
from stream.monitors.label_join import LABEL, SHAP, LocalShap, MemoryEntries
from stream.monitors.labelled import LabelledSetup
from stream.monitors.labelled_accumulators import LabelledAccumulators

RUN_WINDOW = 0.0  # the start of the run's one window
JOIN_NOW = 0.0  # the join's clock: with unbounded waits its value never matters


@dataclass(frozen=True)
class FileJoinBounds:
    """The join bounds of a run over files (``LabelledSetup.labels``): none.

    Every label and prediction of the files waits until the run ends, so labels that come
    before or after their capture in the files join all the same.
    """

    label_ttl_seconds: float = math.inf
    max_pending: int = sys.maxsize


class LabelledFileRun:
    """The label join and the one window's labelled accumulators of a run over files."""

    def __init__(self, setup: LabelledSetup) -> None:
        self.setup = setup
        self.entries = MemoryEntries()
        self.join = setup.label_join()
        self.accumulators = LabelledAccumulators(setup)
        self.shap_records = 0  # records of a keyed SHAP file, usable or not
        self.shap_errors: Counter[str] = Counter()  # its unusable records, by reason

    def add_label(self, label: GroundTruth) -> None:
        """A label of the label files."""
        feed(self.join.label(self.entries, label, now=JOIN_NOW), self._window)

    def add_shap_record(self, raw: bytes) -> None:
        """One line of a keyed SHAP file, joined by key like an attributions message."""
        self.shap_records += 1
        try:
            key, values = decode_attribution(raw, self.setup.plain_shap_label)
        except AttributionError as error:
            self.shap_errors[error.reason] += 1
            return
        feed(self.join.shap(self.entries, key, values, now=JOIN_NOW), self._window)

    def add_explanation(self, values: LocalShap) -> None:
        """Local SHAP values of a record without a key (a row of a SHAP CSV)."""
        self.accumulators.add_shap(values)

    def add_capture(self, record: CaptureRecord) -> None:
        """A capture record: a prediction of the window, joined with what waits for its key.

        A record whose output cannot give its prediction (or its facet row) is counted by
        reason, with the first one's message, as the worker counts it
        (:meth:`~stream.monitors.label_join.LabelJoin.unusable`); what the other monitors
        still read of it goes on (:func:`~stream.monitors.feeding.take_refusal`).
        """
        moment = record.inference_time
        seconds = RUN_WINDOW if moment is None else moment.timestamp()
        try:
            pending = self.setup.pending(record, record.join_key, seconds, RUN_WINDOW)
        except CaptureError as error:
            usable = take_refusal(self.join, error, self._window)
            if usable is None:
                return
            pending = usable
        take_prediction(self.join, self.entries, pending, self._window, now=JOIN_NOW)

    def _window(self, start: float) -> LabelledAccumulators:
        return self.accumulators  # the whole run is one window

    def waiting_label(self, key: str) -> GroundTruth | None:
        """The label waiting for ``key``: before the captures stream through, every label.

        The data-quality pass hands it to a preprocessor as SageMaker's merged record's
        ``ground_truth``.
        """
        raw = self.entries.get(LABEL, key)
        return None if raw is None else GroundTruth.from_dict(orjson.loads(raw))

    @property
    def labels_without_capture(self) -> int:
        """Labels (one per key) still waiting at the end: no capture had their key."""
        return self.entries.count(LABEL)

    @property
    def shap_without_capture(self) -> int:
        """SHAP records of a keyed file still waiting at the end: no capture had their key."""
        return self.entries.count(SHAP)
