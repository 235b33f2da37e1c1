"""What the demo found: per feature and per labelled monitor, injected, flagged, and when.

A feature is *flagged* when a window's data-quality result has a ``baseline_drift_check``
violation on it; a labelled monitor (model quality, bias drift, attribution drift) when any
revision of a window's result has a violation. The delay is event time from the drift onset
to the end of the first flagged window (for features also the wall time until the result
arrived); a labelled monitor's line also says whether anything was flagged in a window that
ended before the onset (a false alarm) and the label coverage of the result that flagged.

Examples
--------
>>> from detectors.quality.checks import EvaluationResult
>>> from detectors.quality.statistics import DatasetStatistics
>>> from detectors.violations import Violation
>>> from stream.worker.results import WindowResult
>>> flagged = (Violation("baseline_drift_check", "d", feature_name="income"),)
>>> window_line(WindowResult(monitor="m", window_start=1709647200.0,
...     window_end=1709647210.0, statistics=DatasetStatistics(0, ()),
...     evaluation=EvaluationResult((), flagged), status="CompletedWithViolations",
...     record_count=250, row_count=250, partitions_reported=(0,), complete=True,
...     evaluated_windows=1, finalised_by="idle"))
'window 2024-03-05T14:00:00Z  250 rows  CompletedWithViolations  income:baseline_drift_check'
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from stream.capture.records import iso_utc
from stream.monitors.labelled import ATTRIBUTION_DRIFT, BIAS_DRIFT, MODEL_QUALITY
from stream.worker.results import LabelledResult, Result, WindowResult

DRIFT_CHECKS = ("baseline_drift_check",)
LABELLED_TYPES = (MODEL_QUALITY, BIAS_DRIFT, ATTRIBUTION_DRIFT)
Arrival = tuple[float, Result]  # (wall clock of arrival, result)
# what min_window_count counts in a labelled monitor's window
COUNTED = {MODEL_QUALITY: "labelled predictions", BIAS_DRIFT: "labelled predictions",
           ATTRIBUTION_DRIFT: "explained predictions"}  # fmt: skip


@dataclass(frozen=True, slots=True)
class FeatureOutcome:
    """One feature's line of the summary."""

    feature: str
    drift_injected: bool
    flagged: bool
    first_flagged_window_start: str | None
    detection_delay_event_seconds: float | None  # flagged window end - onset (event time)
    detection_delay_wall_seconds: float | None  # result arrival - first drifted record sent


@dataclass(frozen=True, slots=True)
class MonitorOutcome:
    """One labelled monitor's line of the summary."""

    type: str
    injected: bool
    flagged: bool
    flagged_before_onset: bool
    detection_delay_event_seconds: float | None
    label_coverage_at_detection: float | None


def feature_outcomes(
    arrivals: list[Arrival], features: tuple[str, ...], drifted: tuple[str, ...],
    onset: float | None, onset_wall: float | None,
) -> list[FeatureOutcome]:  # fmt: skip
    """Per feature: injected, flagged, first flagged window, delays."""
    quality = [(wall, r) for wall, r in arrivals if isinstance(r, WindowResult)]
    out = []
    for feature in features:
        hits = [(wall, r) for wall, r in quality if any(
            v.feature_name == feature and v.constraint_check_type in DRIFT_CHECKS
            for v in r.evaluation.violations)]  # fmt: skip
        first = hits[0] if hits else None
        event_delay = None if first is None or onset is None else first[1].window_end - onset
        wall_delay = None if first is None or onset_wall is None else first[0] - onset_wall
        out.append(FeatureOutcome(
            feature=feature, drift_injected=feature in drifted and onset is not None,
            flagged=first is not None,
            first_flagged_window_start=iso_utc(first[1].window_start) if first else None,
            detection_delay_event_seconds=event_delay, detection_delay_wall_seconds=wall_delay,
        ))  # fmt: skip
    return out


def monitor_outcomes(arrivals: list[Arrival], onset: float | None) -> list[MonitorOutcome]:
    """Per labelled monitor type: injected, flagged, false alarms, delay, coverage."""
    out = []
    for kind in LABELLED_TYPES:
        results = [r for _, r in arrivals
                   if isinstance(r, LabelledResult) and r.monitor_type == kind]  # fmt: skip
        flagged = [r for r in results if r.outcome.violations]
        before = [r for r in flagged if onset is not None and r.window_end <= onset]
        after = [r for r in flagged if onset is not None and r.window_end > onset]
        first = min(after, key=lambda r: r.window_end) if after else None
        out.append(MonitorOutcome(
            type=kind, injected=onset is not None, flagged=bool(flagged),
            flagged_before_onset=bool(before),
            detection_delay_event_seconds=None if first is None or onset is None
            else first.window_end - onset,
            label_coverage_at_detection=None if first is None else first.label_coverage,
        ))  # fmt: skip
    return out


def latest_windows(results: list[Any]) -> dict[float, WindowResult]:
    """Each data-quality window's latest result, by window start."""
    return {r.window_start: r for _, r in results if isinstance(r, WindowResult)}


def records_evaluated(results: list[Any]) -> int:
    """Records in the evaluated windows (each window's latest revision counted once).

    >>> records_evaluated([])
    0
    """
    return sum(r.record_count for r in latest_windows(results).values())


def summary_document(run: Any, features: tuple[str, ...], drifted: tuple[str, ...]) -> dict:
    """The demo's summary as JSON-ready data (``--json-summary``)."""
    onset = run.onset_event_seconds
    outcomes = feature_outcomes(run.results, features, drifted, onset, run.onset_wall)
    windows = latest_windows(run.results)
    false_alarms = [o.feature for o in outcomes if o.flagged and not o.drift_injected]
    return {
        "monitor": run.monitor,
        "records_sent": run.records_sent,
        # each window's latest revision: how much of the traffic the worker got to
        "records_evaluated": records_evaluated(run.results),
        "windows_evaluated": len(windows),
        "window_seconds": run.window_seconds,
        "drift_onset": iso_utc(onset) if onset is not None else None,
        "features": [asdict(o) for o in outcomes],
        "all_injected_flagged": all(o.flagged for o in outcomes if o.drift_injected),
        "clean_features_flagged": false_alarms,
        "monitors": [asdict(m) for m in monitor_outcomes(run.results, onset)],
    }


def window_line(result: Result) -> str:
    """One plain log line per result: start, rows or coverage, status, and what it found.

    What it found: the flagged features or metrics, why it failed, or that it had too few
    rows to judge.
    """
    start = iso_utc(result.window_start)
    if isinstance(result, LabelledResult):
        outcome = result.outcome
        coverage = result.label_coverage
        shown = "" if coverage is None else f"  coverage {coverage:.0%}"
        flagged = sorted({v.metric_name or dict(v.extra).get("label", "")
                          for v in outcome.violations})  # fmt: skip
        line = f"{result.monitor_type} window {start} rev {result.revision}{shown}"
        line = f"{line}  {outcome.status}"
        if outcome.failure_reason:
            return f"{line}  {outcome.failure_reason}"
        if flagged:
            return f"{line}  {', '.join(flagged)}"
        undecided = [d for d in outcome.decisions if d.get("violated") is None]
        if outcome.decisions and len(undecided) == len(outcome.decisions):
            counted = COUNTED.get(result.monitor_type, "rows")
            return f"{line}  too few to judge ({undecided[0]['sample_count']} {counted})"
        return line
    flagged = sorted({f"{v.feature_name}:{v.constraint_check_type}"
                      for v in result.evaluation.violations})  # fmt: skip
    line = f"window {start}  {result.row_count} rows  {result.status}"
    drift = [d for d in result.evaluation.decisions if d.check_type in DRIFT_CHECKS]
    if not flagged and drift and all(d.violated is None for d in drift):
        return f"{line}  no drift verdict: too few to judge ({result.row_count} rows)"
    return f"{line}  {', '.join(flagged)}" if flagged else line


SUMMARY_COLUMNS = ("feature", "drift injected", "flagged", "first flagged window",
                   "delay (event s)", "delay (wall s)")  # fmt: skip
MONITOR_COLUMNS = ("monitor", "shift injected", "flagged", "flagged before the shift",
                   "delay (event s)", "label coverage")  # fmt: skip


def summary_title(summary: dict[str, Any]) -> str:
    """The summary's headline: windows, records and the drift onset.

    When the worker evaluated fewer records than were sent (it fell behind and the run
    ended first), the headline says so: the table below stands on that part only.
    """
    sent, evaluated = summary["records_sent"], summary["records_evaluated"]
    records = f"{sent} records"
    if evaluated < sent:
        records = (
            f"{evaluated} of {sent} records evaluated (the worker had not caught up when the "
            "demo stopped: a lower --rate or a longer --seconds)"
        )
    windows, onset = summary["windows_evaluated"], summary["drift_onset"]
    return f"{windows} windows, {records}; drift injected at {onset}"


def summary_rows(summary: dict[str, Any]) -> list[tuple[str, ...]]:
    """Per feature, the cells of :data:`SUMMARY_COLUMNS` as text."""
    rows = []
    for f in summary["features"]:
        delays = (f["detection_delay_event_seconds"], f["detection_delay_wall_seconds"])
        rows.append((f["feature"], _yes(f["drift_injected"]), _yes(f["flagged"]),
                     f["first_flagged_window_start"] or "",
                     *("" if d is None else f"{d:.1f}" for d in delays)))  # fmt: skip
    return rows


def monitor_rows(summary: dict[str, Any]) -> list[tuple[str, ...]]:
    """Per labelled monitor, the cells of :data:`MONITOR_COLUMNS` as text."""
    rows = []
    for m in summary["monitors"]:
        delay, coverage = m["detection_delay_event_seconds"], m["label_coverage_at_detection"]
        rows.append((m["type"], _yes(m["injected"]), _yes(m["flagged"]),
                     _yes(m["flagged_before_onset"]), "" if delay is None else f"{delay:.1f}",
                     "" if coverage is None else f"{coverage:.0%}"))  # fmt: skip
    return rows


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"
