"""The aggregator, pure: merges the partials of all partitions and evaluates each window.

Partials of one monitor arrive on the partials topic keyed by the monitor, so one worker
holds all of them. A window is *final* when every configured partition has reported
progress past its end (each partial says up to where its partition has closed), or when
``idle_close_seconds`` of wall-clock time have passed since its first partial arrived
(a partition that gets no traffic never reports). Partials are merged in (partition,
offset) order, so the result does not depend on which worker sent what, or when.

Each final window is evaluated — merged with the previous ``evaluation_windows - 1`` final
windows — against the baseline with :func:`~detectors.quality.checks.evaluate`, and the
postprocessor (SageMaker's ``postprocess_handler()``) runs after it; its failures are logged
and counted, never raised.

A partial for a window already final (a partition that caught up on a backlog after the idle
timeout finalised the window) is merged in and the window is evaluated again: the result is
sent once more with ``revision`` increased, so no event is lost. Only the last
``REVISABLE_WINDOWS`` final windows can be revised; a partial for an older one is counted as
late and dropped.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from detectors.quality.checks import EvaluationResult, evaluate
from detectors.quality.dataset_profile import DatasetProfile
from detectors.quality.statistics import DatasetStatistics
from detectors.violations import COMPLETED, COMPLETED_WITH_VIOLATIONS, FAILED
from stream.config import MonitorConfig
from stream.monitors.data_quality import DataQualityBaseline
from stream.worker.windows import WindowPartial

log = logging.getLogger("driftline.aggregator")

REVISABLE_WINDOWS = 16


@dataclass(frozen=True, slots=True)
class WindowResult:
    """One monitor's evaluated window."""

    monitor: str
    window_start: float
    window_end: float
    statistics: DatasetStatistics  # of this window alone
    evaluation: EvaluationResult  # of the merged evaluation view
    status: str  # Completed, CompletedWithViolations or Failed
    record_count: int
    row_count: int
    partitions_reported: tuple[int, ...]
    evaluated_windows: int  # windows merged into the evaluation view
    finalised_by: str  # "all_partitions" or "idle"
    failure_reason: str = ""
    revision: int = 0  # > 0: evaluated again after a late partial


class _Pending:
    __slots__ = ("end", "first_seen", "partials")

    def __init__(self, end: float, first_seen: float) -> None:
        self.end = end
        self.first_seen = first_seen
        self.partials: list[WindowPartial] = []


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
    now
        Wall clock (timezone-aware UTC).
    postprocessor
        SageMaker ``postprocess_handler()``, called after each evaluation, or None.
    """

    def __init__(
        self,
        config: MonitorConfig,
        baseline: DataQualityBaseline,
        *,
        partitions: int,
        now: Callable[[], datetime],
        postprocessor: Callable[[], Any] | None = None,
    ) -> None:
        self.config = config
        self.baseline = baseline
        self.partitions = partitions
        self.now = now
        self.postprocessor = postprocessor
        self.pending: dict[float, _Pending] = {}
        self.progress: dict[int, float] = {}
        self.history: dict[float, DatasetProfile] = {}  # final window profiles still needed
        self.final: dict[float, tuple[_Pending, int]] = {}  # revisable windows, revision
        self.final_until = float("-inf")
        # counters read by the metrics collector
        self.windows_closed = 0
        self.late_partials = 0
        self.postprocessor_failures = 0
        self.violations: Counter[tuple[str, str]] = Counter()  # (check type, feature)
        self.last_result: WindowResult | None = None

    def add(self, partial: WindowPartial) -> list[WindowResult]:
        """Take one partial; return the windows that became final."""
        self.progress[partial.partition] = max(
            self.progress.get(partial.partition, float("-inf")), partial.closed_until
        )
        revised: list[WindowResult] = []
        if partial.window_start in self.final:
            final, revision = self.final[partial.window_start]
            final.partials.append(partial)
            revised.append(
                self._evaluate(partial.window_start, final, "late_partial", revision + 1)
            )
        elif partial.window_end <= self.final_until:
            self.late_partials += 1
            log.warning(
                "monitor %s: partial of partition %d for old window %s dropped",
                partial.monitor,
                partial.partition,
                partial.window_start,
            )
        else:
            entry = self.pending.get(partial.window_start)
            if entry is None:
                entry = self.pending[partial.window_start] = _Pending(
                    partial.window_end, self.now().timestamp()
                )
            entry.partials.append(partial)
        reported = [self.progress.get(p, float("-inf")) for p in range(self.partitions)]
        complete_until = min(reported)
        due = self._finalise(lambda start, entry: entry.end <= complete_until, "all_partitions")
        return revised + due

    def close_due(self) -> list[WindowResult]:
        """Finalise windows whose first partial arrived ``idle_close_seconds`` ago or more."""
        cutoff = self.now().timestamp() - self.config.idle_close_seconds
        last_idle = max(
            (s for s, e in self.pending.items() if e.first_seen <= cutoff), default=None
        )
        if last_idle is None:
            return []
        # earlier windows are final too: results leave in window order
        return self._finalise(lambda start, entry: start <= last_idle, "idle")

    def _finalise(self, is_due: Callable[[float, _Pending], bool], how: str) -> list[WindowResult]:
        due = sorted(start for start, entry in self.pending.items() if is_due(start, entry))
        return [self._evaluate(start, self.pending.pop(start), how) for start in due]

    def _evaluate(self, start: float, entry: _Pending, how: str, revision: int = 0) -> WindowResult:
        features, kinds = self.baseline.features, self.baseline.kinds
        profile = DatasetProfile(features=features, kinds=kinds)
        partials = sorted(entry.partials, key=lambda p: (p.partition, p.first_offset))
        for partial in partials:
            profile.merge(DatasetProfile.from_state(partial.profile_state))
        self.final_until = max(self.final_until, entry.end)
        self.final[start] = (entry, revision)
        for old in sorted(self.final)[:-REVISABLE_WINDOWS]:
            del self.final[old]
        span = self.config.evaluation_windows * self.config.window_seconds
        self.history[start] = profile
        keep_from = min(self.final) - span  # views of revisable windows need these
        for old in [s for s in self.history if s < keep_from]:
            del self.history[old]
        view = DatasetProfile(features=features, kinds=kinds)
        for s in sorted(self.history):
            if entry.end - span <= s < entry.end:
                view.merge(self.history[s])
        statistics = profile.statistics()
        evaluation, status, reason = EvaluationResult((), ()), FAILED, ""
        if profile.item_count == 0:
            reason = "the window has no rows"
        else:
            try:
                evaluation = evaluate(
                    self.baseline.statistics,
                    self.baseline.constraints,
                    view.statistics(),
                    min_window_count=self.config.min_window_count,
                )
            except Exception as error:  # a broken baseline must not stop the worker
                log.exception("monitor %s: evaluation failed", self.config.name)
                reason = f"evaluation failed: {error}"
            else:
                status = COMPLETED_WITH_VIOLATIONS if evaluation.violations else COMPLETED
        result = WindowResult(
            monitor=self.config.name,
            window_start=start,
            window_end=entry.end,
            statistics=statistics,
            evaluation=evaluation,
            status=status,
            record_count=sum(p.record_count for p in partials),
            row_count=profile.item_count,
            partitions_reported=tuple(sorted({p.partition for p in partials})),
            evaluated_windows=sum(1 for s in self.history if entry.end - span <= s < entry.end),
            finalised_by=how,
            failure_reason=reason,
            revision=revision,
        )
        self._account(result)
        return result

    def _account(self, result: WindowResult) -> None:
        self.windows_closed += result.revision == 0
        self.last_result = result
        known = set(self.baseline.features)
        for v in result.evaluation.violations:
            feature = v.feature_name if v.feature_name in known else "_other"
            self.violations[(v.constraint_check_type, feature or "_other")] += 1
        if self.postprocessor is not None:
            try:
                self.postprocessor()
            except Exception:
                self.postprocessor_failures += 1
                log.exception("monitor %s: postprocess_handler failed", self.config.name)
