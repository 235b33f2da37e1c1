"""``driftline demo``: the whole spine on one machine, with drift injected half-way through.

An embedded broker, baselines profiled from synthetic training rows (data quality, model
quality, bias, attribution), a worker, and a traffic thread (:mod:`stream.demo.traffic`)
sending scored capture records in real time and their labels late. Half-way through, two
features drift, the model's accuracy drops, a facet's outcome rate shifts and the
explanations' ranking turns. Each evaluated window is shown live; at the end the summary
(:mod:`stream.demo.summary`) says what was injected, what was flagged, and when.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stream.capture.records import iso_utc
from stream.config import (
    DriftlineConfig,
    KafkaConfig,
    MetricsConfig,
    MonitorConfig,
    WorkerConfig,
)
from stream.config.sections import (
    AttributionDriftSettings,
    BiasDriftSettings,
    ModelQualitySettings,
)
from stream.demo.labelled import SyntheticModel, write_labelled_baselines
from stream.demo.summary import Arrival, records_evaluated, summary_document
from stream.demo.traffic import DRIFTED
from stream.worker.results import LabelledResult, Result, WindowResult

MONITOR = "demo-model"
# No verdict below 400 rows (or labelled predictions): windows are revised as labels
# arrive, and a first revision on ~150 labels reads eleven model-quality metrics below
# their constraints by chance in about 4 % of windows.
MIN_WINDOW_COUNT = 400


@dataclass
class DemoRun:
    """What the traffic thread did and what the worker found."""

    window_seconds: float
    monitor: str = MONITOR
    onset_event_seconds: float | None = None
    onset_wall: float | None = None
    records_sent: int = 0
    results: list[Arrival] = field(default_factory=list)  # (wall, result)

    def records_behind(self) -> int:
        """Records sent that no evaluated window counts yet.

        >>> DemoRun(window_seconds=10.0, records_sent=5).records_behind()
        5
        """
        return max(0, self.records_sent - records_evaluated(self.results))

    def summary(self, features: tuple[str, ...], drifted: tuple[str, ...] = DRIFTED) -> dict:
        """Per-feature and per-monitor outcome and totals, JSON-ready."""
        return summary_document(self, features, drifted)


def demo_config(
    folder: Path, metrics_port: int, window_seconds: float, event_lead_seconds: float = 0.0
) -> DriftlineConfig:
    """Embedded broker, one monitor with all four monitors on fresh synthetic baselines.

    The worker accepts event times up to ``event_lead_seconds`` further ahead of the wall
    clock than its default allows: the traffic's event time runs ahead by design.
    """
    write_labelled_baselines(folder / "baseline", SyntheticModel(), seed=7, n=20_000)
    monitor = MonitorConfig(
        name=MONITOR,
        baseline=folder / "baseline",
        window_seconds=window_seconds,
        allowed_lateness_seconds=1.0,
        idle_close_seconds=2.0,
        min_window_count=MIN_WINDOW_COUNT,
        capture_index_names=("endpointInput",),
        model_quality=ModelQualitySettings(
            problem_type="BinaryClassification",
            inference_attribute="label",
            probability_attribute="score",
        ),
        bias=BiasDriftSettings(),
        attribution=AttributionDriftSettings(shap_source="capture", shap_path="shap"),
    )
    return DriftlineConfig(
        kafka=KafkaConfig(bootstrap_servers="", topic_prefix="demo", partitions=4),
        metrics=MetricsConfig(port=metrics_port),
        worker=WorkerConfig(
            max_future_seconds=WorkerConfig().max_future_seconds + event_lead_seconds
        ),
        monitors=(monitor,),
    )


def live_table(run: DemoRun, last: int = 12) -> Any:
    """A rich table of the latest evaluated windows."""
    from rich.table import Table

    table = Table(title=f"driftline demo — monitor {MONITOR}", expand=False)
    for column in ("window start (UTC)", "rows", "status", "violations"):
        table.add_column(column)
    for _, r in [a for a in run.results if isinstance(a[1], WindowResult)][-last:]:
        flagged = sorted(
            {f"{v.feature_name}:{v.constraint_check_type}" for v in r.evaluation.violations}
        )
        style = "red" if flagged else "green"
        table.add_row(
            iso_utc(r.window_start), str(r.row_count), f"[{style}]{r.status}", ", ".join(flagged)
        )
    return table


def recorder(run: DemoRun) -> Callable[[Result], None]:
    """The worker's ``on_result`` hook: remember each result with its arrival time."""

    def on_result(result: Result) -> None:
        run.results.append((time.monotonic(), result))

    return on_result


def worth_a_line(result: Result, run: DemoRun) -> bool:
    """Whether a plain log shows a result.

    Every data-quality window; a labelled result when first published, and when it first
    flags its window (late labels revise a window many times).
    """
    if not isinstance(result, LabelledResult) or result.revision == 0:
        return True
    same = (result.monitor_type, result.window_start)
    earlier = [
        r
        for _, r in run.results[:-1]
        if isinstance(r, LabelledResult) and (r.monitor_type, r.window_start) == same
    ]
    return bool(result.outcome.violations) and not any(r.outcome.violations for r in earlier)


__all__ = ["MONITOR", "DemoRun", "demo_config", "live_table", "recorder", "worth_a_line"]
