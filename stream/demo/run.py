"""``driftline demo``: the whole spine on one machine, with drift injected half-way through.

An embedded broker, a baseline profiled from synthetic training rows, a worker, and a
traffic thread sending synthetic capture records whose event time runs ``speed`` times
faster than the wall clock (so a 10-second window closes about every second). Half-way
through the traffic, ``drifted`` features change their distribution. Each evaluated window
is shown live; at the end :class:`DemoSummary` says, per feature, whether drift was
injected, whether and when it was flagged, and the detection delay.
"""

from __future__ import annotations

import math
import random
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from stream.capture.records import iso_utc
from stream.config import DriftlineConfig, KafkaConfig, MetricsConfig, MonitorConfig
from stream.demo.synthetic import SyntheticSchema, capture_record
from stream.kafka.capture_producer import CaptureProducer
from stream.monitors.data_quality import save_data_quality_baseline
from stream.worker.results import WindowResult

MONITOR = "demo-model"
DRIFTED = ("income", "plan")
DRIFT_CHECKS = ("baseline_drift_check",)


@dataclass(frozen=True, slots=True)
class FeatureOutcome:
    """One feature's line of the summary."""

    feature: str
    drift_injected: bool
    flagged: bool
    first_flagged_window_start: str | None
    detection_delay_event_seconds: float | None  # flagged window end - onset (event time)
    detection_delay_wall_seconds: float | None  # result arrival - first drifted record sent


@dataclass
class DemoRun:
    """What the traffic thread did and what the worker found."""

    window_seconds: float
    onset_event_seconds: float | None = None
    onset_wall: float | None = None
    records_sent: int = 0
    results: list[tuple[float, WindowResult]] = field(default_factory=list)  # (wall, result)

    def summary(self, features: tuple[str, ...], drifted: tuple[str, ...]) -> dict[str, Any]:
        """Per-feature outcome and totals, JSON-ready."""
        outcomes = []
        for feature in features:
            hits = [
                (wall, r)
                for wall, r in self.results
                if any(
                    v.feature_name == feature and v.constraint_check_type in DRIFT_CHECKS
                    for v in r.evaluation.violations
                )
            ]
            first = hits[0] if hits else None
            event_delay = wall_delay = None
            if first is not None and self.onset_event_seconds is not None:
                event_delay = first[1].window_end - self.onset_event_seconds
            if first is not None and self.onset_wall is not None:
                wall_delay = first[0] - self.onset_wall
            outcomes.append(
                FeatureOutcome(
                    feature=feature,
                    drift_injected=feature in drifted and self.onset_event_seconds is not None,
                    flagged=first is not None,
                    first_flagged_window_start=iso_utc(first[1].window_start) if first else None,
                    detection_delay_event_seconds=event_delay,
                    detection_delay_wall_seconds=wall_delay,
                )
            )
        onset = self.onset_event_seconds
        false_alarms = [o.feature for o in outcomes if o.flagged and not o.drift_injected]
        return {
            "monitor": MONITOR,
            "records_sent": self.records_sent,
            "windows_evaluated": len(self.results),
            "window_seconds": self.window_seconds,
            "drift_onset": iso_utc(onset) if onset is not None else None,
            "features": [asdict(o) for o in outcomes],
            "all_injected_flagged": all(o.flagged for o in outcomes if o.drift_injected),
            "clean_features_flagged": false_alarms,
        }


def demo_config(folder: Path, metrics_port: int, window_seconds: float) -> DriftlineConfig:
    """Embedded broker, one monitor on a freshly profiled synthetic baseline."""
    schema = SyntheticSchema.demo()
    save_data_quality_baseline(folder / "baseline", schema.baseline(seed=7, n=20_000))
    monitor = MonitorConfig(
        name=MONITOR,
        baseline=folder / "baseline",
        window_seconds=window_seconds,
        allowed_lateness_seconds=1.0,
        idle_close_seconds=2.0,
        min_window_count=100,
        capture_index_names=("endpointInput",),
    )
    return DriftlineConfig(
        kafka=KafkaConfig(bootstrap_servers="", topic_prefix="demo", partitions=4),
        metrics=MetricsConfig(port=metrics_port),
        monitors=(monitor,),
    )


def send_traffic(
    run: DemoRun,
    bootstrap: str,
    topic: str,
    *,
    seconds: float,
    records_per_second: int,
    speed: float,
    stop: threading.Event,
    seed: int = 2024,
) -> None:
    """Send capture records for ``seconds`` of wall time; drift starts half-way."""
    schema = SyntheticSchema.demo()
    rng = random.Random(seed)
    tick = 0.1
    started = time.monotonic()
    event_start = math.floor(time.time() / run.window_seconds) * run.window_seconds
    with CaptureProducer(bootstrap_servers=bootstrap, topic=topic, linger_seconds=0.1) as out:
        k = 0
        while not stop.is_set():
            elapsed = time.monotonic() - started
            if elapsed >= seconds:
                break
            drifting = elapsed >= seconds / 2
            event_now = event_start + elapsed * speed
            if drifting and run.onset_event_seconds is None:
                run.onset_event_seconds, run.onset_wall = event_now, time.monotonic()
            n = int(records_per_second * tick)
            rows = schema.rows(rng, n, DRIFTED if drifting else ())
            step = tick * speed / n
            out.send_many(
                capture_record(f"d{k + i}", event_now + i * step, row) for i, row in enumerate(rows)
            )
            k += n
            run.records_sent += n
            stop.wait(max(0.0, started + elapsed + tick - time.monotonic()))


def live_table(run: DemoRun, last: int = 12) -> Any:
    """A rich table of the latest evaluated windows."""
    from rich.table import Table

    table = Table(title=f"driftline demo — monitor {MONITOR}", expand=False)
    for column in ("window start (UTC)", "rows", "status", "violations"):
        table.add_column(column)
    for _, r in run.results[-last:]:
        flagged = sorted(
            {f"{v.feature_name}:{v.constraint_check_type}" for v in r.evaluation.violations}
        )
        style = "red" if flagged else "green"
        table.add_row(
            iso_utc(r.window_start), str(r.row_count), f"[{style}]{r.status}", ", ".join(flagged)
        )
    return table


def window_line(result: WindowResult) -> str:
    """One plain log line per evaluated window: ISO start, rows, status, what was flagged.

    Examples
    --------
    >>> from detectors.quality.checks import EvaluationResult
    >>> from detectors.quality.statistics import DatasetStatistics
    >>> from detectors.violations import Violation
    >>> flagged = (Violation("baseline_drift_check", "d", feature_name="income"),)
    >>> window_line(WindowResult(monitor="m", window_start=1709647200.0,
    ...     window_end=1709647210.0, statistics=DatasetStatistics(0, ()),
    ...     evaluation=EvaluationResult((), flagged), status="CompletedWithViolations",
    ...     record_count=250, row_count=250, partitions_reported=(0,), complete=True,
    ...     evaluated_windows=1, finalised_by="idle"))
    'window 2024-03-05T14:00:00Z  250 rows  CompletedWithViolations  income:baseline_drift_check'
    """
    flagged = sorted(
        {f"{v.feature_name}:{v.constraint_check_type}" for v in result.evaluation.violations}
    )
    line = f"window {iso_utc(result.window_start)}  {result.row_count} rows  {result.status}"
    return f"{line}  {', '.join(flagged)}" if flagged else line


SUMMARY_COLUMNS = ("feature", "drift injected", "flagged", "first flagged window",
                   "delay (event s)", "delay (wall s)")  # fmt: skip


def summary_title(summary: dict[str, Any]) -> str:
    """The summary's headline: windows, records and the drift onset."""
    return (
        f"{summary['windows_evaluated']} windows, {summary['records_sent']} records; "
        f"drift injected at {summary['drift_onset']}"
    )


def summary_rows(summary: dict[str, Any]) -> list[tuple[str, ...]]:
    """Per feature, the cells of :data:`SUMMARY_COLUMNS` as text."""
    rows = []
    for f in summary["features"]:
        delays = (f["detection_delay_event_seconds"], f["detection_delay_wall_seconds"])
        rows.append(
            (
                f["feature"],
                "yes" if f["drift_injected"] else "no",
                "yes" if f["flagged"] else "no",
                f["first_flagged_window_start"] or "",
                *("" if d is None else f"{d:.1f}" for d in delays),
            )
        )
    return rows


def recorder(run: DemoRun) -> Callable[[WindowResult], None]:
    """The worker's ``on_result`` hook: remember each result with its arrival time."""

    def on_result(result: WindowResult) -> None:
        run.results.append((time.monotonic(), result))

    return on_result
