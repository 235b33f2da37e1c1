"""The aggregator: each window's partials from every partition, merged exactly once, evaluated.

Partials of one monitor arrive on the partials topic keyed by the monitor, so one partials
partition — and the worker owning it — holds all of them. :class:`Aggregator` implements
:class:`~stream.worker.partition_state.PartitionedState` for that partition:

- **Exactly once.** A partial covers a partition's source offsets ``first..last`` for one
  window. A partial whose range is already merged for that window and partition (a re-sent
  partial after a restart) is a duplicate: dropped and counted, never merged twice.
- **Final.** A window is final when every partition's progress (``closed_until``, sent with
  each partial) has passed its end (``all_partitions``), or — as a fallback for a partition
  that never reports — ``idle_close_seconds`` after its first partial arrived, provided the
  partials partition is confirmed caught up (a stalled broker finalises nothing).
- **Revisions only go up.** A partial for a final window (late records, or a partition that
  caught up) is merged and the window is published again with ``revision + 1``; so is a
  window published incomplete once the missing partitions' progress shows they had nothing
  for it. Final windows stay revisable for ``revision_horizon_seconds`` of event time; a
  partial for an older one is counted as late and dropped. Revision numbers live in the
  snapshot, so a restarted or moved aggregator continues them.
- **Settled windows are kept compressed.** A labelled window stays revisable by late labels
  for the label horizon (``label_ttl_seconds``, 14 days by default: 20,160 one-minute
  windows). Once it is past the data-quality horizon and its labels are published it is
  *settled*: kept as its compressed bytes only, out of the windows every step goes through,
  and brought back when a late label's partial comes for it.

Each final window is evaluated — merged with the previous ``evaluation_windows - 1`` final
windows — against the baseline (:mod:`stream.worker.window_evaluation`), and the
postprocessor (SageMaker's ``postprocess_handler()``) runs after it; its failures are logged
and counted.
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Callable, Collection, Mapping
from datetime import datetime
from typing import Any

import orjson

from detectors.quality.dataset_profile import DatasetProfile
from stream.capture.preprocess import SCRIPT_FAILURES
from stream.config import MonitorConfig
from stream.monitors.data_quality import DataQualityBaseline
from stream.monitors.labelled import LabelledSetup
from stream.monitors.labelled_accumulators import LabelledAccumulators
from stream.worker.aggregated_window import DUPLICATE, AggregatedWindow
from stream.worker.changed_windows import (
    note_other_length,
    note_restarted_runs,
    of_other_columns,
    renew_columns,
)
from stream.worker.event_clock import PartitionActivity
from stream.worker.labelled_summaries import LabelledSummary, labelled_summary
from stream.worker.outputs import DATA_QUALITY
from stream.worker.partition_state import Blobs
from stream.worker.results import LabelledResult, Result, WindowResult, labelled_results
from stream.worker.violation_labels import labelled_violation_key, labelled_violation_labels
from stream.worker.window_evaluation import evaluate_window
from stream.worker.windows import WindowPartial

log = logging.getLogger("driftline.aggregator")

WindowSpan = tuple[
    float, float
]  # a window's (start, end): windows of two lengths may share a start

_META = "meta"
_SETTLED = "settled/"  # settled/<start>/<end>: a settled window's packed bytes


class Aggregator:
    """Collects one monitor's partials and turns final windows into :class:`WindowResult`.

    Parameters
    ----------
    config
        The monitor's settings.
    baseline
        Statistics and constraints to evaluate against.
    partitions
        How many partitions the capture topic has (``kafka.partitions``).
    partials_partition
        The partials partition the monitor's partials arrive on.
    activity
        The worker's activity of partials partitions (idle finalisation needs caught up).
    now
        Wall clock (timezone-aware UTC).
    postprocessor
        SageMaker ``postprocess_handler()``, called after each evaluation, or None.
    revision_horizon_seconds
        How long (event time) a final window stays revisable.
    """

    def __init__(
        self,
        config: MonitorConfig,
        baseline: DataQualityBaseline,
        *,
        partitions: int,
        partials_partition: int,
        activity: PartitionActivity,
        now: Callable[[], datetime],
        postprocessor: Callable[[], Any] | None = None,
        revision_horizon_seconds: float = 900.0,
        labelled: LabelledSetup | None = None,
        label_flush_seconds: float = 1.0,
    ) -> None:
        self.config = config
        self.name = config.name
        self.baseline = baseline
        self.partitions = partitions
        self.partials_partition = partials_partition
        self.activity = activity
        self.now = now
        self.postprocessor = postprocessor
        self.revision_horizon_seconds = revision_horizon_seconds
        self.labelled = labelled
        self.label_flush_seconds = label_flush_seconds
        self.label_horizon_seconds = 0.0 if labelled is None else labelled.labels.label_ttl_seconds
        self.windows: dict[WindowSpan, AggregatedWindow] = {}  # pending, revisable, changed
        self.settled: dict[WindowSpan, bytes] = {}  # labelled, waiting for late labels: packed
        self.progress: dict[int, float] = {}
        self.final_until = -math.inf
        # counters read by the metrics collector (process-local, like any Prometheus counter)
        self.windows_closed = 0
        self.duplicate_partials = 0
        self.late_partials = 0
        self.postprocessor_failures = 0
        self.violations: Counter[tuple[str, str]] = Counter()  # (check type, feature)
        # the labelled monitors' (check type, feature) of driftline_violations_total
        self.labelled_violation_labels = labelled_violation_labels(labelled)
        self.last_result: WindowResult | None = None
        self.last_labelled: dict[str, LabelledResult] = {}  # by monitor type

    def update(self, partition: int, offset: int, item: WindowPartial) -> list[Result]:
        """Take one partial; return the windows it made final or revised."""
        self.progress[item.partition] = max(
            self.progress.get(item.partition, -math.inf), item.closed_until
        )
        span = (item.window_start, item.window_end)
        window = self.windows.get(span) or self._unsettle(span)
        if window is None and self.is_forgotten(span, labelled=item.is_labelled):
            self.late_partials += 1
            log.warning("monitor %s: partial of partition %d for forgotten window %s dropped",
                        self.name, item.partition, item.window_start)  # fmt: skip
            return []
        if window is None:
            profile = DatasetProfile(features=self.baseline.features, kinds=self.baseline.kinds)
            labelled = None if self.labelled is None else LabelledAccumulators(self.labelled)
            window = AggregatedWindow(
                profile, item.window_start, item.window_end, self.now().timestamp(), labelled
            )
            self.windows[span] = window
            note_other_length(self.name, window, self.config.window_seconds)
        if of_other_columns(self.name, window, item):
            self.late_partials += 1
            return []
        if window.profile is None and not item.is_labelled:  # kept for late labels only
            self.late_partials += 1
            log.warning("monitor %s: partial of partition %d for window %s, past the revision "
                        "horizon, dropped (%d records)", self.name, item.partition,
                        item.window_start, item.record_count)  # fmt: skip
            return []
        if window.admit(item) == DUPLICATE:
            self.duplicate_partials += 1
            log.info("monitor %s: duplicate partial (partition %d, offsets %d..%d) dropped",
                     self.name, item.partition, item.first_offset, item.last_offset)  # fmt: skip
            return []
        out: list[Result] = []
        if window.is_final and not item.is_labelled:
            out.extend(self._publish(window, "late_partial"))
        # late labels of a final window are published by close_due, at most once a flush
        return out + self._finalise_complete() + self._republish_completed()

    def is_forgotten(self, span: WindowSpan, *, labelled: bool) -> bool:
        """Whether a partial of the window ``span`` (labelled or not) would be dropped as late."""
        if span in self.windows or span in self.settled:
            return False
        unwanted = labelled and self.labelled is None
        return unwanted or span[1] <= self._forgotten_until(labelled=labelled)

    def _complete_until(self) -> float:
        return min(self.progress.get(p, -math.inf) for p in range(self.partitions))

    def _finalise_complete(self) -> list[Result]:
        until = self._complete_until()
        due = [w for s, w in sorted(self.windows.items()) if not w.is_final and w.end <= until]
        return [r for w in due for r in self._publish(w, "all_partitions")]

    def _republish_completed(self) -> list[Result]:
        until = self._complete_until()
        done = [w for _, w in sorted(self.windows.items()) if w.is_final and not w.complete
                and w.end <= until and w.profile is not None]  # fmt: skip
        return [r for w in done for r in self._publish(w, w.finalised_by)]

    def _labelled_results(self, window: AggregatedWindow) -> list[Result]:
        if self.labelled is None:
            return []
        complete = self._complete_until() >= window.end
        now = self.now().timestamp()
        results = labelled_results(self.name, window, self.labelled, complete=complete, now=now)
        known = set(self.labelled_violation_labels)
        for result in results:
            self._show_labelled(result)
            found = window.new_violations(result.monitor_type, result.outcome.violations)
            for v in found:  # once per window: a revision repeating it adds none
                self.violations[labelled_violation_key(v, known)] += 1
        return list(results)

    def _show_labelled(self, result: LabelledResult) -> None:
        """Keep ``result`` for the gauges if it is the newest window's with figures.

        Labels come later than their window closes (its first result has none), and later
        labels revise older windows: the gauges show the newest window that has figures,
        not whichever was published last (they went empty at each window's close, and
        jumped back to an older window at each revision).
        """
        shown = self.last_labelled.get(result.monitor_type)
        if (
            shown is None
            or not _has_figures(shown)
            or (_has_figures(result) and result.window_start >= shown.window_start)
        ):
            self.last_labelled[result.monitor_type] = result

    def close_due(self, now: float) -> list[Result]:
        """Publish labels merged into final windows; finalise idle windows.

        Labels are published at most once every ``label_flush_seconds`` per window; a window
        whose first partial came ``idle_close_seconds`` ago is final if the partials
        partition is caught up.
        """
        revised = [r for _, w in sorted(self.windows.items())
                   if w.is_final and w.labelled_changed
                   and now - w.labelled_published_at >= self.label_flush_seconds
                   for r in self._labelled_results(w)]  # fmt: skip
        out = revised + self._finalise_idle(now)
        self._settle()
        return out

    def _finalise_idle(self, now: float) -> list[Result]:
        if not self.activity.is_caught_up(self.partials_partition):
            return []
        cutoff = now - self.config.idle_close_seconds
        idle = [s for s, w in self.windows.items() if not w.is_final and w.first_seen <= cutoff]
        if not idle:
            return []
        last = max(idle)  # earlier windows are final too: results leave in window order
        due = [w for s, w in sorted(self.windows.items()) if not w.is_final and s[0] <= last[0]]
        return [r for w in due for r in self._publish(w, "idle")]

    def _publish(self, window: AggregatedWindow, how: str) -> list[Result]:
        """The window's data-quality result (and, when first published, its labelled ones)."""
        first = not window.is_final
        result = self._evaluate(window, how)
        return [result, *(self._labelled_results(window) if first else ())]

    def _evaluate(self, window: AggregatedWindow, how: str) -> WindowResult:
        revision = window.revision + 1
        complete = all(
            self.progress.get(p, -math.inf) >= window.end for p in range(self.partitions)
        )
        window.published(revision, how if revision == 0 else window.finalised_by or how, complete)
        self.final_until = max(self.final_until, window.end)
        self._forget_old()
        result = evaluate_window(
            window,
            self.windows.values(),
            config=self.config,
            baseline=self.baseline,
            revision=revision,
            complete=complete,
        )
        self._account(result, window)
        return result

    def _forgotten_until(self, *, labelled: bool = False) -> float:
        """Final windows ending at or before this can no longer change (of that kind)."""
        if labelled:
            return self.final_until - self.label_horizon_seconds
        span = self.config.evaluation_windows * self.config.window_seconds
        return self.final_until - max(self.revision_horizon_seconds, span)

    def _forget_old(self) -> None:
        quality, labels = self._forgotten_until(), self._forgotten_until(labelled=True)
        for span, window in list(self.windows.items()):
            if not window.is_final or window.end > quality:
                continue
            if window.labelled is not None and window.end > labels:
                if window.profile is not None:
                    window.forget_profile()  # the labelled part may still change
            else:
                del self.windows[span]
        for span in [s for s in self.settled if s[1] <= labels]:
            del self.settled[span]
        self._settle()

    def _settle(self) -> None:
        """Pack the windows only a late label can still change, and whose labels are out."""
        for span, window in list(self.windows.items()):
            if window.is_final and window.profile is None and not window.labelled_changed:
                self.settled[span] = window.packed()
                del self.windows[span]

    def _unsettle(self, span: WindowSpan) -> AggregatedWindow | None:
        """The settled window of ``span`` back among the windows (a late label came), or None."""
        raw = self.settled.pop(span, None)
        if raw is None:
            return None
        window = self.windows[span] = AggregatedWindow.from_packed(raw, self.labelled)
        note_restarted_runs(self.name, [window])
        return window

    def _account(self, result: WindowResult, window: AggregatedWindow) -> None:
        self.windows_closed += result.revision == 0
        self.last_result = result
        known = set(self.baseline.features)
        # once per window: a revision by late records repeating a violation adds none
        for v in window.new_violations(DATA_QUALITY, result.evaluation.violations):
            feature = v.feature_name if v.feature_name in known else "_other"
            self.violations[(v.constraint_check_type, feature or "_other")] += 1
        if self.postprocessor is not None:
            try:
                self.postprocessor()
            except SCRIPT_FAILURES:  # sys.exit() in the script too: the worker goes on
                self.postprocessor_failures += 1
                log.exception("monitor %s: postprocess_handler failed", self.name)

    def labelled_summary(self) -> LabelledSummary | None:
        """Per monitor type, the newest window with figures (for metrics); None before the first."""
        if not self.last_labelled:
            return None
        return labelled_summary(self.name, self.last_labelled.values())

    def snapshot(self, partition: int) -> Blobs:
        """Progress, and every pending or revisable window (unchanged windows reuse bytes)."""
        if partition != self.partials_partition:
            return {}
        until = None if self.final_until == -math.inf else self.final_until
        meta = {"progress": {str(p): v for p, v in self.progress.items()}, "final_until": until}
        blobs = {_META: orjson.dumps(meta)}
        for (start, end), window in self.windows.items():
            blobs[_blob_name(start, end, self.config.window_seconds)] = window.to_bytes()
        for (start, end), raw in self.settled.items():
            blobs[f"{_SETTLED}{start!r}/{end!r}"] = raw  # read back without unpacking it
        return blobs

    def restore(self, partition: int, blobs: Mapping[str, bytes]) -> None:
        """Replace the state with a :meth:`snapshot`'s (revision numbers included)."""
        if partition != self.partials_partition:
            return
        self.drop([partition])
        if _META in blobs:
            meta = orjson.loads(blobs[_META])
            self.progress = {int(p): float(v) for p, v in meta["progress"].items()}
            until = meta["final_until"]
            self.final_until = -math.inf if until is None else float(until)
        for name, raw in blobs.items():
            if name.startswith("window/"):
                window = AggregatedWindow.from_bytes(raw, self.labelled)
                self.windows[(window.start, window.end)] = window
            elif name.startswith(_SETTLED):  # stays packed until a late label needs it
                start, end = name[len(_SETTLED) :].split("/")
                self.settled[(float(start), float(end))] = raw
        for window in self.windows.values():
            if not window.is_final:
                note_other_length(self.name, window, self.config.window_seconds)
                renew_columns(self.name, window, self.baseline.features, self.baseline.kinds)
        note_restarted_runs(self.name, list(self.windows.values()))
        self._settle()

    def drop(self, partitions: Collection[int]) -> None:
        """Forget everything when the monitor's partials partition moves away."""
        if self.partials_partition in partitions:
            self.windows.clear()
            self.settled.clear()
            self.progress.clear()
            self.final_until = -math.inf
            self.last_result = None  # its gauges must not outlive the partition here
            self.last_labelled.clear()  # nor the labelled ones


def _has_figures(result: LabelledResult) -> bool:
    """Whether a labelled result measured anything (a window without labels has no figure)."""
    return any(d.get("value") is not None for d in result.outcome.decisions)


def _blob_name(start: float, end: float, window_seconds: float) -> str:
    """``window/<start>`` for a window of the configured length, else ``window/<start>/<end>``.

    The name only has to be unique: :meth:`Aggregator.restore` reads start and end from the
    window itself (snapshots written before windows were keyed by their end still load).
    """
    if math.isclose(end - start, window_seconds):
        return f"window/{start!r}"
    return f"window/{start!r}/{end!r}"
