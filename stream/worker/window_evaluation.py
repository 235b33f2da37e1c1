"""A final window's data-quality result: the window's view evaluated against the baseline.

The aggregator decides *when* a window is published and with which revision; this module
owns *what* is published. A window is evaluated together with the final windows of its own
length that start within ``evaluation_windows`` times that length before its end (its
evaluation view: windows of another length, restored after ``window_seconds`` changed, are
never in it), through one
:class:`~detectors.quality.data_quality_monitor.DataQualityMonitor`; the statistics published
are those of the window alone. A baseline that cannot be evaluated gives a
``Failed`` result naming the error — logged, never raised, since it must not stop the
worker — and a window without rows is ``Failed`` whatever its view says.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable

from detectors.quality.checks import EvaluationResult
from detectors.violations import FAILED
from stream.config import MonitorConfig
from stream.monitors.data_quality import DataQualityBaseline
from stream.worker.aggregated_window import AggregatedWindow
from stream.worker.results import WindowResult

# evaluation is the aggregator's step: its failures are logged under the aggregator's name
log = logging.getLogger("driftline.aggregator")

__all__ = ["evaluate_window", "evaluation_view"]


def evaluation_view(
    window: AggregatedWindow, windows: Iterable[AggregatedWindow], config: MonitorConfig
) -> list[AggregatedWindow]:
    """The final windows (``window`` included) merged to evaluate ``window``, oldest first.

    Only windows of ``window``'s length and columns: one profiled before the baseline's
    columns changed is never merged with one profiled after.
    """
    length = window.end - window.start
    # starts lie a window apart: half a window of slack keeps a rounding from dropping the
    # oldest (0.7-second windows: 3 * 0.7 from an end missed the start two windows before)
    earliest = window.end - (config.evaluation_windows + 0.5) * length
    columns = None if window.profile is None else (window.profile.features, window.profile.kinds)
    view = [w for w in windows if w.is_final and w.profile is not None
            and math.isclose(w.end - w.start, length, abs_tol=1e-6)
            and (w.profile.features, w.profile.kinds) == columns
            and earliest < w.start < window.end]  # fmt: skip
    return sorted(view, key=lambda w: w.start)


def evaluate_window(
    window: AggregatedWindow,
    windows: Iterable[AggregatedWindow],
    *,
    config: MonitorConfig,
    baseline: DataQualityBaseline,
    revision: int,
    complete: bool,
) -> WindowResult:
    """The result of ``window``, just published as ``revision``.

    ``windows`` are all the aggregator holds; the evaluation view is chosen from them.
    """
    view_windows = evaluation_view(window, windows, config)
    view = baseline.monitor(config.name, min_window_count=config.min_window_count)
    for w in view_windows:
        view.merge_profile(w.profile)
    statistics = window.profile.statistics()
    reason = ""
    try:
        outcome = view.outcome()
        evaluation, status, reason = outcome.evaluation, outcome.status, outcome.failure_reason
    except Exception as error:  # a broken baseline must not stop the worker
        log.exception("monitor %s: evaluation failed", config.name)
        evaluation, status, reason = (
            EvaluationResult((), ()),
            FAILED,
            f"evaluation failed: {error}",
        )
    if window.profile.item_count == 0:
        status, reason = FAILED, "the window has no rows"
    return WindowResult(
        monitor=config.name,
        window_start=window.start,
        window_end=window.end,
        statistics=statistics,
        evaluation=evaluation,
        status=status,
        record_count=window.records,
        row_count=window.profile.item_count,
        partitions_reported=tuple(sorted(window.ranges)),
        complete=complete,
        evaluated_windows=len(view_windows),
        finalised_by=window.finalised_by,
        failure_reason=reason,
        revision=revision,
    )
