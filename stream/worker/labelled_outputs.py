"""Output messages of the labelled monitors: statistics, executions and violations.

The shapes follow the data-quality messages (:mod:`stream.worker.outputs`): every message
names the monitor, its ``monitor_type`` (``model_quality``, ``bias_drift`` or
``feature_attribution_drift``), the window, the ``revision`` (a later one replaces an
earlier one), whether every partition reported (``complete``) and the label coverage. The
statistics message holds SageMaker's document — model-quality ``statistics.json`` or
Clarify's ``analysis.json`` — with driftline's counts beside it.

Examples
--------
>>> from stream.monitors.labelled import LabelledOutcome
>>> from stream.worker.results import LabelledResult
>>> outcome = LabelledOutcome("model_quality", "Completed", {"label_coverage": 0.5}, (), (), 0.5)
>>> message = labelled_execution_message(LabelledResult("m", 60.0, 120.0, outcome, 1, True, (0,)))
>>> message["monitor_type"], message["window_start"], message["revision"]
('model_quality', '1970-01-01T00:01:00Z', 1)
"""

from __future__ import annotations

from typing import Any

from stream.capture.records import iso_utc
from stream.worker.results import LabelledResult
from stream.worker.windows import SCHEMA_VERSION


def _fields(result: LabelledResult) -> dict[str, Any]:
    return {
        "monitor": result.monitor,
        "monitor_type": result.monitor_type,
        "window_start": iso_utc(result.window_start),
        "window_end": iso_utc(result.window_end),
        "complete": result.complete,
        "revision": result.revision,
        "label_coverage": result.label_coverage,
        "schema_version": SCHEMA_VERSION,
    }


def labelled_statistics_message(result: LabelledResult) -> dict[str, Any]:
    """SageMaker's statistics (or Clarify's analysis) of the window, with its counts."""
    return {**result.outcome.statistics, **_fields(result),
            "partitions_reported": list(result.partitions_reported)}  # fmt: skip


def labelled_execution_message(result: LabelledResult) -> dict[str, Any]:
    """The window's status, its warnings, every decision taken, and its counts."""
    outcome = result.outcome
    return {
        **_fields(result),
        "status": outcome.status,
        "failure_reason": outcome.failure_reason,
        "warnings": list(outcome.warnings),
        "violation_count": len(outcome.violations),
        "partitions_reported": list(result.partitions_reported),
        "decisions": list(outcome.decisions),
    }


def labelled_violation_messages(result: LabelledResult) -> list[dict[str, Any]]:
    """One message per violation: SageMaker's keys plus the figures and the window."""
    return [{**v.to_dict(), **_fields(result)} for v in result.outcome.violations]
