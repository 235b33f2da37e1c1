"""What the aggregator makes of a window: its data-quality result and its labelled results.

:class:`WindowResult` is the data-quality result (statistics of the window, the evaluation of
its view, the status). :class:`LabelledResult` is one labelled monitor's result — model
quality, bias drift or attribution drift. The aggregator publishes labelled results when the
window becomes final (revision 0: the provisional result, with the label coverage of the
moment) and again whenever a labelled partial — late labels or SHAP values of the window's
predictions — changes the window (revision + 1), for as long as the window's predictions can
still be labelled (``label_ttl_seconds``).

Examples
--------
>>> from stream.monitors.labelled import LabelledOutcome
>>> outcome = LabelledOutcome("model_quality", "Completed", {"label_coverage": 0.5}, (), (), 0.5)
>>> result = LabelledResult("m", 60.0, 120.0, outcome, revision=2, complete=True,
...                         partitions_reported=(0, 1))
>>> result.monitor_type, result.label_coverage
('model_quality', 0.5)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union

from detectors.quality.checks import EvaluationResult
from detectors.quality.statistics import DatasetStatistics
from detectors.verdicts import evaluation_lacks_verdict, status_word
from stream.monitors.labelled import LabelledOutcome, LabelledSetup
from stream.monitors.labelled_evaluation import labelled_outcomes
from stream.worker.aggregated_window import AggregatedWindow


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
    complete: bool  # every partition's progress passed the window's end
    evaluated_windows: int  # windows merged into the evaluation view
    finalised_by: str  # "all_partitions" or "idle"
    failure_reason: str = ""
    revision: int = 0  # > 0: evaluated again after a late partial


@dataclass(frozen=True, slots=True)
class LabelledResult:
    """One labelled monitor's result for one window and revision."""

    monitor: str
    window_start: float
    window_end: float
    outcome: LabelledOutcome
    revision: int
    complete: bool
    partitions_reported: tuple[int, ...]

    @property
    def monitor_type(self) -> str:
        """``model_quality``, ``bias_drift`` or ``feature_attribution_drift``."""
        return self.outcome.monitor_type

    @property
    def label_coverage(self) -> float | None:
        """Labelled predictions / predictions of the window, when labels matter."""
        return self.outcome.label_coverage


def labelled_results(
    monitor: str, window: AggregatedWindow, setup: LabelledSetup, *, complete: bool, now: float
) -> list[LabelledResult]:
    """Evaluate the window's labelled accumulators and count a publication."""
    if window.labelled is None:
        return []
    revision = window.labelled_published(now)
    reported = tuple(sorted(set(window.ranges) | set(window.seqs)))
    return [
        LabelledResult(monitor, window.start, window.end, outcome, revision, complete, reported)
        for outcome in labelled_outcomes(setup, window.labelled)
    ]


Result = Union[WindowResult, LabelledResult]  # noqa: UP007


def describe(result: Result) -> str:
    """One log line for a result of any monitor type."""
    if isinstance(result, LabelledResult):
        outcome = result.outcome
        coverage = "n/a" if result.label_coverage is None else f"{result.label_coverage:.0%}"
        return (
            f"monitor {result.monitor} {result.monitor_type} window {result.window_start} "
            f"rev {result.revision}: {status_word(outcome.status, outcome.no_verdict)}, "
            f"coverage {coverage}, {len(outcome.violations)} violations"
        )
    evaluation = result.evaluation
    undecided = evaluation_lacks_verdict(result.status, evaluation)
    return (
        f"monitor {result.monitor} window {result.window_start} rev {result.revision}: "
        f"{status_word(result.status, undecided)}, {result.row_count} rows, "
        f"{len(evaluation.violations)} violations"
    )


def warning_lines(result: Result) -> list[str]:
    """One log line per warning of a labelled result (an empty bias facet); none otherwise."""
    if not isinstance(result, LabelledResult):
        return []
    return [
        f"monitor {result.monitor} {result.monitor_type} window {result.window_start} "
        f"rev {result.revision}: {warning}"
        for warning in result.outcome.warnings
    ]
